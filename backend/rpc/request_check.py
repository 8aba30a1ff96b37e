"""Check a request against the limits of ``backend.rpc.limits``, driven by its message descriptor.

Nothing here knows a particular request: every string, bytes, repeated, map and enum field of every message
is checked the same way, so a field added to the contract is bounded without anyone remembering to.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from backend.rpc import limits
from omni_core.errors import InvalidArgument, shown


def check_request(message: Message) -> None:
    """Raise ``InvalidArgument`` naming the first field of ``message`` beyond its limit, else return."""
    _check_message(message, "", 0)


def _is_map(field: FieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry


_LIMITED_TYPES = frozenset(
    {FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_BYTES, FieldDescriptor.TYPE_ENUM, FieldDescriptor.TYPE_MESSAGE}
)


@cache
def _has_limits(field: FieldDescriptor) -> bool:
    """Whether a value of ``field`` can break a limit; 10,000 boxes of plain numbers need no walk."""
    if field.type != FieldDescriptor.TYPE_MESSAGE:
        return field.type in _LIMITED_TYPES
    entry = field.message_type
    return entry is None or any(f.is_repeated or f.type in _LIMITED_TYPES for f in entry.fields)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _check_message(message: Message, path: str, depth: int) -> None:
    if depth > limits.NESTING:
        raise InvalidArgument(path, f"nested more than {limits.NESTING} levels deep")
    for field, value in message.ListFields():
        name = _join(path, field.name)
        if _is_map(field):
            _check_map(field, value, name, depth)
        elif field.is_repeated:
            _check_count(field, len(value), name, limits.REPEATED_ITEMS, "items")
            if _has_limits(field):
                for index, item in enumerate(value):
                    _check_value(field, item, f"{name}[{index}]", depth)
        else:
            _check_value(field, value, name, depth)


def _check_count(field: FieldDescriptor, count: int, name: str, default: int, unit: str) -> None:
    limit = limits.field_limit(field.full_name, default)
    if count > limit:
        raise InvalidArgument(name, f"{count} {unit}, at most {limit}")


def _check_map(field: FieldDescriptor, value: Any, name: str, depth: int) -> None:
    """Entries, then each key and value; a bad key or value names the map and the entry's key."""
    _check_count(field, len(value), name, limits.MAP_ENTRIES, "entries")
    entry = field.message_type
    assert entry is not None  # a map field's type is its entry message
    for key, item in value.items():
        for part, part_value in (("key", key), ("value", item)):
            try:
                _check_value(entry.fields_by_name[part], part_value, name, depth)
            except InvalidArgument as error:
                why = error.reason
                raise InvalidArgument(name, f"the {part} of entry {shown(key)}: {why}") from None


def _check_value(field: FieldDescriptor, value: Any, name: str, depth: int) -> None:
    kind = field.type
    if kind == FieldDescriptor.TYPE_MESSAGE or kind == FieldDescriptor.TYPE_GROUP:
        _check_message(value, name, depth + 1)
    elif kind == FieldDescriptor.TYPE_STRING:
        _check_count(field, len(value), name, limits.STRING_CHARS, "characters")
        if "\x00" in value:
            raise InvalidArgument(name, "contains a NUL character")
    elif kind == FieldDescriptor.TYPE_BYTES:
        _check_count(field, len(value), name, limits.BYTES, "bytes")
    elif kind == FieldDescriptor.TYPE_ENUM:
        enum = field.enum_type
        if enum is not None and value not in enum.values_by_number:
            raise InvalidArgument(name, f"{value} is not a value of {enum.full_name}")

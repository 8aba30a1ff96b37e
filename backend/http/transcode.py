"""HTTP request <-> protobuf message, by google.api.http's rules and protobuf's JSON mapping.

The request message is built from three places: the path's variables, the body (all of it for
``body: "*"``, else one field) and, for fields in neither, the query string (``?states=A&states=B``,
``?page_size=10``, ``?spec.seed=3``). Names may be the proto names or their lowerCamelCase JSON names.
Everything goes through ``json_format`` with unknown fields refused, so a misspelt field is a 400 naming it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf import json_format, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from backend.http.errors import from_parse_error, invalid
from backend.http.routes import Route

_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


def message_class(descriptor: Descriptor) -> type[Message]:
    return message_factory.GetMessageClass(descriptor)


def _field(descriptor: Descriptor, name: str) -> FieldDescriptor | None:
    return descriptor.fields_by_name.get(name) or descriptor.fields_by_camelcase_name.get(name)


def _scalar(field: FieldDescriptor, name: str, value: str) -> object:
    """A query or path string as the JSON value json_format expects for ``field``."""
    if field.type == FieldDescriptor.TYPE_BOOL:
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise invalid(name, f"{value!r} is not true or false")
    return value  # json_format reads numbers, enums (name or number), bytes (base64) and timestamps from strings


def _set_path(target: dict[str, Any], descriptor: Descriptor, path: str, values: list[str], *, where: str) -> None:
    """Put ``values`` at the dotted field ``path`` of the JSON object ``target`` (a 400 naming a bad name)."""
    names = path.split(".")
    for depth, name in enumerate(names):
        field = _field(descriptor, name)
        shown = ".".join(names[: depth + 1])
        if field is None:
            raise invalid(shown, f"unknown field (in the {where})")
        last = depth == len(names) - 1
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            raise invalid(shown, f"a map cannot be set from the {where}; send it in a JSON body")
        if not last:
            if field.message_type is None or field.is_repeated:
                raise invalid(shown, f"has no fields (in the {where})")
            target = target.setdefault(field.name, {})
            if not isinstance(target, dict):
                raise invalid(shown, "given twice")
            descriptor = field.message_type
            continue
        if field.message_type is not None and not field.message_type.full_name.startswith("google.protobuf."):
            raise invalid(shown, f"a message cannot be set from the {where}; name its fields ({shown}.FIELD)")
        converted = [_scalar(field, shown, v) for v in values]
        if field.is_repeated:
            target[field.name] = converted
        elif len(converted) > 1:
            raise invalid(shown, f"given {len(converted)} times; it takes one value")
        else:
            target[field.name] = converted[0]


def _parse_body(raw: bytes) -> object:
    try:
        return json.loads(raw) if raw.strip() else {}
    except UnicodeDecodeError:
        raise invalid("body", "not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise invalid("body", f"malformed JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    except RecursionError:
        raise invalid("body", "JSON nested too deeply") from None


def _without(data: dict[str, Any], descriptor: Descriptor, name: str) -> object:
    """The value ``data`` holds for field ``name`` under either spelling (None if absent)."""
    field = descriptor.fields_by_name[name]
    return data.get(field.name, data.get(field.json_name))


def build_request(
    route: Route, path_values: Mapping[str, str], query: Iterable[tuple[str, str]], raw_body: bytes | None
) -> Message:
    """The request message of ``route`` for one HTTP request; an HttpError (4xx) naming what is wrong."""
    descriptor = route.method.input_type
    data: dict[str, Any] = {}
    if route.body == "*":
        body = _parse_body(raw_body or b"")
        if not isinstance(body, dict):
            raise invalid(
                "body", f"a JSON object is expected (the {descriptor.name} message), not {type(body).__name__}"
            )
        data = body
    elif route.body:
        data = {route.body: _parse_body(raw_body or b"null")}
    grouped: dict[str, list[str]] = {}
    for name, value in query:
        grouped.setdefault(name, []).append(value)
    if route.body == "*" and grouped:
        raise invalid(next(iter(grouped)), "unknown query parameter: this route takes every field in the JSON body")
    for name, values in grouped.items():
        _set_path(data, descriptor, name, values, where="query string")
    for name, value in path_values.items():
        from_path: dict[str, Any] = {}
        _set_path(from_path, descriptor, name, [value], where="path")
        _merge_path_value(data, from_path, name)
    message = message_class(descriptor)()
    try:
        json_format.ParseDict(data, message, ignore_unknown_fields=False)
    except json_format.ParseError as error:
        raise from_parse_error(error, data, descriptor) from None
    except RecursionError:
        raise invalid("body", "JSON nested too deeply") from None
    return message


def _merge_path_value(data: dict[str, Any], from_path: dict[str, Any], name: str) -> None:
    """Set a path variable into the request; the body may repeat it only with the same value."""
    target, source = data, from_path
    while True:
        ((key, value),) = source.items()
        if not isinstance(value, dict):
            break
        target = target.setdefault(key, {}) if isinstance(target.get(key, {}), dict) else {}
        source = value
    camel = _camel(key)
    given = target.get(key, target.get(camel))
    if given is not None and given != value:
        raise invalid(name, f"the body says {given!r} but the path says {value!r}")
    target.pop(camel, None)
    target[key] = value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def to_json(message: Message) -> dict[str, Any]:
    """A message in protobuf's JSON mapping; fields at their default are included (clients read them)."""
    return json_format.MessageToDict(message, always_print_fields_with_no_presence=True)


def dumps(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

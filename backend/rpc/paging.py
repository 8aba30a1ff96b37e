"""Pages and batches that an ordinary client can receive, and offset page tokens that SQLite can take."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar

from google.protobuf.message import Message

from backend.rpc.limits import RESPONSE_BUDGET_BYTES
from omni_core.errors import InvalidArgument, shown

M = TypeVar("M", bound=Message)

#: an offset token: decimal digits, small enough for SQLite's 64-bit integers
_OFFSET_TOKEN = re.compile(r"[0-9]{1,18}", re.ASCII)
#: what a repeated field costs besides the message itself (tag and length)
_ITEM_OVERHEAD = 8


def within_budget(messages: Iterable[M], budget: int = RESPONSE_BUDGET_BYTES) -> list[M]:
    """The leading ``messages`` whose sizes add up to at most ``budget`` bytes (always at least one), so
    that the response carrying them stays under the 4 MiB an ordinary gRPC client accepts."""
    taken: list[M] = []
    used = 0
    for message in messages:
        used += message.ByteSize() + _ITEM_OVERHEAD
        if taken and used > budget:
            break
        taken.append(message)
    return taken


def offset_from_token(token: str, method: str) -> int:
    """The offset a ``next_page_token`` of ``method`` carries; "" is the first page."""
    if not token:
        return 0
    if not _OFFSET_TOKEN.fullmatch(token):
        raise InvalidArgument("page_token", f"{shown(token)} is not a token from {method}")
    return int(token)

"""Refuse requests that are not valid protobuf, too large, or beyond a field limit, before any servicer runs.

gRPC calls a method's request deserializer before any interceptor's behaviour, and answers INTERNAL
("Exception deserializing request!") when it raises, even to a caller without a token. So the deserializer
is wrapped to return an ``Unreadable`` instead; the behaviour, which runs after the auth check, refuses it.
Place this interceptor inside ``ErrorInterceptor``, which turns the errors raised here into statuses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import grpc
from google.protobuf import descriptor_pool
from google.protobuf.message import Message

from backend.rpc import limits
from backend.rpc.handlers import Behavior, wrap_handler
from backend.rpc.request_check import check_request
from omni_core.errors import InvalidArgument, OmniError, ResourceExhausted


@dataclass(frozen=True)
class Unreadable:
    """What the wrapped deserializer returns for a body it cannot take: the error to answer with."""

    error: OmniError


@dataclass(frozen=True)
class _RequestType:
    name: str  # e.g. "omni.v1.GetJobRequest", or the method's path for a method outside the pool
    max_bytes: int


@cache
def _request_type(method: str) -> _RequestType:
    service, _, name = method.strip("/").partition("/")
    try:
        input_type = descriptor_pool.Default().FindServiceByName(service).FindMethodByName(name).input_type
    except (KeyError, AttributeError):
        return _RequestType(f"request of {method}", limits.REQUEST_BYTES)
    return _RequestType(input_type.full_name, limits.request_limit(input_type.full_name))


def _guarded(deserialize: Callable[[bytes], Any], request_type: _RequestType) -> Callable[[bytes], Any]:
    def guarded(body: bytes) -> Any:
        if len(body) > request_type.max_bytes:
            return Unreadable(
                ResourceExhausted(
                    f"request: {len(body)} bytes, more than the {request_type.max_bytes} "
                    f"an {request_type.name} may have"
                )
            )
        try:
            return deserialize(body)
        except Exception:  # noqa: BLE001 - DecodeError, and whatever else a parser raises on hostile bytes
            return Unreadable(InvalidArgument("request", f"the body is not a valid {request_type.name}"))

    return guarded


def _checked(request: Any) -> Any:
    if isinstance(request, Unreadable):
        raise request.error
    if isinstance(request, Message):
        check_request(request)
    return request


def _checked_stream(requests: Iterator[Any]) -> Iterator[Any]:
    for request in requests:
        yield _checked(request)


def _single(behavior: Behavior) -> Behavior:
    def checked(request: Any, context: grpc.ServicerContext) -> Any:
        return behavior(_checked(request), context)

    return checked


def _stream(behavior: Behavior) -> Behavior:
    def checked(requests: Iterator[Any], context: grpc.ServicerContext) -> Any:
        return behavior(_checked_stream(requests), context)

    return checked


class RequestCheckInterceptor(grpc.ServerInterceptor):
    def intercept_service(self, continuation: Any, handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(handler_call_details)
        if handler is None or handler.request_deserializer is None:
            return handler
        deserialize = _guarded(handler.request_deserializer, _request_type(handler_call_details.method))
        wrap = _stream if handler.request_streaming else _single
        return wrap_handler(handler, wrap, wrap, request_deserializer=deserialize)

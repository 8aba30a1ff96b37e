"""Wrap the behaviour of any gRPC method handler (unary or streaming) with a decorator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

Behavior = Callable[..., Any]


def wrap_handler(
    handler: grpc.RpcMethodHandler,
    unary: Callable[[Behavior], Behavior],
    streaming: Callable[[Behavior], Behavior],
    request_deserializer: Callable[[bytes], Any] | None = None,
) -> grpc.RpcMethodHandler:
    """Return ``handler`` with its behaviour wrapped: ``unary`` for methods that return one response,
    ``streaming`` for methods that return a stream (their behaviour is a generator); and with
    ``request_deserializer`` in place of its own when one is given."""
    common = {
        "request_deserializer": request_deserializer or handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(unary(handler.unary_unary), **common)
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(streaming(handler.unary_stream), **common)
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(unary(handler.stream_unary), **common)
    return grpc.stream_stream_rpc_method_handler(streaming(handler.stream_stream), **common)  # type: ignore[arg-type]

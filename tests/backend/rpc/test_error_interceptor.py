"""The error interceptor as the last line of defence, on a real loopback server whose one method raises what
each test asks: status messages are cut, OS errors caused by a client's name are the client's error."""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterator
from concurrent import futures

import grpc
import pytest

from backend.rpc.errors import ErrorInterceptor, cut_message
from backend.rpc.limits import MAX_STATUS_MESSAGE_BYTES
from omni_core.errors import NotFound

Raiser = Callable[[grpc.ServicerContext], None]


@pytest.fixture
def call() -> Iterator[Callable[[Raiser], grpc.RpcError]]:
    current: list[Raiser] = []

    def behaviour(request: bytes, context: grpc.ServicerContext) -> bytes:
        current[0](context)
        return b""

    handler = grpc.method_handlers_generic_handler("t.T", {"M": grpc.unary_unary_rpc_method_handler(behaviour)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), interceptors=[ErrorInterceptor()])
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")

    def run(raiser: Raiser) -> grpc.RpcError:
        current[:] = [raiser]
        with pytest.raises(grpc.RpcError) as caught:
            channel.unary_unary("/t.T/M")(b"", timeout=10)
        return caught.value

    yield run
    channel.close()
    server.stop(None)


def _raise(error: Exception) -> Raiser:
    def raiser(context: grpc.ServicerContext) -> None:
        raise error

    return raiser


def test_a_long_message_keeps_its_status_and_is_cut(call: Callable[[Raiser], grpc.RpcError]) -> None:
    error = call(_raise(NotFound("no thing named " + "é" * 20_000)))
    assert error.code() == grpc.StatusCode.NOT_FOUND  # not RESOURCE_EXHAUSTED from an 8 KiB trailer
    details = error.details() or ""
    assert details.startswith("no thing named éé") and details.endswith("(40015 bytes, cut)")
    assert len(details.encode()) <= MAX_STATUS_MESSAGE_BYTES


def test_a_servicer_s_own_abort_is_cut_too(call: Callable[[Raiser], grpc.RpcError]) -> None:
    def abort(context: grpc.ServicerContext) -> None:
        context.abort(grpc.StatusCode.FAILED_PRECONDITION, "x" * 50_000)

    error = call(abort)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert len((error.details() or "").encode()) <= MAX_STATUS_MESSAGE_BYTES


@pytest.mark.parametrize(
    ("raised", "code"),
    [
        (OSError(errno.ENAMETOOLONG, "File name too long", "/w/" + "n" * 5000), grpc.StatusCode.INVALID_ARGUMENT),
        (OSError(errno.ELOOP, "Too many levels of symbolic links", "/w/loop"), grpc.StatusCode.INVALID_ARGUMENT),
        (FileNotFoundError(errno.ENOENT, "No such file or directory", "/w/missing"), grpc.StatusCode.NOT_FOUND),
        (ValueError("embedded null byte"), grpc.StatusCode.INVALID_ARGUMENT),
    ],
)
def test_os_errors_from_a_client_s_name_are_the_client_s_error(
    call: Callable[[Raiser], grpc.RpcError], raised: Exception, code: grpc.StatusCode
) -> None:
    error = call(_raise(raised))
    assert error.code() == code
    details = error.details() or ""
    assert details.startswith("a name or path in the request")
    assert len(details) < 200  # the 5,000-character name is cut


def test_anything_else_is_internal_with_a_cut_message(call: Callable[[Raiser], grpc.RpcError]) -> None:
    error = call(_raise(RuntimeError("boom " * 5000)))
    assert error.code() == grpc.StatusCode.INTERNAL
    assert len((error.details() or "").encode()) <= MAX_STATUS_MESSAGE_BYTES


def test_cut_message_cuts_at_a_character_boundary() -> None:
    assert cut_message("short") == "short"
    cut = cut_message("€" * 1000, limit=100)
    assert len(cut.encode()) <= 100 and cut.startswith("€") and cut.endswith("(3000 bytes, cut)")

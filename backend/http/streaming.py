"""Server-streaming RPCs as HTTP bodies: Server-Sent Events, a JSON array, or a binary download.

- A stream of chunks (a response message with one ``bytes`` field) is a download: the bytes, with a
  Content-Type guessed from the path, Content-Length from ``total_bytes`` when the message has it.
- Anything else is a stream of JSON events: SSE (``text/event-stream``) by default, a JSON array when the
  client accepts ``application/json`` and not ``text/event-stream`` (it ends when the RPC ends).
  A response holding one repeated field of items with a ``seq`` (WatchJobResponse.events) is sent one item
  per event, with ``id: <seq>``, so ``Last-Event-ID`` resumes exactly after the last item seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
from aiohttp import web
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from backend.http.errors import HttpError, from_rpc_error
from backend.http.transcode import dumps, to_json

#: how long to wait for a stream's first message before sending the headers (an unknown id, a bad
#: argument or a missing token fail at once and then get their own HTTP status, not 200 and an error event)
FIRST_MESSAGE_WAIT_S = 2.0
#: an SSE comment this often keeps proxies and clients from timing an idle stream out
HEARTBEAT_S = 15.0


def bytes_field(descriptor: Descriptor) -> FieldDescriptor | None:
    """The one bytes field of a chunk message (ArtifactChunk.data), or None when it is not one."""
    found = [f for f in descriptor.fields if f.type == FieldDescriptor.TYPE_BYTES and not f.is_repeated]
    return found[0] if len(found) == 1 else None


def batch_field(descriptor: Descriptor) -> FieldDescriptor | None:
    """The repeated field whose items carry a ``seq`` (WatchJobResponse.events), or None."""
    if len(descriptor.fields) != 1:
        return None
    field = descriptor.fields[0]
    if field.is_repeated and field.message_type is not None and "seq" in field.message_type.fields_by_name:
        return field
    return None


def wants_json_array(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/event-stream" not in accept


@dataclass
class _Pump:
    """Reads a gRPC stream into a queue, so waiting on it can time out without cancelling the call."""

    queue: asyncio.Queue[tuple[str, Any]]
    task: asyncio.Task[None]

    @classmethod
    def start(cls, call: AsyncIterator[Message]) -> _Pump:
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue(maxsize=64)

        async def run() -> None:
            try:
                async for message in call:
                    await queue.put(("message", message))
                await queue.put(("end", None))
            except grpc.RpcError as error:
                await queue.put(("error", error))

        return cls(queue, asyncio.ensure_future(run()))

    async def next(self, timeout: float) -> tuple[str, Any]:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return ("idle", None)

    def stop(self) -> None:
        self.task.cancel()


def _items(message: Message) -> list[tuple[str, Message]]:
    """The events one stream message makes: (SSE id, item)."""
    batch = batch_field(message.DESCRIPTOR)  # type: ignore[arg-type]
    if batch is None:
        return [(str(getattr(message, "seq", "")), message)]
    return [(str(item.seq), item) for item in getattr(message, batch.name)]


async def stream_events(request: web.Request, call: Any, *, heartbeat_s: float = HEARTBEAT_S) -> web.StreamResponse:
    """An event stream as SSE (or a JSON array); a failure before the first event is an ordinary HTTP error."""
    pump = _Pump.start(call)
    try:
        kind, value = await pump.next(FIRST_MESSAGE_WAIT_S)
        if kind == "error":
            raise from_rpc_error(value)
        as_array = wants_json_array(request)
        if kind == "end" and not as_array:
            return web.Response(status=204)  # nothing (more) to send: EventSource stops reconnecting on a 204
        response = web.StreamResponse(
            headers={
                "Content-Type": "application/json" if as_array else "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        with contextlib.suppress(ConnectionResetError):  # the client went away: just stop
            await _send_events(response, pump, kind, value, as_array, heartbeat_s)
        return response
    finally:
        pump.stop()
        call.cancel()


def _encode(items: list[tuple[str, Message]], as_array: bool, first: bool) -> tuple[bytes, bool]:
    """The bytes of some events, and whether the next one is still the first of a JSON array."""
    chunks = []
    for event_id, item in items:
        data = dumps(to_json(item))
        if as_array:
            chunks.append((b"" if first else b",") + data)
            first = False
        else:
            head = f"id: {event_id}\n" if event_id else ""
            chunks.append(f"{head}event: {item.DESCRIPTOR.name}\ndata: ".encode() + data + b"\n\n")
    return b"".join(chunks), first


async def _send_events(
    response: web.StreamResponse, pump: _Pump, kind: str, value: Any, as_array: bool, heartbeat_s: float
) -> None:
    """Write events until the stream ends (or fails: an SSE ``error`` event, or a JSON array left open)."""
    first = True
    if as_array:
        await response.write(b"[")
    while kind != "end":
        if kind == "error":
            error = from_rpc_error(value)
            if not as_array:
                await response.write(b"event: error\ndata: " + error.body() + b"\n\n")
            break  # a JSON array cut short is not valid JSON: the client sees it failed
        if kind == "idle" and not as_array:
            await response.write(b": keep-alive\n\n")
        if kind == "message":
            data, first = _encode(_items(value), as_array, first)
            await response.write(data)  # one write per gRPC message, not per event
        kind, value = await pump.next(heartbeat_s)
    if as_array and kind == "end":
        await response.write(b"]")
    await response.write_eof()


def _content_type(name: str) -> str:
    guessed = mimetypes.guess_type(name)[0]
    return guessed or "application/octet-stream"


async def stream_download(request: web.Request, call: Any, name: str) -> web.StreamResponse:
    """A chunk stream (ReadArtifact) as the file's bytes."""
    pump = _Pump.start(call)
    try:
        kind, value = await pump.next(FIRST_MESSAGE_WAIT_S * 30)
        if kind == "error":
            raise from_rpc_error(value)
        if kind == "idle":
            raise HttpError(504, "DEADLINE_EXCEEDED", "the backend did not start sending the file in time")
        response = web.StreamResponse(
            headers={
                "Content-Type": _content_type(name),
                "Content-Disposition": f'attachment; filename="{name.rsplit("/", 1)[-1].replace(chr(34), "")}"',
            }
        )
        if kind == "message" and "total_bytes" in value.DESCRIPTOR.fields_by_name:
            response.content_length = int(value.total_bytes)
        await response.prepare(request)
        while kind == "message":
            field = bytes_field(value.DESCRIPTOR)
            await response.write(getattr(value, field.name) if field is not None else b"")
            kind, value = await pump.next(HEARTBEAT_S * 4)
        if kind != "end":
            # headers are gone: the only honest signal left is an incomplete body (Content-Length unmet)
            with contextlib.suppress(Exception):
                request.transport.close()  # type: ignore[union-attr]
            return response
        await response.write_eof()
        return response
    finally:
        pump.stop()
        call.cancel()


_MAGIC = (
    (b"\x89PNG", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"),
)


def raw_body(value: object) -> web.Response:
    """One field sent as the body (``response_body``): bytes typed by their magic, text by its look."""
    if isinstance(value, bytes):
        kind = next((t for magic, t in _MAGIC if value.startswith(magic)), None)
        if kind is None and value[:4] == b"RIFF" and value[8:12] == b"WEBP":
            kind = "image/webp"
        return web.Response(body=value, content_type=kind or "application/octet-stream")
    text = str(value)
    start = text.lstrip()[:1]
    kind = "application/json" if start in ("{", "[") else "text/html" if start == "<" else "text/plain"
    return web.Response(text=text, content_type=kind, charset="utf-8")

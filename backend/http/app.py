"""The gateway's aiohttp application: each request is matched to a route, transcoded to its request
message and sent through a gRPC channel to the backend's own server, so authentication, roles, request
checks and error statuses are exactly those of gRPC (the gateway holds no token and decides nothing)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import grpc
from aiohttp import web
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2

from backend.http.errors import HttpError, from_rpc_error, invalid, too_large
from backend.http.routes import Route, find_route
from backend.http.streaming import HEARTBEAT_S, bytes_field, raw_body, stream_download, stream_events
from backend.http.transcode import build_request, dumps, message_class, to_json
from backend.http.upload import upload_messages
from backend.rpc.limits import request_limit

log = logging.getLogger("omni.http")

#: a JSON body may be this many times the byte limit of its message (base64 bytes, field names, spacing)
JSON_SIZE_FACTOR = 2
HEALTH_PATHS = ("/healthz", "/v1/health")
HEALTH_CHECK = "/grpc.health.v1.Health/Check"


def body_limit(route: Route) -> int:
    """Bytes a route's JSON body may have: derived from its message's limit (backend/rpc/limits.py)."""
    return JSON_SIZE_FACTOR * request_limit(route.method.input_type.full_name) + 64 * 1024


def json_response(data: object, status: int = 200) -> web.Response:
    return web.Response(body=dumps(data), status=status, content_type="application/json")


def error_response(error: HttpError) -> web.Response:
    return web.Response(body=error.body(), status=error.code, content_type="application/json")


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole body, or 413 as soon as it passes ``limit`` (announced or not)."""
    if request.content_length is not None and request.content_length > limit:
        raise too_large("body", request.content_length, limit)
    parts, size = [], 0
    while chunk := await request.content.readany():
        size += len(chunk)
        if size > limit:
            raise too_large("body", size, limit)
        parts.append(chunk)
    return b"".join(parts)


def _metadata(request: web.Request) -> tuple[tuple[str, str], ...]:
    authorization = request.headers.get("Authorization")
    return (("authorization", authorization),) if authorization else ()


def _resume_from_last_event_id(request: web.Request, route: Route, message: Message) -> None:
    """An SSE reconnect (``Last-Event-ID: <seq>``) continues after that seq, as ``after_seq`` would."""
    last = request.headers.get("Last-Event-ID", "").strip()
    if not last or not route.server_streaming or "after_seq" not in route.method.input_type.fields_by_name:
        return
    if not last.isdigit() or len(last) > 18:
        raise invalid("Last-Event-ID", f"{last[:40]!r} is not an event id (a seq) this API sent")
    message.after_seq = max(message.after_seq, int(last))  # type: ignore[attr-defined]


class Gateway:
    """Routes HTTP requests onto a gRPC channel; also serves health, /openapi.json and /docs."""

    def __init__(
        self,
        channel: grpc.aio.Channel,
        routes: list[Route],
        pages: dict[str, Callable[[], web.Response]],
        *,
        heartbeat_s: float = HEARTBEAT_S,
    ) -> None:
        self.channel = channel
        self.routes = routes
        self.pages = pages
        self.heartbeat_s = heartbeat_s

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1024**4)  # bodies are limited per route by read_body
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.rel_url.raw_path
        try:
            if path in HEALTH_PATHS and request.method == "GET":
                return await self.health()
            if path in self.pages and request.method == "GET":
                return self.pages[path]()
            found = find_route(self.routes, request.method, path)
            if isinstance(found, list):
                if not found:
                    raise HttpError(404, "NOT_FOUND", f"no route {request.method} {path}: see /openapi.json or /docs")
                raise HttpError(405, "UNIMPLEMENTED", f"{path} takes {', '.join(sorted(set(found)))}")
            return await self.call(request, *found)
        except HttpError as error:
            return error_response(error)
        except grpc.RpcError as error:
            return error_response(from_rpc_error(error))
        except (ConnectionResetError, asyncio.CancelledError):
            raise
        except Exception:
            log.exception("the HTTP gateway failed on %s %s", request.method, path)
            return error_response(HttpError(500, "INTERNAL", "internal error in the HTTP gateway"))

    async def health(self) -> web.Response:
        check = self.channel.unary_unary(
            HEALTH_CHECK,
            request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
            response_deserializer=health_pb2.HealthCheckResponse.FromString,
        )
        try:
            answer = await check(health_pb2.HealthCheckRequest(), timeout=5)
        except grpc.RpcError as error:
            return error_response(from_rpc_error(error))
        name = health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)
        return json_response({"status": name}, 200 if answer.status == answer.SERVING else 503)

    async def call(self, request: web.Request, route: Route, path_values: dict[str, str]) -> web.StreamResponse:
        output = message_class(route.method.output_type)
        metadata = _metadata(request)
        if route.client_streaming:
            return await self._client_stream(request, route, path_values, metadata)
        raw = await read_body(request, body_limit(route)) if route.body else None
        message = build_request(route, path_values, request.query.items(), raw)
        limit = request_limit(route.method.input_type.full_name)
        if message.ByteSize() > limit:
            raise too_large("body", message.ByteSize(), limit)
        serializer = message_class(route.method.input_type).SerializeToString
        _resume_from_last_event_id(request, route, message)
        if route.server_streaming:
            stream = self.channel.unary_stream(route.grpc_path, serializer, output.FromString)
            call = stream(message, metadata=metadata)
            if bytes_field(route.method.output_type) is not None:
                name = next(reversed(path_values.values()), route.method.name)
                return await stream_download(request, call, name)
            return await stream_events(request, call, heartbeat_s=self.heartbeat_s)
        unary = self.channel.unary_unary(route.grpc_path, serializer, output.FromString)
        response: Message = await unary(message, metadata=metadata)
        if route.response_body:
            return raw_body(getattr(response, route.response_body))
        return json_response(to_json(response))

    async def _client_stream(
        self, request: web.Request, route: Route, path_values: dict[str, str], metadata: Any
    ) -> web.Response:
        if request.query:
            raise invalid(next(iter(request.query)), "unknown query parameter: an upload takes its files as parts")
        output = message_class(route.method.output_type)
        serializer = message_class(route.method.input_type).SerializeToString
        call = self.channel.stream_unary(route.grpc_path, serializer, output.FromString)(metadata=metadata)  # type: ignore[call-arg]
        try:
            async for message in upload_messages(request, route, path_values):
                try:
                    await call.write(message)
                except (asyncio.InvalidStateError, grpc.RpcError):
                    break  # the call has ended (refused): its status says why
            else:
                await call.done_writing()
            return json_response(to_json(await call))
        except BaseException:
            call.cancel()
            raise

"""Run the HTTP gateway beside the gRPC server: its own thread and event loop, a grpc.aio channel to the
server's private listener, an aiohttp site on the settings' host and ``http_port`` (TLS with the same
certificate as gRPC)."""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
from collections.abc import Iterable
from concurrent.futures import Future
from pathlib import Path

import grpc
from aiohttp import web

from backend.http.app import Gateway
from backend.http.docs_page import render
from backend.http.openapi import openapi_document
from backend.http.routes import build_routes
from backend.http.streaming import HEARTBEAT_S
from backend.rpc.limits import MAX_MESSAGE_BYTES
from backend.settings import ServerSettings
from omni_core.errors import FailedPrecondition

STOP_GRACE_S = 2.0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("omni-studio")
    except PackageNotFoundError:
        return "0"


def _ssl_context(settings: ServerSettings) -> ssl.SSLContext | None:
    if not settings.tls:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(Path(settings.tls_cert or ""), Path(settings.tls_key or ""))
    return context


class HttpGateway:
    """``start()`` returns the port it listens on; ``stop()`` closes open streams and the listener."""

    def __init__(
        self, settings: ServerSettings, grpc_target: str, services: Iterable[str], *, heartbeat_s: float = HEARTBEAT_S
    ) -> None:
        self.settings = settings
        self.grpc_target = grpc_target
        self.routes = build_routes(services)
        self.heartbeat_s = heartbeat_s
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="http-gateway", daemon=True)
        self._runner: web.AppRunner | None = None
        self._channel: grpc.aio.Channel | None = None

    def _pages(self) -> dict[str, object]:
        document = openapi_document(self.routes, _version())
        body = json.dumps(document).encode()
        page = render(document)
        return {
            "/openapi.json": lambda: web.Response(body=body, content_type="application/json"),
            "/docs": lambda: web.Response(text=page, content_type="text/html", charset="utf-8"),
        }

    async def _start(self) -> int:
        self._channel = grpc.aio.insecure_channel(
            self.grpc_target,
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ],
        )
        gateway = Gateway(self._channel, self.routes, self._pages(), heartbeat_s=self.heartbeat_s)  # type: ignore[arg-type]
        self._runner = web.AppRunner(
            gateway.app(), access_log=None, handle_signals=False, shutdown_timeout=STOP_GRACE_S
        )
        await self._runner.setup()
        site = web.TCPSite(
            self._runner,
            self.settings.host,
            self.settings.http_port,
            ssl_context=_ssl_context(self.settings),
        )
        await site.start()
        server = site._server  # the bound socket tells the port picked for 0
        return int(server.sockets[0].getsockname()[1]) if server is not None else 0  # type: ignore[attr-defined]

    def start(self) -> int:
        self._thread.start()
        future: Future[int] = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        try:
            self.port = future.result(timeout=30)
        except OSError as error:
            self.stop()
            raise FailedPrecondition(
                f"cannot serve HTTP on {self.settings.host}:{self.settings.http_port}: {error.strerror or error}"
            ) from None
        return self.port

    async def _stop(self) -> None:
        if self._channel is not None:
            await self._channel.close(grace=None)  # ends open event streams first
        if self._runner is not None:
            await self._runner.cleanup()

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        try:
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=STOP_GRACE_S + 5)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            if not self._thread.is_alive():
                self._loop.close()

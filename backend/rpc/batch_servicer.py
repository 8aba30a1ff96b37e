"""The Batch service: restore (or detect objects in) images a client streams in (a remote backend, images on
the client's side).

Thin like the others: it checks the start message, resolves the model, and moves chunks between the call
and a ``StreamSession`` (``backend.batch.stream``), converting outcomes to messages.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from typing import Any

import grpc

from backend.batch.models import precision_files, resolve_model
from backend.batch.precision import check_precision
from backend.batch.stream import StreamSession
from backend.detection.models import resolve_detector
from backend.detection.stream import DetectSession
from backend.processes.messages import Result
from backend.registry.shared import open_registry
from backend.rpc import detect_stream
from backend.storage.base import validate_key
from backend.storage.local import local_file
from backend.workspace import Workspace
from omni_core.batch.domain_check import model_domain
from omni_core.batch.params import RestoreOptions, check_options
from omni_core.errors import InvalidArgument, OmniError, ResourceExhausted
from protos.omni.v1 import batch_pb2, batch_pb2_grpc

CHUNK_BYTES = 1 << 20
MAX_IMAGE_BYTES = 1 << 30  # one file of a stream (a 12,000 x 9,000 16-bit TIFF is ~650 MB)


def options_from(start: batch_pb2.RestoreStreamStart) -> RestoreOptions:
    return check_options(
        RestoreOptions(
            model=start.model,
            layer=start.layer,
            tile=start.tile,
            overlap=start.overlap,
            format=start.format,
            quality=start.quality,
            require_provider=start.require_provider,
            batch_size=start.batch_size,
            tier=start.tier,
            precision=start.precision,
            self_ensemble=start.self_ensemble,
        )
    )


def result_messages(outcome: dict[str, Any], data: bytes | None) -> Iterator[batch_pb2.RestoreStreamResponse]:
    """One image's result: its file in chunks, the outcome on the last one."""
    data = data or b""
    key = outcome["key"]
    pieces = [data[offset : offset + CHUNK_BYTES] for offset in range(0, len(data), CHUNK_BYTES)] or [b""]
    for piece in pieces[:-1]:
        yield batch_pb2.RestoreStreamResponse(result=batch_pb2.ImageResult(id=key, data=piece))
    last = batch_pb2.ImageResult(
        id=key,
        data=pieces[-1],
        last=True,
        restored=outcome["restored"],
        reason=outcome["reason"],
        output=outcome["output"],
        width=outcome["width"],
        height=outcome["height"],
        seconds=outcome["seconds"],
        tile=outcome["tile"],
        plan=outcome["plan"],
        pages=outcome["pages"],
        pixels=outcome["pixels"],
        notes=outcome["notes"],
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest() if data else "",
        metrics_problem=outcome["metrics_problem"],
    )
    if outcome["metrics"]:
        last.metrics.CopyFrom(batch_pb2.ReferenceMetrics(**outcome["metrics"]))
    yield batch_pb2.RestoreStreamResponse(result=last)


class _Reassembler:
    """Chunks of the call -> whole images (and references) handed to the session."""

    def __init__(self, session: StreamSession | DetectSession) -> None:
        self.session = session
        self.images: dict[str, list[bytes]] = {}
        self.references: dict[str, list[bytes]] = {}
        self.finished_references: dict[str, bytes] = {}
        self.sizes: dict[str, int] = {}
        self.rejected: set[str] = set()

    def add(self, chunk: batch_pb2.ImageChunk) -> None:
        key = chunk.id
        if key in self.rejected:
            return
        try:
            validate_key(key, field="id")
        except InvalidArgument as error:
            self._reject(key, f"refused: {error.message}")
            return
        size = self.sizes[key] = self.sizes.get(key, 0) + len(chunk.data)
        if size > MAX_IMAGE_BYTES:
            self._reject(key, f"refused: more than {MAX_IMAGE_BYTES >> 20} MiB")
            return
        parts = (self.references if chunk.reference else self.images).setdefault(key, [])
        parts.append(chunk.data)
        if not chunk.last:
            return
        if chunk.reference:
            self.finished_references[key] = b"".join(self.references.pop(key))
            return
        data = b"".join(self.images.pop(key))
        self.sizes.pop(key, None)
        self.session.send(key, data, self.finished_references.pop(key, None))

    def _reject(self, key: str, reason: str) -> None:
        self.rejected.add(key)
        self.images.pop(key, None)
        self.references.pop(key, None)
        self.session.reject(key, reason)


class BatchServicer(batch_pb2_grpc.BatchServicer):
    def __init__(self, workspace: Workspace, *, max_streams: int = 2) -> None:
        self.workspace = workspace
        self._slots = threading.BoundedSemaphore(max(1, max_streams))

    def RestoreStream(
        self, request_iterator: Iterator[batch_pb2.RestoreStreamRequest], context: grpc.ServicerContext
    ) -> Iterator[batch_pb2.RestoreStreamResponse]:
        first = next(request_iterator, None)
        if first is None or first.WhichOneof("message") != "start":
            raise InvalidArgument("start", "the first message of a restore stream must be `start`")
        options = options_from(first.start)
        chosen = resolve_model(
            open_registry(self.workspace.store, self.workspace.state_dir), options.model, options.layer, options.tier
        )
        check_precision(chosen.model, options.precision)
        if not self._slots.acquire(blocking=False):
            raise ResourceExhausted("the backend already runs as many restore streams as it allows; try again later")
        try:
            cache = self.workspace.state_dir / "cache"
            files = precision_files(self.workspace.store, chosen, cache / "models", options.precision)
            session = StreamSession(files, options, cache / "tensorrt")
            context.add_callback(session.close)
            try:
                model = chosen.model
                domain = model_domain(model.card)
                yield from self._serve(session, model.version, model.layer, chosen.note, domain, request_iterator)
            finally:
                session.close()
        finally:
            self._slots.release()

    def DetectStream(
        self, request_iterator: Iterator[batch_pb2.DetectStreamRequest], context: grpc.ServicerContext
    ) -> Iterator[batch_pb2.DetectStreamResponse]:
        first = next(request_iterator, None)
        if first is None or first.WhichOneof("message") != "start":
            raise InvalidArgument("start", "the first message of a detect stream must be `start`")
        options = detect_stream.detect_options(first.start)
        registry = open_registry(self.workspace.store, self.workspace.state_dir)
        model = resolve_detector(registry, options.model)
        note = detect_stream.model_note(registry, options.model)
        if not self._slots.acquire(blocking=False):
            raise ResourceExhausted("the backend already runs as many batch streams as it allows; try again later")
        try:
            onnx = local_file(self.workspace.store, model.files["onnx"], self.workspace.state_dir / "detection-cache")
            session = DetectSession(onnx, options)
            context.add_callback(session.close)
            try:
                ready = session.start()
                yield detect_stream.ready_message(ready, options, model.version, note)
                yield from self._results(session, request_iterator)
            finally:
                session.close()
        finally:
            self._slots.release()

    def _results(
        self, session: DetectSession, requests: Iterator[batch_pb2.DetectStreamRequest]
    ) -> Iterator[batch_pb2.DetectStreamResponse]:
        refused: list[OmniError] = []
        reader = threading.Thread(
            target=self._read, args=(requests, session, refused), name="detect-stream-read", daemon=True
        )
        reader.start()
        counts = {"detected": 0, "failed": 0}  # every result, also those refused before the worker
        for message in session.events():
            if isinstance(message, Result):
                counts["detected" if message.outcome["detected"] else "failed"] += 1
                yield detect_stream.result_message(message.outcome)
            else:
                yield detect_stream.done_message(counts)
        if refused:
            raise refused[0]

    def _serve(
        self, session: StreamSession, version: str, layer: str, note: str, domain: str, requests: Iterator[Any]
    ) -> Iterator[batch_pb2.RestoreStreamResponse]:
        ready = session.start()
        o = session.options
        yield batch_pb2.RestoreStreamResponse(
            ready=batch_pb2.RestoreStreamReady(
                model=version,
                layer=layer,
                model_note=note,
                model_domain=domain,
                provider=ready["provider"],
                provider_warnings=ready["warnings"],
                tile=o.tile_side,
                overlap=o.overlap_px,
                format=o.format,
                quality=o.quality,
                batch_size=ready["batch_size"],
                batch_pixels=ready["batch_pixels"],
                tile_limit=ready["tile_limit"],
                precision=ready["precision"],
                precision_reason=ready["precision_reason"],
                self_ensemble=o.self_ensemble,
            )
        )
        refused: list[OmniError] = []  # a request the reader refused (beyond a limit, not protobuf)
        reader = threading.Thread(
            target=self._read, args=(requests, session, refused), name="restore-stream-read", daemon=True
        )
        reader.start()
        for message in session.events():
            if isinstance(message, Result):
                yield from result_messages(message.outcome, message.data)
            else:
                counts = message.counts
                yield batch_pb2.RestoreStreamResponse(
                    done=batch_pb2.RestoreStreamDone(restored=counts["restored"], failed=counts["failed"])
                )
        if refused:
            raise refused[0]

    @staticmethod
    def _read(requests: Iterator[Any], session: StreamSession | DetectSession, refused: list[OmniError]) -> None:
        images = _Reassembler(session)
        try:
            for request in requests:
                if request.WhichOneof("message") == "chunk":
                    images.add(request.chunk)
            session.end()
        except OmniError as error:  # the request check refused a message: stop, and answer with its status
            refused.append(error)
            session.close()
        except (grpc.RpcError, OSError, ValueError):
            session.close()  # the client went away (or cancelled): stop the work

"""Every RPC of every service, driven from the descriptors with random and hostile requests, against a real
backend on loopback: no answer may be INTERNAL or UNKNOWN, none may hang, and no token means UNAUTHENTICATED
whatever the body.

Seeded (``OMNI_FUZZ_SEED``, default below) and bounded: ``OMNI_FUZZ_CALLS`` random requests per method.
Run with ``-s`` to see the calls made and their statuses. A failure prints the seed, the method and the
request (as text) that broke it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import multiprocessing
import os
import random
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pool, message_factory, text_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.message import Message
from PIL import Image

from backend.registry import ModelRegistry
from backend.rpc.server import SERVICE_NAMES, Backend
from backend.storage import LocalStore
from protos.omni.v1 import datasets_pb2, datasets_pb2_grpc
from tests.backend.conftest import TOKEN

SEED = int(os.environ.get("OMNI_FUZZ_SEED", "1203"))
CALLS_PER_METHOD = int(os.environ.get("OMNI_FUZZ_CALLS", "40"))
#: print every call of the methods whose name contains this (e.g. "RestoreStream"), to see how deep they get
SHOW = os.environ.get("OMNI_FUZZ_SHOW", "")
#: a call still running after this long is a hang
DEADLINE_S = 15.0
#: a server stream is read this far (a watch never ends by itself), then cancelled
STREAM_MESSAGES = 1
#: how often a value is one that breaks a limit (too long, too many, an undefined enum number)
HOSTILE = 0.04
#: what the error interceptor says when it maps an OS error caused by a client's name (backend.rpc.errors)
BACKSTOP = "a name or path in the request cannot be used"
FORBIDDEN = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DEADLINE_EXCEEDED}

#: fuzz findings in code another part of the issue fixes (paths, formats, batch, uploads); each entry is
#: (method, status, a piece of the status message). Empty: nothing known is left.
KNOWN: list[tuple[str, grpc.StatusCode, str]] = []

POOL = descriptor_pool.Default()

_INT_RANGES = {
    FieldDescriptor.CPPTYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.CPPTYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.CPPTYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.CPPTYPE_UINT64: (0, 2**64 - 1),
}


def _token(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


# values that reach deeper than random text: names that exist, paths that escape or are too long, ...
_STRINGS = [
    "",
    "a",
    "fuzz",
    "current",
    "0",
    "-1",
    "99999999999999999999999",
    "detector",
    "layer_2",
    "restoration_layer2_20261123_181500",
    "yolo11n.yaml",
    "x.pt",
    "data.yaml",
    "png",
    "json",
    "cpu",
    "yolo",
    "coco",
    "s3://bucket/prefix",
    "http://127.0.0.1:9",
    "../../../../etc/passwd",
    "/etc/passwd",
    "/",
    ".",
    "a/../../b",
    "x" * 300,
    "/" + "/".join(["y" * 200] * 30),
    "a\x00b",
    "é" * 70,
    "\U0001f600" * 10,
    "name=value",
    "degrees=oops",
    "0" * 64,
    "AAAA",
    _token({"o": "position", "s": 0, "k": [10**30]}),  # a ListImages token whose key SQLite cannot hold
    _token({"o": "position", "s": 0, "k": [[[]]]}),  # ... whose key is no SQL value
    _token({"o": "filename", "s": 0, "k": [{"a": 1}, 2]}),
]
#: per field name, values that get past the first checks and reach the code behind them (half the time)
_HINTS: dict[str, list[str]] = {
    "page_token": ["1", "18446744073709551616", "999999999999999999", *_STRINGS[-3:]],
    "order_by": ["", "position", "filename", "updated", "confidence"],
    "dataset": ["fuzz"],
    "name": ["fuzz", "fuzz2"],
    "image_id": ["PNG_SHA"],
    "format": ["", "json", "text", "html", "png", "jpg", "yolo", "coco", "voc"],
    "kind": ["", "detector", "restoration", "train_restoration"],
    "layer": ["", "layer_1", "layer_2", "detector"],
    "model": ["", "current", "MODEL", "detector_20260101_000000", "yolo11n.yaml", "x.pt"],
    "version": ["MODEL", "restoration_layer2_20260101_000000"],
    "a": ["MODEL"],
    "b": ["MODEL", "restoration_layer2_20260101_000000"],
    "url": ["s3://fuzz-bucket", "s3://fuzz-bucket/prefix", "s3://"],
    "endpoint": ["127.0.0.1:9", "http://127.0.0.1:9"],
    "access_key_id": ["fuzzkey"],
    "sha256": ["PNG_SHA", "0" * 64],
    "filename": ["a.png", "b.png", "x.pt", "sub/c.png"],
    "region": ["", "eu-west-1"],
    "profile": [""],
    "bucket_prefix": ["", "fuzz-"],
    "credentials_file": [""],
    "session_token": [""],
    "secret_access_key": ["fuzzsecret"],
    "out": ["out", "out/sub", "s3://bucket/x"],
    "device": ["auto", "cpu", "cuda:99"],
    "preset": ["standard", "few_photos", "fast"],
}
_DOUBLES = [0.0, -1.0, 0.5, 1.0, 1e308, -1e308, math.inf, -math.inf, math.nan, 1e-300]


class Fuzzer:
    """Random requests for a message descriptor, reproducible from one ``random.Random``."""

    def __init__(self, rng: random.Random, known_values: list[str]) -> None:
        self.rng = rng
        self.known_values = known_values
        #: the share of fields set: sparse requests get past the first checks more often
        self.density = 0.5

    def string(self) -> str:
        roll = self.rng.random()
        if roll < HOSTILE:
            return "s" * 5000  # beyond the string limit
        if roll < 0.3 and self.known_values:
            return self.rng.choice(self.known_values)
        if roll < 0.45:
            alphabet = "abcxyz019_-./:\\ é\n\t"
            return "".join(self.rng.choice(alphabet) for _ in range(self.rng.randint(1, 40)))
        return self.rng.choice(_STRINGS)

    def bytes_(self) -> bytes:
        if self.rng.random() < HOSTILE:
            return b"\0" * (70 * 1024)  # beyond the bytes limit
        return self.rng.choice([b"", PNG, PNG[:20], self.rng.randbytes(64)])

    def integer(self, cpp_type: int) -> int:
        low, high = _INT_RANGES[cpp_type]
        if self.rng.random() < 0.4:
            return 0  # "the default" in most of the contract
        pick = self.rng.choice([1, -1, 2, 7, 64, 1000, low, high, self.rng.randint(low, high)])
        return min(max(pick, low), high)

    def scalar(self, field: FieldDescriptor) -> Any:
        cpp = field.cpp_type
        if cpp == FieldDescriptor.CPPTYPE_STRING:
            if field.type == FieldDescriptor.TYPE_BYTES:
                return self.bytes_()
            if field.name in _HINTS and self.rng.random() < 0.5:
                hint = self.rng.choice(_HINTS[field.name])
                return {"PNG_SHA": PNG_SHA, "MODEL": MODEL}.get(hint, hint)
            return self.string()
        if cpp == FieldDescriptor.CPPTYPE_BOOL:
            return self.rng.random() < 0.5
        if cpp in (FieldDescriptor.CPPTYPE_DOUBLE, FieldDescriptor.CPPTYPE_FLOAT):
            value = self.rng.choice(_DOUBLES)
            return max(min(value, 3e38), -3e38) if cpp == FieldDescriptor.CPPTYPE_FLOAT else value
        if cpp == FieldDescriptor.CPPTYPE_ENUM:
            numbers = [value.number for value in field.enum_type.values]
            return self.rng.choice([99, -7]) if self.rng.random() < HOSTILE else self.rng.choice(numbers)
        return self.integer(cpp)

    def fill(self, message: Message, depth: int = 0) -> Message:
        for field in message.DESCRIPTOR.fields:
            # a message field is set more often than the others: most of what a method checks lies inside it
            chance = 0.8 if field.message_type is not None and not field.is_repeated else self.density
            if field.containing_oneof is None and self.rng.random() <= chance:
                self.set_field(message, field, depth)
        for oneof in message.DESCRIPTOR.oneofs:  # one member, as a real client sets (mostly)
            if self.rng.random() < 0.9:
                self.set_field(message, self.rng.choice(oneof.fields), depth)
        return message

    def count(self) -> int:
        return 1001 if self.rng.random() < HOSTILE else self.rng.choice([0, 1, 2, 3])

    def set_field(self, message: Message, field: FieldDescriptor, depth: int) -> None:
        target = getattr(message, field.name)
        entry = field.message_type
        if entry is not None and entry.GetOptions().map_entry:
            value_field = entry.fields_by_name["value"]
            for _ in range(70 if self.rng.random() < HOSTILE else self.rng.choice([1, 2])):
                key = self.scalar(entry.fields_by_name["key"])
                if value_field.message_type is not None:
                    self.fill(target[key], depth + 1)
                else:
                    target[key] = self.scalar(value_field)
        elif field.is_repeated:
            many = self.count()
            if entry is not None:
                for _ in range(many):
                    self.fill(target.add(), depth + 1)
            else:
                target.extend(self.scalar(field) for _ in range(many))
        elif entry is not None:
            if depth < 5:
                self.fill(target, depth + 1)
                target.SetInParent()
        else:
            setattr(message, field.name, self.scalar(field))

    def garbage(self, valid: bytes) -> bytes:
        """Bodies that are not a valid message of the method's type."""
        choices: list[Callable[[], bytes]] = [
            lambda: self.rng.randbytes(self.rng.randint(1, 200)),
            lambda: b"\xff" * 11,  # a varint that never ends
            lambda: b"\x0a\xff\xff\xff\xff\x0f",  # a length beyond the body
            lambda: b"\x0a\x03\xff\xfe\xfd",  # field 1 as invalid UTF-8 (strings) or a broken message
            lambda: b"\x0b" * 50,  # start groups, never ended
            lambda: valid[: max(1, len(valid) // 2)] + b"\xff",
        ]
        return self.rng.choice(choices)()


def _methods() -> list[MethodDescriptor]:
    return [method for name in SERVICE_NAMES for method in POOL.FindServiceByName(name).methods]


def _message_class(descriptor: Descriptor) -> type[Message]:
    return message_factory.GetMessageClass(descriptor)


class Calls:
    """Calls through a generic channel with identity serializers, so any bytes can be sent; every outcome counted."""

    def __init__(self, channel: grpc.Channel) -> None:
        self.channel = channel
        self.statuses: Counter[tuple[str, str]] = Counter()
        self.failures: list[str] = []
        #: answers that only the error interceptor's OS-error backstop made deliberate: the method's own
        #: checks should have named the field (printed, for whoever fixes them; not failures)
        self.backstop: list[str] = []

    def call(self, method: MethodDescriptor, bodies: list[bytes], metadata: tuple[tuple[str, str], ...]) -> str:
        path = f"/{method.containing_service.full_name}/{method.name}"
        try:
            code = self._invoke(path, method, bodies, metadata)
            message = ""
        except grpc.RpcError as error:
            code, message = error.code().name, error.details() or ""  # type: ignore[attr-defined]
        self.statuses[(method.full_name, code)] += 1
        return f"{code}: {message}"

    def _invoke(
        self, path: str, method: MethodDescriptor, bodies: list[bytes], metadata: tuple[tuple[str, str], ...]
    ) -> str:
        if method.client_streaming and method.server_streaming:
            return self._read(self.channel.stream_stream(path)(iter(bodies), timeout=DEADLINE_S, metadata=metadata))
        if method.client_streaming:
            self.channel.stream_unary(path)(iter(bodies), timeout=DEADLINE_S, metadata=metadata)
            return "OK"
        if method.server_streaming:
            return self._read(self.channel.unary_stream(path)(bodies[0], timeout=DEADLINE_S, metadata=metadata))
        self.channel.unary_unary(path)(bodies[0], timeout=DEADLINE_S, metadata=metadata)
        return "OK"

    @staticmethod
    def _read(responses: Iterator[bytes]) -> str:
        for count, _ in enumerate(responses, 1):
            if count >= STREAM_MESSAGES:
                responses.cancel()  # type: ignore[attr-defined]
                return "OK (stream read, then cancelled)"
        return "OK"


def _is_known(method: MethodDescriptor, outcome: str) -> bool:
    return any(
        method.name == name and outcome.startswith(code.name) and piece in outcome for name, code, piece in KNOWN
    )


def _bodies(fuzzer: Fuzzer, method: MethodDescriptor) -> tuple[list[bytes], str]:
    """Serialized requests for one call (one, or several for a client stream) and a text form for reports."""
    request_class = _message_class(method.input_type)
    fuzzer.density = fuzzer.rng.choice([0.15, 0.3, 0.55])
    count = fuzzer.rng.randint(1, 4) if method.client_streaming else 1
    requests = [fuzzer.fill(request_class()) for _ in range(count)]
    text = " | ".join(text_format.MessageToString(r, as_one_line=True)[:400] for r in requests)
    return [request.SerializeToString() for request in requests], text


def _fuzz_method(calls: Calls, fuzzer: Fuzzer, method: MethodDescriptor) -> None:
    authorized = (("authorization", f"Bearer {TOKEN}"),)
    for index in range(CALLS_PER_METHOD):
        bodies, text = _bodies(fuzzer, method)
        if index % 4 == 3:  # a body that is no protobuf at all, in place of one of the messages
            spot = fuzzer.rng.randrange(len(bodies))
            bodies[spot] = fuzzer.garbage(bodies[spot])
            text = f"garbage {bodies[spot][:40]!r} at message {spot}"
        outcome = calls.call(method, bodies, authorized)
        if SHOW and SHOW in method.full_name:
            print(f"{method.name} <- {text[:300]}\n    -> {outcome[:300]}")
        if any(outcome.startswith(code.name) for code in FORBIDDEN) and not _is_known(method, outcome):
            calls.failures.append(f"{method.full_name} <- {text}\n    -> {outcome[:600]}")
        elif BACKSTOP in outcome:
            calls.backstop.append(f"{method.full_name} <- {text[:300]}\n    -> {outcome[:300]}")
    for bodies in (_bodies(fuzzer, method)[0], [fuzzer.garbage(b"\x0a\x01a")]):
        outcome = calls.call(method, bodies, ())
        if not outcome.startswith("UNAUTHENTICATED"):
            calls.failures.append(f"{method.full_name} without a token -> {outcome[:600]}")


def _summary(calls: Calls) -> str:
    codes = sorted({code for _, code in calls.statuses})
    width = max(len(method.full_name) for method in _methods())
    lines = [f"fuzz seed {SEED}, {sum(calls.statuses.values())} calls", f"{'method':{width}} " + " ".join(codes)]
    for method in _methods():
        counts = [str(calls.statuses.get((method.full_name, code), "")).rjust(len(code)) for code in codes]
        lines.append(f"{method.full_name:{width}} " + " ".join(counts))
    totals = Counter[str]()
    for (_, code), n in calls.statuses.items():
        totals[code] += n
    lines.append(f"{'total':{width}} " + " ".join(str(totals[code]).rjust(len(code)) for code in codes))
    return "\n".join(lines)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 40, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()
PNG_SHA = hashlib.sha256(PNG).hexdigest()
MODEL = "restoration_layer1_20260101_000000"
AUTHORIZED = (("authorization", f"Bearer {TOKEN}"),)


def _identity_onnx(path: Path) -> Path:
    """The smallest restoration network: output = input (made with onnx, no torch)."""
    import onnx
    from onnx import TensorProto, helper

    shape = ["n", 3, "h", "w"]
    graph = helper.make_graph(
        [helper.make_node("Identity", ["input"], ["output"])],
        "identity",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, shape)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # what every onnxruntime we support loads
    onnx.save(model, path)
    return path


def _replenish(backend: Backend, channel: grpc.Channel, onnx_path: Path) -> None:
    """Put back what the fuzzed requests may have deleted: the dataset "fuzz" with its image, the model."""
    datasets = datasets_pb2_grpc.DatasetsStub(channel)
    names = [d.name for d in datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=AUTHORIZED).datasets]
    if "fuzz" not in names:
        datasets.CreateDataset(datasets_pb2.CreateDatasetRequest(name="fuzz"), metadata=AUTHORIZED, timeout=10)
        header = datasets_pb2.UploadHeader(dataset="fuzz", filename="a.png", sha256=PNG_SHA, size_bytes=len(PNG))
        chunks = [datasets_pb2.UploadChunk(header=header), datasets_pb2.UploadChunk(data=PNG)]
        uploaded = datasets.UploadImages(iter(chunks), metadata=AUTHORIZED, timeout=10)
        assert uploaded.results[0].image_id == PNG_SHA, uploaded
    registry = ModelRegistry(LocalStore(backend.workspace.root))
    if MODEL not in [model.version for model in registry.list()]:
        registry.register("layer_1", {"onnx": onnx_path}, {"architecture": "identity"}, version=MODEL)


@pytest.fixture
def fuzz_backend(make_backend: Callable[..., Backend]) -> Backend:
    backend = make_backend(max_concurrent_jobs=1)
    backend.manager.hold()  # jobs are checked and recorded, none runs: a random spec may be a valid training job
    return backend


def test_no_request_gets_internal_unknown_or_a_hang(fuzz_backend: Backend, tmp_path: Path) -> None:
    others = set(multiprocessing.active_children())  # earlier tests' session backends may keep helpers
    onnx_path = _identity_onnx(tmp_path / "identity.onnx")
    found = ["fuzz", PNG_SHA, "a.png", MODEL]  # what the fuzzer sometimes names, and the ids of jobs it submitted
    fuzzer = Fuzzer(random.Random(SEED), known_values=found)
    with grpc.insecure_channel(f"127.0.0.1:{fuzz_backend.port}") as channel:
        calls = Calls(channel)
        for method in _methods():
            _replenish(fuzz_backend, channel, onnx_path)
            _fuzz_method(calls, fuzzer, method)
            fuzzer.known_values = found + [job.id for job in fuzz_backend.manager.list_jobs(limit=5)]
    print("\n" + _summary(calls))
    print("\n".join(["answered by the OS-error backstop:", *calls.backstop]) if calls.backstop else "")
    fuzz_backend.stop(grace_s=5)  # helper processes of servicers end with the backend; nothing else may stay
    assert not calls.failures, f"seed {SEED}:\n" + "\n".join(calls.failures)
    left = [process for process in multiprocessing.active_children() if process not in others]
    assert not left, f"a fuzzed request left a process running: {left}"

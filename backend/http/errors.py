"""HTTP errors: the gRPC status (with its field violations) as JSON, under the HTTP code google/rpc/code.proto
maps it to. One shape for every error of the gateway::

    {"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "...",
               "field_violations": [{"field": "spec.synthRestoration.count", "description": "..."}]}}
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import json_format, message_factory
from google.protobuf.descriptor import Descriptor
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from backend.rpc.errors import cut_message
from backend.rpc.limits import MAX_STATUS_MESSAGE_BYTES

#: google/rpc/code.proto's documented HTTP mapping
HTTP_STATUS: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
}


@dataclass
class HttpError(Exception):
    """An error the gateway answers; ``status`` is a google.rpc.Code name."""

    code: int
    status: str
    message: str
    violations: list[tuple[str, str]] = field(default_factory=list)

    def body(self) -> bytes:
        error: dict[str, object] = {"code": self.code, "status": self.status, "message": self.message}
        if self.violations:
            error["field_violations"] = [{"field": f, "description": d} for f, d in self.violations]
        return json.dumps({"error": error}, ensure_ascii=False).encode()


def invalid(field_path: str, description: str) -> HttpError:
    """A 400 naming the field (a JSON or query name) that is wrong; a long value quoted back is cut."""
    field_path, description = cut_message(field_path, 300), cut_message(description, MAX_STATUS_MESSAGE_BYTES // 2)
    return HttpError(400, "INVALID_ARGUMENT", f"{field_path}: {description}", [(field_path, description)])


def too_large(what: str, size: int, limit: int) -> HttpError:
    description = f"{size} bytes, at most {limit}"
    return HttpError(413, "RESOURCE_EXHAUSTED", f"{what}: {description}", [(what, description)])


def _violations(status: status_pb2.Status | None) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            found += [(v.field, v.description) for v in bad.field_violations]
    return found


def from_rpc_error(error: grpc.RpcError) -> HttpError:
    """The gRPC side's status as is (its code, message and BadRequest violations), under its HTTP code."""
    code: grpc.StatusCode = error.code()  # type: ignore[attr-defined]
    try:
        status = rpc_status.from_call(error)  # type: ignore[arg-type]
    except ValueError:  # details that disagree with the status: keep the status, drop the details
        status = None
    return HttpError(HTTP_STATUS.get(code, 500), code.name, error.details() or "", _violations(status))  # type: ignore[attr-defined]


_NO_FIELD = re.compile(r'has no field named "([^"]+)"')


def _describe(error: json_format.ParseError) -> str:
    text = str(error).split("\n", 1)[0]
    if _NO_FIELD.search(text):
        return "unknown field"
    text = text.rsplit(" field: ", 1)[-1]
    return re.sub(r' at "?[\w.\[\]]+"?\.*$', "", text).rstrip(".") or "not a valid value"


def _first_failure(data: dict[str, Any], descriptor: Descriptor) -> tuple[list[str], json_format.ParseError] | None:
    """The path (as the client spelled it) of the first key of ``data`` json_format refuses, and why."""
    message_class = message_factory.GetMessageClass(descriptor)
    for key, value in data.items():
        try:
            json_format.ParseDict({key: value}, message_class(), ignore_unknown_fields=False)
            continue
        except json_format.ParseError as error:
            failure = error
        field = descriptor.fields_by_camelcase_name.get(key) or descriptor.fields_by_name.get(key)
        inner = field.message_type if field is not None else None
        if (
            field is None
            or inner is None
            or inner.full_name.startswith("google.protobuf.")
            or inner.GetOptions().map_entry
        ):
            return [key], failure
        items = value if field.is_repeated and isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if isinstance(item, dict):
                deeper = _first_failure(item, inner)
                if deeper is not None:
                    where = [key, f"[{index}]"] if field.is_repeated else [key]
                    return where + deeper[0], deeper[1]
        return [key], failure
    return None


def from_parse_error(error: json_format.ParseError, data: object, descriptor: Descriptor) -> HttpError:
    """A 400 naming the field json_format refused, as a path (``spec.synthRestoration.count``)."""
    located = _first_failure(data, descriptor) if isinstance(data, dict) else None
    if located is None:
        return invalid("body", _describe(error))
    path = ".".join(located[0]).replace(".[", "[")
    return invalid(path, _describe(located[1]))

"""A domain error's field violations as ``google.rpc.Status`` with ``google.rpc.BadRequest`` details.

The status travels in the ``grpc-status-details-bin`` trailer beside the plain code and message, so a client
that knows nothing of it still reads ``"<field>: <why>"``, and one that does (``grpc_status.rpc_status.from_call``)
reads each field's path and reason apart (cf. grpc's ``examples/python/errors``).
"""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from backend.rpc.limits import MAX_STATUS_MESSAGE_BYTES
from omni_core.errors import FieldViolation

#: a status carries at most this many violations (each cut like a message) so the trailer stays small
MAX_VIOLATIONS = 4


def _cut(text: str, limit: int) -> str:
    encoded = text.encode()
    return text if len(encoded) <= limit else encoded[: limit - 3].decode(errors="ignore") + "…"


def bad_request_status(code: grpc.StatusCode, message: str, violations: Sequence[FieldViolation]) -> grpc.Status:
    """A ``grpc.Status`` for ``context.abort_with_status``: ``code``, ``message`` as given (already cut to the
    status limit) and a ``BadRequest`` detail naming each field at fault."""
    bad_request = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(
                field=_cut(violation.field, MAX_STATUS_MESSAGE_BYTES // 4),
                description=_cut(violation.description, MAX_STATUS_MESSAGE_BYTES),
            )
            for violation in violations[:MAX_VIOLATIONS]
        ]
    )
    detail = any_pb2.Any()
    detail.Pack(bad_request)
    status = status_pb2.Status(code=code.value[0], message=message, details=[detail])
    return rpc_status.to_status(status)

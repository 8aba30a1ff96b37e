"""Read the fields a backend says are at fault from a failed call (``google.rpc.BadRequest`` field violations).

The backend sends them in the rich status (``grpc_status``) beside the human message; this is the one place a
client reads them, so no client parses ``"<field>: <why>"`` out of a message.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


@dataclass(frozen=True)
class FieldViolation:
    """A request field at fault: its path as the backend names it (``spec.train_restoration.lr``) and why."""

    field: str
    description: str


def field_violations(error: grpc.RpcError) -> tuple[FieldViolation, ...]:
    """The field violations ``error`` carries, in the backend's order; empty when it carries none."""
    if not isinstance(error, grpc.Call):
        return ()
    try:
        status = rpc_status.from_call(error)
    except ValueError:  # a status detail that disagrees with the call's own code or message: not trusted
        return ()
    if status is None:
        return ()
    found: list[FieldViolation] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            found += (FieldViolation(v.field, v.description) for v in bad_request.field_violations)
    return tuple(found)

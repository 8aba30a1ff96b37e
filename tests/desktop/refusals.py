"""A backend's refusal of one field, as ``BackendError.from_rpc`` builds it from a status with field violations."""

from __future__ import annotations

from desktop.client import BackendError, FieldViolation


def field_refusal(field: str, why: str, code: str = "INVALID_ARGUMENT") -> BackendError:
    return BackendError(code, f"{field}: {why}", violations=[FieldViolation(field, why)])

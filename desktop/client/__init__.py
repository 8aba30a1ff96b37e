"""A Qt-free gRPC client of the backend: one ``Connection`` per backend, friendly errors."""

from desktop.client.connection import BackendTarget, Connection
from desktop.client.errors import BackendError
from desktop.client.violations import FieldViolation

__all__ = ["BackendError", "BackendTarget", "Connection", "FieldViolation"]

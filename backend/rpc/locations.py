"""Where a model or dataset lives, as the contract's ``Location``."""

from __future__ import annotations

from backend.registry.shared import BOTH, DIFFERS, LOCAL, REMOTE
from protos.omni.v1 import storage_pb2

LOCATIONS = {
    LOCAL: storage_pb2.LOCATION_LOCAL,
    REMOTE: storage_pb2.LOCATION_REMOTE,
    BOTH: storage_pb2.LOCATION_BOTH,
    DIFFERS: storage_pb2.LOCATION_DIFFERS,
}

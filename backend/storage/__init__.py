"""The artifact store: one interface (``ArtifactStore``), a local-directory implementation, S3 later."""

from backend.storage.base import ArtifactStore, ObjectInfo, validate_key
from backend.storage.local import LocalStore

__all__ = ["ArtifactStore", "LocalStore", "ObjectInfo", "validate_key"]

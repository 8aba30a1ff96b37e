"""One registry for several backends: the workspace's versions, backed by the versions on its remote.

- A version that is not local is fetched on demand (``get``): its files first, each checked against the
  SHA-256 its card records, the card last, so a half-fetched version is never listed.
- The promoted ("current") version of a layer or a tier is the remote's: ``promote`` writes it there too (pushing the
  version first if the remote lacks it), and ``current_name`` reads it there, falling back to the local one
  while the remote cannot be reached.
- ``list_with_locations`` says where each version lives: local, remote, both (same checksums) or differs.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backend.registry.registry import CARD, ModelRegistry, ModelVersion, layer_of
from backend.storage.credentials import workspace_keys_path
from backend.storage.local import LocalStore
from backend.storage.remote import open_remote
from backend.storage.remote_config import config_path
from backend.storage.s3_errors import Problem, RemoteError
from omni_core.errors import FailedPrecondition, NotFound, OmniError, shown

if TYPE_CHECKING:
    from backend.storage.s3 import S3Store

STATE_DIR_NAME = ".omni"  # the workspace's state folder (backend.workspace.STATE_DIR_NAME; not imported: a cycle)

#: after a failed call the remote is not asked again for this long (reads fall back to local at once)
OFFLINE_BACKOFF_S = 30.0
LOCAL, REMOTE, BOTH, DIFFERS = "local", "remote", "both", "differs"


@dataclass
class Located:
    model: ModelVersion
    location: str


class SharedRegistry(ModelRegistry):
    def __init__(self, store: LocalStore, remote: S3Store | None, *, remote_error: str = "") -> None:
        super().__init__(store)
        self.local_store = store
        self.remote = remote
        self.remote_error = remote_error
        self._offline_until = 0.0

    # -- the remote, carefully ---------------------------------------------------------------------------------

    def _online(self) -> bool:
        return self.remote is not None and time.monotonic() >= self._offline_until

    def _went_offline(self, error: RemoteError) -> None:
        if error.retryable:
            self._offline_until = time.monotonic() + OFFLINE_BACKOFF_S
        self.remote_error = error.message

    def _remote_card(self, version: str) -> dict[str, Any] | None:
        assert self.remote is not None
        key = f"models/{layer_of(version)}/{version}/{CARD}"
        try:
            return dict(json.loads(self.remote.get_bytes(key)))
        except NotFound:
            return None

    # -- reading -----------------------------------------------------------------------------------------------

    def get(self, version: str) -> ModelVersion:
        try:
            return super().get(version)
        except NotFound:
            if self.remote is None:
                raise
        if not self._online():
            raise NotFound(
                f"no model version {shown(version)} here, and the remote cannot be reached: {self.remote_error}"
            )
        try:
            card = self._remote_card(version)
        except RemoteError as error:
            self._went_offline(error)
            raise NotFound(f"no model version {shown(version)} here, and the remote failed: {error.message}") from None
        if card is None:
            raise NotFound(f"no model version {shown(version)} here or on the remote")
        self.fetch(version, card)
        return super().get(version)

    def fetch(self, version: str, card: dict[str, Any]) -> None:
        """Download a remote version's files (each checked against its card), then its card."""
        assert self.remote is not None
        layer = layer_of(version)
        folder = f"models/{layer}/{version}/"
        for role, key in dict(card.get("files", {})).items():
            if not isinstance(key, str) or not key.startswith(folder) or "/" in key.removeprefix(folder):
                raise RemoteError(
                    Problem.OTHER, f"remote: the card of {version} names a file outside its version: {shown(key)}"
                )
            expected = str(card.get("sha256", {}).get(role, ""))
            target = self.local_store.path_of(key)
            info = self.remote.get_file(key, target)
            if expected and info.sha256 != expected:
                target.unlink(missing_ok=True)
                raise RemoteError(
                    Problem.CHECKSUM_MISMATCH,
                    f"remote: {key} has SHA-256 {info.sha256} but the card of {version} says {expected}",
                )
        self.local_store.put_bytes(f"models/{layer}/{version}/{CARD}", json.dumps(card, indent=2).encode())

    def _read_pointer(self, key: str) -> str:
        """A promoted version (of a layer or a tier): the remote's, kept locally; the local one while offline."""
        local = super()._read_pointer(key)
        if not self._online():
            return local
        assert self.remote is not None
        try:
            shared = json.loads(self.remote.get_bytes(key)).get("version", "")
        except NotFound:
            return local
        except RemoteError as error:
            self._went_offline(error)
            return local
        except ValueError:
            return local
        if shared and shared != local:
            super()._write_pointer(key, str(shared))
        return str(shared) or local

    # -- writing -----------------------------------------------------------------------------------------------

    def promote(self, version: str) -> ModelVersion:
        model = super().get(version)
        if self.remote is not None:
            if not self._online():
                raise FailedPrecondition(
                    f"cannot share the promotion of {version}: {self.remote_error}; try again when it answers",
                    field="remote",
                )
            try:
                self.push_version(model)
                for key in self.pointer_keys(model):
                    self.remote.put_bytes(key, json.dumps({"version": version}).encode())
            except RemoteError as error:
                self._went_offline(error)
                raise
        return super().promote(version)

    def push_version(self, model: ModelVersion) -> bool:
        """Send a local version to the remote unless it is there; False when it already was."""
        assert self.remote is not None
        card_key = f"models/{model.layer}/{model.version}/{CARD}"
        if self.remote.exists(card_key):
            return False
        checksums = dict(model.card.get("sha256", {}))
        for role, key in model.files.items():  # the card knows each file's SHA-256: no second read to hash it
            self.remote.put_file(key, self.local_store.path_of(key), sha256=checksums.get(role) or None)
        self.remote.put_file(card_key, self.local_store.path_of(card_key))
        return True

    # -- where things live -------------------------------------------------------------------------------------

    def list_with_locations(self, *, kind: str = "", layer: str = "") -> list[Located]:
        if self.remote is None:
            raise FailedPrecondition(
                "this workspace has no remote; set one with omni remote set s3://...", field="remote"
            )
        local = {model.version: model for model in ModelRegistry.list(self, kind=kind, layer=layer)}
        remote = {model.version: model for model in ModelRegistry(self.remote).list(kind=kind, layer=layer)}
        located = []
        for version in set(local) | set(remote):
            mine, theirs = local.get(version), remote.get(version)
            if mine and theirs:
                same = mine.card.get("sha256") == theirs.card.get("sha256")
                located.append(Located(mine, BOTH if same else DIFFERS))
            elif mine:
                located.append(Located(mine, LOCAL))
            elif theirs:
                located.append(Located(theirs, REMOTE))
        return sorted(located, key=lambda item: (item.model.created_at, item.model.version), reverse=True)


_opened: dict[tuple[Path, Path], tuple[tuple[int, ...], SharedRegistry]] = {}
_opened_lock = threading.Lock()


def _remote_stamp(state_dir: Path) -> tuple[int, ...]:
    """Changes when the remote's configuration or the workspace's keys change."""
    stamps = []
    for path in (config_path(state_dir), workspace_keys_path(state_dir)):
        try:
            stamps.append(path.stat().st_mtime_ns)
        except FileNotFoundError:
            stamps.append(0)
    return tuple(stamps)


def open_registry(store: LocalStore, state_dir: Path) -> SharedRegistry:
    """The workspace's registry, shared through its remote when it has one (and its keys are found).

    One per workspace and process while the remote's settings stay the same, so its HTTP connections and
    its memory of an unreachable remote are kept between calls."""
    cache_key = (store.root, Path(state_dir))
    stamp = _remote_stamp(state_dir)
    with _opened_lock:
        cached = _opened.get(cache_key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            registry = SharedRegistry(store, open_remote(state_dir))
        except OmniError as error:
            registry = SharedRegistry(store, None, remote_error=error.message)
        _opened[cache_key] = (stamp, registry)
        return registry


def registry_at(workspace_root: Path) -> SharedRegistry:
    """``open_registry`` for code that knows only the workspace folder (a job's worker)."""
    return open_registry(LocalStore(workspace_root), Path(workspace_root) / STATE_DIR_NAME)


__all__ = ["BOTH", "DIFFERS", "LOCAL", "REMOTE", "Located", "SharedRegistry", "open_registry", "registry_at"]

"""The workspace: one folder holding the artifact store and, under ``.omni/``, the backend's own state.

It is also where paths from clients are checked: relative paths live inside the workspace, and a
backend that does not allow host paths (any backend reachable beyond loopback) refuses paths that
resolve outside it, ``..`` and symlinks included (the rule is ``omni_core.confinement``'s).
"""

from __future__ import annotations

from pathlib import Path

from backend.storage.base import WORKSPACE_PREFIXES
from backend.storage.local import LocalStore
from omni_core.confinement import Confinement
from omni_core.errors import InvalidArgument, PermissionDenied, shown

STATE_DIR_NAME = ".omni"


class Workspace:
    def __init__(self, root: Path, *, host_paths_allowed: bool = True) -> None:
        self.root = Path(root).expanduser().resolve()
        self.host_paths_allowed = host_paths_allowed
        self.confinement = Confinement(self.root, host_paths_allowed)
        self.state_dir = self.root / STATE_DIR_NAME
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.store = LocalStore(self.root)
        for prefix in WORKSPACE_PREFIXES:
            (self.root / prefix).mkdir(parents=True, exist_ok=True)

    @property
    def db_path(self) -> Path:
        return self.state_dir / "jobs.sqlite3"

    def job_dir(self, job_id: str) -> Path:
        path = self.state_dir / "jobs" / job_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def resolve_user_path(self, value: str, *, field: str) -> Path:
        """Turn a path from a request into an absolute path this backend may use, or raise.

        Raises InvalidArgument (empty, inside a file, is a file) or PermissionDenied (outside the
        workspace on a confined backend, or inside the backend's state folder), naming ``field``.
        """
        if not value or not value.strip():
            raise InvalidArgument(field, "a folder is required")
        resolved = self.confinement.resolve(value, field)
        self.refuse_state(resolved, value, field)
        if resolved.is_file():
            raise InvalidArgument(field, f"{shown(value)} is a file, not a folder")
        for ancestor in resolved.parents:
            if ancestor.exists():
                if not ancestor.is_dir():
                    raise InvalidArgument(field, f"{shown(value)} is inside a file ({ancestor})")
                break
        return resolved

    def refuse_state(self, resolved: Path, value: str, field: str) -> None:
        """PermissionDenied for a path inside the backend's own state folder (tokens, job database)."""
        if resolved == self.state_dir or resolved.is_relative_to(self.state_dir):
            raise PermissionDenied(f"{field}: {shown(value)} is inside the backend's state folder")


def require_existing_folder(workspace: Workspace, value: str, *, field: str) -> Path:
    """``resolve_user_path`` for inputs: the folder must already exist on the backend."""
    path = workspace.resolve_user_path(value, field=field)
    if not path.is_dir():
        raise InvalidArgument(field, f"{shown(value)} is not a folder on the backend")
    return path


def require_empty_folder(path: Path, *, field: str) -> None:
    """Refuse a folder that already holds data, so nothing is ever overwritten silently."""
    if path.is_dir():
        entries = [entry.name for entry in path.iterdir()]
        if entries:
            shown = ", ".join(sorted(entries)[:3])
            raise InvalidArgument(
                field,
                f"{str(path)!r} already holds {len(entries)} entries ({shown}...); choose an empty or new "
                "folder, or resume the job that wrote it. Nothing was overwritten.",
            )

"""Writing a generated dataset: claiming the folder, the streamed manifest, reporting it to the job.

A folder is claimed by a small ``manifest.json`` (``"complete": false``) holding the parameters that decide
what the samples look like. A later run into the same folder (a resume, or a larger ``count``) must have
the same parameters, so it never mixes samples of two different datasets; the complete manifest replaces the
claim at the end.
"""

from __future__ import annotations

import json
import posixpath
import shutil
import tempfile
from typing import IO, Any

from backend.jobs.context import JobContext
from backend.storage.base import ArtifactStore, ObjectInfo
from omni_core.errors import FailedPrecondition

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1


def claim_folder(store: ArtifactStore, out: str, kind: str, fingerprint: dict[str, Any]) -> bool:
    """Claim ``store`` for a ``kind`` dataset; return True if an earlier run of the same dataset was there.

    Raises FailedPrecondition if the folder holds a dataset made with other parameters.
    """
    if store.exists(MANIFEST):
        try:
            existing = json.loads(store.get_bytes(MANIFEST))
        except ValueError:
            existing = None
        if isinstance(existing, dict) and "params" in existing:
            if existing.get("kind") != kind or existing.get("params") != fingerprint:
                differing = _differences(existing.get("params"), fingerprint) if existing.get("kind") == kind else []
                what = f" ({', '.join(differing)} differ)" if differing else ""
                raise FailedPrecondition(
                    f"{out} already holds a synthetic {existing.get('kind', '?')} dataset made with other "
                    f"parameters{what}; choose an empty folder, or the same parameters to continue it"
                )
            return True
    header = {"kind": kind, "version": MANIFEST_VERSION, "complete": False, "params": fingerprint}
    store.put_bytes(MANIFEST, (json.dumps(header, indent=2) + "\n").encode())
    return False


class ManifestWriter:
    """Collects one JSON entry per sample in a temporary file, so a million samples cost no memory."""

    def __init__(self, list_name: str) -> None:
        self.list_name = list_name
        self._entries: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by finish() or close()
        self._count = 0

    def add(self, entry: dict[str, Any]) -> None:
        prefix = b"\n" if self._count == 0 else b",\n"
        self._entries.write(prefix + json.dumps(entry, separators=(",", ":")).encode())
        self._count += 1

    def finish(self, store: ArtifactStore, header: dict[str, Any]) -> ObjectInfo:
        """Store ``{**header, list_name: [entries]}`` as the manifest, in one atomic put."""
        with tempfile.TemporaryFile() as document:
            head = json.dumps({**header, "complete": True}, indent=2)
            document.write(head[:-2].encode() + f',\n  "{self.list_name}": ['.encode())
            self._entries.seek(0)
            shutil.copyfileobj(self._entries, document)
            document.write(b"\n  ]\n}\n")
            document.seek(0)
            info = store.put_stream(MANIFEST, document)  # type: ignore[arg-type]
        self.close()
        return info

    def close(self) -> None:
        self._entries.close()


def report_file(ctx: JobContext, out: str, info: ObjectInfo, kind: str, description: str) -> None:
    ctx.artifact(posixpath.join(out, info.key), kind, size_bytes=info.size, sha256=info.sha256, description=description)


def _differences(old: object, new: dict[str, Any]) -> list[str]:
    if not isinstance(old, dict):
        return []
    return sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))

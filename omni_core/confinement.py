"""Which files the backend may touch: one rule for every path a client sends and every path a file names.

Two policies, chosen by ``ServerSettings.allows_host_paths``:

- **confined** (any backend reachable beyond loopback): every file the backend reads or writes for a request
  resolves (``..`` applied, symlinks followed) inside the workspace. The check runs *after* resolution and
  *before* anything looks at whether the path exists, so no answer tells a client what exists outside.
  Paths read from inside files (a ``data.yaml``'s ``path:`` and splits, COCO ``file_name``, VOC ``filename``)
  and files found by walking a folder (a symlinked image) are checked the same way; readers skip and report
  what is outside instead of reading it.
- **loopback** (the user's own machine, where the client and the backend are the same person): absolute host
  paths and symlinks to anywhere are allowed.

On both: a NUL character, a name longer than ``NAME_MAX`` bytes, a path longer than ``PATH_MAX`` bytes and a
symlink loop are INVALID_ARGUMENT naming the field, and ``~`` is an ordinary folder name (a server never
expands a client's home directory). The artifact store follows no link on either (``backend.storage.local``).
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from omni_core.errors import ECHO_LIMIT, InvalidArgument, PermissionDenied, shown

#: the longest name of one path component, in bytes (Linux and macOS file systems)
NAME_MAX = 255
#: the longest path the kernel takes, in bytes
PATH_MAX = 4096
#: why a reader skipped a file it found (a link out of the workspace): the reason in reports
OUTSIDE = "resolves outside the workspace; not read"


def shown_path(value: str) -> str:
    """``shown`` for a path: a long one keeps its end, which names the file, instead of its start."""
    if len(repr(value)) <= ECHO_LIMIT:
        return shown(value)
    return f"…{shown(value[-(ECHO_LIMIT - 12) :])} ({len(value)} characters)"


def check_text(value: str, field: str) -> None:
    """Refuse a path (or key) the file system cannot take: NUL, undecodable, a name or the whole too long."""
    if "\x00" in value:
        raise InvalidArgument(field, f"{shown(value)} contains a NUL character")
    try:
        encoded = os.fsencode(value)
    except UnicodeEncodeError:
        raise InvalidArgument(field, f"{shown(value)} is not a valid file name (unpaired surrogate)") from None
    if len(encoded) > PATH_MAX:
        raise InvalidArgument(field, f"{shown(value)} is longer than {PATH_MAX} bytes")
    for part in encoded.split(b"/"):
        if len(part) > NAME_MAX:
            name = os.fsdecode(part)
            raise InvalidArgument(
                field, f"{shown(value)}: the name {shown(name)} is {len(part)} bytes long; at most {NAME_MAX} fit"
            )


def resolve_strictly(path: Path, value: str, field: str) -> Path:
    """``path.resolve()`` (which need not exist), with a symlink loop as InvalidArgument naming ``field``."""
    try:
        resolved = path.resolve()
    except RuntimeError:  # Python 3.11: "Symlink loop from ..."
        raise InvalidArgument(field, f"{shown_path(value)} goes through a symlink loop") from None
    except OSError as error:
        if error.errno == errno.ELOOP:  # Python 3.13 raises this instead
            raise InvalidArgument(field, f"{shown_path(value)} goes through a symlink loop") from None
        raise InvalidArgument(field, f"{shown_path(value)} cannot be resolved ({error.strerror or error})") from None
    check_text(str(resolved), field)  # a symlink can make it longer than what was sent
    return resolved


@dataclass(frozen=True)
class Confinement:
    """The file-access policy of one backend: its workspace ``root`` and whether host paths are allowed."""

    root: Path
    host_paths_allowed: bool

    @classmethod
    def of(cls, root: Path, *, host_paths_allowed: bool) -> Confinement:
        return cls(Path(root).resolve(), host_paths_allowed)

    @property
    def confined(self) -> bool:
        return not self.host_paths_allowed

    def inside(self, resolved: Path) -> bool:
        return resolved == self.root or resolved.is_relative_to(self.root)

    def allows(self, resolved: Path) -> bool:
        """Whether an already resolved path may be touched."""
        return self.host_paths_allowed or self.inside(resolved)

    def resolve(self, value: str | Path, field: str, *, base: Path | None = None) -> Path:
        """The resolved absolute path of ``value`` (a relative one is taken from ``base``, else the workspace),
        or InvalidArgument (NUL, too long, a symlink loop) / PermissionDenied (outside, on a confined backend),
        naming ``field``. Never looks at whether the path exists, so refusals tell nothing about outside."""
        text = os.fspath(value)
        check_text(text, field)
        candidate = Path(text)
        if not candidate.is_absolute():
            candidate = (base or self.root) / candidate
        resolved = resolve_strictly(candidate, text, field)
        if not self.allows(resolved):
            raise PermissionDenied(
                f"{field}: {shown_path(text)} resolves outside the workspace {self.root}; "
                "this backend only accepts paths inside its workspace"
            )
        return resolved

    def refusal(self, path: Path) -> str:
        """Why a path found inside a file or a folder may not be read ("" when it may): ``resolve``'s checks,
        as a reason for an import report instead of an error."""
        return self._checked(path)[1]

    def admits(self, path: Path) -> bool:
        return not self.refusal(path)

    def _checked(self, path: Path) -> tuple[Path | None, str]:
        try:
            return self.resolve(path, "path"), ""
        except PermissionDenied:
            return None, OUTSIDE
        except InvalidArgument as error:
            return None, error.reason


class PathChecker:
    """``Confinement.refusal`` for many paths in a few folders (a dataset, a batch): a plain entry (not a link,
    an ordinary name) of a folder already known to resolve where it may is allowed without resolving it
    again, which would cost a system call per folder level for every image."""

    def __init__(self, policy: Confinement) -> None:
        self.policy = policy
        self._folders: set[Path] = set()

    def refusal(self, path: Path) -> str:
        if path.parent in self._folders and _plain_name(path.name) and not path.is_symlink():
            return ""
        resolved, why = self.policy._checked(path)
        # name is no link, so the folder resolves to resolved.parent: remembered when that is allowed too (the
        # workspace itself is allowed, the folder above it is not)
        plain = resolved is not None and _plain_name(path.name) and not path.is_symlink()
        if plain and resolved is not None and self.policy.allows(resolved.parent):
            self._folders.add(path.parent)
        return why

    def admits(self, path: Path) -> bool:
        return not self.refusal(path)

    def require(self, path: Path, field: str) -> None:
        """``Confinement.resolve``'s error naming ``field`` if ``path`` may not be used."""
        if self.refusal(path):
            self.policy.resolve(path, field)


def _plain_name(name: str) -> bool:
    """A name that is one entry of its folder and that the file system takes."""
    if name in ("", ".", ".."):
        return False
    try:
        encoded = os.fsencode(name)
    except UnicodeEncodeError:
        return False
    return b"\x00" not in encoded and len(encoded) <= NAME_MAX


def unconfined(root: Path | None = None) -> Confinement:
    """The policy of a caller that is not a confined backend: the CLI reading its own folders, in-process tests."""
    return Confinement.of(root or Path.cwd(), host_paths_allowed=True)

"""What names may look like: datasets, classes, image filenames, content addresses."""

from __future__ import annotations

import re

from omni_core.errors import InvalidArgument, shown

DEFAULT_CLASSES = ("dent", "dirt", "rust", "scratch", "spoiled", "mold")
DATASET_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_CLASS_NAME = 64
MAX_CLASSES = 1000
MAX_FILENAME = 512


def check_dataset_name(name: str, field: str = "name") -> str:
    if not DATASET_NAME.fullmatch(name or "") or name in (".", ".."):
        raise InvalidArgument(field, f"{shown(name)} is not a dataset name: use 1-64 letters, digits, '-', '_' or '.'")
    return name


def dataset_name_from_folder(folder: str) -> str:
    """A valid dataset name made from a folder's name (other characters become '-')."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", folder).strip("-.")[:64]
    return name or "dataset"


def check_class_name(name: str, field: str = "classes") -> str:
    cleaned = name.strip()
    if not cleaned:
        raise InvalidArgument(field, "a class name must not be empty")
    if len(cleaned) > MAX_CLASS_NAME:
        raise InvalidArgument(field, f"class name {cleaned[:20]!r}... is longer than {MAX_CLASS_NAME} characters")
    if any(ord(ch) < 32 for ch in cleaned):
        raise InvalidArgument(field, f"class name {shown(cleaned)} contains a control character (a newline?)")
    return cleaned


def check_class_list(names: tuple[str, ...] | list[str], field: str = "classes") -> list[str]:
    cleaned = [check_class_name(name, field) for name in names]
    seen: set[str] = set()
    for name in cleaned:
        if name in seen:
            raise InvalidArgument(field, f"class {shown(name)} appears twice")
        seen.add(name)
    if len(cleaned) > MAX_CLASSES:
        raise InvalidArgument(field, f"at most {MAX_CLASSES} classes")
    return cleaned


def check_filename(value: str, field: str = "filename") -> str:
    """A relative, '/'-separated name without '..' (backslashes count as separators)."""
    name = value.replace("\\", "/").strip()
    parts = name.split("/")
    if not name or len(name) > MAX_FILENAME or "\x00" in name or name.startswith("/"):
        raise InvalidArgument(field, f"{shown(value)} is not a relative file name")
    if any(part in ("", ".", "..") for part in parts):
        raise InvalidArgument(field, f"{shown(value)}: empty, '.' or '..' path segments are not allowed")
    return name


def check_sha256(value: str, field: str = "sha256") -> str:
    digest = value.strip().lower()
    if not SHA256.fullmatch(digest):
        raise InvalidArgument(field, f"{shown(value)} is not a SHA-256 (64 hex digits)")
    return digest

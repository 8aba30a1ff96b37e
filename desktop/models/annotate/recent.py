"""The dataset last open in Annotate, per backend: reopened when the app connects again, so an
annotator resumes where they stopped (and edits a crash left in the journal are sent at once)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from desktop.models.annotate.shortcuts import config_dir


def _path() -> Path:
    return config_dir() / "annotate.json"


def last_dataset(backend_key: str) -> str | None:
    try:
        data = json.loads(_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get("last_dataset", {}).get(backend_key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def remember_dataset(backend_key: str, dataset: str) -> None:
    path = _path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    data.setdefault("last_dataset", {})[backend_key] = dataset
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(temp, path)

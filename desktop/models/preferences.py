"""What the desktop remembers between sessions (a JSON file in the user's config folder), by section.

Only choices people make again and again live here (where to train, a SageMaker role and region); never a
secret. Writes are atomic (temp file + rename): a crash never leaves half a file, and a file that cannot be read
is ignored rather than stopping the app.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "omni-studio"
FILE_NAME = "desktop.json"
PATH_VARIABLE = "OMNI_DESKTOP_PREFERENCES"


def default_path() -> Path:
    given = os.environ.get(PATH_VARIABLE)
    return Path(given) if given else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / FILE_NAME


class Preferences:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    def _all(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def section(self, name: str) -> dict[str, Any]:
        value = self._all().get(name)
        return dict(value) if isinstance(value, dict) else {}

    def save_section(self, name: str, values: dict[str, Any]) -> None:
        data = {**self._all(), name: values}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", dir=self.path.parent, prefix=".desktop-", suffix=".tmp", delete=False, encoding="utf-8"
            ) as handle:
                json.dump(data, handle, indent=2, sort_keys=True)
            os.replace(handle.name, self.path)
        except OSError:
            pass  # remembering is a convenience: a read-only config folder must not stop a training

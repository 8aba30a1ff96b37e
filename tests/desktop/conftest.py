"""Desktop test setup: headless Qt (set before anything imports Qt), and a real backend child process."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.client.embedded import EmbeddedBackend


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBackend]:
    """One real backend (``omni serve`` on loopback) per test module, stopped at the end."""
    embedded = EmbeddedBackend.start(workspace=tmp_path_factory.mktemp("workspace"))
    try:
        yield embedded
    finally:
        embedded.stop()


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    return tmp_path / "synth"


@pytest.fixture(autouse=True)
def _preferences_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the desktop remembers goes to the test's folder, never to the user's config."""
    monkeypatch.setenv("OMNI_DESKTOP_PREFERENCES", str(tmp_path / "desktop.json"))

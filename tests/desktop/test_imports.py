"""The desktop imports without torch, the backend, OpenCV or Ultralytics; view-models import without Qt."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

BLOCK = textwrap.dedent(
    """
    import sys

    class Block:
        blocked = {blocked!r}

        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in self.blocked:
                raise ImportError(f"{{name}} is not installed (blocked by the test)")
            return None

    sys.meta_path.insert(0, Block())
    """
)


def run(code: str, blocked: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    script = BLOCK.format(blocked=blocked) + textwrap.dedent(code)
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def test_desktop_imports_without_torch_or_backend() -> None:
    result = run(
        """
        import desktop, desktop.client, desktop.models, desktop.qt.app
        from desktop.qt.main_window import MainWindow
        heavy = [name for name in ("torch", "ultralytics", "cv2", "backend", "onnxruntime")
                 if name in sys.modules]
        assert not heavy, heavy
        print("ok")
        """,
        blocked=("torch", "ultralytics", "backend", "cv2", "onnxruntime"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_view_models_import_without_qt() -> None:
    result = run(
        """
        import desktop.client, desktop.models
        from desktop.models import synth_form, jobs_model, connection_model, job_text, yolo
        from desktop.models import train_form, training_run, training_runs, job_watch, table_rows
        from desktop.models import models_model, model_compare, reports_model, report_html
        from desktop.models import datasets_model
        from desktop.models.annotate import session, journal, autosave, image_cache, shortcuts, recent
        assert not any(name.startswith(("PySide6", "pyqtgraph")) for name in sys.modules)
        print("ok")
        """,
        blocked=("PySide6", "pyqtgraph", "shiboken6", "torch", "backend"),
    )
    assert result.returncode == 0, result.stderr

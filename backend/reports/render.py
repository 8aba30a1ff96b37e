"""One renderer per report kind and format, and ``render`` to pick it.

The shared pieces (header, environment, table, style) live in ``text.py`` and ``html.py``; each kind's
layout imports them, and nothing shared imports a kind, so adding a kind is one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backend.reports.detection_html import render_detection_html
from backend.reports.detection_text import render_detection_text
from backend.reports.html import render_restoration_html
from backend.reports.text import render_restoration_text

Renderer = Callable[[dict[str, Any]], str]
#: format -> report kind -> renderer; kinds not named (restoration training, its evaluations) use ``DEFAULT``
RENDERERS: dict[str, dict[str, Renderer]] = {
    "text": {"train_detection": render_detection_text},
    "html": {"train_detection": render_detection_html},
}
DEFAULT: dict[str, Renderer] = {"text": render_restoration_text, "html": render_restoration_html}
RENDERED_FORMATS = tuple(DEFAULT)


def render(report: dict[str, Any], fmt: str) -> str:
    """``report`` drawn as ``fmt`` ("text" or "html") by its kind's renderer."""
    return RENDERERS[fmt].get(str(report.get("kind", "")), DEFAULT[fmt])(report)

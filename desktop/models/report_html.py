"""Reports as the app shows them: the list's rows, and HTML whose embedded images become named resources.

A report's HTML embeds its curves as ``<img src="data:image/png;base64,...">``. ``extract_images`` swaps
each for a short ``report://imgN`` URL and returns the decoded bytes, which the Qt side registers with
the QTextDocument: the document holds real image resources (whatever its Qt version makes of data: URLs)
and the HTML it parses stays small.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from desktop.models.formatting import format_timestamp
from desktop.models.table_rows import Row, Tone
from protos.omni.v1 import jobs_pb2, reports_pb2

COLUMNS = ("ID", "State", "Title", "Model version", "Created")
FORMATS = ("html", "text")
IMAGE_SCHEME = "report"

_DATA_IMAGE = re.compile(
    r"""src\s*=\s*(?P<quote>["'])data:(?P<mime>image/[\w.+-]+);base64,(?P<data>[A-Za-z0-9+/=\s]*)(?P=quote)""",
    re.IGNORECASE,
)
_STATES = {
    "succeeded": jobs_pb2.JOB_STATE_SUCCEEDED,
    "failed": jobs_pb2.JOB_STATE_FAILED,
    "cancelled": jobs_pb2.JOB_STATE_CANCELLED,
    "interrupted": jobs_pb2.JOB_STATE_INTERRUPTED,
}


@dataclass(frozen=True)
class EmbeddedImage:
    url: str  # what the rewritten HTML's <img src> says, e.g. "report://img0"
    mime: str
    data: bytes


def extract_images(html: str) -> tuple[str, list[EmbeddedImage]]:
    """The HTML with every base64 ``data:image`` source replaced by ``report://imgN``, and the images."""
    images: list[EmbeddedImage] = []

    def swap(match: re.Match[str]) -> str:
        try:
            data = base64.b64decode(re.sub(r"\s+", "", match["data"]), validate=True)
        except (binascii.Error, ValueError):
            return match[0]  # not valid base64: leave it to the renderer
        url = f"{IMAGE_SCHEME}://img{len(images)}"
        images.append(EmbeddedImage(url, match["mime"].lower(), data))
        quote = match["quote"]
        return f"src={quote}{url}{quote}"

    return _DATA_IMAGE.sub(swap, html), images


def report_row(report: reports_pb2.ReportSummary) -> Row:
    tones: tuple[Tone, ...] = ("mono", "state", "", "mono", "")
    return Row(
        key=report.id,
        cells=(report.id, report.state, report.title, report.model_version, format_timestamp(report.created_at)),
        tones=tones,
        state=_STATES.get(report.state, jobs_pb2.JOB_STATE_UNSPECIFIED),
    )

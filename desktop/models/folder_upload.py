"""What the Datasets view shows while a folder is imported into a backend on another machine
(``omni_core.datasets.remote_import``): the progress line and bar, and the result with every file and
label the import could not use, so no label is dropped without a word."""

from __future__ import annotations

from omni_core.datasets.remote_import import ImportProgress
from omni_core.formats.report import ImportReport

#: how many skipped files and label problems the result lists (the rest are counted)
DETAIL_LIMIT = 50


def progress_text(progress: ImportProgress) -> str:
    """``"Uploading to parts: 12 of 40 images · 9 labels saved · 2 already there · 1 skipped"``."""
    parts = [f"Uploading to {progress.dataset}: {progress.sent:,} of {progress.total:,} images"]
    parts.append(f"{progress.labels_saved:,} labels saved")
    if progress.already_present:
        parts.append(f"{progress.already_present:,} already there")
    if progress.skipped:
        parts.append(f"{progress.skipped:,} skipped")
    return " · ".join(parts)


def progress_fraction(progress: ImportProgress) -> float:
    return progress.sent / progress.total if progress.total else 1.0


def result_line(report: ImportReport) -> str:
    """One line: images added, boxes, what was there already, and how many files and labels were refused."""
    line = (
        f"{report.dataset}: {report.added:,} images added with {report.boxes:,} boxes, "
        f"{report.already_present:,} already there, {len(report.skipped):,} files skipped, "
        f"{len(report.problems):,} label problems"
    )
    if report.classes_added:
        line += f"; classes added: {', '.join(report.classes_added)}"
    if report.cancelled:
        line += " — cancelled: import the folder again to send the rest"
    return line


def result_details(report: ImportReport, limit: int = DETAIL_LIMIT) -> str:
    """Each skipped file and each label problem with its reason, one a line."""
    entries = [f"skipped {p}" for p in report.skipped] + [f"label problem {p}" for p in report.problems]
    details = "\n".join(entries[:limit])
    if len(entries) > limit:
        details += f"\n… and {len(entries) - limit:,} more"
    return details

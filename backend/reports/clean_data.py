"""The data section of a run trained from clean images degraded on the fly (``--clean``), for both renderings."""

from __future__ import annotations

from typing import Any


def is_clean_run(data: dict[str, Any]) -> bool:
    return "clean_images" in data


def clean_data_rows(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """(label, value) rows: images used and skipped, the split, the domain and what the target keeps."""
    paper = "whitened" if data.get("whiten_paper") else "kept as scanned"
    rows: list[tuple[str, Any]] = [
        ("clean images", data.get("clean_images", 0)),
        ("train / validation images", f"{data.get('train_images', 0)} / {data.get('val_images', 0)}"),
        ("files skipped", data.get("skipped", 0)),
        ("degradation", f"{data.get('domain', '?')} preset, fresh every epoch"),
    ]
    if data.get("domain") == "document":
        rows.append(("paper tone in the targets", paper))
    return rows


def clean_data_lines(data: dict[str, Any]) -> list[str]:
    lines = ["  ".join(f"{label.capitalize()}: {value}" for label, value in clean_data_rows(data))]
    lines += [f"    {item['file']}: {item['reason']}" for item in (data.get("skipped_examples") or [])[:5]]
    return lines

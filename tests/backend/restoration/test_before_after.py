"""The before/after sheet a whiten-paper model's report shows instead of a PSNR that cannot describe it."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from backend.reports.real_images import before_after_html, real_image_lines
from backend.restoration.before_after import GAP, before_after
from backend.restoration.real_eval import cases
from backend.restoration.real_set import CROP


def negative(images: np.ndarray) -> np.ndarray:
    return 255 - images


def test_each_row_is_input_output_and_original_of_one_real_crop() -> None:
    sheet = before_after(negative, "document")
    documents = [
        (name, case, clean, degraded) for name, domain, case, clean, degraded in cases() if domain == "document"
    ]
    assert sheet["rows"] == [f"{name} / {case}" for name, case, _, _ in documents] and len(documents) >= 3
    assert sheet["columns"] == ["degraded input", "this model", "original"]
    pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(sheet["png_base64"]))).convert("RGB"))
    assert pixels.shape == (len(documents) * (CROP + GAP) - GAP, 3 * CROP + 2 * GAP, 3)
    for row, (_, _, clean, degraded) in enumerate(documents):
        top = row * (CROP + GAP)
        cells = [pixels[top : top + CROP, left : left + CROP] for left in (0, CROP + GAP, 2 * (CROP + GAP))]
        assert np.array_equal(cells[0], degraded)
        assert np.array_equal(cells[1], 255 - degraded)  # what the model made of it
        assert np.array_equal(cells[2], clean)
        assert (pixels[top : top + CROP, CROP : CROP + GAP] == 255).all()  # the white gap between cells


def test_the_text_report_points_to_the_images_and_the_html_embeds_them() -> None:
    sheet = before_after(negative, "document")
    section = {"domains": {}, "methods": [], "whiten_paper": True, "before_after": sheet}
    lines = real_image_lines(section)
    assert any(line.startswith("Before/after images of the document crops") for line in lines)
    page = before_after_html(section)
    assert f"src='data:image/png;base64,{sheet['png_base64']}'" in page and "degraded input | this model" in page
    assert before_after_html({"domains": {}}) == ""


def test_a_domain_without_crops_is_refused() -> None:
    with pytest.raises(ValueError, match="no painting crops"):
        before_after(negative, "painting")  # type: ignore[arg-type]

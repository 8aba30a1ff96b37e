"""bench.restore's measuring scripts run in child processes against the backend's current API (the bench itself
is not part of CI, so a change of ``open_run_engine``'s arguments once went unnoticed until a bench run)."""

from __future__ import annotations

from pathlib import Path

from bench.restore import bare_images_per_second, bare_plan, big_scan, peak_rss


def test_the_bare_and_the_memory_scripts_run_on_a_tiny_model(tiny_onnx: Path, tmp_path: Path) -> None:
    folder = tmp_path / "images"
    folder.mkdir()
    big_scan(folder / "a.png", 96, 64)
    big_scan(folder / "b.png", 80, 48)
    bare = bare_plan(tiny_onnx, folder, tmp_path / "cache")
    assert bare["plans"] == ["whole"] and bare["megapixels_per_second"] > 0  # the plans met, each once
    assert bare["parallel_megapixels_per_second"] > 0 and bare["streams"] >= 1
    images_per_second, provider = bare_images_per_second(tiny_onnx, folder)
    assert images_per_second > 0 and provider.endswith("ExecutionProvider")

    peaks = peak_rss(tiny_onnx, folder / "a.png", tmp_path / "out", tile=80)  # tiles: the image is 96 px wide
    assert peaks["peak_mb"] >= peaks["peaks_mb"]["restore"] > 0
    assert (tmp_path / "out" / "rss-80" / "a.png").stat().st_size > 0

"""What a batch's outputs cost to write: ``python -m bench.encode``.

PNG: ``backend.batch.png_writer`` (rows filtered "up", ISA-L deflate level 1) against OpenCV's libpng at zlib level 1
with its fast filters and run-length matching (what the batch wrote before) and Pillow at its default level (6).
TIFF: LZW with and without horizontal differencing (what a batch writes now and before), and deflate.
One process, one thread, median of ``--rounds`` per writer, on realistic sizes: a 24 MP scan (``bench.restore``'s
synthetic one) and the same scan with the fine grain a restoration leaves (Gaussian noise, sigma 1.5), and a 12 MP
photo (scikit-image's astronaut enlarged, with sensor-like noise). Prints seconds, MB and each writer's time and
size as a ratio of png_writer's (or of LZW with differencing). Not part of CI.
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np


def images() -> dict[str, np.ndarray]:
    from PIL import Image
    from skimage import data

    from bench.restore import big_scan

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scan.png"
        big_scan(path, 6000, 4000)
        with Image.open(path) as image:
            scan = np.asarray(image.convert("RGB"))
    rng = np.random.default_rng(0)
    grainy = np.clip(scan + rng.normal(0, 1.5, scan.shape), 0, 255).astype(np.uint8)
    astronaut = Image.fromarray(data.astronaut()).resize((4000, 3000), Image.Resampling.BICUBIC)
    photo = np.clip(np.asarray(astronaut) + rng.normal(0, 3.0, (3000, 4000, 3)), 0, 255).astype(np.uint8)
    return {"24 MP scan": scan, "24 MP scan, restored grain": grainy, "12 MP photo": photo}


def writers() -> dict[str, Callable[[np.ndarray], bytes]]:
    import cv2
    from PIL import Image

    from backend.batch.png_writer import write_png

    def ours(pixels: np.ndarray) -> bytes:
        out = io.BytesIO()
        write_png(pixels, out)
        return out.getvalue()

    def opencv(pixels: np.ndarray) -> bytes:
        params = [
            cv2.IMWRITE_PNG_COMPRESSION,
            1,
            cv2.IMWRITE_PNG_FILTER,
            cv2.IMWRITE_PNG_FAST_FILTERS,
            cv2.IMWRITE_PNG_STRATEGY,
            cv2.IMWRITE_PNG_STRATEGY_RLE,
        ]
        return bytes(cv2.imencode(".png", np.ascontiguousarray(pixels[:, :, ::-1]), params)[1])

    def pillow(fmt: str, **options: object) -> Callable[[np.ndarray], bytes]:
        def write(pixels: np.ndarray) -> bytes:
            out = io.BytesIO()
            Image.fromarray(pixels).save(out, fmt, **options)
            return out.getvalue()

        return write

    return {
        "PNG png_writer (isal 1, up)": ours,
        "PNG OpenCV (zlib 1, fast filters)": opencv,
        "PNG Pillow (zlib 6)": pillow("PNG"),
        "TIFF LZW + differencing": pillow("TIFF", compression="tiff_lzw", tiffinfo={317: 2}),
        "TIFF LZW": pillow("TIFF", compression="tiff_lzw"),
        "TIFF deflate": pillow("TIFF", compression="tiff_adobe_deflate"),
    }


def measure(write: Callable[[np.ndarray], bytes], pixels: np.ndarray, rounds: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(rounds):
        began = time.perf_counter()
        size = len(write(pixels))
        times.append(time.perf_counter() - began)
    return statistics.median(times), size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    import cv2

    cv2.setNumThreads(1)
    for name, pixels in images().items():
        print(f"\n{name} ({pixels.shape[1]}x{pixels.shape[0]}, {pixels.nbytes / 1e6:.0f} MB raw)")
        results = {label: measure(write, pixels, args.rounds) for label, write in writers().items()}
        for label, (seconds, size) in results.items():
            base = "TIFF LZW + differencing" if label.startswith("TIFF") else "PNG png_writer (isal 1, up)"
            base_s, base_size = results[base]
            print(
                f"  {label:<36} {seconds:6.2f} s {size / 1e6:7.1f} MB"
                f"   time {seconds / base_s:5.2f}x  size {size / base_size:5.2f}x"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

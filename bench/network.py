"""A backend across a wire with TLS against one on loopback without it, measured in one run:
``python -m bench.network`` (root: it makes a network namespace and a veth pair, as tests/network does).

1. Dataset upload (``Connection.upload_images``, 1 MiB chunks, SHA-256 per file): MB/s of ``--upload-mb`` of
   PNG files, across the veth with TLS and a token ÷ loopback without TLS.
2. Streamed restore (``omni restore --remote`` in-process: ``restore_remote`` through ``Batch.RestoreStream``):
   MP/s of ``--images`` photo-sized images through a tiny layer-1 network (so the figure is the transport's, not
   the network's), across ÷ loopback.
3. Time from link-up to a resumed ``WatchJob``: a followed job's wire is cut longer than the keepalive window,
   then mended; the figure is from mending to the first event of the new stream (median of ``--cuts``).

Both backends are ``omni serve`` child processes on this machine: on a veth the bytes cross the kernel's network
stack and TLS, not a real NIC, so the ratio says what TLS and the stack cost, not what a LAN would.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

from desktop.client import Connection
from desktop.client.connection import KEEPALIVE_TIME_S, KEEPALIVE_TIMEOUT_S
from tests.helpers import ServeProcess, restoration_spec, wait_for
from tests.veth import TestCA, VethLink, network_available

TOKEN = "bench-token"


def photo(path: Path, width: int, height: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    small = (rng.random((height // 8, width // 8, 3)) * 255).astype(np.uint8)
    Image.fromarray(small).resize((width, height), Image.Resampling.BICUBIC).save(path)


def upload_mb_per_s(client: Connection, files: list[Path], dataset: str) -> float:
    client.create_dataset(dataset)
    size = sum(path.stat().st_size for path in files)
    started = time.perf_counter()
    results = client.upload_images(dataset, [(path, path.name) for path in files])
    seconds = time.perf_counter() - started
    assert not any(result.error for result in results), [r.error for r in results if r.error]
    return size / 1e6 / seconds


def restore_mp_per_s(client: Connection, source: Path, out: Path, pixels: int) -> float:
    from omni_core.batch.params import RestoreOptions
    from omni_core.batch.remote import RemoteRestore, restore_remote

    request = RemoteRestore(input=source, out=out, options=RestoreOptions(layer=1, tile=0), overwrite=True)
    started = time.perf_counter()
    summary = restore_remote(client, request)
    seconds = time.perf_counter() - started
    assert not summary.failed, summary.failed
    return pixels / 1e6 / seconds


def resume_seconds(client: Connection, link: VethLink, cut_s: float) -> float:
    job = client.submit(restoration_spec(f"synth/bench-{time.monotonic_ns()}", count=40, size=96))
    arrivals: list[float] = []
    done = threading.Event()

    def follow() -> None:
        for _ in client.follow_job(job.id):
            arrivals.append(time.monotonic())
        done.set()

    threading.Thread(target=follow, daemon=True).start()
    wait_for(lambda: len(arrivals) >= 2, 60, what="first events")
    link.cut()
    time.sleep(cut_s)
    before = len(arrivals)
    link.mend()
    mended = time.monotonic()
    done.wait(120)
    after = [t for t in arrivals[before:] if t >= mended]
    return after[0] - mended if after else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upload-mb", type=int, default=200, help="MB of PNG files to upload (default 200)")
    parser.add_argument("--images", type=int, default=24, help="images to restore, 1600x1200 each (default 24)")
    parser.add_argument("--cuts", type=int, default=3, help="link cuts for the resume figure (default 3)")
    args = parser.parse_args()
    if not network_available():
        print("bench.network needs root and iproute2")
        return 2
    from tests.backend.batch.conftest import register

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        model = tmp / "model.onnx"
        _export_tiny(model)
        uploads = tmp / "uploads"
        uploads.mkdir()
        count = max(1, args.upload_mb // 8)
        for index in range(count):  # ~8 MB each: 2000x1400 RGB PNG of smooth noise
            Image.fromarray(np.random.default_rng(index).integers(0, 255, (1400, 2000, 3), np.uint8)).save(
                uploads / f"u{index:03}.png", compress_level=1
            )
        files = sorted(uploads.iterdir())
        source = tmp / "in"
        source.mkdir()
        for index in range(args.images):
            photo(source / f"p{index:03}.png", 1600, 1200, index)
        pixels = args.images * 1600 * 1200

        link = VethLink()
        servers: list[ServeProcess] = []
        try:
            ca = TestCA(tmp / "tls", link.far_address)
            for name in ("ws-far", "ws-near"):
                register(tmp / name, model)
            far = ServeProcess(
                tmp / "ws-far",
                token=TOKEN,
                wrap=link.command([]),
                tls_ca=ca.ca,
                extra=["--host", link.far_address, "--tls-cert", str(ca.cert), "--tls-key", str(ca.key)],
            )
            servers.append(far)
            near = ServeProcess(tmp / "ws-near", token=TOKEN)
            servers.append(near)
            figures: dict[str, dict[str, float]] = {}
            for label, server in (("loopback, no TLS", near), ("veth + TLS", far)):
                with server.client() as client:
                    figures[label] = {
                        "upload MB/s": upload_mb_per_s(client, files, f"bench{len(figures)}"),
                        "restore MP/s": restore_mp_per_s(client, source, tmp / f"out{len(figures)}", pixels),
                    }
            with far.client() as client:
                cut_s = KEEPALIVE_TIME_S + KEEPALIVE_TIMEOUT_S + 2
                resumes = [resume_seconds(client, link, cut_s) for _ in range(args.cuts)]
        finally:
            for server in servers:
                server.stop()
            link.close()

    print(f"upload: {len(files)} PNG files, ~8 MB each; restore: {args.images} images of 1600x1200")
    print(f"{'':20} {'upload MB/s':>12} {'restore MP/s':>13}")
    for label, row in figures.items():
        print(f"{label:20} {row['upload MB/s']:12.1f} {row['restore MP/s']:13.2f}")
    across, loop = figures["veth + TLS"], figures["loopback, no TLS"]
    print(
        f"{'ratio across/loop':20} {across['upload MB/s'] / loop['upload MB/s']:12.2f}"
        f" {across['restore MP/s'] / loop['restore MP/s']:13.2f}"
    )
    print(
        f"link-up -> resumed WatchJob ({args.cuts} cuts of {cut_s:.0f} s): median {statistics.median(resumes):.1f} s,"
        f" each {', '.join(f'{s:.1f}' for s in resumes)}"
    )
    return 0


def _export_tiny(path: Path) -> None:
    import torch

    from backend.restoration.archs import build_network, preset_for
    from backend.restoration.export import export_onnx

    torch.manual_seed(0)
    export_onnx(build_network(preset_for(1, "tiny")).eval(), path, check_sizes=((32, 32),))


if __name__ == "__main__":
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    raise SystemExit(main())

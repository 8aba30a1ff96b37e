"""Batch restoration figures, all measured in one run on this machine: ``python -m bench.restore``.

1. End-to-end folder throughput of a ``restore_batch`` job (real server, worker process, files read,
   restored, encoded and written) divided by bare ``session.run`` throughput over the same images, decoded
   beforehand, in the same session configuration. Target: at least 0.9.
2. ONNX Runtime (CPU provider) against PyTorch eager on the CPU: same network, weights and inputs; the
   speed-up and the largest absolute difference of the outputs.
3. Remote (the client streams the files to the backend over gRPC on loopback and writes the results)
   divided by local (the backend reads and writes the folders) throughput. Target: at least 0.85.
4. Peak resident memory (``ru_maxrss`` of a fresh process) restoring one 12,000 x 9,000 PNG through the
   whole pipeline (decode, tiles, encode, write) with 512 px tiles and with 256 px tiles.
5. Real sizes at default settings (the memory-derived tile plan): 512 px images, 1024 x 1024 documents,
   4000 x 3000 photos (JPEG) and one 24 MP scan (6000 x 4000 PNG); for each, a job's megapixels/s divided
   by bare ``session.run`` over the same images, decoded beforehand: whole images where the plan keeps them
   whole, otherwise the plan's own tiles (a whole 24 MP image does not fit this machine's memory for
   layer 2), which says so. Target: at least 0.9. The same batches are also timed as the job runs them on a
   CPU, one single-threaded call per core at once ("bare xN"): the limit of the hardware, which one call at a
   time spread over the cores does not reach. ``--quick`` runs only this, without the 24 MP scan.

The network is a freshly initialised layer 2 "small" (Restormer-style, 1.6M parameters; "mini" for the
real sizes): speed does not depend on training. The images are synthetic degraded documents
(``backend.synthetic``) of 512 x 512, and smooth textured photos and scans for the large sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")


def export_model(layer: int, preset: str, folder: Path) -> tuple[Path, Any]:
    import torch

    from backend.restoration.archs import build_network, preset_for
    from backend.restoration.export import export_onnx

    torch.manual_seed(0)
    network = build_network(preset_for(layer, preset)).eval()
    path = folder / f"layer{layer}-{preset}.onnx"
    export_onnx(network, path, check_sizes=((64, 64),))
    return path, network


def make_documents(folder: Path, count: int, size: int) -> list[Path]:
    from backend.storage.local import LocalStore
    from backend.synthetic.params import SynthRestorationParams, validate_restoration
    from backend.synthetic.restoration import generate_restoration
    from bench.spine import _NullContext

    params = validate_restoration(SynthRestorationParams(count=count, out=str(folder), size=size, seed=5))
    generate_restoration(params, LocalStore(folder), _NullContext())  # type: ignore[arg-type]
    return sorted((folder / "degraded").glob("*.png"))


def decoded_tensors(paths: list[Path]) -> list[np.ndarray]:
    from backend.batch.codec import decode

    tensors = []
    for path in paths:
        pixels = decode(path).pixels
        tensors.append((pixels.astype(np.float32) / 255.0).transpose(2, 0, 1)[None].copy())
    return tensors


#: ``session.run`` alone over the folder's images, decoded beforehand (not timed), one call per image as
#: the pipeline makes them (a 512 x 512 image is one CPU batch), in a fresh process like the job's worker
#: and with the session options the pipeline uses.
BARE = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import numpy as np
    from backend.batch.codec import decode
    from backend.inference.engine import open_engine

    engine = open_engine(Path(sys.argv[1]))
    tensors = []
    for path in sorted(Path(sys.argv[2]).glob("*.png")):
        pixels = decode(path).pixels
        tensors.append((pixels.astype(np.float32) / 255.0).transpose(2, 0, 1)[None].copy())
    engine.run(tensors[0])
    began = time.perf_counter()
    for tensor in tensors:
        engine.run(tensor)
    print(json.dumps({"images_per_second": len(tensors) / (time.perf_counter() - began), "provider": engine.provider}))
    """
)


def bare_images_per_second(onnx: Path, folder: Path) -> tuple[float, str]:
    done = subprocess.run(
        [sys.executable, "-c", BARE, str(onnx), str(folder)], cwd=REPO, capture_output=True, text=True, timeout=3600
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return float(result["images_per_second"]), str(result["provider"])


def torch_versus_ort(onnx: Path, network: Any, tensors: list[np.ndarray]) -> dict[str, float]:
    import torch

    from backend.inference.engine import machine_cores, open_engine

    torch.set_num_threads(machine_cores())
    engine = open_engine(onnx)
    with torch.inference_mode():
        network(torch.from_numpy(tensors[0]))
        began = time.perf_counter()
        eager = [network(torch.from_numpy(t)).numpy() for t in tensors]
        torch_s = time.perf_counter() - began
    began = time.perf_counter()
    ort_out = [engine.run(t) for t in tensors]
    ort_s = time.perf_counter() - began
    diff = max(float(np.max(np.abs(a - b))) for a, b in zip(eager, ort_out, strict=True))
    return {
        "torch_images_per_second": len(tensors) / torch_s,
        "ort_images_per_second": len(tensors) / ort_s,
        "speedup": torch_s / ort_s,
        "max_abs_diff": diff,
    }


class Served:
    """A backend in this process (its jobs and streams run in worker processes) with the model registered."""

    def __init__(self, onnx: Path, work: Path) -> None:
        from backend.registry import ModelRegistry
        from backend.rpc.server import start_backend
        from backend.settings import ServerSettings
        from backend.storage import LocalStore
        from desktop.client import BackendTarget, Connection

        workspace = work / "workspace"
        registry = ModelRegistry(LocalStore(workspace))
        self.version = registry.register("layer_2", {"onnx": onnx}, {"architecture": "bench"}).version
        self.backend = start_backend(ServerSettings(host="127.0.0.1", port=0, workspace=workspace, token="bench"))
        self.client = Connection(BackendTarget(f"127.0.0.1:{self.backend.port}", token="bench"))

    def local_summary(self, source: Path, out: Path) -> dict[str, Any]:
        """A job at default settings that reads and writes the folders in place; its summary, and the wall
        time from submit to the end under "wall_seconds_from_submit"."""
        from protos.omni.v1 import batch_pb2, jobs_pb2

        spec = batch_pb2.RestoreBatchSpec(input=str(source), out=str(out), model=self.version)
        began = time.perf_counter()
        job = self.client.submit(jobs_pb2.JobSpec(restore_batch=spec))
        for _ in self.client.follow_job(job.id):
            pass
        wall = time.perf_counter() - began
        job = self.client.get_job(job.id)
        assert job.state == jobs_pb2.JOB_STATE_SUCCEEDED, job.message
        summary: dict[str, Any] = json.loads(Path(job.outputs["summary"]).read_text())
        return {**summary, "wall_seconds_from_submit": wall}

    def local(self, source: Path, out: Path) -> dict[str, Any]:
        """A job that reads and writes the folders in place; its summary's figures and the wall time."""
        summary = self.local_summary(source, out)
        wall = summary["wall_seconds_from_submit"]
        restored = summary["counts"]["restored"]
        return {
            **summary["throughput"],
            "wall_images_per_second": restored / wall,
            # the network calls alone, inside the pipeline: tells slower calls from time outside them
            "inference_images_per_second": restored / summary["throughput"]["inference_seconds"],
        }

    def remote(self, source: Path, out: Path) -> dict[str, Any]:
        """The client streams the files over gRPC (loopback) and writes the results itself."""
        from omni_core.batch.params import RestoreOptions
        from omni_core.batch.remote import RemoteRestore, restore_remote

        began = time.perf_counter()
        summary = restore_remote(self.client, RemoteRestore(source, out, RestoreOptions(model=self.version)))
        wall = time.perf_counter() - began
        data = summary.to_dict()
        return {**data["throughput"], "wall_images_per_second": data["counts"]["restored"] / wall}

    def close(self) -> None:
        self.client.close()
        self.backend.stop()


def rounds(onnx: Path, source: Path, work: Path, count: int) -> dict[str, Any]:
    """``count`` rounds of bare, local and remote runs in rotating order, so that a load that comes and goes
    (other sessions share this machine) weighs on each about equally; ratios are taken within a round."""
    served = Served(onnx, work)
    per_round: list[dict[str, float]] = []
    try:
        for index in range(count):
            figures: dict[str, float] = {}
            steps = ["bare", "local", "remote"]
            for step in steps[index % 3 :] + steps[: index % 3]:
                out = work / f"{step}-{index}"
                if step == "bare":
                    figures["bare"] = bare_images_per_second(onnx, source)[0]
                elif step == "local":
                    local = served.local(source, out)
                    figures["local"], figures["local_wall"] = (
                        local["images_per_second"],
                        local["wall_images_per_second"],
                    )
                    figures["local_inference"] = local["inference_images_per_second"]
                else:
                    remote = served.remote(source, out)
                    figures["remote"] = remote["images_per_second"]
                    figures["remote_wall"] = remote["wall_images_per_second"]
            figures["end_to_end_over_bare"] = figures["local"] / figures["bare"]
            figures["pipeline_calls_over_bare"] = figures["local_inference"] / figures["bare"]
            figures["remote_over_local"] = figures["remote"] / figures["local"]
            figures["remote_over_local_wall"] = figures["remote_wall"] / figures["local_wall"]
            per_round.append(figures)
            print(f"round {index + 1}: " + ", ".join(f"{k} {v:.3f}" for k, v in figures.items()), flush=True)
    finally:
        served.close()
    identical = all(
        (work / "remote-0" / p.name).read_bytes() == (work / "local-0" / p.name).read_bytes()
        for p in source.glob("*.png")
    )
    medians = {key: statistics.median(r[key] for r in per_round) for key in per_round[0]}
    return {"rounds": per_round, "median": medians, "outputs_identical": identical}


#: One image through the pipeline's own steps (decode, restore in place with tiles, encode into an atomic
#: write), in a fresh process. Peaks are VmHWM: ``ru_maxrss`` would report at least the parent's, because
#: Linux carries the forked copy's high-water mark across exec. Writing 5 to clear_refs resets VmHWM, which
#: gives each step's own peak.
PEAK_RSS = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from backend.batch.codec import decode, encode
    from backend.batch.engine_setup import open_run_engine
    from backend.batch.precision import PrecisionFiles
    from omni_core.batch.output import write_atomic
    from omni_core.batch.params import RestoreOptions
    from omni_core.precision import FP32

    def mb(field):
        return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(field)) / 1024

    def reset():
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")

    onnx, image, out, tile = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
    run = open_run_engine(PrecisionFiles({FP32: onnx}), RestoreOptions(tile=tile, overlap=32))
    peaks = {"start": mb("VmRSS")}
    began = time.perf_counter()
    reset()
    decoded = decode(image)
    peaks["decode"] = mb("VmHWM")
    reset()
    result = run.restorer.restore(decoded.pixels, in_place=True)
    peaks["restore"] = mb("VmHWM")
    decoded.pixels = None
    pixels = [result.pixels]
    result = None
    reset()
    write_atomic(out / image.name, lambda handle: encode(decoded, pixels.pop(), "PNG", 95, handle))
    peaks["encode"] = mb("VmHWM")
    print(json.dumps({"peaks_mb": peaks, "peak_mb": max(peaks.values()), "seconds": time.perf_counter() - began}))
    """
)


def big_scan(path: Path, width: int, height: int) -> None:
    """A smooth synthetic scan (a colour gradient with some texture), written as PNG."""
    from PIL import Image

    x = np.linspace(0, 255, width, dtype=np.float32)[None, :]
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    coarse = np.random.default_rng(0).random((height // 8 + 1, width // 8 + 1), dtype=np.float32) * 40
    texture = coarse.repeat(8, 0).repeat(8, 1)[:height, :width]
    image = np.empty((height, width, 3), np.uint8)
    image[:, :, 0] = np.clip(x * 0.8 + texture, 0, 255)
    image[:, :, 1] = np.clip(y * 0.8 + texture, 0, 255)
    image[:, :, 2] = np.clip((x + y) * 0.4, 0, 255)
    Image.fromarray(image).save(path, compress_level=1)


#: ``session.run`` alone over a folder, at the plan a default run makes for each image (whole, or the plan's
#: tiles cut beforehand), in a fresh process with the job's session options; nothing but the calls is timed:
#: one at a time over all cores, then as the job runs them on a CPU (one single-threaded call per core at once)
BARE_PLAN = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import numpy as np
    from backend.batch.codec import decode
    from backend.batch.engine_setup import open_run_engine
    from backend.batch.precision import PrecisionFiles
    from omni_core.batch.params import RestoreOptions
    from omni_core.precision import FP32
    from concurrent.futures import ThreadPoolExecutor
    from backend.inference.engine import EngineOptions, open_engine
    from backend.inference.tiling import read_padded

    onnx, folder, cache = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    run = open_run_engine(PrecisionFiles({FP32: onnx}), RestoreOptions(), cache)
    engine = open_engine(onnx)
    engine.run(np.zeros((1, 3, 64, 64), np.float32))
    streams = run.restorer.streams
    parallel = open_engine(onnx, EngineOptions(require_provider=run.provider, parallel_runs=streams))
    pool = ThreadPoolExecutor(streams)
    list(pool.map(parallel.run, [np.zeros((1, 3, 64, 64), np.float32)] * streams))
    pixels = 0
    plans, batches = [], []
    for path in sorted(p for p in folder.iterdir() if p.suffix in (".png", ".jpg")):
        image = (decode(path).pixels.astype(np.float32) / 255.0).transpose(2, 0, 1).copy()
        height, width = image.shape[1:]
        plan = run.restorer.plan(height, width)
        plans.append(plan.describe())
        if plan.whole:
            batches.append(image[None])
        else:
            read = lambda t, l, h, w: image[:, t : t + h, l : l + w]
            th, tw = plan.tile_shape
            tiles = [read_padded(read, height, width, t, l, th, tw) for t in plan.rows.starts for l in plan.cols.starts]
            batches.extend(np.stack(tiles[i : i + plan.batch]) for i in range(0, len(tiles), plan.batch))
        del image
        pixels += height * width
    began = time.perf_counter()
    for batch in batches:
        engine.run(batch)
    seconds = time.perf_counter() - began
    began = time.perf_counter()
    list(pool.map(parallel.run, batches))  # across images too, as the job's inference loops run them
    parallel_seconds = time.perf_counter() - began
    print(json.dumps({
        "megapixels_per_second": pixels / 1e6 / seconds,
        "parallel_megapixels_per_second": pixels / 1e6 / parallel_seconds,
        "streams": streams,
        "plans": sorted(set(plans)),
    }))
    """
)

SIZES = (("512 px images", 512, 512, 8), ("1024 px documents", 1024, 1024, 4), ("4000x3000 photos", 4000, 3000, 1))
SCAN = ("24 MP scan", 6000, 4000, 1)


def make_size_case(folder: Path, width: int, height: int, count: int) -> Path:
    """Documents (PNG) when square and small enough for the generator, else textured photos (JPEG) or a
    scan (PNG) of the size asked for."""
    from PIL import Image

    if width == height and width <= 1024:
        make_documents(folder, count, width)
        return folder / "degraded"
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        scan = folder / f"big-{index}.png"
        big_scan(scan, width, height)
        if width * height < 20_000_000:  # a phone photo: JPEG
            with Image.open(scan) as image:
                image.save(folder / f"photo-{index}.jpg", quality=90)
            scan.unlink()
    return folder


def bare_plan(onnx: Path, folder: Path, cache: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", BARE_PLAN, str(onnx), str(folder), str(cache)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def real_sizes(
    onnx: Path, work: Path, cases: tuple[tuple[str, int, int, int], ...], rounds_per_size: int = 1
) -> list[dict[str, Any]]:
    """Each size: the job at default settings against bare session.run at the same plan (see BARE_PLAN),
    in ``rounds_per_size`` rounds of alternating order; the ratio is the median of the rounds' ratios (other
    programs' load comes and goes)."""
    served = Served(onnx, work)
    results = []
    try:
        for name, width, height, count in cases:
            source = make_size_case(work / f"size-{width}x{height}", width, height, count)
            ratios, jobs, bares, parallel_bares = [], [], [], []
            job: dict[str, Any] = {}
            for index in range(rounds_per_size):
                steps = ["bare", "job"] if index % 2 == 0 else ["job", "bare"]
                for step in steps:
                    if step == "bare":
                        bare = bare_plan(onnx, source, work / "probe-cache" / "tensorrt")
                    else:
                        job = served.local_summary(source, work / f"out-{width}x{height}-{index}")
                jobs.append(job["throughput"]["megapixels_per_second"])
                bares.append(bare["megapixels_per_second"])
                parallel_bares.append(bare["parallel_megapixels_per_second"])
                ratios.append(jobs[-1] / bares[-1])
            whole = all(plan == "whole" for plan in bare["plans"])
            row = {
                "case": f"{count} x {name}",
                "job_mp_per_s": statistics.median(jobs),
                "bare_mp_per_s": statistics.median(bares),
                "ratio": statistics.median(ratios),
                "ratios": [round(r, 3) for r in ratios],
                "bare_streams": bare["streams"],
                "bare_parallel_mp_per_s": statistics.median(parallel_bares),
                "ratio_to_parallel": statistics.median(j / b for j, b in zip(jobs, parallel_bares, strict=True)),
                "bare_over": "whole images" if whole else "the plan's tiles",
                "plans": [f"{p['images']}: {p['plan']}" for p in job["tile_plans"]],
                "tile_limit": job["tile_limit"],
            }
            print(f"{row['case']}: " + ", ".join(f"{k} {v}" for k, v in row.items() if k != "case"), flush=True)
            results.append(row)
    finally:
        served.close()
    return results


def peak_rss(onnx: Path, image: Path, work: Path, tile: int) -> dict[str, float]:
    out = work / f"rss-{tile}"
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(onnx), str(image), str(out), str(tile)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=12, help="images per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--layer", type=int, default=2)
    parser.add_argument("--preset", default="small")
    parser.add_argument("--big", default="12000x9000", help="WIDTHxHEIGHT of the memory measurement")
    parser.add_argument("--big-preset", default="tiny", help="layer 1 preset for the memory measurement")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--sizes-preset", default="mini", help="layer 2 preset for the real sizes")
    parser.add_argument("--skip-sizes", action="store_true", help="leave out the real sizes")
    parser.add_argument("--no-scan", action="store_true", help="real sizes without the 24 MP scan")
    parser.add_argument(
        "--quick", action="store_true", help="only the real sizes, without the 24 MP scan (a few minutes)"
    )
    parser.add_argument("--sizes-only", action="store_true", help="only the real sizes, with the 24 MP scan")
    parser.add_argument("--size-rounds", type=int, default=1, help="rounds per real size (median ratio)")
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {"machine": {"cores": os.cpu_count(), "load_avg_1m": os.getloadavg()[0]}}
    with tempfile.TemporaryDirectory(prefix="omni-bench-restore-") as tmp:
        work = Path(tmp)
        if not args.skip_sizes:
            sizes_onnx, _ = export_model(2, args.sizes_preset, work)
            cases = SIZES if args.quick or args.no_scan else (*SIZES, SCAN)
            figures["sizes_model"] = f"layer 2 {args.sizes_preset} (random init)"
            figures["sizes"] = real_sizes(sizes_onnx, work / "sizes", cases, args.size_rounds)
        if args.quick or args.sizes_only:
            figures["load_avg_end_1m"] = os.getloadavg()[0]
            _print_sizes(figures)
            print(json.dumps(figures, indent=2, default=str))
            return 0
        onnx, network = export_model(args.layer, args.preset, work)
        paths = make_documents(work / "docs", args.images, args.size)
        source = work / "docs" / "degraded"
        tensors = decoded_tensors(paths)
        figures["model"] = f"layer {args.layer} {args.preset} (random init), {args.images} images {args.size}px"
        figures["provider"] = bare_images_per_second(onnx, source)[1]
        figures["pipeline"] = rounds(onnx, source, work, args.rounds)
        figures["ort_vs_torch"] = torch_versus_ort(onnx, network, tensors[: max(4, args.images // 3)])
        if not args.skip_memory:
            width, height = (int(v) for v in args.big.split("x"))
            big = work / "big.png"
            big_scan(big, width, height)
            small_onnx, _ = export_model(1, args.big_preset, work)
            figures["memory"] = {
                "image": f"{width}x{height} PNG, layer 1 {args.big_preset}",
                "tile_512": peak_rss(small_onnx, big, work, 512),
                "tile_256": peak_rss(small_onnx, big, work, 256),
            }
    figures["bench_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    _print(figures)
    return 0


def _print_sizes(f: dict[str, Any]) -> None:
    if "sizes" not in f:
        return
    print(f"real sizes at default settings, {f['sizes_model']}: job MP/s / bare session.run MP/s (target >= 0.9)")
    print("  bare: one call at a time over all cores; bare xN: N single-threaded calls at once, as the job runs them")
    for row in f["sizes"]:
        print(
            f"  {row['case']:<24} {row['job_mp_per_s']:.3f} / {row['bare_mp_per_s']:.3f} = {row['ratio']:.3f}; "
            f"/ bare x{row['bare_streams']} {row['bare_parallel_mp_per_s']:.3f} = {row['ratio_to_parallel']:.3f}  "
            f"(rounds {row['ratios']}; bare over {row['bare_over']}; plans: {'; '.join(row['plans'])})"
        )
    if f["sizes"]:
        print(f"  tile limit: {f['sizes'][0]['tile_limit']}")


def _print(f: dict[str, Any]) -> None:
    m, p = f["pipeline"]["median"], f["pipeline"]
    t = f["ort_vs_torch"]
    lines = [
        f"model: {f['model']}; provider {f['provider']}; {f['machine']['cores']} cores, "
        f"load {f['machine']['load_avg_1m']:.1f} at start; medians of {len(p['rounds'])} rounds",
        f"bare session.run:        {m['bare']:.3f} images/s",
        f"job (local, in place):   {m['local']:.3f} images/s "
        f"({m['local_wall']:.3f} from submit, worker start included)",
        f"  end-to-end / bare:     {m['end_to_end_over_bare']:.3f}   (target >= 0.9; the pipeline's network calls "
        f"alone / bare: {m['pipeline_calls_over_bare']:.3f})",
        f"remote (gRPC stream):    {m['remote']:.3f} images/s ({m['remote_wall']:.3f} from the call)",
        f"  remote / local:        {m['remote_over_local']:.3f}   (target >= 0.85; {m['remote_over_local_wall']:.3f} "
        f"wall to wall); outputs identical: {p['outputs_identical']}",
        f"ORT CPU vs PyTorch eager: {t['speedup']:.2f}x faster ({t['ort_images_per_second']:.3f} vs "
        f"{t['torch_images_per_second']:.3f} images/s), max abs diff {t['max_abs_diff']:.2e}",
    ]
    if "memory" in f:
        mem = f["memory"]
        for tile in (512, 256):
            r = mem[f"tile_{tile}"]
            steps = ", ".join(f"{name} {value:.0f}" for name, value in r["peaks_mb"].items())
            lines.append(
                f"peak RSS {mem['image']}, {tile} px tiles: {r['peak_mb']:.0f} MB ({steps} MB; {r['seconds']:.0f} s)"
            )
    lines.append(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print("\n".join(lines))
    _print_sizes(f)
    print(json.dumps(f, indent=2, default=str))


if __name__ == "__main__":
    raise SystemExit(main())

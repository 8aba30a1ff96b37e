"""The default tile limit: what a model needs per pixel, measured once per model file, and what the device
has free, so a CPU restores whole images when they fit (up to ``CPU_TILE_PIXELS``, beyond which it gains nothing)
and a GPU tiles to fit its free memory.

The probe runs the ONNX graph on the CPU, unoptimised, with every intermediate tensor made an output, on
two small inputs; walking the nodes in order with each tensor alive from its producer to its last consumer
gives the peak bytes alive, and the difference between the two sizes the bytes per pixel. ONNX Runtime's
arena grows by powers of two and keeps what it took, so a real run needs up to ~2x that (measured: layer 1
tiny 114 -> 280 B/px, layer 2 mini 794 -> 1,449 B/px at 1024 px); ``SAFETY`` covers it. The same probe
reads the factor the network pads its input to (its first Pad node), to which tiles are aligned.

Import in worker processes only: it imports onnx and onnxruntime.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from backend.inference.plan import TilePlan
from omni_core.batch.params import MIN_AUTO_SIDE

#: real peak / estimated peak a run may reach (ONNX Runtime's arena, fragmentation)
SAFETY = 3.0
#: float32 buffers the restorer holds per pixel of a tile besides the network: the input and output
#: tiles (3 channels each), the band being blended (3 channels) and its weights
PIPELINE_BYTES_PER_PIXEL = 4 * (3 + 3 + 3 + 1)
#: the share of the free host memory a run may plan for (decoding, encoding and other programs need the rest)
MEMORY_SHARE = 0.5
#: the share of the GPU's free memory (nothing else of ours runs there)
GPU_SHARE = 0.8
#: the two probe sides: odd, above half of any multiple we build (32), small enough to take milliseconds
PROBE_SIDES = (33, 49)
#: never plan tiles smaller than this area, whatever the estimate says (the out-of-memory rule goes lower)
MIN_TILE_PIXELS = MIN_AUTO_SIDE * MIN_AUTO_SIDE
#: bytes per pixel assumed for a model the probe cannot read (above layer 2 "small"'s measured 1,754)
FALLBACK_BYTES_PER_PIXEL = 4096.0
#: the CUDA provider's own workspaces (cuDNN) and context, kept out of the free memory planned for
GPU_RESERVE_BYTES = 1 << 30
#: the largest tile a CPU is given even when memory holds more: ONNX Runtime on a CPU keeps its speed per pixel
#: up to a few megapixels and then falls off (the width-12 layer 1 mini on 2 cores: 2.8-3.2 MP/s from 1 to 6 MP,
#: 1.07 MP/s on a whole 12 MP tile). Within that range smaller tiles cost only their overlap, and memory grows
#: with the tile times the tiles run at once (one per core): measured on 2 cores, bare, median of 7 (layer 1 mini)
#: and 3 (layer 2 mini) runs, 704/1024/1448/2016 px tiles ran 4.14/3.84/3.76/3.70 and 0.45/0.40/0.41/0.42 MP/s;
#: a 24 MP scan through the fast tier, two tiles at once, interleaved, 3 runs each: 1 MP tiles (4x7, 1.06x the
#: pixels) 7.9-9.2 s peaking at 689-717 MiB, 2 MP tiles (3x4, 1.03x) 8.1-9.5 s at 1,187-1,376 MiB. So 1 MP: a
#: 1024 px page is still one tile, and a laptop keeps its memory.
CPU_TILE_PIXELS = 1024 * 1024


@dataclass(frozen=True)
class ModelMemory:
    bytes_per_pixel: float  # network tensors alive at the peak, per input pixel (estimated, not scaled)
    multiple: int  # the factor the network pads height and width to; 1 = none


@dataclass(frozen=True)
class TileLimit:
    """The default limit of a run: tiles of at most ``pixels`` (0 = whole images), and why."""

    pixels: int
    why: str
    bytes_per_pixel: float  # what one pixel of a tile costs, safety and buffers included
    memory_bytes: int  # the free memory the limit was computed from
    device: str


_CACHE: dict[tuple[str, int, int], ModelMemory] = {}
_LOCK = threading.Lock()


def model_memory(model_path: Path, cache_dir: Path | None = None) -> ModelMemory:
    """Probe ``model_path`` once per process (and once per file when ``cache_dir`` is given)."""
    path = Path(model_path).resolve()
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    name = f"{re.sub(r'[^A-Za-z0-9_.-]', '_', path.stem)}-{stat.st_size}-{stat.st_mtime_ns}.json"
    stored = cache_dir / name if cache_dir is not None else None
    measured: ModelMemory | None = None
    if stored is not None and stored.is_file():
        try:
            measured = ModelMemory(**json.loads(stored.read_text()))
        except (ValueError, TypeError):
            measured = None
    if measured is None:
        measured = probed(path) or ModelMemory(FALLBACK_BYTES_PER_PIXEL, 1)  # a cautious figure, not a failure
        if cache_dir is not None and stored is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            temporary = stored.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(asdict(measured)))
            temporary.replace(stored)
    with _LOCK:
        _CACHE[key] = measured
    return measured


def card_memory(section: object) -> ModelMemory | None:
    """The figures a training run measured at export (its card's ``memory``), or None when the card has none
    or they are not sound (a card from another tool): the run then probes the file itself. Reading them saves
    the first run of a version the probe, most of it importing ``onnx`` (0.4-0.85 s measured on this VM)."""
    if not isinstance(section, dict):
        return None
    per_pixel, multiple = section.get("bytes_per_pixel"), section.get("multiple")
    if not isinstance(per_pixel, int | float) or isinstance(per_pixel, bool) or not 0 < per_pixel < 1e9:
        return None
    if not isinstance(multiple, int) or isinstance(multiple, bool) or not 1 <= multiple <= 1024:
        return None
    if multiple & (multiple - 1):  # the probe reads powers of two
        return None
    return ModelMemory(bytes_per_pixel=float(per_pixel), multiple=multiple)


def probed(model_path: Path) -> ModelMemory | None:
    """``probe``, or None for a graph it cannot walk (which still runs)."""
    try:
        return probe(model_path)
    except Exception:  # noqa: BLE001 - any failure of the walk means "no figures", never a failed run
        return None


def probe(model_path: Path) -> ModelMemory:
    """Measure the bytes per pixel and the padding multiple of a NxCxHxW -> NxCxHxW ONNX model."""
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(model_path))
    graph = model.graph
    names = {output.name for output in graph.output}
    for node in graph.node:
        for name in node.output:
            if name and name not in names:
                graph.output.append(onnx.ValueInfoProto(name=name))
                names.add(name)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    shape = graph.input[0].type.tensor_type.shape.dim
    channels = shape[1].dim_value if len(shape) == 4 and shape[1].dim_value else 3
    peaks, multiple = [], 1
    for side in PROBE_SIDES:
        values = session.run(None, {graph.input[0].name: np.zeros((1, channels, side, side), np.float32)})
        tensors = {output.name: value for output, value in zip(session.get_outputs(), values, strict=True)}
        peaks.append(_peak_alive(graph, tensors, channels * side * side * 4))
        if side == PROBE_SIDES[0]:
            multiple = _padding_multiple(graph, tensors, side)
    pixels = [side * side for side in PROBE_SIDES]
    per_pixel = max(0.0, (peaks[1] - peaks[0]) / (pixels[1] - pixels[0]))
    return ModelMemory(bytes_per_pixel=round(per_pixel, 1), multiple=multiple)


def _peak_alive(graph: object, tensors: dict[str, np.ndarray], input_bytes: int) -> int:
    nodes = list(graph.node)  # type: ignore[attr-defined]
    last_use = {name: index for index, node in enumerate(nodes) for name in node.input}
    alive = peak = input_bytes
    for index, node in enumerate(nodes):
        alive += sum(int(tensors[name].nbytes) for name in node.output if name in tensors)
        peak = max(peak, alive)
        for name in set(node.input):
            if last_use.get(name) == index and name in tensors:
                alive -= int(tensors[name].nbytes)
    return peak


def _padding_multiple(graph: object, tensors: dict[str, np.ndarray], side: int) -> int:
    """The smallest power of two the first Pad's output height is ``side`` rounded up to (1: no Pad)."""
    for node in graph.node:  # type: ignore[attr-defined]
        value = tensors.get(node.output[0]) if node.op_type == "Pad" else None
        if value is not None and value.ndim == 4 and value.shape[2] > side:
            padded, multiple = int(value.shape[2]), 1
            while -(-side // multiple) * multiple != padded and multiple < padded:
                multiple *= 2
            return multiple
    return 1


def host_available_bytes() -> int:
    """Memory this process can still take: MemAvailable, or less under a cgroup (container) limit."""
    available = 0
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
    except OSError:
        import psutil

        available = int(psutil.virtual_memory().available)
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        current = int(Path("/sys/fs/cgroup/memory.current").read_text())
        if limit != "max":
            available = min(available, max(0, int(limit) - current))
    except (OSError, ValueError):
        pass
    return available


def gpu_free_bytes(device_id: int = 0) -> int | None:
    """Free memory of the CUDA device, from nvidia-smi (None when it cannot tell)."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return None
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",")[0].strip()
    index = visible if visible.isdigit() else str(device_id)
    try:
        done = subprocess.run(
            [smi, "--query-gpu=memory.free", "--format=csv,noheader,nounits", "-i", index],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return int(float(done.stdout.strip().splitlines()[0])) * 1024 * 1024
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def default_limit(model: ModelMemory, device: str, streams: int = 1) -> TileLimit:
    """Tiles of at most the pixels the device's free memory holds (a share of it, with the safety), shared by
    the ``streams`` tiles a CPU runs at once."""
    network = model.bytes_per_pixel * SAFETY
    host = int(host_available_bytes() * MEMORY_SHARE)
    if device == "cuda":
        free = gpu_free_bytes()
        if free is None:
            return _limit(host, PIPELINE_BYTES_PER_PIXEL + network, "cuda", "GPU memory unknown (no nvidia-smi); host")
        on_gpu = max(0, int((free - GPU_RESERVE_BYTES) * GPU_SHARE))
        gpu = _limit(on_gpu, network, "cuda", f"{free / 2**30:.1f} GiB free on the GPU")
        host_side = _limit(host, PIPELINE_BYTES_PER_PIXEL, "cuda", "host memory for the tiles' buffers")
        return gpu if gpu.pixels <= host_side.pixels else host_side
    source = "free memory" if streams <= 1 else f"free memory shared by {streams} tiles at once"
    on_cpu = _limit(host // max(1, streams), PIPELINE_BYTES_PER_PIXEL + network, "cpu", source)
    if on_cpu.pixels <= CPU_TILE_PIXELS:
        return on_cpu
    why = f"{on_cpu.why}; capped at {CPU_TILE_PIXELS / 1e6:.1f} MP: larger tiles are no faster on a CPU, only bigger"
    return dataclasses.replace(on_cpu, pixels=CPU_TILE_PIXELS, why=why)


def _limit(budget: int, per_pixel: float, device: str, source: str) -> TileLimit:
    pixels = max(MIN_TILE_PIXELS, int(budget / max(per_pixel, 1.0)))
    why = (
        f"{per_pixel / 1024:.2f} KiB per pixel; {source}: {budget / 2**30:.1f} GiB planned for "
        f"-> tiles up to {pixels / 1e6:.1f} MP"
    )
    return TileLimit(pixels, why, round(per_pixel, 1), budget, device)


def plan_reason(plan: TilePlan, limit: TileLimit | None) -> str:
    """Why an image got its plan, for the summary."""
    if limit is None:
        return "the tile side asked for" if not plan.whole else "whole images asked for"
    size = plan.rows.length * plan.cols.length
    if plan.whole:
        return f"fits ({size / 1e6:.1f} MP <= {limit.pixels / 1e6:.1f} MP the {limit.device} memory holds)"
    return f"{size / 1e6:.1f} MP > {limit.pixels / 1e6:.1f} MP the {limit.device} memory holds"

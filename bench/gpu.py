"""The restoration's GPU paths in one short run, for a session lent a GPU machine: ``python -m bench.gpu``.

Sized for a few minutes of a lent machine's time, it needs only what such a machine has (PyTorch, numpy; our
``backend.restoration`` networks and losses), and writes everything to ``--out`` as JSON besides printing it:

1. the device: PyTorch, CUDA, the GPU's name and memory;
2. training: steps of each network (layer 1 mini and base, layer 2 mini, small and base) on random batches of
   ``--batch`` x ``--patch``² crops, the trainer's step (AdamW, the charbonnier+ssim loss, GradScaler) in float32
   and with mixed precision (autocast float16, what the trainer does on CUDA): images/s and the ratio;
3. inference: each network on a 1024² and a 2048² image in float32 and float16 (PyTorch, no ONNX Runtime): MP/s,
   the ratio, and the peak GPU memory;
4. ONNX Runtime: the providers this build has. The lent machines' image carries the CPU build of ``onnxruntime``
   and the GPU one (244 MiB) is over a call's 64 MiB carry, so CUDA/TensorRT sessions are timed only where the
   build has them.

On a machine without a GPU it runs the same on the CPU (``--device cpu``), which is how its test keeps it working.
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: (layer, preset) of every network measured
NETWORKS = ((1, "mini"), (1, "base"), (2, "mini"), (2, "small"), (2, "base"))
INFERENCE_SIDES = (1024, 2048)


def device_info(device: Any) -> dict[str, Any]:
    import torch

    info: dict[str, Any] = {"torch": torch.__version__, "python": platform.python_version(), "device": str(device)}
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        info.update(gpu=props.name, memory_gib=round(props.total_memory / 2**30, 1), cuda=torch.version.cuda)
    return info


def _synchronizer(device: Any) -> Callable[[], None]:
    """What waits for ``device``'s queued work: CUDA runs asynchronously, a CPU does not."""
    import torch

    if device.type == "cuda":
        return functools.partial(torch.cuda.synchronize, device)
    return lambda: None


def _timed(
    step: Callable[[], object], synchronize: Callable[[], None], seconds: float, warmup: int = 2
) -> tuple[int, float]:
    """(calls, seconds) of ``step`` repeated for about ``seconds`` after ``warmup`` calls."""
    for _ in range(warmup):
        step()
    synchronize()
    calls, began = 0, time.perf_counter()
    while True:
        step()
        calls += 1
        synchronize()
        spent = time.perf_counter() - began
        if spent >= seconds:
            return calls, spent


def training_speed(layer: int, preset: str, device: Any, batch: int, patch: int, seconds: float, amp: bool) -> float:
    """Images/s of the trainer's step (``backend.restoration.trainer.Trainer._train_step``) on random crops."""
    import torch

    from backend.restoration.archs import build_network, preset_for
    from backend.restoration.losses import build_loss

    torch.manual_seed(0)
    model = build_network(preset_for(layer, preset)).to(device).train()
    loss_fn = build_loss("charbonnier+ssim").to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    mixed = amp and device.type == "cuda"  # autocast float16, as the trainer does on CUDA only
    scaler = torch.amp.GradScaler(device.type, enabled=mixed)
    degraded = torch.rand(batch, 3, patch, patch, device=device)
    clean = torch.rand(batch, 3, patch, patch, device=device)

    def step() -> None:
        with torch.autocast(device.type, enabled=mixed):
            loss = loss_fn(model(degraded), clean)
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

    calls, spent = _timed(step, _synchronizer(device), seconds)
    return calls * batch / spent


def inference_speed(layer: int, preset: str, device: Any, side: int, seconds: float, half: bool) -> dict[str, float]:
    """MP/s of one ``side``² image through the network, and the peak GPU memory (GiB) it took."""
    import torch

    from backend.restoration.archs import build_network, preset_for

    dtype = torch.float16 if half and device.type == "cuda" else torch.float32
    model = build_network(preset_for(layer, preset)).to(device=device, dtype=dtype).eval()
    image = torch.rand(1, 3, side, side, device=device, dtype=dtype)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)

    def step() -> None:
        with torch.inference_mode():
            model(image)

    calls, spent = _timed(step, _synchronizer(device), seconds, warmup=1)
    peak = torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else 0.0
    return {"mp_per_s": calls * side * side / 1e6 / spent, "peak_gib": peak}


def onnxruntime_sessions(seconds: float, side: int) -> dict[str, Any]:
    """The providers the build lists, and for each GPU one that really runs (``session.get_providers()``, not the
    list, which names CUDA without a GPU): layer 1 mini through ``backend.inference.engine`` on a ``side``² image,
    with and without I/O binding, MP/s."""
    try:
        import onnxruntime as ort
    except ImportError:
        return {"available": [], "runs": {}}
    import tempfile

    import numpy as np

    from backend.inference.engine import EngineOptions, ProviderUnavailable, clear_cache, open_engine
    from backend.restoration.archs import build_network, preset_for
    from backend.restoration.export import export_onnx
    from omni_core.providers import SHORT_NAMES

    found: dict[str, Any] = {"available": list(ort.get_available_providers()), "runs": {}}
    image = np.random.default_rng(0).random((1, 3, side, side), dtype=np.float32)
    with tempfile.TemporaryDirectory() as folder:
        onnx = Path(folder) / "layer1-mini.onnx"
        export_onnx(build_network(preset_for(1, "mini")), onnx, check_sizes=[(32, 32)])
        for provider in ("cuda", "tensorrt", "cpu"):
            for binding in (False, True):
                clear_cache()
                try:
                    engine = open_engine(
                        onnx, EngineOptions(require_provider=SHORT_NAMES[provider], io_binding=binding)
                    )
                except ProviderUnavailable as refused:
                    found["runs"][provider] = f"does not run: {refused}"
                    break
                # engine.run returns its result on the host: nothing is left to wait for
                calls, spent = _timed(functools.partial(engine.run, image), lambda: None, seconds, warmup=1)
                label = f"{provider}{' io_binding' if binding else ''}"
                found["runs"][label] = {"ran_on": engine.provider, "mp_per_s": calls * side * side / 1e6 / spent}
    return found


def run(device_name: str, batch: int, patch: int, seconds: float, sides: tuple[int, ...]) -> dict[str, Any]:
    import torch

    if device_name == "auto":
        device_name = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(device_name)
    results: dict[str, Any] = {"device": device_info(device), "training": [], "inference": []}
    print(json.dumps(results["device"]), flush=True)
    for layer, preset in NETWORKS:
        fp32 = training_speed(layer, preset, device, batch, patch, seconds, amp=False)
        mixed = training_speed(layer, preset, device, batch, patch, seconds, amp=True)
        row = {"layer": layer, "preset": preset, "fp32_images_per_s": fp32, "amp_images_per_s": mixed}
        results["training"].append(row)
        print(
            f"train layer{layer}-{preset}: fp32 {fp32:.1f} img/s, amp {mixed:.1f} img/s ({mixed / fp32:.2f}x)",
            flush=True,
        )
        for side in sides:
            full = inference_speed(layer, preset, device, side, seconds, half=False)
            half = inference_speed(layer, preset, device, side, seconds, half=True)
            results["inference"].append({"layer": layer, "preset": preset, "side": side, "fp32": full, "fp16": half})
            print(
                f"infer layer{layer}-{preset} {side}px: fp32 {full['mp_per_s']:.2f} MP/s ({full['peak_gib']:.2f} GiB),"
                f" fp16 {half['mp_per_s']:.2f} MP/s ({half['peak_gib']:.2f} GiB),"
                f" {half['mp_per_s'] / full['mp_per_s']:.2f}x",
                flush=True,
            )
    results["onnxruntime"] = onnxruntime_sessions(seconds, sides[0])
    print(f"onnxruntime: {json.dumps(results['onnxruntime'])}", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", help="auto (cuda when there is one), cuda or cpu")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--patch", type=int, default=128)
    parser.add_argument("--seconds", type=float, default=3.0, help="time each measurement for about this long")
    parser.add_argument("--sides", default=",".join(map(str, INFERENCE_SIDES)), help="inference image sides, px")
    parser.add_argument("--out", type=Path, default=Path("bench-gpu.json"))
    args = parser.parse_args(argv)
    sides = tuple(int(side) for side in args.sides.split(","))
    results = run(args.device, args.batch, args.patch, args.seconds, sides)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

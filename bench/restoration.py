"""Restoration quality and training speed, measured in one run: ``python -m bench.restoration``.

1. A training set and a held-out set from the synthetic generator (fixed seeds).
2. PSNR/SSIM on the held-out set of: the degraded input, two classical filters (median, OpenCV
   non-local means), layer 1 and layer 2 each trained through the real job system for a fixed CPU
   CPU-time budget (``--cpu-minutes``, default 20: ten minutes of both cores).
3. Training throughput of the job (images/s, from its own metrics) versus a bare PyTorch loop over the
   same model, data, batch and patch in this process; and the job's peak memory.
4. The frontier (``bench.frontier``): every trained version (preset, tier) in every precision its export
   kept, PSNR/SSIM on the same held-out set against the MP/s of a bare ``session.run`` on 1024² inputs; printed,
   written to ``--json`` with a PNG plot beside it.
5. With ``--real``: every trained model on the real-image set (held-out crops of photos and scans shipped
   with installed packages, degraded independently of our generator; ``backend/restoration/real_eval.py``)
   next to the degraded input, OpenCV non-local means and BM3D, per domain. BM3D takes a few seconds a
   crop, so this is optional. ``--real-photo-model`` also trains a photo model with ``--clean`` on the real
   training photos (never the held-out ones) for the same CPU budget and scores it there;
   ``--real-document-model`` a document model (paper tone kept) with ``--clean`` on the clean pages of step 1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from backend.restoration.metrics import psnr, ssim
from backend.restoration.pairs import load_rgb
from bench.frontier import Point, print_frontier, version_points, write_frontier


def synth(out: Path, count: int, size: int, seed: int) -> None:
    from backend.storage import LocalStore
    from backend.synthetic.params import SynthRestorationParams, validate_restoration
    from backend.synthetic.restoration import generate_restoration
    from bench.spine import _NullContext

    params = validate_restoration(SynthRestorationParams(count=count, out=str(out), size=size, seed=seed))
    generate_restoration(params, LocalStore(out), _NullContext())  # type: ignore[arg-type]


def held_out(folder: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    names = sorted(p.name for p in (folder / "clean").iterdir())
    return [(load_rgb(folder / "clean" / n), load_rgb(folder / "degraded" / n)) for n in names]


def score(pairs: list[tuple[np.ndarray, np.ndarray]], restore) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    psnrs, ssims = [], []
    for clean, degraded in pairs:
        output = restore(degraded)
        a, b = output.astype(np.float64) / 255, clean.astype(np.float64) / 255
        psnrs.append(psnr(a, b))
        ssims.append(ssim(a, b))
    return float(np.mean(psnrs)), float(np.mean(ssims))


def model_restorer(store_root: Path, version: str, self_ensemble: bool = False):  # type: ignore[no-untyped-def]
    """One image at a time through the version's PyTorch network (with ``self_ensemble``: the product's mean
    over the eight flips and turns, ``backend.inference.ensemble``)."""
    import torch

    from backend.inference.ensemble import self_ensemble as ensemble_of
    from backend.restoration.archs import build_network, config_from_dict
    from backend.restoration.tiling import tiled_forward

    layer = "layer_1" if "layer1" in version else "layer_2"
    checkpoint = torch.load(store_root / "models" / layer / version / "model.pt", weights_only=False)
    network = build_network(config_from_dict(checkpoint["config"]))
    network.load_state_dict(checkpoint["state_dict"])
    network.eval()

    def infer(batch: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return tiled_forward(network, torch.from_numpy(batch)).clamp(0, 1).numpy()

    def restore(image: np.ndarray) -> np.ndarray:
        source = image.transpose(2, 0, 1)[None].astype(np.float32) / 255
        output = ensemble_of(infer, source) if self_ensemble else infer(source)
        return (output[0].transpose(1, 2, 0) * 255 + 0.5).astype(np.uint8)

    return restore


def real_image_table(models: list[tuple[str, object]]) -> None:
    """Print the real-image set's scores per domain: input, NLM, BM3D and each model (name, batch restorer)."""
    from backend.restoration.real_eval import evaluate_real

    sections = [(name, evaluate_real(restore, baselines=("nlm", "bm3d"))) for name, restore in models]  # type: ignore[arg-type]
    if not sections:
        sections = [("", evaluate_real(None, baselines=("nlm", "bm3d")))]
    first = sections[0][1]
    for domain, summary in first["domains"].items():
        print(
            f"\n{'real ' + domain + ' crops (' + str(summary['count']) + ' x 128 px)':<44} {'PSNR dB':>8} {'SSIM':>7}"
        )
        rows = [
            (label, summary[key])
            for key, label in (("input", "degraded input"), ("nlm", "OpenCV non-local means"), ("bm3d", "BM3D"))
        ]
        rows += [(name, section["domains"][domain]["model"]) for name, section in sections if name]
        for label, figures in rows:
            print(f"{label:<44} {figures['psnr']:>8.2f} {figures['ssim']:>7.4f}")
        for case in dict.fromkeys(row["case"] for row in first["cases"]):
            means = [_case_mean(section, domain, case) for _, section in sections]
            shown = ", ".join(f"{method} {value:.2f}" for method, value in means[0].items() if method != "model")
            model_figures = " / ".join(f"{m['model']:.2f}" for m in means if "model" in m)
            print(f"  {case}: {shown}" + (f", model {model_figures}" if model_figures else ""))
        best = max(summary["nlm"]["psnr"], summary["bm3d"]["psnr"])
        for name, section in sections:
            if name:
                mine = section["domains"][domain]
                print(
                    f"{name}: {mine['model_vs_input']:+.2f} dB vs input, {mine['model']['psnr'] - best:+.2f} dB vs the "
                    f"better of NLM/BM3D; worse than its input on {mine['model_worse_than_input']} of {mine['count']}"
                    + _worse_crops(section, domain)
                )


def _worse_crops(section: dict, domain: str) -> str:  # type: ignore[type-arg]
    """': image/case (model minus input dB), ...' for the crops of ``domain`` a model made worse, or ''."""
    worse = [
        f"{row['image']}/{row['case']} ({row['model_psnr'] - row['input_psnr']:+.2f})"
        for row in section["cases"]
        if row["domain"] == domain and row["model_psnr"] < row["input_psnr"]
    ]
    return f": {', '.join(worse)}" if worse else ""


def _case_mean(section: dict, domain: str, case: str) -> dict[str, float]:  # type: ignore[type-arg]
    """Mean PSNR of each method over one domain's crops degraded by one case."""
    rows = [row for row in section["cases"] if row["domain"] == domain and row["case"] == case]
    return {method: float(np.mean([row[f"{method}_psnr"] for row in rows])) for method in section["methods"]}


def bare_loop_images_per_second(
    data: Path, layer: int, preset: str, loss: str, batch: int, patch: int, *, epochs: int, max_pairs: int = 0
) -> float:
    """The same model, data and batches as the job, with nothing around the loop but what the job must
    do between epochs: validate (untimed here, as in the job's images/s). The first epoch warms up."""
    import torch
    from torch.utils.data import DataLoader

    from backend.restoration.archs import build_network, preset_for
    from backend.restoration.datasets import EpochSampler, PairImages, TrainPatches, split_pairs
    from backend.restoration.losses import build_loss
    from backend.restoration.pairs import scan_pairs
    from backend.restoration.trainer import evaluate

    torch.manual_seed(0)
    train_pairs, val_pairs = split_pairs(scan_pairs(data, max_pairs=max_pairs).pairs, 0.05, 0)
    val_images = PairImages(val_pairs)
    dataset = TrainPatches(PairImages(train_pairs), patch, 0)
    loader = DataLoader(dataset, batch_size=batch, sampler=EpochSampler(len(dataset), 0), drop_last=True)
    model = build_network(preset_for(layer, preset))
    loss_fn = build_loss(loss)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    seen, seconds = 0, 0.0
    for epoch in range(epochs):
        began = time.perf_counter()
        for degraded, clean in loader:
            step_loss = loss_fn(model(degraded), clean)
            optimizer.zero_grad()
            step_loss.backward()
            optimizer.step()
            if epoch > 0:
                seen += degraded.shape[0]
        if epoch > 0:
            seconds += time.perf_counter() - began
        evaluate(model, val_images, torch.device("cpu"), loss_fn)
    return seen / seconds


def batch_of(store_root: Path, version: str, self_ensemble: bool = False):  # type: ignore[no-untyped-def]
    from backend.restoration.real_eval import one_by_one

    return one_by_one(model_restorer(store_root, version, self_ensemble))


def train_clean_model(  # type: ignore[no-untyped-def]
    client, clean: Path, domain: str, name: str, args: argparse.Namespace
) -> tuple[str, str]:
    """Train a ``domain`` model with ``--clean`` on the images in ``clean`` for ``--cpu-minutes``; (name, version)."""
    from protos.omni.v1 import jobs_pb2, training_pb2

    layer = args.layers[-1]
    spec = training_pb2.TrainRestorationSpec(
        clean=str(clean),
        domain=domain,
        layer=layer,
        epochs=10_000,
        batch_size=args.batch_size,
        lr=args.lr,
        patch=args.patch,
        preset=args.preset,
        device="cpu",
        num_workers=-1,
        loss=args.loss,
        cpu_minutes=args.cpu_minutes,
        val_split=0.1,
    )
    job = client.submit(jobs_pb2.JobSpec(train_restoration=spec))
    for _ in client.follow_job(job.id):
        pass
    job = client.get_job(job.id)
    if "model_version" not in job.outputs:
        raise SystemExit(f"the {domain} model did not train: {job.message}")
    report = json.loads(client.get_report(job.id, "json"))
    images = sum(1 for path in clean.rglob("*") if path.is_file())
    label = f"layer {layer} {domain} --clean {name} ({images} images, {len(report['epochs'])} ep)"
    print(f"{label}: trained for {args.cpu_minutes:g} CPU-min", flush=True)
    return label, job.outputs["model_version"]


#: the throughput comparison: a job of this many epochs over this many pairs (95% train, 71 steps of 8)
JOB_EPOCHS, JOB_PAIRS = 4, 600


def job_vs_bare(client, data: Path, layer: int, preset: str, loss: str, rounds: int = 3) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Images/s of a short training job (median of its epochs after the first) and of the bare loop over
    the same epochs (the first warms up), run back to back and alternated, so both see the same machine
    load; the medians over ``rounds``."""
    from protos.omni.v1 import jobs_pb2, training_pb2

    job_rates, bare_rates = [], []
    for _ in range(rounds):
        spec = training_pb2.TrainRestorationSpec(
            data=str(data),
            layer=layer,
            epochs=JOB_EPOCHS,
            batch_size=8,
            lr=1e-3,
            patch=64,
            preset=preset,
            loss=loss,
            device="cpu",
            num_workers=-1,
            max_pairs=JOB_PAIRS,
            val_split=0.05,
        )
        job = client.submit(jobs_pb2.JobSpec(train_restoration=spec))
        for _ in client.follow_job(job.id):
            pass
        report = json.loads(client.get_report(job.id, "json"))
        job_rates.append(float(np.median([e["images_per_second"] for e in report["epochs"][1:]])))
        bare_rates.append(
            bare_loop_images_per_second(data, layer, preset, loss, 8, 64, epochs=JOB_EPOCHS, max_pairs=JOB_PAIRS)
        )
    return float(np.median(job_rates)), float(np.median(bare_rates))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--cpu-minutes",
        type=float,
        default=20.0,
        help="training budget per layer in CPU time (20 = 10 min of both cores)",
    )
    parser.add_argument("--train-pairs", type=int, default=600)
    parser.add_argument("--layers", type=int, nargs="+", default=[1, 2], choices=(1, 2))
    parser.add_argument("--loss", default="charbonnier+ssim", help="the training loss of both layers")
    parser.add_argument("--lr", type=float, default=1e-3, help="peak learning rate of both layers")
    parser.add_argument("--preset", default="tiny", help="network preset of both layers")
    parser.add_argument(
        "--presets", nargs="+", default=None, help="train each of these presets per layer (default: --preset)"
    )
    parser.add_argument(
        "--json", type=Path, default=Path("bench-restoration.json"), help="results; the frontier PNG goes beside it"
    )
    parser.add_argument("--patch", type=int, default=64, help="training crop side of both layers")
    parser.add_argument("--batch-size", type=int, default=8, help="training batch of both layers")
    parser.add_argument("--no-throughput", action="store_true", help="skip the job-versus-bare-loop comparison")
    parser.add_argument("--real", action="store_true", help="score the models on the real-image set (+BM3D, slow)")
    parser.add_argument(
        "--real-photo-model",
        action="store_true",
        help="with --real: also train a photo model (--clean, --domain photo) on the real training photos",
    )
    parser.add_argument(
        "--real-document-model",
        action="store_true",
        help="with --real: also train a document model (--clean, --domain document, paper tone kept) on the "
        "generator's clean pages",
    )
    parser.add_argument(
        "--real-document-photos",
        action="store_true",
        help="with --real-document-model: train it on the real training photos too (their tiles beside the pages)",
    )
    parser.add_argument(
        "--real-tile", type=int, default=128, help="cut the training photos into tiles of this side (0 = whole)"
    )
    parser.add_argument("--skip-synthetic", action="store_true", help="train no model on synthetic pairs")
    parser.add_argument(
        "--self-ensemble",
        action="store_true",
        help="with --real: also score each model run with self-ensemble (the eight flips and turns averaged)",
    )
    parser.add_argument(
        "--keep-models", type=Path, default=None, help="copy the trained models' store folders here (to score later)"
    )
    args = parser.parse_args()
    print(f"settings: {vars(args)}", flush=True)
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    import cv2

    from backend.rpc.server import start_backend
    from backend.settings import ServerSettings
    from desktop.client import BackendTarget, Connection
    from protos.omni.v1 import jobs_pb2, training_pb2

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        began = time.perf_counter()
        synth(root / "train", args.train_pairs, 128, seed=1)
        synth(root / "test", 24, 256, seed=99)
        print(
            f"data: {args.train_pairs} training pairs at 128 px, 24 held-out pairs at 256 px "
            f"({time.perf_counter() - began:.0f} s)"
        )
        test = held_out(root / "test")
        rows = [
            ("degraded input", *score(test, lambda d: d)),
            ("median filter 3x3", *score(test, lambda d: cv2.medianBlur(d, 3))),
            ("OpenCV non-local means", *score(test, lambda d: cv2.fastNlMeansDenoisingColored(d, None, 5, 5, 7, 21))),
        ]
        backend = start_backend(ServerSettings(port=0, workspace=root / "ws", token="b", max_concurrent_jobs=1))
        throughput: dict[int, tuple[float, float]] = {}
        frontier: list[Point] = []
        peaks: dict[int, int] = {}
        try:
            with Connection(BackendTarget(f"127.0.0.1:{backend.port}", token="b")) as client:
                real_models: list[tuple[str, str]] = []  # (label, version) of the models the real set scores
                store = backend.workspace.root
                runs = [(layer, preset) for layer in args.layers for preset in args.presets or [args.preset]]
                for layer, preset in [] if args.skip_synthetic else runs:
                    spec = training_pb2.TrainRestorationSpec(
                        data=str(root / "train"),
                        layer=layer,
                        epochs=10_000,
                        batch_size=args.batch_size,
                        lr=args.lr,
                        patch=args.patch,
                        preset=preset,
                        device="cpu",
                        num_workers=-1,
                        loss=args.loss,
                        cpu_minutes=args.cpu_minutes,
                    )
                    job = client.submit(jobs_pb2.JobSpec(train_restoration=spec))
                    for _ in client.follow_job(job.id):
                        pass
                    job = client.get_job(job.id)
                    report = json.loads(client.get_report(job.id, "json"))
                    version = job.outputs["model_version"]
                    rows.append(
                        (
                            f"layer {layer} ({spec.preset}, {len(report['epochs'])} ep, {args.cpu_minutes:g} CPU-min)",
                            *score(test, model_restorer(backend.workspace.root, version)),
                        )
                    )
                    real_models.append((f"layer {layer} on synthetic pairs", version))
                    frontier += version_points(backend.workspace.root / "models" / f"layer_{layer}" / version, test)
                    peaks[layer] = report["environment"]["peak_memory_bytes"]
                    epochs = report["epochs"]
                    shown = sorted({*range(0, len(epochs), max(1, len(epochs) // 6)), len(epochs) - 1})
                    print(
                        f"layer {layer} validation curve: "
                        + ", ".join(
                            f"ep {epochs[i]['epoch']} {epochs[i]['psnr']:.2f}/{epochs[i]['ssim']:.4f}" for i in shown
                        ),
                        flush=True,
                    )
                if args.real and args.real_photo_model:
                    from backend.restoration.real_set import write_training_photos

                    write_training_photos(root / "real_photos", tile=args.real_tile)
                    real_models.append(train_clean_model(client, root / "real_photos", "photo", "real photos", args))
                if args.real and args.real_document_model:
                    pages, named = root / "train" / "clean", "our pages"
                    if args.real_document_photos:
                        from backend.restoration.real_set import write_training_photos

                        pages, named = root / "document_clean", "our pages + real photos"
                        shutil.copytree(root / "train" / "clean", pages / "pages")
                        write_training_photos(pages / "photos", tile=args.real_tile)
                    real_models.append(train_clean_model(client, pages, "document", named, args))
                for layer in [] if args.no_throughput else args.layers:
                    throughput[layer] = job_vs_bare(client, root / "train", layer, args.preset, args.loss)
        finally:
            backend.stop(grace_s=5)
            if args.keep_models:
                shutil.copytree(backend.workspace.root / "models", args.keep_models, dirs_exist_ok=True)
        print(f"\n{'held-out (24 x 256 px)':<44} {'PSNR dB':>8} {'SSIM':>7}")
        for name, p, s in rows:
            print(f"{name:<44} {p:>8.2f} {s:>7.4f}")
        base_p, base_s = rows[0][1], rows[0][2]
        best_classical = max(rows[1:3], key=lambda r: r[1])
        for name, p, s in rows[3:]:
            print(
                f"{name}: {p - base_p:+.2f} dB / {s - base_s:+.4f} SSIM vs input; "
                f"{p - best_classical[1]:+.2f} dB / {s - best_classical[2]:+.4f} vs {best_classical[0]}"
            )
        if frontier:
            print_frontier(frontier, "the held-out set (24 x 256 px)")
            results = {"settings": {**vars(args), "json": str(args.json)}, "held_out": [list(r) for r in rows]}
            print(f"results: {args.json}, plot: {write_frontier(frontier, args.json, results)}")
        if args.real:
            ensembles = [True] if args.self_ensemble else []
            real_image_table(
                [
                    (label + (" + self-ensemble" if ensembled else ""), batch_of(store, version, ensembled))
                    for label, version in real_models
                    for ensembled in [False, *ensembles]
                ]
            )
        print()
        for layer, (job_rate, bare) in throughput.items():
            print(
                f"layer {layer} training: job {job_rate:.1f} img/s, bare loop {bare:.1f} img/s, "
                f"ratio {job_rate / bare:.3f} (overhead {(1 - job_rate / bare) * 100:+.1f}%), "
                f"worker peak RSS {peaks.get(layer, 0) / 2**20:.0f} MiB"
            )


if __name__ == "__main__":
    main()

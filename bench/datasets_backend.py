"""Dataset backend figures on a loopback backend, measured in one run: ``python -m bench.datasets_backend [N]``.

1. importing N (default 10,000) small JPEGs from a folder as an ``import_dataset`` job (and in process);
2. ``ListImages`` latency: the first page, a deep page (via its token), a status-filtered page (200 each);
3. ``GetImage`` latency: full size (original bytes), a 256 px thumbnail cold (rendered) and warm (cached),
   on a 12-megapixel JPEG and on a small one;
4. ``SaveAnnotations`` latency (a few boxes, committed with synchronous=FULL).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from backend.rpc.server import start_backend
from backend.settings import ServerSettings
from desktop.client import BackendTarget, Connection
from protos.omni.v1 import datasets_pb2, jobs_pb2

TOKEN = "bench-token"


def write_small_images(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    base = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    for i in range(count):
        pixels = base.copy()
        for block, digit in enumerate((i % 20, i // 20 % 20, i // 400 % 20, i // 8000)):
            pixels[:8, 8 * block : 8 * block + 8] = 12 * digit  # flat blocks JPEG cannot quantize together
        Image.fromarray(pixels).save(folder / f"img_{i:05d}.jpg", quality=90)


def median_ms(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def wait(client: Connection, job_id: str) -> jobs_pb2.Job:
    while (job := client.get_job(job_id)).state in (jobs_pb2.JOB_STATE_QUEUED, jobs_pb2.JOB_STATE_RUNNING):
        time.sleep(0.05)
    return job


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        began = time.perf_counter()
        write_small_images(root / "small", count)
        print(f"wrote {count} small JPEGs (64x48) in {time.perf_counter() - began:.1f} s")
        coarse = np.random.default_rng(1).integers(0, 255, (300, 400, 3), dtype=np.uint8)
        (root / "big").mkdir()  # a photo-like 12 MP JPEG (smooth areas and edges), about 1 MB
        Image.fromarray(coarse).resize((4000, 3000), Image.Resampling.BICUBIC).save(
            root / "big" / "12mp.jpg", quality=90
        )

        backend = start_backend(
            ServerSettings(host="127.0.0.1", port=0, workspace=root / "ws", token=TOKEN, shutdown_grace_s=5)
        )
        try:
            with Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN)) as client:
                spec = datasets_pb2.ImportDatasetSpec(path=str(root / "small"), format="images", name="small")
                began = time.perf_counter()
                job = wait(client, client.submit(jobs_pb2.JobSpec(import_dataset=spec)).id)
                took = time.perf_counter() - began
                assert job.state == jobs_pb2.JOB_STATE_SUCCEEDED, job.message
                assert job.outputs["added"] == str(count), job.outputs
                print(f"import job, {count} images: {took:.1f} s ({count / took:.0f} images/s, worker start included)")

                first = client.list_images("small")
                token = first.next_page_token
                for _ in range(min(20, count // 200 - 1)):
                    token = client.list_images("small", page_token=token).next_page_token
                print(f"ListImages 200, first page: {median_ms(lambda: client.list_images('small'), 50):.2f} ms")
                deep = token
                deep_ms = median_ms(lambda: client.list_images("small", page_token=deep), 50)
                print(f"ListImages 200, page 22: {deep_ms:.2f} ms")
                ids = [i.image_id for i in first.images]
                for k, image_id in enumerate(ids[:100]):
                    client.save_annotations("small", image_id, base_revision=0, boxes=[], status=2 + k % 2)
                print(
                    "ListImages 200, status done: "
                    f"{median_ms(lambda: client.list_images('small', status=2), 50):.2f} ms"
                )
                boxes = [(k % 6, 0.5, 0.5, 0.1 + k / 100, 0.1) for k in range(5)]
                revision = {"value": 1}

                def save() -> None:
                    reply = client.save_annotations(
                        "small", ids[0], base_revision=revision["value"], boxes=boxes, editor="bench"
                    )
                    revision["value"] = reply.revision

                print(f"SaveAnnotations (5 boxes): {median_ms(save, 200):.2f} ms")
                print(f"GetAnnotations: {median_ms(lambda: client.get_annotations('small', ids[1]), 200):.2f} ms")
                print(f"GetImage small, full: {median_ms(lambda: client.get_image('small', ids[2]), 200):.2f} ms")

                client.create_dataset("big")
                (result,) = client.upload_images("big", [(root / "big" / "12mp.jpg", "12mp.jpg")])
                big_id = result.image_id
                print(
                    f"GetImage 12 MP, full ({(root / 'big' / '12mp.jpg').stat().st_size / 1e6:.1f} MB): "
                    f"{median_ms(lambda: client.get_image('big', big_id), 20):.1f} ms"
                )
                cold = median_ms(lambda: client.get_image("big", big_id, max_side=256), 1)
                warm = median_ms(lambda: client.get_image("big", big_id, max_side=256), 50)
                print(f"GetImage 12 MP, 256 px thumbnail: cold {cold:.1f} ms, cached {warm:.2f} ms")
                cold_times = []
                for image_id in ids[10:60]:
                    began = time.perf_counter()
                    client.get_image("small", image_id, max_side=32)
                    cold_times.append(time.perf_counter() - began)
                cold_small = statistics.median(cold_times) * 1000
                print(
                    f"GetImage small, 32 px thumbnail: cold {cold_small:.2f} ms, "
                    f"cached {median_ms(lambda: client.get_image('small', ids[10], max_side=32), 100):.2f} ms"
                )
        finally:
            backend.stop()

        from backend.datasets.ingest import import_folder
        from backend.datasets.params import ImportDatasetParams
        from backend.datasets.service import DatasetService
        from backend.workspace import Workspace
        from tests.backend.datasets.conftest import JobRecorder

        workspace = Workspace(root / "ws2")
        service = DatasetService(workspace.store, workspace.state_dir)
        recorder = JobRecorder(store=workspace.store, scratch_dir=root / "scratch")
        began = time.perf_counter()
        import_folder(service, ImportDatasetParams(path=str(root / "small"), format="images", name="s"), recorder)
        took = time.perf_counter() - began
        print(f"import in process, {count} images: {took:.1f} s ({count / took:.0f} images/s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)

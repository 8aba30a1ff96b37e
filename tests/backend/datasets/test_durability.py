"""A backend killed (SIGKILL) right after, or while, saving annotations restarts with the last acknowledged state."""

from __future__ import annotations

import threading
from pathlib import Path

from desktop.client import BackendError
from protos.omni.v1 import datasets_pb2
from tests.helpers import ServeProcess, wait_for
from tests.omni_core.formats.samples import write_image


def test_a_killed_backend_keeps_every_acknowledged_save(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    write_image(tmp_path / "a.png")
    server = ServeProcess(workspace)
    try:
        with server.client() as client:
            client.create_dataset("ds")
            (uploaded,) = client.upload_images("ds", [(tmp_path / "a.png", "a.png")])
            image = uploaded.image_id
            saved = client.save_annotations(
                "ds", image, base_revision=0, boxes=[(2, 0.5, 0.5, 0.25, 0.25)], status=2, editor="ann"
            )
            assert saved.revision == 1
            server.kill()  # at once after the acknowledgement
    finally:
        server.stop()

    server = ServeProcess(workspace)
    acknowledged = 1
    try:
        with server.client() as client:
            after = client.get_annotations("ds", image)
            assert (after.revision, after.status, after.updated_by) == (1, datasets_pb2.IMAGE_STATUS_DONE, "ann")
            assert [(b.class_id, b.width) for b in after.boxes] == [(2, 0.25)]
            # now kill it while saves are streaming in: each save k leaves k boxes
            stop = threading.Event()

            def save_forever() -> None:
                nonlocal acknowledged
                revision = 1
                while not stop.is_set():
                    boxes = [(0, 0.5, 0.5, 0.01 * (k + 1), 0.01) for k in range(revision + 1)]
                    try:
                        revision = client.save_annotations("ds", image, base_revision=revision, boxes=boxes).revision
                    except BackendError:
                        return
                    acknowledged = revision

            saver = threading.Thread(target=save_forever)
            saver.start()
            wait_for(lambda: acknowledged >= 20 or not saver.is_alive(), timeout=30, what="20 saves")
            assert acknowledged >= 20
            server.kill()
            stop.set()
            saver.join(10)
    finally:
        server.stop()

    server = ServeProcess(workspace)
    try:
        with server.client() as client:
            final = client.get_annotations("ds", image)
            assert acknowledged <= final.revision <= acknowledged + 1  # the one in flight may have committed
            assert len(final.boxes) == final.revision  # whole saves only
    finally:
        server.stop()

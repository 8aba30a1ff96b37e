"""A backend on another machine, for real: its own network namespace behind a veth pair, TLS from a CA the test
makes, a token. The wire is cut in the middle of what clients do, then mended; clients come back by themselves.

- a peer that vanishes (packets dropped, nothing answers) fails an open stream within the keepalive window;
- a followed job's events arrive each once, in order, across a cut longer than that window;
- an upload cut in the middle continues from the backend's offset instead of starting over (the kernel's byte
  counter on the wire says so);
- ``omni restore --remote`` cut in the middle streams again only what has no result, writes every output once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from PIL import Image

from desktop.client import BackendError, BackendTarget, Connection
from desktop.client.connection import KEEPALIVE_TIME_S, KEEPALIVE_TIMEOUT_S, MAX_RECONNECT_BACKOFF_S
from protos.omni.v1 import jobs_pb2
from tests.backend.batch.conftest import register, tiny_onnx  # noqa: F401 - tiny_onnx is a fixture
from tests.helpers import REPO, ServeProcess, restoration_spec, wait_for
from tests.veth import TestCA, VethLink, network_available

pytestmark = [
    pytest.mark.skipif(not network_available(), reason="needs root and iproute2 for a network namespace"),
    pytest.mark.slow,
]

TOKEN = "veth-token"
#: a stream over a silent link fails within the client's keepalive window plus scheduling slack
NOTICED_WITHIN_S = KEEPALIVE_TIME_S + KEEPALIVE_TIMEOUT_S + 4.0
#: long enough for the client to give its connection up (the keepalive window), so it must reconnect
CUT_S = KEEPALIVE_TIME_S + KEEPALIVE_TIMEOUT_S + 2.0


@pytest.fixture
def link() -> Iterator[VethLink]:
    veth = VethLink()
    try:
        yield veth
    finally:
        veth.close()


def serve_across(link: VethLink, workspace: Path, tmp_path: Path) -> ServeProcess:
    """``omni serve`` inside the namespace, listening on its end of the wire with TLS and a token."""
    ca = TestCA(tmp_path / "tls", link.far_address)
    tls = ["--tls-cert", str(ca.cert), "--tls-key", str(ca.key)]
    return ServeProcess(
        workspace, token=TOKEN, wrap=link.command([]), tls_ca=ca.ca, extra=["--host", link.far_address, *tls]
    )


@pytest.fixture
def remote(link: VethLink, tmp_path: Path) -> Iterator[ServeProcess]:
    server = serve_across(link, tmp_path / "ws", tmp_path)
    try:
        yield server
    finally:
        server.stop()


def test_tls_and_token_across_the_wire(remote: ServeProcess, link: VethLink) -> None:
    with remote.client() as client:
        info = client.system_info()
    assert info.tls and remote.address.startswith(link.far_address)
    with (
        Connection(BackendTarget(remote.address, token="wrong", tls_ca=remote.tls_ca)) as wrong,
        pytest.raises(BackendError) as refused,
    ):
        wrong.system_info()
    assert refused.value.code == "UNAUTHENTICATED" and "wrong" not in refused.value.message
    # without the CA the server's certificate is not trusted: no call goes through
    with (
        Connection(BackendTarget(remote.address, token=TOKEN, tls=True), deadline_s=3) as untrusted,
        pytest.raises(BackendError) as unverified,
    ):
        untrusted.system_info()
    assert unverified.value.code == "UNAVAILABLE"


def test_a_peer_that_vanishes_is_noticed_within_seconds(remote: ServeProcess, link: VethLink) -> None:
    with remote.client() as client:
        updates = client.watch_jobs()
        next(updates)  # the snapshot: the stream is open
        failure: list[BaseException] = []
        ended = threading.Event()

        def drain() -> None:
            try:
                for _ in updates:
                    pass
            except BaseException as error:
                failure.append(error)
            ended.set()

        threading.Thread(target=drain, daemon=True).start()
        link.cut()
        cut_at = time.monotonic()
        assert ended.wait(NOTICED_WITHIN_S + 10), "a stream over a silent link never failed"
        noticed_s = time.monotonic() - cut_at
        link.mend()
        mended_at = time.monotonic()
        client.wait_ready(timeout_s=MAX_RECONNECT_BACKOFF_S + 10)
        back_s = time.monotonic() - mended_at
    print(f"silent peer noticed after {noticed_s:.1f} s; calls go through {back_s:.1f} s after the link is back")
    assert failure and isinstance(failure[0], BackendError) and failure[0].code == "UNAVAILABLE"
    assert noticed_s < NOTICED_WITHIN_S


def test_followed_events_arrive_once_each_across_a_cut(remote: ServeProcess, link: VethLink) -> None:
    with remote.client() as client:
        states: list[grpc.ChannelConnectivity] = []
        client.channel.subscribe(states.append, try_to_connect=False)
        job = client.submit(restoration_spec("synth/veth", count=24, size=96))
        seen: list[jobs_pb2.JobEvent] = []
        arrived_at: list[float] = []
        done = threading.Event()

        def follow() -> None:
            for event in client.follow_job(job.id):
                seen.append(event)
                arrived_at.append(time.monotonic())
            done.set()

        threading.Thread(target=follow, daemon=True).start()
        wait_for(lambda: len(seen) >= 3, 60, what="the first events")
        link.cut()
        time.sleep(CUT_S)
        events_before_mend = len(seen)
        link.mend()
        mended_at = time.monotonic()
        assert done.wait(120), "the follower never saw the job end"
        final = client.get_job(job.id)
    resumed = [t for t in arrived_at[events_before_mend:] if t >= mended_at]
    if resumed:
        print(f"events flow again {resumed[0] - mended_at:.1f} s after the link is back")
    seqs = [event.seq for event in seen]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "an event was missed or repeated"
    assert seqs[-1] == final.last_seq and final.state == jobs_pb2.JOB_STATE_SUCCEEDED
    # the connection was really lost (so the events after the cut came over a new one)
    assert grpc.ChannelConnectivity.TRANSIENT_FAILURE in states or grpc.ChannelConnectivity.IDLE in states
    assert len(seen) > events_before_mend


def test_an_upload_cut_in_the_middle_continues_from_its_offset(
    remote: ServeProcess, link: VethLink, tmp_path: Path
) -> None:
    photo = tmp_path / "scan.png"
    Image.frombytes("RGB", (1600, 1200), os.urandom(1600 * 1200 * 3)).save(photo, compress_level=0)
    size = photo.stat().st_size
    link.throttle(16)  # ~2 MB/s: the 5.8 MB file takes ~3 s, long enough to cut in the middle
    with remote.client() as client:
        client.create_dataset("scans")
        results: list[object] = []
        before = link.sent_bytes()
        uploading = threading.Thread(
            target=lambda: results.append(client.upload_images("scans", [(photo, "scan.png")])), daemon=True
        )
        uploading.start()
        wait_for(lambda: link.sent_bytes() - before > size // 2, 60, interval=0.01, what="half the upload sent")
        link.cut()
        time.sleep(CUT_S)
        link.mend()
        uploading.join(120)
        sent = link.sent_bytes() - before
        stored = client.list_images("scans")
    assert results and not results[0][0].error, results  # type: ignore[index]
    assert [image.filename for image in stored.images] == ["scan.png"]
    # started over, it would have sent the first half twice: at least 1.5x the file
    print(f"upload of {size / 1e6:.1f} MB across a cut put {sent / size:.2f}x its size on the wire")
    assert sent < 1.35 * size


def test_a_streamed_restore_cut_in_the_middle_writes_every_output_once(
    tiny_onnx: Path,  # noqa: F811
    link: VethLink,
    tmp_path: Path,
) -> None:
    workspace = tmp_path / "ws"
    register(workspace, tiny_onnx)
    remote = serve_across(link, workspace, tmp_path)
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    for index in range(12):
        Image.frombytes("RGB", (400, 300), os.urandom(400 * 300 * 3)).save(source / f"{index:02}.png")
    link.throttle(8)  # ~1 MB/s: 12 x 360 KB each way lasts several seconds
    try:
        command = [
            sys.executable, "-m", "omni_cli", "restore", str(source), str(out), "--remote",
            "--backend", remote.address, "--tls-ca", str(remote.tls_ca), "--layer", "1",
        ]  # fmt: skip
        run = subprocess.Popen(
            command, cwd=REPO, env={**os.environ, "OMNI_TOKEN": TOKEN}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        wait_for(lambda: len(list(out.glob("*.png"))) >= 3, 90, what="the first outputs")
        link.cut()
        time.sleep(CUT_S)
        written_during_cut = {p.name: p.stat().st_mtime_ns for p in out.glob("*.png")}
        link.mend()
        output, _ = run.communicate(timeout=180)
    finally:
        remote.stop()
    text = output.decode()
    assert run.returncode == 0, text
    assert sorted(p.name for p in out.glob("*.png")) == [f"{index:02}.png" for index in range(12)]
    assert "streaming again" in text
    # written once: what was there during the cut was not rewritten after it
    assert all(out.joinpath(name).stat().st_mtime_ns == mtime for name, mtime in written_during_cut.items())
    assert not list(out.glob("*.partial*"))

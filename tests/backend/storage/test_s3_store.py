"""S3Store against a real SeaweedFS (signatures, identities, Content-MD5 and part checksums enforced) and moto."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
from pathlib import Path

import pytest

from backend.storage import multipart
from backend.storage.check import check_remote
from backend.storage.credentials import Credentials
from backend.storage.s3 import PART_SIZE, S3Store
from backend.storage.s3_errors import Problem, RemoteError
from omni_core.errors import InvalidArgument, NotFound, ResourceExhausted
from tests.backend.storage.s3_helpers import config_for, store_for
from tests.s3_servers import MotoS3, S3Credentials, SeaweedS3

KEYS = {
    "training-data/clean/0001.png": b"\x89PNG clean",
    "training-data/degraded/0001.png": b"\x89PNG degraded",
    "models/layer_2/restoration_layer2_20261203_101010/model.onnx": os.urandom(3000),
    "models/detector/detector_20261203_101010/card.json": b'{"version": 1}',
    "training-outputs/checkpoints/job1/last.pt": os.urandom(5000),
    "training-outputs/analysis/job1/curves.csv": b"epoch,loss\n1,0.5\n",
    "training-outputs/reports/job1/report.json": b'{"state": "succeeded"}',
    "synthetic-data/run1/manifest.json": b"{}",
    "evaluation/job2.json": b'{"psnr": 30.1}',
}


@pytest.fixture
def admin_store(seaweed: SeaweedS3, unique_bucket_prefix: str, tmp_path: Path) -> S3Store:
    store = store_for(seaweed.url, seaweed.admin, unique_bucket_prefix, tmp_path / "state")
    store.create_buckets()
    return store


@pytest.mark.parametrize("layout", ["prefix", "buckets"])
def test_every_artifact_kind_round_trips_byte_exact(
    seaweed: SeaweedS3, unique_bucket_prefix: str, tmp_path: Path, layout: str
) -> None:
    store = store_for(seaweed.url, seaweed.admin, unique_bucket_prefix, tmp_path / "state", layout=layout)
    assert store.create_buckets()
    for key, data in KEYS.items():
        info = store.put_bytes(key, data)
        assert info.sha256 == hashlib.sha256(data).hexdigest()
    for key, data in KEYS.items():
        assert store.get_bytes(key) == data
        assert store.stat(key).sha256 == hashlib.sha256(data).hexdigest()
    assert sorted(entry.key for entry in store.entries("")) == sorted(KEYS)
    assert [entry.key for entry in store.entries("models/")] == sorted(k for k in KEYS if k.startswith("models/"))
    if layout == "buckets":  # the first system's buckets, one per top-level prefix
        names = {bucket.name for bucket in seaweed.minio().list_buckets()}
        assert {f"{unique_bucket_prefix}-models", f"{unique_bucket_prefix}-training-data"} <= names
        objects = [o.object_name for o in seaweed.minio().list_objects(f"{unique_bucket_prefix}-evaluation")]
        assert objects == ["job2.json"]


def test_large_file_goes_up_in_parts_and_comes_back_verified(admin_store: S3Store, tmp_path: Path) -> None:
    source = tmp_path / "scan.bin"
    source.write_bytes(os.urandom(2 * PART_SIZE + 12345))
    info = admin_store.put_file("training-outputs/checkpoints/big/last.pt", source)
    assert admin_store.uploader.sent_parts == 3
    entry = next(admin_store.entries("training-outputs/checkpoints/big/"))
    assert entry.etag.endswith("-3")  # a multipart ETag: not an MD5, so our SHA-256 is what is checked
    dest = tmp_path / "out" / "last.pt"
    got = admin_store.get_file("training-outputs/checkpoints/big/last.pt", dest)
    assert got.sha256 == info.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert dest.read_bytes() == source.read_bytes()


def test_put_stream_and_expected_checksum(admin_store: S3Store) -> None:
    data = b"streamed" * 1000
    info = admin_store.put_stream("evaluation/stream.bin", io.BytesIO(data))
    assert admin_store.get_bytes("evaluation/stream.bin") == data
    with pytest.raises(InvalidArgument, match="sha256"):
        admin_store.put_bytes("evaluation/x.bin", b"abc", expected_sha256="0" * 64)
    assert not admin_store.exists("evaluation/x.bin")
    assert info.size == len(data)


def test_missing_object_and_delete(admin_store: S3Store) -> None:
    with pytest.raises(NotFound):
        admin_store.stat("evaluation/nothing.json")
    admin_store.put_bytes("evaluation/gone.json", b"1")
    admin_store.delete("evaluation/gone.json")
    assert not admin_store.exists("evaluation/gone.json")


def test_wrong_secret_is_named_and_not_retried(seaweed: SeaweedS3, unique_bucket_prefix: str, tmp_path: Path) -> None:
    wrong = S3Credentials(seaweed.admin.access_key, "not-the-secret")
    store = store_for(seaweed.url, wrong, unique_bucket_prefix, tmp_path / "state")
    with pytest.raises(RemoteError) as caught:
        store.put_bytes("evaluation/a.json", b"{}")
    assert caught.value.problem == Problem.WRONG_SECRET
    assert "secret key does not match" in caught.value.message
    assert "not-the-secret" not in caught.value.message
    assert caught.value.status == "FAILED_PRECONDITION"


def test_unknown_key(seaweed: SeaweedS3, unique_bucket_prefix: str, tmp_path: Path) -> None:
    store = store_for(seaweed.url, S3Credentials("AKIANOBODY1234", "x" * 20), unique_bucket_prefix, tmp_path / "s")
    with pytest.raises(RemoteError) as caught:
        store.missing_buckets()
    assert caught.value.problem == Problem.UNKNOWN_ACCESS_KEY
    assert "…1234" in caught.value.message


def test_read_only_identity_cannot_write(
    seaweed: SeaweedS3, admin_store: S3Store, unique_bucket_prefix: str, tmp_path: Path
) -> None:
    admin_store.put_bytes("evaluation/shared.json", b"{}")
    reader = store_for(seaweed.url, seaweed.reader, unique_bucket_prefix, tmp_path / "reader")
    assert reader.get_bytes("evaluation/shared.json") == b"{}"
    with pytest.raises(RemoteError) as caught:
        reader.put_bytes("evaluation/mine.json", b"{}")
    assert caught.value.problem == Problem.PERMISSION_DENIED
    assert "may not write" in caught.value.message


def test_missing_bucket(seaweed: SeaweedS3, unique_bucket_prefix: str, tmp_path: Path) -> None:
    store = store_for(seaweed.url, seaweed.admin, unique_bucket_prefix, tmp_path / "state")
    with pytest.raises(RemoteError) as caught:
        store.put_bytes("evaluation/a.json", b"{}")
    assert caught.value.problem == Problem.BUCKET_MISSING


def test_unreachable_endpoint(tmp_path: Path) -> None:
    from tests.s3_servers import free_port

    store = S3Store(config_for(f"http://127.0.0.1:{free_port()}", "tnone"), Credentials("a", "b"), state_dir=tmp_path)
    with pytest.raises(RemoteError) as caught:
        store.stat("evaluation/a.json")
    assert caught.value.problem == Problem.UNREACHABLE
    assert caught.value.status == "UNAVAILABLE"


def test_tls_to_a_plain_http_server_is_a_tls_problem(seaweed: SeaweedS3, tmp_path: Path) -> None:
    store = S3Store(config_for(f"https://{seaweed.endpoint}", "ttls"), Credentials("a", "b"), state_dir=tmp_path)
    with pytest.raises(RemoteError) as caught:
        store.stat("evaluation/a.json")
    assert caught.value.problem in (Problem.TLS_VERIFICATION, Problem.UNREACHABLE)


def test_corrupted_object_is_detected_and_nothing_local_replaced(
    seaweed: SeaweedS3, admin_store: S3Store, tmp_path: Path
) -> None:
    good = b"the real weights" * 100
    admin_store.put_bytes("models/layer_1/restoration_layer1_20261203_000000/model.pt", good)
    bucket, name = admin_store.config.locate("models/layer_1/restoration_layer1_20261203_000000/model.pt")
    # another writer replaces the bytes but keeps our checksum: what bit rot or a bad copy looks like
    bad = b"X" + good[1:]
    seaweed.minio().put_object(
        bucket, name, io.BytesIO(bad), len(bad), metadata={"sha256": hashlib.sha256(good).hexdigest()}
    )
    dest = tmp_path / "local" / "model.pt"
    dest.parent.mkdir()
    dest.write_bytes(b"what we had")
    with pytest.raises(RemoteError) as caught:
        admin_store.get_file("models/layer_1/restoration_layer1_20261203_000000/model.pt", dest)
    assert caught.value.problem == Problem.CHECKSUM_MISMATCH
    assert caught.value.status == "DATA_LOSS"
    assert dest.read_bytes() == b"what we had"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["model.pt"]  # no partial file left


def test_full_disk_during_download_leaves_no_partial_file(admin_store: S3Store, tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    admin_store.put_bytes("training-outputs/checkpoints/j/last.pt", os.urandom(3 * 1024 * 1024))
    small = tmp_path / "small"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(small)], check=True)
    try:
        with pytest.raises(ResourceExhausted, match="nothing was replaced"):
            admin_store.get_file("training-outputs/checkpoints/j/last.pt", small / "last.pt")
        assert list(small.iterdir()) == []
    finally:
        subprocess.run(["umount", str(small)], check=True)


def test_killed_server_mid_upload_then_resume_sends_only_missing_parts(
    seaweed_fresh: SeaweedS3, unique_bucket_prefix: str, tmp_path: Path
) -> None:
    store = store_for(seaweed_fresh.url, seaweed_fresh.admin, unique_bucket_prefix, tmp_path / "state")
    store.create_buckets()
    source = tmp_path / "checkpoint.pt"
    source.write_bytes(os.urandom(4 * PART_SIZE + 1000))
    sent = 0

    def kill_after_two_parts(count: int) -> None:
        nonlocal sent
        sent += 1
        if sent == 2:
            seaweed_fresh.kill()

    store.uploader.sent_parts = 0
    with pytest.raises(RemoteError):
        store.put_file("training-outputs/checkpoints/j1/last.pt", source, on_bytes=kill_after_two_parts)
    first_attempt_parts = store.uploader.sent_parts
    assert store.uploader.pending(*store.config.locate("training-outputs/checkpoints/j1/last.pt")) is not None
    seaweed_fresh.restart()
    assert not store.exists("training-outputs/checkpoints/j1/last.pt")  # an interrupted upload is no object
    resumed = store_for(seaweed_fresh.url, seaweed_fresh.admin, unique_bucket_prefix, tmp_path / "state")
    info = resumed.put_file("training-outputs/checkpoints/j1/last.pt", source)
    assert resumed.uploader.sent_parts == 5 - first_attempt_parts
    assert resumed.uploader.sent_parts < 5
    assert resumed.get_bytes("training-outputs/checkpoints/j1/last.pt") == source.read_bytes()
    assert info.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert resumed.uploader.pending(*resumed.config.locate("training-outputs/checkpoints/j1/last.pt")) is None


def test_check_remote_steps(
    admin_store: S3Store, seaweed: SeaweedS3, unique_bucket_prefix: str, tmp_path: Path
) -> None:
    result = check_remote(admin_store.config, lambda: admin_store, create_buckets=False)
    assert result.ok, result.steps
    assert [step.name for step in result.steps] == ["reach", "credentials", "buckets", "write", "read", "delete"]
    assert result.round_trip_ms > 0
    wrong = store_for(seaweed.url, S3Credentials(seaweed.admin.access_key, "nope"), unique_bucket_prefix, tmp_path)
    failed = check_remote(wrong.config, lambda: wrong, create_buckets=False)
    assert not failed.ok
    assert failed.problem == Problem.WRONG_SECRET
    assert [step.name for step in failed.steps] == ["reach", "credentials"]


def test_moto_is_a_second_endpoint(moto_s3: MotoS3, unique_bucket_prefix: str, tmp_path: Path) -> None:
    store = store_for(moto_s3.url, moto_s3.admin, unique_bucket_prefix, tmp_path / "state")
    store.create_buckets()
    store.put_bytes("models/layer_2/restoration_layer2_20261203_000001/card.json", b"{}")
    assert store.stat("models/layer_2/restoration_layer2_20261203_000001/card.json").size == 2
    # a multipart upload as AWS wants it: CRC32 declared at creation, sent with each part, listed at completion
    source = tmp_path / "last.pt"
    source.write_bytes(os.urandom(2 * PART_SIZE + 7))
    info = store.put_file("training-outputs/checkpoints/moto/last.pt", source)
    assert store.uploader.sent_parts == 3
    got = store.get_file("training-outputs/checkpoints/moto/last.pt", tmp_path / "back" / "last.pt")
    assert got.sha256 == info.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()


@pytest.mark.parametrize("mode", ["503", "drop"])
def test_transient_failures_are_retried(
    seaweed: SeaweedS3, admin_store: S3Store, unique_bucket_prefix: str, tmp_path: Path, mode: str
) -> None:
    """SlowDown answers and dropped connections are retried with backoff; the call then succeeds."""
    from tests.backend.storage.flaky_proxy import FlakyProxy

    host, port = seaweed.endpoint.split(":")
    with FlakyProxy(host, int(port), fail_first=3, mode=mode) as proxy:
        store = store_for(proxy.url, seaweed.admin, unique_bucket_prefix, tmp_path / "via-proxy")
        info = store.put_bytes("evaluation/retried.json", b'{"ok": true}')
        assert store.get_bytes("evaluation/retried.json") == b'{"ok": true}'
        assert proxy.failed == 3 and proxy.requests > 3
    assert admin_store.stat("evaluation/retried.json").sha256 == info.sha256


def test_a_server_that_keeps_failing_is_unavailable_not_internal(
    seaweed: SeaweedS3, unique_bucket_prefix: str, tmp_path: Path
) -> None:
    from tests.backend.storage.flaky_proxy import FlakyProxy

    host, port = seaweed.endpoint.split(":")
    with FlakyProxy(host, int(port), fail_first=1000) as proxy:
        store = store_for(proxy.url, seaweed.admin, unique_bucket_prefix, tmp_path / "via-proxy")
        with pytest.raises(RemoteError) as caught:
            store.put_bytes("evaluation/never.json", b"{}")
    assert caught.value.problem == Problem.UNAVAILABLE and caught.value.status == "UNAVAILABLE"
    assert proxy.failed == 6  # the first try and 5 retries


def test_a_wrong_secret_is_named_even_where_s3_answers_without_a_body(
    seaweed: SeaweedS3, admin_store: S3Store, unique_bucket_prefix: str, tmp_path: Path
) -> None:
    """HEAD (stat, bucket_exists) answers 403 with no code; the store asks again with a GET to say why."""
    from dataclasses import replace

    admin_store.put_bytes("evaluation/here.json", b"{}")
    wrong = S3Store(
        replace(admin_store.config, region="us-east-1"),  # with a region the SDK asks no location first
        Credentials(seaweed.admin.access_key, "wrong-secret"),
        state_dir=tmp_path / "wrong",
    )
    for call in (lambda: wrong.stat("evaluation/here.json"), wrong.missing_buckets):
        with pytest.raises(RemoteError) as caught:
            call()
        assert caught.value.problem == Problem.WRONG_SECRET, caught.value.message


def test_parts_in_flight_are_bounded_across_uploads(
    seaweed: SeaweedS3, unique_bucket_prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory is bounded by the parts held at once, whatever the number of objects moving in parallel."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import backend.storage.s3 as s3

    monkeypatch.setattr(s3, "PARTS_IN_FLIGHT", 3)
    store = store_for(seaweed.url, seaweed.admin, unique_bucket_prefix, tmp_path / "state")
    store.create_buckets()
    upload_part = store.client._upload_part
    lock, now, peak = threading.Lock(), [0], [0]

    def counted(*args: object, **kwargs: object) -> str:
        with lock:
            now[0] += 1
            peak[0] = max(peak[0], now[0])
        try:
            return upload_part(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            with lock:
                now[0] -= 1

    monkeypatch.setattr(store.client, "_upload_part", counted)
    files = []
    for index in range(4):
        path = tmp_path / f"big-{index}.bin"
        path.write_bytes(os.urandom(2 * PART_SIZE + 1))
        files.append(path)
    with ThreadPoolExecutor(max_workers=4) as pool:
        infos = list(pool.map(lambda p: store.put_file(f"training-outputs/checkpoints/m/{p.name}", p), files))
    assert len(infos) == 4 and store.uploader.sent_parts == 12
    assert 1 < peak[0] <= 3


def test_a_pull_resumes_from_its_partial_file(admin_store: S3Store, tmp_path: Path) -> None:
    """A download cut short (a killed sync) leaves its partial file; the next one asks only for the rest."""
    data = os.urandom(3 * 1024 * 1024 + 7)
    admin_store.put_bytes("training-outputs/checkpoints/r/last.pt", data)
    dest = tmp_path / "pulled" / "last.pt"
    seen: list[int] = []

    def stop_after_a_megabyte(count: int) -> None:
        seen.append(count)
        if sum(seen) >= 1024 * 1024:
            raise KeyboardInterrupt  # what a killed worker amounts to, for this process

    with pytest.raises(KeyboardInterrupt):
        admin_store.get_file("training-outputs/checkpoints/r/last.pt", dest, on_bytes=stop_after_a_megabyte)
    partials = [p for p in dest.parent.iterdir() if p.name.endswith(".omni-partial")]
    assert len(partials) == 1 and not dest.exists()
    kept = partials[0].stat().st_size
    assert 0 < kept < len(data)
    resumed: list[int] = []
    admin_store.get_file("training-outputs/checkpoints/r/last.pt", dest, on_bytes=resumed.append)
    assert dest.read_bytes() == data
    assert sum(resumed) == len(data) - kept  # only the rest was asked for
    assert [p.name for p in dest.parent.iterdir()] == ["last.pt"]


def test_an_unfinished_upload_of_other_bytes_is_aborted(admin_store: S3Store, tmp_path: Path) -> None:
    source = tmp_path / "weights.pt"
    source.write_bytes(os.urandom(2 * PART_SIZE + 5))
    calls = []

    def stop_at_the_second_part() -> None:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        admin_store.put_file("training-outputs/checkpoints/ab/last.pt", source, check=stop_at_the_second_part)
    bucket, name = admin_store.config.locate("training-outputs/checkpoints/ab/last.pt")
    assert len(admin_store.client._list_multipart_uploads(bucket, prefix=name).uploads) == 1
    source.write_bytes(os.urandom(2 * PART_SIZE + 9))  # the file changed before the next attempt
    admin_store.put_file("training-outputs/checkpoints/ab/last.pt", source)
    assert admin_store.client._list_multipart_uploads(bucket, prefix=name).uploads == []
    assert admin_store.get_bytes("training-outputs/checkpoints/ab/last.pt") == source.read_bytes()


def test_a_part_whose_bytes_do_not_match_its_checksum_is_refused_by_the_server(
    admin_store: S3Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each part's CRC32 is checked by the server: bytes damaged on the way never become the object."""
    source = tmp_path / "weights.pt"
    source.write_bytes(os.urandom(2 * PART_SIZE + 3))
    right = multipart.crc32_of
    monkeypatch.setattr(multipart, "crc32_of", lambda data: right(data[:-1]))  # as if a byte changed in transit
    with pytest.raises(RemoteError) as caught:
        admin_store.put_file("training-outputs/checkpoints/crc/last.pt", source)
    assert caught.value.problem == Problem.CHECKSUM_MISMATCH
    assert "checksum did not match" in str(caught.value)
    with pytest.raises(NotFound):
        admin_store.stat("training-outputs/checkpoints/crc/last.pt")
    monkeypatch.setattr(multipart, "crc32_of", right)
    admin_store.put_file("training-outputs/checkpoints/crc/last.pt", source)
    assert admin_store.get_bytes("training-outputs/checkpoints/crc/last.pt") == source.read_bytes()


def test_an_upload_begun_before_parts_had_checksums_starts_again(admin_store: S3Store, tmp_path: Path) -> None:
    """A state file from an older version (no part checksum declared) cannot be completed with checksums:
    its upload is aborted and a new one sends every part."""
    source = tmp_path / "weights.pt"
    source.write_bytes(os.urandom(2 * PART_SIZE + 1))
    key = "training-outputs/checkpoints/old/last.pt"
    bucket, name = admin_store.config.locate(key)
    old_id = admin_store.client._create_multipart_upload(bucket, name, {})
    uploader = admin_store.uploader
    first_part = source.read_bytes()[: uploader.part_size]
    admin_store.client._upload_part(bucket, name, first_part, None, old_id, 1)  # the old upload holds part 1
    old_state = {
        "bucket": bucket,
        "object_name": name,
        "upload_id": old_id,
        "size": source.stat().st_size,
        "sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
        "part_size": multipart.part_size_for(source.stat().st_size, uploader.part_size),
    }
    uploader._state_path(bucket, name).parent.mkdir(parents=True, exist_ok=True)
    uploader._state_path(bucket, name).write_text(json.dumps(old_state))
    admin_store.put_file(key, source)
    assert uploader.sent_parts == 3
    assert admin_store.client._list_multipart_uploads(bucket, prefix=name).uploads == []
    assert admin_store.get_bytes(key) == source.read_bytes()


def test_objects_another_tool_named_outside_the_workspace_are_not_listed(
    seaweed: SeaweedS3, admin_store: S3Store
) -> None:
    """A key like ``models/../../etc/x`` on the remote must never become a path a pull writes to."""
    admin_store.put_bytes("evaluation/fine.json", b"{}")
    bucket, prefix = admin_store.config.bucket, admin_store.config.key_prefix
    import boto3
    from botocore.config import Config

    other_tool = boto3.client(  # minio's SDK refuses to write such names; boto3, like other tools, does not
        "s3",
        endpoint_url=seaweed.url,
        aws_access_key_id=seaweed.admin.access_key,
        aws_secret_access_key=seaweed.admin.secret_key,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )
    from botocore.exceptions import ClientError

    stored = []
    for name in ("evaluation/../../escape.json", "evaluation/.hidden/x.json", "evaluation/run/.omni/state.json"):
        try:
            other_tool.put_object(Bucket=bucket, Key=f"{prefix}{name}", Body=b"x")
            stored.append(name)
        except ClientError:
            continue  # this server refuses that name itself (SeaweedFS refuses '..')
    assert len(stored) >= 2, stored
    assert [entry.key for entry in admin_store.entries("evaluation/")] == ["evaluation/fine.json"]

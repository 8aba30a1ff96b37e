"""The S3 test servers themselves: SeaweedFS enforces signatures and permissions and survives a SIGKILL; moto works."""

from __future__ import annotations

import hashlib
import io

import pytest
from minio.datatypes import Part
from minio.error import S3Error

from tests.s3_servers import GRPC_OFFSET, MotoS3, S3Credentials, SeaweedS3, free_port_pair

MIB = 1024 * 1024


def test_free_port_pair_leaves_both_ports_free() -> None:
    first = free_port_pair()
    second = free_port_pair(exclude=[first])
    assert first < 45_000 and second < 45_000
    assert {first, first + GRPC_OFFSET}.isdisjoint({second, second + GRPC_OFFSET})


def test_seaweed_round_trips_an_object_with_metadata(seaweed: SeaweedS3, unique_bucket_prefix: str) -> None:
    client = seaweed.minio()
    bucket = f"{unique_bucket_prefix}-data"
    client.make_bucket(bucket)
    body = b"weights" * 1000
    digest = hashlib.sha256(body).hexdigest()
    client.put_object(bucket, "models/a.bin", io.BytesIO(body), len(body), metadata={"x-amz-meta-sha256": digest})

    assert client.get_object(bucket, "models/a.bin").read() == body
    stat = client.stat_object(bucket, "models/a.bin")
    assert stat.size == len(body)
    assert stat.metadata is not None and stat.metadata["x-amz-meta-sha256"] == digest
    with pytest.raises(S3Error) as missing:
        client.stat_object(bucket, "models/nope.bin")
    assert missing.value.code == "NoSuchKey"


@pytest.mark.parametrize(
    ("which", "code"), [("wrong_secret", "SignatureDoesNotMatch"), ("unknown_key", "InvalidAccessKeyId")]
)
def test_seaweed_refuses_bad_credentials(seaweed: SeaweedS3, which: str, code: str) -> None:
    creds = {
        "wrong_secret": S3Credentials(seaweed.admin.access_key, "not-the-secret"),
        "unknown_key": S3Credentials("nobody", "whatever"),
    }[which]
    with pytest.raises(S3Error) as refused:
        seaweed.minio(creds).list_buckets()
    assert refused.value.code == code


def test_seaweed_reader_reads_but_cannot_write(seaweed: SeaweedS3, unique_bucket_prefix: str) -> None:
    bucket = f"{unique_bucket_prefix}-ro"
    seaweed.minio().make_bucket(bucket)
    seaweed.minio().put_object(bucket, "a.txt", io.BytesIO(b"hi"), 2)
    reader = seaweed.minio(seaweed.reader)

    assert reader.get_object(bucket, "a.txt").read() == b"hi"
    assert [o.object_name for o in reader.list_objects(bucket)] == ["a.txt"]
    for write in (
        lambda: reader.put_object(bucket, "b.txt", io.BytesIO(b"x"), 1),
        lambda: reader.remove_object(bucket, "a.txt"),
        lambda: reader.make_bucket(f"{unique_bucket_prefix}-new"),
    ):
        with pytest.raises(S3Error) as denied:
            write()
        assert denied.value.code == "AccessDenied"


def test_seaweed_behaves_like_aws_on_missing_and_non_empty_buckets(
    seaweed: SeaweedS3, unique_bucket_prefix: str
) -> None:
    client = seaweed.minio()
    with pytest.raises(S3Error) as no_bucket:
        client.put_object(f"{unique_bucket_prefix}-absent", "a", io.BytesIO(b"x"), 1)
    assert no_bucket.value.code == "NoSuchBucket"
    bucket = f"{unique_bucket_prefix}-full"
    client.make_bucket(bucket)
    client.put_object(bucket, "a", io.BytesIO(b"x"), 1)
    with pytest.raises(S3Error) as not_empty:
        client.remove_bucket(bucket)
    assert not_empty.value.code == "BucketNotEmpty"


def test_seaweed_fresh_keeps_objects_and_multipart_uploads_across_a_kill(seaweed_fresh: SeaweedS3) -> None:
    client = seaweed_fresh.minio()
    client.make_bucket("crash")
    client.put_object("crash", "kept.txt", io.BytesIO(b"still here"), 10)
    parts = [bytes([i]) * (5 * MIB) for i in (1, 2)] + [b"tail"]
    body = b"".join(parts)
    upload_id = client._create_multipart_upload(
        "crash", "big.bin", {"x-amz-meta-sha256": hashlib.sha256(body).hexdigest()}
    )
    client._upload_part("crash", "big.bin", parts[0], None, upload_id, 1)
    client._upload_part("crash", "big.bin", parts[1], None, upload_id, 2)
    ports = seaweed_fresh.ports

    seaweed_fresh.kill()
    assert not seaweed_fresh.running
    seaweed_fresh.restart()
    assert seaweed_fresh.ports == ports

    client = seaweed_fresh.minio()
    assert client.get_object("crash", "kept.txt").read() == b"still here"
    uploads = client._list_multipart_uploads("crash").uploads
    assert [(u.object_name, u.upload_id) for u in uploads] == [("big.bin", upload_id)]
    listed = client._list_parts("crash", "big.bin", upload_id).parts
    assert [(p.part_number, p.size) for p in listed] == [(1, 5 * MIB), (2, 5 * MIB)]
    etag = client._upload_part("crash", "big.bin", parts[2], None, upload_id, 3)
    client._complete_multipart_upload(
        "crash", "big.bin", upload_id, [Part(p.part_number, p.etag) for p in listed] + [Part(3, etag)]
    )
    assert client.get_object("crash", "big.bin").read() == body
    stat = client.stat_object("crash", "big.bin")
    assert stat.metadata is not None and stat.metadata["x-amz-meta-sha256"] == hashlib.sha256(body).hexdigest()


def test_moto_round_trips_an_object(moto_s3: MotoS3, unique_bucket_prefix: str) -> None:
    client = moto_s3.minio()
    client.make_bucket(unique_bucket_prefix)
    client.put_object(unique_bucket_prefix, "k", io.BytesIO(b"moto"), 4, metadata={"x-amz-meta-a": "b"})
    assert client.get_object(unique_bucket_prefix, "k").read() == b"moto"
    stat = client.stat_object(unique_bucket_prefix, "k")
    assert stat.metadata is not None and stat.metadata["x-amz-meta-a"] == "b"

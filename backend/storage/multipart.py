"""Multipart uploads that resume: a killed or cancelled upload continues with the parts it has not sent.

The upload id of an unfinished upload is kept in ``<state>/uploads/<hash of bucket/object>.json`` with the
file's size, SHA-256 and part size. On the next attempt of the same bytes to the same object, ``ListParts``
says which parts the server holds; a part is skipped when its ETag is the MD5 of our part (what S3 and
MinIO return for a part), so a part the server holds with other bytes is sent again. Parts go up
``parallel`` at a time.

Each part carries a CRC32 (``x-amz-checksum-crc32``) that the server checks, declared when the upload is created
and listed again at completion, as S3's flexible checksums require (boto3 does the same). Not Content-MD5: MD5
runs at ~0.6 GB/s on one core against CRC32's ~3.5, and on a CPU-bound link that was a tenth of the push's time.
The SDK adds its own per-request hash (SHA-256 signed over plain HTTP, Content-MD5 over HTTPS).

The minio SDK's public ``put_object`` cannot resume and its ``_complete_multipart_upload`` cannot list part
checksums; its multipart calls (``_create_multipart_upload``, ``_upload_part``, ``_list_parts``, ``_execute``) are
private, so the SDK is pinned.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from minio import Minio
from minio.datatypes import CompleteMultipartUploadResult
from minio.error import S3Error
from minio.helpers import DictType
from minio.xml import Element, SubElement, getbytes

from backend.storage.futures import next_done
from backend.storage.remote_config import write_private_file

#: S3 allows at most 10,000 parts; larger files get larger parts
MAX_PARTS = 10_000
#: the checksum every part carries (S3's name for it, as declared at CreateMultipartUpload)
PART_CHECKSUM = "CRC32"


def crc32_of(data: bytes) -> str:
    """A part's CRC32 as S3 spells it: base64 of the four big-endian bytes."""
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


@dataclass(frozen=True)
class UploadState:
    bucket: str
    object_name: str
    upload_id: str
    size: int
    sha256: str
    part_size: int
    #: the part checksum the upload was created with ("" for uploads begun before parts had one)
    checksum: str = ""


@dataclass(frozen=True)
class SentPart:
    """A part on the server: what completing the upload names (``sent`` is False for one already there)."""

    number: int
    etag: str
    crc32: str
    sent: bool


def part_size_for(size: int, base: int) -> int:
    part = base
    while (size + part - 1) // part > MAX_PARTS:
        part *= 2
    return part


class MultipartUploader:
    def __init__(self, client: Minio, state_dir: Path, *, part_size: int, slots: threading.Semaphore) -> None:
        self.client = client
        #: shared by every upload of this uploader: a part holds one while its bytes are in memory
        self.slots = slots
        self.state_dir = state_dir
        self.part_size = part_size
        #: parts really sent by this uploader (skipped parts the server already held are not counted)
        self.sent_parts = 0

    def _state_path(self, bucket: str, object_name: str) -> Path:
        return self.state_dir / f"{hashlib.sha256(f'{bucket}/{object_name}'.encode()).hexdigest()[:32]}.json"

    def _load(self, bucket: str, object_name: str) -> UploadState | None:
        path = self._state_path(bucket, object_name)
        try:
            return UploadState(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def pending(self, bucket: str, object_name: str) -> UploadState | None:
        """The unfinished upload to this object that a next attempt would continue, if any."""
        return self._load(bucket, object_name)

    def _abort(self, state: UploadState) -> None:
        """Free the server of an unfinished upload's parts (best effort: a lifecycle rule catches the rest)."""
        try:
            self.client._abort_multipart_upload(state.bucket, state.object_name, state.upload_id)
        except S3Error:
            pass

    def _server_parts(self, state: UploadState) -> dict[int, str]:
        """Part number -> ETag of what the server holds; empty when the upload is gone."""
        parts: dict[int, str] = {}
        marker: str | None = None
        try:
            while True:
                result = self.client._list_parts(
                    state.bucket, state.object_name, state.upload_id, part_number_marker=marker
                )
                for part in result.parts:
                    parts[part.part_number] = part.etag.strip('"')
                if not result.is_truncated or not result.next_part_number_marker:
                    return parts
                marker = result.next_part_number_marker
        except S3Error as error:
            if error.code in ("NoSuchUpload", "NoSuchKey"):
                return {}
            raise

    def upload(
        self,
        bucket: str,
        object_name: str,
        path: Path,
        *,
        size: int,
        sha256: str,
        metadata: dict[str, str],
        on_bytes: Callable[[int], None] | None = None,
        check: Callable[[], None] | None = None,
        parallel: int = 8,
    ) -> str:
        """Upload ``path`` (``size`` bytes with ``sha256``) as ``bucket/object_name``; return the object's ETag."""
        part_size = part_size_for(size, self.part_size)
        state = self._load(bucket, object_name)
        held: dict[int, str] = {}
        wanted = (size, sha256, part_size, PART_CHECKSUM)
        if state is not None and (state.size, state.sha256, state.part_size, state.checksum) == wanted:
            held = self._server_parts(state)
            if not held:
                state = None  # the server no longer knows it: start again
        elif state is not None:
            self._abort(state)  # other bytes (or no part checksums) then: the old upload's parts are of no use
            state = None
        if state is None:
            headers: DictType = {
                "Content-Type": "application/octet-stream",
                "x-amz-checksum-algorithm": PART_CHECKSUM,
            }
            headers.update(metadata)
            upload_id = self.client._create_multipart_upload(bucket, object_name, headers)
            state = UploadState(bucket, object_name, upload_id, size, sha256, part_size, PART_CHECKSUM)
            write_private_file(self._state_path(bucket, object_name), json.dumps(asdict(state)).encode())
        count = max(1, (size + part_size - 1) // part_size)
        parts: dict[int, SentPart] = {}
        fd = os.open(path, os.O_RDONLY)
        try:

            def send(number: int) -> SentPart:
                offset = (number - 1) * part_size
                with self.slots:
                    data = os.pread(fd, min(part_size, size - offset), offset)
                    crc32 = crc32_of(data)
                    if number in held and held[number] == hashlib.md5(data).hexdigest():
                        return SentPart(number, held[number], crc32, sent=False)  # on the server with these bytes
                    if check:
                        check()
                    headers: DictType = {f"x-amz-checksum-{PART_CHECKSUM.lower()}": crc32}
                    etag = self.client._upload_part(bucket, object_name, data, headers, state.upload_id, number)
                    return SentPart(number, etag.strip('"'), crc32, sent=True)

            with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="s3-part") as pool:
                in_flight: set[Future[SentPart]] = set()
                for number in range(1, count + 1):
                    if len(in_flight) >= parallel:
                        done, in_flight = next_done(in_flight)
                        self._collect(done, parts, on_bytes, size, part_size)
                    in_flight.add(pool.submit(send, number))
                while in_flight:
                    done, in_flight = next_done(in_flight)
                    self._collect(done, parts, on_bytes, size, part_size)
        finally:
            os.close(fd)
        etag = self._complete(state, [parts[number] for number in range(1, count + 1)])
        self._state_path(bucket, object_name).unlink(missing_ok=True)
        return etag

    def _complete(self, state: UploadState, parts: list[SentPart]) -> str:
        """CompleteMultipartUpload naming each part's ETag and checksum; the object's ETag."""
        element = Element("CompleteMultipartUpload")
        for part in parts:
            tag = SubElement(element, "Part")
            SubElement(tag, "PartNumber", str(part.number))
            SubElement(tag, "ETag", f'"{part.etag}"')
            SubElement(tag, f"Checksum{PART_CHECKSUM}", part.crc32)
        response = self.client._execute(
            "POST",
            state.bucket,
            state.object_name,
            body=getbytes(element),
            headers={"Content-Type": "application/xml"},  # the SDK adds the body's hash, as for any request
            query_params={"uploadId": state.upload_id},
        )
        return str(CompleteMultipartUploadResult(response).etag or "").strip('"')

    def _collect(
        self,
        done: set[Future[SentPart]],
        parts: dict[int, SentPart],
        on_bytes: Callable[[int], None] | None,
        size: int,
        part_size: int,
    ) -> None:
        for future in done:
            part = future.result()  # re-raises a part's failure
            parts[part.number] = part
            if part.sent:
                self.sent_parts += 1
            if on_bytes:
                on_bytes(min(part_size, size - (part.number - 1) * part_size))


def multipart_etag(part_md5s: list[bytes]) -> str:
    """The ETag S3 gives an object made of parts with these MD5 digests."""
    if len(part_md5s) == 1:
        return part_md5s[0].hex()
    return f"{hashlib.md5(b''.join(part_md5s)).hexdigest()}-{len(part_md5s)}"

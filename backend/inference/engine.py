"""ONNX Runtime sessions for restoration models: the best provider that actually initialises, graph
optimisations on, threads sized to the machine, one cached session per model and provider.

ONNX Runtime's own fallback is silent: asked for ``[CUDA, CPU]`` on a machine whose CUDA libraries are
missing, it logs to stderr and quietly runs on the CPU. So each provider is tried on its own (with the CPU
as ORT's fallback), ``session.get_providers()`` says whether it was taken, and a provider that was not is
reported as a warning — or, when it was required, as an error (``ProviderUnavailable``). A machine that shows
no NVIDIA GPU at all (``nvidia_gpu_present``) is not offered the GPU providers a GPU build lists: trying them
would only add a warning to every run of a CPU-only laptop.

Import this module only in worker processes: it imports onnxruntime.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from omni_core.errors import FailedPrecondition
from omni_core.providers import CPU, CUDA, GPU_PROVIDERS, PREFERENCE, TENSORRT

#: messages ONNX Runtime, CUDA, cuDNN and numpy use for an allocation that failed
_OOM_MARKERS = (
    "out of memory",
    "failed to allocate",
    "bad_alloc",
    "alloc_failed",
    "memoryallocation",
    "cuda_error_out_of_memory",
)


class ProviderUnavailable(FailedPrecondition):
    """A required execution provider could not be initialised (a FAILED_PRECONDITION for the client)."""


@dataclass(frozen=True)
class EngineOptions:
    #: an ONNX Runtime provider name that must be used (no fallback), or "" for the best available
    require_provider: str = ""
    #: intra-op threads; 0 = the cores this process may run on, shared among ``parallel_runs``
    threads: int = 0
    #: network calls the caller runs at once (``Restorer(streams=...)``). On a CPU, one single-threaded call per
    #: core restores more than one call spread over the cores: the small convolutions of our networks leave a
    #: thread pool waiting at every operator (2 cores, bare, median of 4-6 rounds: layer 1 mini on 1356x1524 tiles
    #: 3.57 vs 2.55 MP/s, at 1024 px 3.74 vs 3.29; layer 2 mini at 768 px 0.60 vs 0.44)
    parallel_runs: int = 1
    #: let idle ORT threads spin: a little faster alone, but steals the cores decoding/encoding need
    spin: bool = False
    #: None = I/O binding on GPU providers only; True/False forces it (tests use it on the CPU)
    io_binding: bool | None = None
    #: where TensorRT keeps built engines between runs (building one takes minutes)
    cache_dir: Path | None = None


@dataclass
class Engine:
    """One ONNX Runtime session of a restoration model: NxCxHxW float32 in [0, 1] -> same shape."""

    session: Any
    provider: str
    warnings: list[str] = field(default_factory=list)
    input_name: str = "input"
    output_name: str = "output"
    channels: int = 3
    io_binding: bool = False
    model_path: str = ""
    parallel_runs: int = 1  # as opened for (``EngineOptions.parallel_runs``)

    @property
    def device(self) -> str:
        return "cuda" if self.provider in GPU_PROVIDERS else "cpu"

    def run(self, batch: np.ndarray) -> np.ndarray:
        """Run one batch; thread-safe (ONNX Runtime sessions are)."""
        batch = np.ascontiguousarray(batch, dtype=np.float32)
        if self.io_binding:
            return self._run_bound(batch)
        return self.session.run([self.output_name], {self.input_name: batch})[0]  # type: ignore[no-any-return]

    def _run_bound(self, batch: np.ndarray) -> np.ndarray:
        """Input copied to the device once, output allocated there by ORT, copied back once: no
        intermediate host buffers or per-call re-allocations of the output."""
        binding = self.session.io_binding()
        value = ort.OrtValue.ortvalue_from_numpy(batch, self.device, 0)
        binding.bind_ortvalue_input(self.input_name, value)
        binding.bind_output(self.output_name, self.device, 0)
        self.session.run_with_iobinding(binding)
        return binding.copy_outputs_to_cpu()[0]  # type: ignore[no-any-return]


def machine_cores() -> int:
    """Cores this process may use (respects CPU affinity and container cpusets)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def is_out_of_memory(error: BaseException) -> bool:
    """True for an allocation failure (host or device), the one error a smaller tile can fix."""
    if isinstance(error, MemoryError):
        return True
    text = str(error).lower()
    return any(marker in text for marker in _OOM_MARKERS)


def session_options(options: EngineOptions, *, cpu: bool = True) -> Any:
    """``cpu``: the session runs on the CPU provider only. There the memory pattern is off: with it, each new
    input shape is run twice on fresh memory before the pattern is reused (the first-touch page faults cost
    ~0.4 s a run on a 4 MP tile) and the planned block comes on top of the arena, nearly doubling the peak
    (measured, 2 cores: a 2016x2024 layer 1 tile 2.0 -> 1.06 GB, layer 2 mini at 1024 px 2.07 -> 1.51 GB, the
    same speed once warm, one slow run per shape instead of two)."""
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.enable_mem_pattern = not cpu
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.intra_op_num_threads = options.threads or max(1, machine_cores() // max(1, options.parallel_runs))
    so.inter_op_num_threads = 1
    so.log_severity_level = 3  # errors only; provider failures are reported by us, with their reason
    so.add_session_config_entry("session.intra_op.allow_spinning", "1" if options.spin else "0")
    return so


def _provider_entry(provider: str, options: EngineOptions) -> Any:
    if provider == TENSORRT and options.cache_dir is not None:
        options.cache_dir.mkdir(parents=True, exist_ok=True)
        cache = str(options.cache_dir)
        return (
            provider,
            {
                "trt_engine_cache_enable": True,
                "trt_engine_cache_path": cache,
                "trt_timing_cache_enable": True,
                "trt_timing_cache_path": cache,
            },
        )
    if provider == CUDA:
        # grow the arena by what is asked, not by powers of two: a halved tile then really needs less
        return (provider, {"arena_extend_strategy": "kSameAsRequested", "cudnn_conv_algo_search": "HEURISTIC"})
    return provider


@contextlib.contextmanager
def _captured_native_output() -> Iterator[list[str]]:
    """Collect what ONNX Runtime's C++ side prints to fds 1/2 while a session is created (the only
    place it says *why* a provider failed); the text is handed back in the list."""
    lines: list[str] = []
    python_side = io.StringIO()  # ORT's Python wrapper prints its own fallback notice
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with tempfile.TemporaryFile(mode="w+b") as capture, contextlib.redirect_stdout(python_side):
        try:
            os.dup2(capture.fileno(), 1)
            os.dup2(capture.fileno(), 2)
            yield lines
        finally:
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            capture.seek(0)
            lines.extend(capture.read().decode(errors="replace").splitlines())
            lines.extend(python_side.getvalue().splitlines())


def failure_reason(provider: str, lines: list[str]) -> str:
    """The most telling line ONNX Runtime printed about ``provider`` failing, shortened."""
    for pattern in (r"with error: (.+)$", r"(Failed to create \w+.*?)(?: Please|$)", r"EP Error (.+?) when using"):
        for line in lines:
            match = re.search(pattern, line)
            if match:
                return match.group(1).strip()[:300]
    return "no reason given by ONNX Runtime"


def _create(model_path: Path, provider: str, options: EngineOptions) -> tuple[Any, list[str]]:
    providers = [_provider_entry(provider, options)]
    if provider != CPU:
        providers.append(CPU)
    with _captured_native_output() as lines:
        session = ort.InferenceSession(
            str(model_path), session_options(options, cpu=provider == CPU), providers=providers
        )
    return session, lines


def nvidia_gpu_present() -> bool:
    """Whether this machine shows an NVIDIA GPU to its processes: on Linux the driver's /proc entry or a
    /dev/nvidiaN node (what a container with a GPU passed through has too). Elsewhere nothing this cheap says
    so: a GPU may be there and a session tries."""
    if not sys.platform.startswith("linux"):
        return True
    return Path("/proc/driver/nvidia/version").exists() or any(Path("/dev").glob("nvidia[0-9]*"))


def _select(model_path: Path, options: EngineOptions) -> tuple[Any, str, list[str]]:
    available = ort.get_available_providers()
    if not options.require_provider and not nvidia_gpu_present():
        available = [name for name in available if name not in GPU_PROVIDERS]
    required = options.require_provider
    if required and required not in available:
        raise ProviderUnavailable(
            f"require_provider: this ONNX Runtime build has no {required} (it has {', '.join(available)})"
        )
    candidates = [required] if required else [name for name in PREFERENCE if name in available]
    failures: list[tuple[str, str]] = []
    fallback: Any = None  # the CPU session ORT made when a GPU provider failed: reused, not rebuilt
    for provider in candidates:
        if provider == CPU and fallback is not None:
            return fallback, CPU, _warnings(failures, CPU)
        session, lines = _create(model_path, provider, options)
        used = session.get_providers()[0]
        if used == provider:
            return session, provider, _warnings(failures, provider)
        reason = failure_reason(provider, lines)
        if required:
            raise ProviderUnavailable(
                f"require_provider: {provider} could not be initialised ({reason}); ONNX Runtime would have "
                f"fallen back to {used}. Fix the GPU setup (driver, CUDA and cuDNN libraries) or drop "
                "--require-provider to run on what is available."
            )
        failures.append((provider, reason))
        if used == CPU:
            fallback = session
    if fallback is not None:
        return fallback, CPU, _warnings(failures, CPU)
    raise FailedPrecondition(f"no ONNX Runtime execution provider could run {model_path.name}")


def _warnings(failures: list[tuple[str, str]], used: str) -> list[str]:
    return [f"{provider} could not be initialised ({reason}); running on {used}" for provider, reason in failures]


def _channels(session: Any) -> int:
    shape = session.get_inputs()[0].shape
    return shape[1] if len(shape) == 4 and isinstance(shape[1], int) else 3


_CACHE: dict[tuple[str, int, int, EngineOptions], Engine] = {}
_CACHE_LOCK = threading.Lock()


def open_engine(model_path: Path, options: EngineOptions | None = None) -> Engine:
    """The session for ``model_path`` under ``options``, created once per process and reused."""
    options = options or EngineOptions()
    path = Path(model_path).resolve()
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size, options)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        session, provider, warnings = _select(path, options)
        binding = provider in GPU_PROVIDERS if options.io_binding is None else options.io_binding
        engine = Engine(
            session=session,
            provider=provider,
            warnings=warnings,
            input_name=session.get_inputs()[0].name,
            output_name=session.get_outputs()[0].name,
            channels=_channels(session),
            io_binding=binding,
            model_path=str(path),
            parallel_runs=max(1, options.parallel_runs),
        )
        _CACHE[key] = engine
        return engine


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()

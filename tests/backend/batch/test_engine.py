"""The ONNX Runtime engine on this CPU-only machine: the GPU providers ONNX Runtime lists are not tried where no GPU
shows; where one is assumed, they fail to start, the engine says so (with ORT's reason) and runs on the CPU;
requiring one is a clear error; sessions are cached; I/O binding gives the same numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from omni_core.errors import InvalidArgument
from omni_core.providers import CPU, CUDA, provider_name


def test_a_machine_without_a_gpu_runs_on_the_cpu_without_trying_the_gpu_providers(tiny_onnx: Path) -> None:
    from backend.inference.engine import nvidia_gpu_present, open_engine

    assert not nvidia_gpu_present()  # this machine has no GPU
    engine = open_engine(tiny_onnx)
    assert engine.provider == CPU == engine.session.get_providers()[0]
    assert engine.warnings == []  # nothing to warn a CPU-only machine about
    # no memory pattern on the CPU: it doubled the peak and ran each new shape twice on fresh memory
    assert engine.session.get_session_options().enable_mem_pattern is False


def test_gpu_sessions_keep_the_memory_pattern() -> None:
    from backend.inference.engine import EngineOptions, session_options

    assert session_options(EngineOptions(), cpu=False).enable_mem_pattern is True
    assert session_options(EngineOptions()).enable_mem_pattern is False


def test_best_provider_falls_back_to_cpu_and_says_why(tiny_onnx: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where a GPU shows but its libraries are missing (here: this GPU build of ORT without CUDA libraries,
    the GPU's presence assumed), each listed GPU provider is tried and the reason it failed is said."""
    import onnxruntime as ort

    from backend.inference import engine as engine_module
    from backend.inference.engine import EngineOptions, open_engine

    monkeypatch.setattr(engine_module, "nvidia_gpu_present", lambda: True)
    engine_module.clear_cache()
    engine = open_engine(tiny_onnx, EngineOptions(threads=1))
    assert engine.provider == CPU == engine.session.get_providers()[0]
    listed_gpus = [name for name in ort.get_available_providers() if name != CPU]
    assert len(engine.warnings) == len(listed_gpus)
    for name, warning in zip(listed_gpus, engine.warnings, strict=True):
        assert warning.startswith(f"{name} could not be initialised (") and warning.endswith(f"running on {CPU}")
        assert "no reason given" not in warning  # ORT's own words (a missing library) are carried over
    assert open_engine(tiny_onnx, EngineOptions(threads=1)) is engine  # cached per model and options
    assert engine.channels == 3


def test_required_provider_that_cannot_start_is_an_error(tiny_onnx: Path) -> None:
    from backend.inference.engine import EngineOptions, ProviderUnavailable, open_engine

    with pytest.raises(ProviderUnavailable) as caught:
        open_engine(tiny_onnx, EngineOptions(require_provider=CUDA))
    message = caught.value.message
    assert message.startswith(f"require_provider: {CUDA} could not be initialised (")
    assert "would have fallen back to CPUExecutionProvider" in message
    assert caught.value.status == "FAILED_PRECONDITION"
    assert open_engine(tiny_onnx, EngineOptions(require_provider=CPU)).provider == CPU


def test_io_binding_and_plain_run_agree(tiny_onnx: Path) -> None:
    from backend.inference.engine import EngineOptions, open_engine

    plain = open_engine(tiny_onnx)
    bound = open_engine(tiny_onnx, EngineOptions(io_binding=True))
    assert bound is not plain and bound.io_binding and not plain.io_binding
    batch = np.random.default_rng(1).random((2, 3, 40, 56), dtype=np.float32)
    np.testing.assert_array_equal(bound.run(batch), plain.run(batch))


def test_provider_names_and_out_of_memory_errors() -> None:
    from backend.inference.engine import is_out_of_memory

    assert provider_name("cuda") == CUDA and provider_name("CPUExecutionProvider") == CPU and provider_name("") == ""
    with pytest.raises(InvalidArgument, match="require_provider: unknown execution provider 'rocm'"):
        provider_name("rocm")
    assert is_out_of_memory(MemoryError())
    assert is_out_of_memory(RuntimeError("[ONNXRuntimeError] : 6 : Failed to allocate memory for requested buffer"))
    assert is_out_of_memory(RuntimeError("CUDA failure 2: out of memory"))
    assert not is_out_of_memory(RuntimeError("Invalid input shape"))

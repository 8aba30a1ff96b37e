"""ConnectionModel and SystemSummary, without Qt."""

from __future__ import annotations

from pathlib import Path

from desktop.client import BackendTarget
from desktop.models import ConnectionModel, ConnectionState, SystemSummary
from protos.omni.v1 import system_pb2, tokens_pb2

INFO = system_pb2.SystemInfo(
    version="0.1.0",
    api_version="omni.v1",
    hostname="gpu-1",
    cpu_count=16,
    cpu_model="AMD EPYC",
    memory_total_bytes=64 * 1024**3,
    memory_available_bytes=48 * 1024**3,
    gpus=[system_pb2.GpuInfo(name="NVIDIA A10", memory_total_bytes=24 * 1024**3, driver="550.1")],
    onnxruntime_providers=["CUDAExecutionProvider", "CPUExecutionProvider"],
    onnxruntime_version="1.20.0",
    torch_version="2.14.1",
    workspace="/srv/omni",
    storage="local:/srv/omni",
    auth_required=True,
    tls=True,
    host_paths_allowed=False,
    max_concurrent_jobs=2,
    disk_free_bytes=100 * 1024**3,
)


def test_summary_reads_well() -> None:
    summary = SystemSummary.from_proto(INFO)
    rows = dict(summary.rows())
    assert rows["Version"] == "omni-studio 0.1.0 (API omni.v1)"
    assert rows["CPU"] == "16 cores, AMD EPYC"
    assert rows["Memory"] == "48.0 GiB free of 64.0 GiB"
    assert rows["GPUs"] == "NVIDIA A10 (24.0 GiB, driver 550.1)"
    assert rows["ONNX Runtime"] == "1.20.0 (CUDA, CPU)"
    assert rows["Security"] == "token, TLS"
    named = system_pb2.SystemInfo(auth_required=True, caller_token="alice", caller_role=tokens_pb2.ROLE_ANNOTATOR)
    assert dict(SystemSummary.from_proto(named).rows())["Security"] == "token 'alice' (annotator), no TLS"
    assert "outputs must stay inside" in rows["Workspace"]
    assert summary.gpu_short == "NVIDIA A10"


def test_summary_of_a_bare_machine() -> None:
    summary = SystemSummary.from_proto(system_pb2.SystemInfo(cpu_count=2))
    assert summary.gpus == "none"
    assert summary.gpu_short == "no GPU"
    assert summary.torch == "not installed"
    assert summary.onnxruntime == "not installed"


def test_state_transitions_fire_changed_and_read_in_the_status_bar() -> None:
    model = ConnectionModel()
    changes: list[ConnectionState] = []
    model.changed.connect(lambda: changes.append(model.state))
    assert model.status_text() == "Not connected"

    model.set_connecting(None, "Starting backend…", embedded=True)
    assert model.status_text() == "Starting backend…"
    target = BackendTarget("127.0.0.1:5000", token="t")
    model.set_connected(target, INFO)
    assert model.connected
    text = model.status_text()
    assert "127.0.0.1:5000 (embedded)" in text
    assert "NVIDIA A10" in text
    assert "token, no TLS" in text  # what we use, not what the server reports

    model.set_error("the backend at 127.0.0.1:5000 is not reachable")
    assert model.state is ConnectionState.ERROR
    assert model.system is not None  # kept for reference while reconnecting
    model.set_restored()
    assert model.connected and model.error == ""
    model.set_disconnected()
    assert changes == [
        ConnectionState.CONNECTING,
        ConnectionState.CONNECTED,
        ConnectionState.ERROR,
        ConnectionState.CONNECTED,
        ConnectionState.DISCONNECTED,
    ]


def test_security_text_for_a_custom_ca() -> None:
    model = ConnectionModel()
    model.set_connecting(BackendTarget("h:1", tls_ca=Path("/ca.pem")), "Connecting…")
    assert model.security_text() == "no token, TLS (custom CA)"

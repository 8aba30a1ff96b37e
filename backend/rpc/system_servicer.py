"""The System service: version, host and accelerator facts, workspace."""

from __future__ import annotations

import time
from dataclasses import asdict

import grpc

from backend.rpc.caller import current_caller
from backend.settings import ServerSettings
from backend.storage.remote_config import load_config
from backend.system_info import AcceleratorProbe, host_info
from backend.tokens.roles import Role
from backend.workspace import Workspace
from omni_core.errors import OmniError
from protos.omni.v1 import system_pb2, system_pb2_grpc, tokens_pb2

PROBE_WAIT_S = 5.0


class SystemServicer(system_pb2_grpc.SystemServicer):
    def __init__(self, settings: ServerSettings, workspace: Workspace, max_concurrent_jobs: int) -> None:
        self.settings = settings
        self.workspace = workspace
        self.max_concurrent_jobs = max_concurrent_jobs
        self.started = time.monotonic()
        self.probe = AcceleratorProbe()

    def _storage(self) -> str:
        """The working copy, and the remote it shares through (its location only: never a key)."""
        local = self.workspace.store.describe()
        try:
            remote = load_config(self.workspace.state_dir)
        except OmniError as error:
            return f"{local}; remote: unreadable configuration ({error.message})"
        return f"{local}; remote {remote.describe()}" if remote else local

    def GetSystemInfo(
        self, request: system_pb2.GetSystemInfoRequest, context: grpc.ServicerContext
    ) -> system_pb2.SystemInfo:
        host = host_info(str(self.workspace.root))
        caller = current_caller()
        accel = self.probe.info(wait_s=PROBE_WAIT_S)
        return system_pb2.SystemInfo(
            **asdict(host),
            api_version="omni.v1",
            gpus=[system_pb2.GpuInfo(**asdict(gpu)) for gpu in accel.gpus],
            onnxruntime_providers=accel.onnxruntime_providers,
            onnxruntime_version=accel.onnxruntime_version,
            workspace=str(self.workspace.root),
            storage=self._storage(),
            auth_required=bool(self.settings.token),
            tls=self.settings.tls,
            host_paths_allowed=self.workspace.host_paths_allowed,
            uptime_seconds=time.monotonic() - self.started,
            max_concurrent_jobs=self.max_concurrent_jobs,
            caller_token=caller.name if caller is not None else "",
            caller_role=tokens_pb2.Role.Name(int(caller.role if caller is not None else Role.ADMIN)),
        )

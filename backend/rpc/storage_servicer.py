"""The Storage service: the workspace's remote (set, show, check, unset) and the sync status."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import cast

import grpc
from google.protobuf.json_format import MessageToDict

from backend.storage import credentials
from backend.storage.check import CheckResult, check_remote
from backend.storage.remote import require_remote
from backend.storage.remote_config import (
    LAYOUT_BUCKETS,
    LAYOUT_PREFIX,
    RemoteConfig,
    checked,
    load_config,
    remove_config,
    save_config,
)
from backend.storage.s3 import S3Store
from backend.sync.jobs import check_selection, selection_of
from backend.sync.scope import scoped_status
from backend.sync.status import SyncState
from backend.workspace import Workspace
from omni_core.errors import FailedPrecondition, PermissionDenied
from protos.omni.v1 import storage_pb2, storage_pb2_grpc

_LAYOUTS = {
    storage_pb2.REMOTE_LAYOUT_UNSPECIFIED: "",
    storage_pb2.REMOTE_LAYOUT_BUCKETS: LAYOUT_BUCKETS,
    storage_pb2.REMOTE_LAYOUT_PREFIX: LAYOUT_PREFIX,
}
_LAYOUT_ENUMS = {name: value for value, name in _LAYOUTS.items() if name}


def remote_to_proto(config: RemoteConfig | None, store: S3Store | None = None) -> storage_pb2.RemoteConfig:
    if config is None:
        return storage_pb2.RemoteConfig(configured=False)
    message = storage_pb2.RemoteConfig(
        configured=True,
        url=config.url,
        endpoint=config.endpoint,
        region=config.region,
        layout=_LAYOUT_ENUMS[config.layout],
        bucket_prefix=config.bucket_prefix,
        insecure_tls=config.insecure_tls,
        locations=config.locations(),
        profile=config.profile,
        credentials_file=config.credentials_file,
    )
    if store is not None:
        message.credentials_source = store.credentials.source
        message.access_key_hint = store.credentials.hint
    return message


def check_to_proto(result: CheckResult, remote: storage_pb2.RemoteConfig) -> storage_pb2.RemoteCheck:
    return storage_pb2.RemoteCheck(
        ok=result.ok,
        remote=remote,
        steps=[
            storage_pb2.RemoteCheckStep(
                name=step.name,
                ok=step.ok,
                detail=step.detail,
                millis=step.millis,
                problem=cast(storage_pb2.RemoteProblem, int(step.problem)),
            )
            for step in result.steps
        ],
        round_trip_ms=result.round_trip_ms,
        problem=cast(storage_pb2.RemoteProblem, int(result.problem)),
    )


class StorageServicer(storage_pb2_grpc.StorageServicer):
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._lock = threading.Lock()  # one change of the remote at a time

    @property
    def _state(self) -> Path:
        return self.workspace.state_dir

    def _describe(self) -> storage_pb2.RemoteConfig:
        config = load_config(self._state)
        if config is None:
            return remote_to_proto(None)
        try:
            store = S3Store(config, credentials.resolve(config, self._state), state_dir=self._state)
        except FailedPrecondition:
            message = remote_to_proto(config)
            message.credentials_source = "none found"
            return message
        return remote_to_proto(config, store)

    def GetRemote(
        self, request: storage_pb2.GetRemoteRequest, context: grpc.ServicerContext
    ) -> storage_pb2.RemoteConfig:
        return self._describe()

    def SetRemote(
        self, request: storage_pb2.SetRemoteRequest, context: grpc.ServicerContext
    ) -> storage_pb2.RemoteConfig:
        config = checked(
            RemoteConfig(
                url=request.url,
                endpoint=request.endpoint.strip(),
                region=request.region.strip(),
                layout=_LAYOUTS.get(request.layout, ""),
                bucket_prefix=request.bucket_prefix.strip(),
                insecure_tls=request.insecure_tls,
                profile=request.profile.strip(),
                credentials_file=request.credentials_file.strip(),
            )
        )
        if config.credentials_file:
            if not self.workspace.host_paths_allowed:
                raise PermissionDenied(
                    "credentials_file: a backend reachable beyond loopback reads no files named by a client; give "
                    "the keys with the request, or set OMNI_S3_* in the backend's environment"
                )
            credentials.check_credentials_file(config.credentials_file)
        with self._lock:
            if request.access_key_id or request.secret_access_key:
                credentials.save_workspace_keys(
                    self._state, request.access_key_id, request.secret_access_key, request.session_token
                )
            credentials.resolve(config, self._state)  # refuse a remote nobody can sign for
            save_config(self._state, config)
        return self._describe()

    def UnsetRemote(
        self, request: storage_pb2.UnsetRemoteRequest, context: grpc.ServicerContext
    ) -> storage_pb2.UnsetRemoteResponse:
        with self._lock:
            remove_config(self._state)
            credentials.remove_workspace_keys(self._state)
        return storage_pb2.UnsetRemoteResponse()

    def CheckRemote(
        self, request: storage_pb2.CheckRemoteRequest, context: grpc.ServicerContext
    ) -> storage_pb2.RemoteCheck:
        config = load_config(self._state)
        if config is None:
            raise FailedPrecondition(
                "this workspace has no remote; set one with omni remote set s3://...", field="remote"
            )
        result = check_remote(config, lambda: require_remote(self._state), create_buckets=request.create_buckets)
        return check_to_proto(result, self._describe())

    def SyncStatus(
        self, request: storage_pb2.SyncStatusRequest, context: grpc.ServicerContext
    ) -> storage_pb2.SyncStatusResponse:
        selection = check_selection(selection_of(MessageToDict(request.selection, preserving_proto_field_name=True)))
        store = require_remote(self._state)
        _, status = scoped_status(self.workspace, store, selection)
        response = storage_pb2.SyncStatusResponse(
            remote=self._describe(),
            local_only=status.count(SyncState.LOCAL_ONLY),
            remote_only=status.count(SyncState.REMOTE_ONLY),
            same=status.count(SyncState.SAME),
            different=status.count(SyncState.DIFFERENT),
            seconds=status.seconds,
        )
        for entry in status.entries:
            if entry.state == SyncState.SAME and not request.include_same:
                continue
            response.entries.append(
                storage_pb2.SyncEntry(
                    key=entry.key,
                    state=cast(storage_pb2.SyncState, int(entry.state)),
                    group=entry.group,
                    local_size=entry.local.digest.size if entry.local else 0,
                    remote_size=entry.remote.size if entry.remote else 0,
                    local_sha256=entry.local.digest.sha256 if entry.local else "",
                    remote_sha256=entry.remote_sha256,
                )
            )
        return response

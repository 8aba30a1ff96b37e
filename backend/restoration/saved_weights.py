"""A registered restoration version's PyTorch weights, fetched from the artifact store: the network a teacher
is rebuilt as, and the weights a fine-tuning run (``start_from``) begins with."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
from torch import nn

from backend.jobs.context import JobContext
from backend.registry import ModelVersion
from backend.registry.shared import registry_at
from backend.restoration.archs import NetworkConfig, build_network, config_from_dict
from backend.restoration.registered import restoration_version
from backend.storage.base import ArtifactStore
from backend.storage.local import local_file
from omni_core.errors import FailedPrecondition, InvalidArgument

#: what torch.load and a state dict that does not fit its network raise for a file that is not one of ours
_UNREADABLE = (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, KeyError, TypeError, AttributeError)


@dataclass(frozen=True)
class SavedWeights:
    version: str
    config: NetworkConfig  # the network as trained, which its preset may no longer describe
    state_dict: dict[str, torch.Tensor]

    def network(self) -> nn.Module:
        network = build_network(self.config)
        network.load_state_dict(self.state_dict)
        return network


def weights_path(scratch: Path, version: str) -> Path:
    """Where a run finds a version's weights file without a registry: the SageMaker container puts its ``start``
    and ``teacher`` channels' ``model.pt`` (config and state dict) there."""
    return scratch / f"weights-{version}.pt"


def read_weights(path: Path, version: str, field: str) -> SavedWeights:
    """The weights file at ``path``; one that is not a readable weights file (truncated, another tool's, a state
    dict that does not fit its network) is refused naming ``field``. A run that needs the file twice (its network
    at start-up, then its weights) reads it once."""
    stat = path.stat()
    return _read_weights(str(path), stat.st_mtime_ns, stat.st_size, version, field)


@lru_cache(maxsize=2)
def _read_weights(path: str, _mtime_ns: int, _size: int, version: str, field: str) -> SavedWeights:
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        weights = SavedWeights(version, config_from_dict(saved["config"]), saved["state_dict"])
        weights.network()  # a state dict that does not fit the saved network fails here, not mid-run
    except InvalidArgument as error:
        raise FailedPrecondition(f"the weights file of {version} has a bad network: {error}", field=field) from None
    except _UNREADABLE as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0][:200]
        raise FailedPrecondition(f"the weights file of {version} cannot be read: {reason}", field=field) from None
    return weights


def load_weights(store: ArtifactStore, model: ModelVersion, scratch: Path, field: str) -> SavedWeights:
    """The version's weights file (named in ``field``): read where a local store keeps it, else fetched into
    ``scratch`` once."""
    return read_weights(local_file(store, model.files["weights"], scratch), model.version, field)


def registered_weights(version: str, ctx: JobContext, field: str) -> SavedWeights:
    """The weights of the version a run names in ``field`` (``start_from``: the weights it begins with;
    ``teacher``: the network it distils from): from the workspace's registry, or the file already in the run's
    scratch folder (where the SageMaker container puts its ``start`` and ``teacher`` channels' files)."""
    path = weights_path(ctx.scratch_dir, version)
    if path.is_file():
        return read_weights(path, version, field)
    model = restoration_version(registry_at(ctx.workspace_root), version, field)
    return load_weights(ctx.store, model, ctx.scratch_dir, field)

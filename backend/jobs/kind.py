"""What a job kind is, and what each needs: how to check its parameters before it
is queued (in the server process), and which function runs it (imported in the worker process).

The registry of kinds is ``backend.jobs.registry``.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backend.workspace import Workspace


@dataclass(frozen=True)
class Prepared:
    """Parameters checked and normalised for a run, and where the run will write."""

    params: Any
    outputs: dict[str, str]


@dataclass(frozen=True)
class JobKind:
    name: str
    params_type: type
    #: validate and normalise params (raising InvalidArgument naming the field), resolve paths;
    #: ``resuming`` is true when the run continues an earlier one and may find its outputs.
    prepare: Callable[[Any, Workspace, bool], Prepared]
    #: "module:function" taking ``(params, ctx)``; imported only in the worker process
    run: str
    resumable: bool = False
    #: a job the backend's stop interrupted is resumed when the backend starts again (work that goes on
    #: elsewhere while we are down, such as a SageMaker training job, is followed again, never lost)
    reattach_on_start: bool = False
    description: str = ""

    def load_params(self, data: dict[str, Any]) -> Any:
        """Params from their JSON form (lists become tuples, as the frozen dataclasses expect)."""
        names = {f.name for f in dataclasses.fields(self.params_type)}
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names}
        return self.params_type(**values)

    @staticmethod
    def dump_params(params: Any) -> dict[str, Any]:
        return dataclasses.asdict(params)

    def run_function(self) -> Callable[[Any, Any], Any]:
        module_name, _, function_name = self.run.partition(":")
        return getattr(importlib.import_module(module_name), function_name)  # type: ignore[no-any-return]

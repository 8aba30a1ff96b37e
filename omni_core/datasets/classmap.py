"""Mapping the classes of an imported source onto a dataset's class table, by name.

A class the dataset lacks is added (with the next free id); one it has keeps its id. So importing into
an existing dataset never changes the meaning of an id, and a new dataset made by an import gets exactly
the source's ids.
"""

from __future__ import annotations

from collections.abc import Sequence

from omni_core.datasets.labels import DatasetClass


def _clean(names: Sequence[str]) -> list[str]:
    return [name.strip() or f"class_{index}" for index, name in enumerate(names)]


def source_class_names(names: Sequence[str]) -> list[str]:
    """A source's class names as a new dataset's class list: cleaned (blank -> ``class_<id>``), each once."""
    return list(dict.fromkeys(_clean(names)))


def missing_classes(source: Sequence[str], table: Sequence[DatasetClass]) -> list[str]:
    live = {c.name for c in table if not c.deleted}
    return [name for name in source_class_names(source) if name not in live]


def class_mapping(source: Sequence[str], table: Sequence[DatasetClass]) -> list[int]:
    """The dataset class id of each source class (all must be in the table: see ``missing_classes``)."""
    live = {c.name: c.id for c in table if not c.deleted}
    return [live[name] for name in _clean(source)]

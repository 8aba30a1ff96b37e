"""A train/val[/test] split that is stratified by class and deterministic for a seed.

Each image belongs to the stratum of its rarest class (images without boxes form their own stratum),
so a rare class is spread over the splits in proportion instead of by luck. Within a stratum, images
are ordered by their key (the content address) and shuffled by a generator seeded with ``(seed,
stratum)``, so the result depends only on the images and the seed, never on listing order. Counts are
allocated cumulatively over the strata with round-half-up, which keeps every stratum within one image of
its share and the totals exact; validation gets at least one image when there are two or more.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence

from omni_core.errors import InvalidArgument

SPLIT_NAMES = ("train", "val", "test")
DEFAULT_SPLIT = (0.8, 0.2)


def check_fractions(fractions: Sequence[float]) -> tuple[float, ...]:
    """The fractions (train, val[, test]) if they are usable, else InvalidArgument naming ``split``."""
    values = tuple(float(f) for f in fractions) or DEFAULT_SPLIT
    if len(values) not in (2, 3):
        raise InvalidArgument("split", f"give 2 or 3 fractions (train, val[, test]), got {len(values)}")
    if any(not math.isfinite(f) or f < 0 for f in values):
        raise InvalidArgument("split", f"fractions must be 0 or more, got {list(values)}")
    if values[0] <= 0:
        raise InvalidArgument("split", "the train fraction must be more than 0")
    if abs(sum(values) - 1.0) > 1e-6:
        raise InvalidArgument("split", f"fractions must add up to 1, got {sum(values):g}")
    return values


def _round_half_up(value: float) -> int:
    return math.floor(value + 0.5 + 1e-9)


def assign_splits(items: Sequence[tuple[str, Sequence[int]]], fractions: Sequence[float], seed: int) -> list[str]:
    """The split name of each ``(key, class ids of its boxes)`` item."""
    values = check_fractions(fractions)
    counts = Counter(c for _, classes in items for c in set(classes))
    strata: dict[int, list[int]] = {}
    for index, (_, classes) in enumerate(items):
        stratum = min(set(classes), key=lambda c: (counts[c], c)) if classes else -1
        strata.setdefault(stratum, []).append(index)
    result = ["train"] * len(items)
    given = [0] * len(values)
    seen = 0
    order: list[int] = []
    moved: list[int] = []
    for stratum in sorted(strata):
        members = sorted(strata[stratum], key=lambda i: items[i][0])
        random.Random(f"{seed}/{stratum}").shuffle(members)
        seen += len(members)
        cursor = 0
        for split in range(1, len(values)):  # val, then test; train takes the rest
            take = max(0, _round_half_up(seen * values[split]) - given[split])
            take = min(take, len(members) - cursor)
            for i in members[cursor : cursor + take]:
                result[i] = SPLIT_NAMES[split]
                moved.append(i)
            cursor += take
            given[split] += take
        order.extend(members[cursor:])
    if values[1] > 0 and given[1] == 0 and len(items) >= 2 and order:
        result[order.pop()] = "val"  # a validation set of one beats none: Ultralytics needs one
    if not order and moved:
        result[moved[-1]] = "train"  # and training needs at least one image
    return result

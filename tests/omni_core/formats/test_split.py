from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from omni_core.errors import InvalidArgument
from omni_core.formats.split import assign_splits, check_fractions


def items(n_common: int = 80, n_rare: int = 20, n_empty: int = 10) -> list[tuple[str, list[int]]]:
    made = []
    for i in range(n_common + n_rare + n_empty):
        key = hashlib.sha256(str(i).encode()).hexdigest()
        classes = [0] if i < n_common else [0, 1] if i < n_common + n_rare else []
        made.append((key, classes))
    return made


def test_split_is_stratified_by_the_rarest_class() -> None:
    data = items()
    splits = assign_splits(data, (0.8, 0.2), seed=1)
    per = Counter((split, 1 in classes, bool(classes)) for split, (_, classes) in zip(splits, data, strict=True))
    assert per[("val", True, True)] == 4  # 20% of the 20 images with the rare class
    assert per[("val", False, True)] == 16  # 20% of the 80 with only the common class
    assert per[("val", False, False)] == 2  # 20% of the 10 without boxes
    assert Counter(splits) == {"train": 88, "val": 22}


def test_split_is_deterministic_for_a_seed_and_independent_of_order() -> None:
    data = items()
    first = assign_splits(data, (0.7, 0.2, 0.1), seed=7)
    assert assign_splits(data, (0.7, 0.2, 0.1), seed=7) == first
    shuffled = list(reversed(data))
    again = dict(zip((k for k, _ in shuffled), assign_splits(shuffled, (0.7, 0.2, 0.1), seed=7), strict=True))
    assert [again[k] for k, _ in data] == first
    assert assign_splits(data, (0.7, 0.2, 0.1), seed=8) != first
    assert Counter(first) == {"train": 77, "val": 22, "test": 11}


def test_small_sets_still_get_a_validation_image_and_a_training_image() -> None:
    assert sorted(assign_splits([("a", [0]), ("b", [1])], (0.9, 0.1), seed=0)) == ["train", "val"]
    assert assign_splits([("a", [0])], (0.8, 0.2), seed=0) == ["train"]
    assert "train" in assign_splits([("a", []), ("b", [])], (0.1, 0.45, 0.45), seed=0)


@pytest.mark.parametrize("bad", [(0.5,), (0.5, 0.6), (0.0, 1.0), (-0.2, 1.2), (0.4, 0.3, 0.2, 0.1)])
def test_bad_fractions_are_refused(bad: tuple[float, ...]) -> None:
    with pytest.raises(InvalidArgument) as caught:
        check_fractions(bad)
    assert caught.value.field == "split"
    assert check_fractions(()) == (0.8, 0.2)

from __future__ import annotations

from itertools import pairwise

import pytest
import torch

from backend.restoration.trainer import LearningRateSchedule


def _optimizer() -> torch.optim.Optimizer:
    return torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=1.0)


def test_warm_up_then_cosine_down_to_one_percent() -> None:
    optimizer = _optimizer()
    schedule = LearningRateSchedule(optimizer, peak=1e-3, total_steps=4000)
    rates = [schedule.apply(step) for step in range(4000)]
    assert schedule.warmup == 100
    assert rates[0] == pytest.approx(1e-3 / 101)
    assert all(a < b for a, b in pairwise(rates[:101]))  # rising through the warm-up
    assert rates[100] == pytest.approx(1e-3)
    assert all(a >= b for a, b in pairwise(rates[100:]))  # then never rising
    assert rates[2050] == pytest.approx(1e-5 + (1e-3 - 1e-5) * 0.5, rel=1e-3)  # half-way: the cosine's middle
    assert rates[-1] == pytest.approx(1e-5, rel=1e-2)
    assert optimizer.param_groups[0]["lr"] == rates[-1]


def test_a_short_run_warms_up_for_a_twentieth_of_it() -> None:
    schedule = LearningRateSchedule(_optimizer(), peak=1.0, total_steps=40)
    assert schedule.warmup == 2


def test_a_time_budget_that_binds_first_drives_the_decay() -> None:
    used = [0.0]
    schedule = LearningRateSchedule(_optimizer(), peak=1.0, total_steps=1_000_000, budget_used=lambda: used[0])
    assert schedule.apply(200) == pytest.approx(1.0, abs=1e-6)  # the planned steps have barely started
    used[0] = 0.5
    assert schedule.apply(201) == pytest.approx(0.505, rel=1e-3)
    used[0] = 1.0
    assert schedule.apply(202) == pytest.approx(0.01)

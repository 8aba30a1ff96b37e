"""The backoff schedule, defined once, and its ``OMNI_WEBHOOK_*`` overrides."""

from __future__ import annotations

import pytest

from backend.webhooks.settings import DAY_S, WebhookSettings


def test_the_default_schedule_doubles_to_an_hour_and_retries_for_a_day() -> None:
    settings = WebhookSettings()
    waits = [settings.backoff_s(attempt, 0.5) for attempt in range(1, 12)]  # 0.5: no jitter
    assert waits[:4] == [5.0, 10.0, 20.0, 40.0]
    assert waits[-1] == 3600.0 and settings.give_up_after_s == DAY_S
    attempts, elapsed = 0, 0.0
    while elapsed <= DAY_S:
        attempts += 1
        elapsed += settings.backoff_s(attempts, 0.5)
    assert 25 <= attempts <= 40
    low, high = settings.backoff_s(3, 0.0), settings.backoff_s(3, 0.999999)
    assert low == pytest.approx(20 * (1 - settings.jitter)) and high == pytest.approx(20 * (1 + settings.jitter))


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNI_WEBHOOK_BACKOFF_FIRST_S", "0.25")
    monkeypatch.setenv("OMNI_WEBHOOK_WORKERS", "3")
    settings = WebhookSettings.from_env()
    assert (settings.backoff_first_s, settings.workers, settings.attempt_timeout_s) == (0.25, 3, 10.0)

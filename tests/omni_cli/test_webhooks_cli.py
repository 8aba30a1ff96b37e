"""``omni webhooks ...`` and ``--notify-url`` as a user runs them: ``main([...])`` against a real backend on
loopback, with a real receiver. A generated secret is printed once; nothing lists it afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.rpc.server import Backend, start_backend
from backend.settings import ServerSettings
from backend.webhooks.settings import WebhookSettings
from backend.webhooks.signature import new_secret, verify
from omni_cli.main import main
from tests.backend.webhooks.receiver import Receiver

TOKEN = "cli-webhooks-token"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Backend]:
    fast = WebhookSettings(backoff_first_s=0.3, backoff_max_s=1.0, poll_s=0.2)
    backend = start_backend(
        ServerSettings(host="127.0.0.1", port=0, workspace=tmp_path / "ws", token=TOKEN, webhooks=fast)
    )
    yield backend
    backend.stop(grace_s=5.0)


def omni(backend: Backend, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([*args, "--backend", f"127.0.0.1:{backend.port}", "--token", TOKEN])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_add_list_test_deliveries_remove(served: Backend, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with Receiver() as receiver:
        code, out, err = omni(served, capsys, "webhooks", "add", receiver.url, "--events", "webhook.test,job.failed")
        assert code == 0
        webhook_id = out.split()[0]
        secret = err.split("secret: ", 1)[1].split()[0]
        assert secret.startswith("whsec_") and secret not in out

        secret_file = tmp_path / "secret"
        given = new_secret()
        secret_file.write_text(given + "\n")
        code, out, _ = omni(
            served, capsys, "webhooks", "add", receiver.url + "?token=qsecret-zq", "--secret-file", str(secret_file)
        )
        assert code == 0 and "token=***" in out and given not in out

        code, listed, _ = omni(served, capsys, "webhooks", "list")
        assert code == 0 and listed.count("secret: set") == 2
        assert secret not in listed and given not in listed and "qsecret-zq" not in listed
        assert "webhook.test,job.failed" in listed

        code, out, _ = omni(served, capsys, "webhooks", "test", webhook_id)
        delivery_id = out.strip()
        (item,) = receiver.wait("webhook.test")
        verify(secret, item.headers, item.body)
        assert item.headers["webhook-id"] == delivery_id

        code, out, _ = omni(served, capsys, "webhooks", "deliveries", "--webhook", webhook_id, "--limit", "5")
        assert code == 0 and delivery_id in out and "webhook.test" in out
        assert "delivered" in out or "pending" in out

        assert omni(served, capsys, "webhooks", "remove", webhook_id)[0] == 0
        code, listed, _ = omni(served, capsys, "webhooks", "list")
        assert webhook_id not in listed

        code, _, err = omni(served, capsys, "webhooks", "add", "ftp://nowhere/", "--events", "job.done")
        assert code == 1 and "url" in err


def test_notify_url_on_a_submitting_command(
    served: Backend, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with Receiver() as receiver:
        code, _, _ = omni(
            served, capsys, "synth", "restoration", "--count", "1", "--size", "64",
            "--out", str(tmp_path / "pairs"), "--notify-url", receiver.url,
        )  # fmt: skip
        assert code == 0
        (end,) = receiver.wait("job.succeeded")
        verify(served.webhooks.notify_secret, end.headers, end.body)
        assert end.json["data"]["job"]["kind"] == "synth_restoration"
        code, out, _ = omni(served, capsys, "webhooks", "deliveries")
        assert "notify_url" in out and "job.succeeded" in out

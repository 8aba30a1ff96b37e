"""``omni token create|list|revoke`` as an admin runs them against ``omni serve`` in a child process."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import ServeProcess
from tests.omni_cli.test_cli import omni


def test_create_list_use_and_revoke_a_named_token(tmp_path: Path) -> None:
    server = ServeProcess(tmp_path / "ws", token="s3cret")
    other = tmp_path / "other"
    try:
        as_admin = ("--backend", server.address, "--token", "s3cret")
        created = omni("token", "create", "alice", "--role", "operator", *as_admin, workspace=other)
        assert created.returncode == 0, created.stderr
        secret = created.stdout.strip()
        assert secret.startswith("omni_") and "\n" not in secret
        assert "shown only this once" in created.stderr and secret not in created.stderr

        listed = omni("token", "list", *as_admin, workspace=other)
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.split("\n")[1].split()[:2] == ["alice", "operator"]
        assert "never" in listed.stdout and secret not in listed.stdout

        as_alice = ("--backend", server.address, "--token", secret)
        assert omni("jobs", "list", *as_alice, workspace=other).returncode == 0
        assert "alice (operator)" in omni("system", *as_alice, workspace=other).stdout
        refused = omni("token", "list", *as_alice, workspace=other)
        assert refused.returncode == 1 and "'alice'" in refused.stderr and "needs the admin role" in refused.stderr

        assert omni("token", "revoke", "alice", *as_admin, workspace=other).returncode == 0
        gone = omni("jobs", "list", *as_alice, workspace=other)
        assert gone.returncode == 1 and "refused the token" in gone.stderr
    finally:
        server.stop()
    log = server.process.stdout.read().decode() if server.process.stdout else ""
    assert secret not in log
    for path in (tmp_path / "ws").rglob("*"):
        assert not path.is_file() or secret.removeprefix("omni_").encode() not in path.read_bytes()

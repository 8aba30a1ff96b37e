"""A real n8n (the version pinned in installers/n8n/runtime, installed by ``make n8n``) for tests: headless on a
free loopback port, its own user folder and SQLite database, nothing phoning home, stopped by process group.

Workflows and the credential holding the backend's token go in with n8n's own CLI (``import:credentials``,
``import:workflow``, ``update:workflow --active=true``) before the server starts, as an admin would do it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.helpers import REPO

RUNTIME = REPO / "installers" / "n8n" / "runtime"
N8N = RUNTIME / "node_modules" / "n8n" / "bin" / "n8n"
WORKFLOWS = REPO / "installers" / "n8n"
ENCRYPTION_KEY = "omni-tests-n8n-encryption-key-0001"  # only ever encrypts this test's throwaway database

#: n8n's switches for everything that would reach beyond this machine, and the rest of a headless setup
OFFLINE = {
    "N8N_DIAGNOSTICS_ENABLED": "false",
    "N8N_DIAGNOSTICS_CONFIG_FRONTEND": "",
    "N8N_DIAGNOSTICS_CONFIG_BACKEND": "",
    "EXTERNAL_FRONTEND_HOOKS_URLS": "",
    "N8N_VERSION_NOTIFICATIONS_ENABLED": "false",
    "N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED": "false",
    "N8N_TEMPLATES_ENABLED": "false",
    "N8N_PERSONALIZATION_ENABLED": "false",
    "N8N_HIRING_BANNER_ENABLED": "false",
    "N8N_DYNAMIC_BANNERS_ENABLED": "false",
    "N8N_COMMUNITY_PACKAGES_ENABLED": "false",
    "N8N_REINSTALL_MISSING_PACKAGES": "false",
    "N8N_VERIFIED_PACKAGES_ENABLED": "false",
    "N8N_UNVERIFIED_PACKAGES_ENABLED": "false",
    "N8N_LICENSE_AUTO_RENEW_ENABLED": "false",
    "N8N_AI_ENABLED": "false",
    "N8N_PUBLIC_API_DISABLED": "true",
    "N8N_DISABLE_UI": "true",
    "N8N_SENTRY_DSN": "",
    "N8N_FRONTEND_SENTRY_DSN": "",
    # Code nodes run in n8n's task runner (a child process, same process group); the signature check needs crypto
    "N8N_RUNNERS_ENABLED": "true",
    "N8N_RUNNERS_MODE": "internal",
    "NODE_FUNCTION_ALLOW_BUILTIN": "crypto",
    # 1.123.81's default "vm" expression engine runs in isolated-vm 6, which needs Node 22 (installers/n8n/README.md)
    "N8N_EXPRESSION_ENGINE": "legacy",
    # the nightly workflow's Config reads the notify secret from $env (n8n will default this to true)
    "N8N_BLOCK_ENV_ACCESS_IN_NODE": "false",
    "DB_TYPE": "sqlite",
    "GENERIC_TIMEZONE": "UTC",
    "TZ": "UTC",
    "N8N_LOG_LEVEL": "info",
    "N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS": "true",
    "N8N_SECURE_COOKIE": "false",
    "EXECUTIONS_DATA_SAVE_ON_SUCCESS": "all",
    "EXECUTIONS_DATA_SAVE_ON_ERROR": "all",
}


def installed() -> bool:
    return N8N.exists() and shutil.which("node") is not None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class N8n:
    """One n8n instance in ``folder``; ``env`` adds or overrides variables (file access, secrets for $env)."""

    def __init__(self, folder: Path, env: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / "n8n.log"
        self.process: subprocess.Popen[bytes] | None = None
        base = {k: v for k, v in os.environ.items() if not k.startswith(("OMNI_", "N8N_"))}
        self.env = {
            **base,
            **OFFLINE,
            "HOME": str(folder),
            "N8N_USER_FOLDER": str(folder),
            "N8N_ENCRYPTION_KEY": ENCRYPTION_KEY,
            "N8N_PORT": str(self.port),
            "N8N_LISTEN_ADDRESS": "127.0.0.1",
            "N8N_HOST": "127.0.0.1",
            "N8N_PROTOCOL": "http",
            "WEBHOOK_URL": f"{self.url}/",
            "N8N_RUNNERS_BROKER_PORT": str(free_port()),
            **(env or {}),
        }

    # --- the CLI, before the server starts ----------------------------------------------------------------

    def cli(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            ["node", str(N8N), *args], env=self.env, cwd=self.folder, capture_output=True, timeout=timeout, check=False
        )
        output = (done.stdout + done.stderr).decode(errors="replace")
        if done.returncode != 0 or ("error" in output.lower() and "successfully" not in output.lower()):
            raise AssertionError(f"n8n {args[0]} failed ({done.returncode}):\n{output[-4000:]}")
        return output

    def import_credential(self, credential: dict[str, Any]) -> None:
        """``credential``: id, name, type, data (plain; n8n encrypts it with the encryption key on import)."""
        path = self.folder / "credential.json"
        path.write_text(json.dumps([credential]))
        path.chmod(0o600)
        try:
            self.cli("import:credentials", f"--input={path}")
        finally:
            path.unlink()

    def import_workflows(self, workflows: list[dict[str, Any]]) -> None:
        folder = self.folder / "workflows"
        folder.mkdir(exist_ok=True)
        for workflow in workflows:
            (folder / f"{workflow['id']}.json").write_text(json.dumps(workflow))
        self.cli("import:workflow", "--separate", f"--input={folder}")
        self.cli("update:workflow", "--all", "--active=true")

    # --- the server --------------------------------------------------------------------------------------

    def start(self, timeout: float = 120) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            ["node", str(N8N), "start"],
            env=self.env,
            cwd=self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the task runner goes down with it
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"n8n exited with {self.process.returncode}:\n{self.log()[-4000:]}")
            if "Editor is now accessible" in self.log() and self._healthy():
                return
            time.sleep(0.25)
        raise AssertionError(f"n8n not ready after {timeout} s:\n{self.log()[-4000:]}")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:
                return bool(answer.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def trigger(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST to a production webhook of an active workflow (its Webhook trigger node's path)."""
        request = urllib.request.Request(
            f"{self.url}/webhook/{path}",
            data=json.dumps(body or {}).encode(),
            headers={"content-type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return dict(json.loads(answer.read() or b"{}"))

    def executions(self) -> list[dict[str, Any]]:
        """What n8n recorded of each execution: id, workflow, status, and the error of the node that failed."""
        path = self.folder / ".n8n" / "database.sqlite"
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as db:
            rows = db.execute(
                "SELECT e.id, e.workflowId, e.status, d.data FROM execution_entity e "
                "LEFT JOIN execution_data d ON d.executionId = e.id ORDER BY e.id"
            ).fetchall()
        return [{"id": row[0], "workflow": row[1], "status": row[2], "error": _error_of(row[3] or "")} for row in rows]

    def node_output(self, execution_id: int, node: str) -> dict[str, Any]:
        """The JSON of the first item ``node`` output in an execution (e.g. the job an HTTP node submitted)."""
        path = self.folder / ".n8n" / "database.sqlite"
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as db:
            (flatted,) = db.execute("SELECT data FROM execution_data WHERE executionId = ?", (execution_id,)).fetchone()
        run = _unflatten(json.loads(flatted), 0)["resultData"]["runData"][node][0]
        return dict(run["data"]["main"][0][0]["json"])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


def _unflatten(table: list[Any], index: int, depth: int = 0) -> Any:
    """One value of n8n's 'flatted' execution data, where objects hold the table indexes of their values."""
    value = table[index]
    if depth > 12:
        return None
    if isinstance(value, dict):
        return {k: _unflatten(table, int(v), depth + 1) if isinstance(v, str) else v for k, v in value.items()}
    if isinstance(value, list):
        return [_unflatten(table, int(v), depth + 1) if isinstance(v, str) else v for v in value]
    return value


def _error_of(flatted: str) -> str:
    """Where and why an execution failed: the last node run and its error's message and description; "" while
    no error is recorded (n8n may mark an execution failed a moment before it writes why)."""
    try:
        data = _unflatten(json.loads(flatted), 0)
        result = data["resultData"]
    except (ValueError, LookupError, TypeError):
        return ""
    error = result.get("error") or {}
    if not error or not isinstance(error, dict):
        return ""
    parts = [result.get("lastNodeExecuted"), error.get("message"), error.get("description")]
    return ": ".join(str(p) for p in parts if p)[:2000]

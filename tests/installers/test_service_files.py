"""The installers' service files, checked as far as this machine allows (no Docker engine, no systemd running).

- The systemd unit passes ``systemd-analyze verify`` against a scratch root holding the distribution's units and
  the unit's own ``ExecStart`` binary; any warning it prints (a misspelt directive, a bad time value) fails.
- Every ``omni`` command line in the unit, the Dockerfile and the compose file parses with the real ``omni``
  argument parser, so renaming a flag breaks this test instead of a server at 3 a.m.
- The compose file's shell scripts pass ``sh -n``; the extras and sources the Dockerfile installs exist.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from omni_cli.main import build_parser

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "installers" / "backend" / "omni-backend.service"
DOCKERFILE = REPO / "installers" / "backend" / "Dockerfile"
COMPOSE = REPO / "installers" / "compose.yaml"
SYSTEM_UNITS = Path("/usr/lib/systemd/system")


def unit_directives(text: str) -> dict[str, list[str]]:
    """``Key=value`` lines of a unit file, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    directives: dict[str, list[str]] = {}
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        directives.setdefault(key.strip(), []).append(value.strip())
    return directives


def parses_as_omni(argv: list[str]) -> None:
    """Fail with the parser's own message when ``argv`` (without the program name) is not a valid command."""
    try:
        build_parser().parse_args(argv)
    except SystemExit as exit_:
        pytest.fail(f"`omni {shlex.join(argv)}` does not parse (exit {exit_.code})")


def omni_lines(script: str) -> list[list[str]]:
    """The ``omni ...`` command lines of a shell script, with ``exec`` dropped and variables given sample values."""
    commands = []
    for line in script.splitlines():
        words = shlex.split(line.replace("$$", "$").replace('"$@"', ""), comments=True)
        if words and words[0] == "exec":
            words = words[1:]
        if words and words[0] == "omni":
            commands.append([re.sub(r"\$\{?[A-Za-z_:\-}]+", "sample", word) for word in words[1:]])
    return commands


@pytest.mark.skipif(not shutil.which("systemd-analyze") or not SYSTEM_UNITS.is_dir(), reason="no systemd-analyze")
def test_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    shutil.copy(UNIT, root / "etc/systemd/system" / UNIT.name)
    binary = unit_directives(UNIT.read_text())["ExecStart"][0].split()[0]
    stub = root / binary.lstrip("/")
    stub.parent.mkdir(parents=True)
    stub.write_text("#!/bin/sh\n")
    stub.chmod(0o755)

    result = subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", "--man=no", UNIT.name],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0 and not result.stderr.strip() and not result.stdout.strip(), (
        f"systemd-analyze verify: rc {result.returncode}\n{result.stdout}{result.stderr}"
    )


def test_systemd_unit_command_line_is_a_valid_omni_serve() -> None:
    directives = unit_directives(UNIT.read_text())
    argv = shlex.split(directives["ExecStart"][0])

    assert Path(argv[0]).name == "omni"
    parses_as_omni(argv[1:])
    assert argv[1] == "serve" and "--tls-cert" in argv and "--tls-key" in argv  # beyond loopback: TLS
    assert directives["KillSignal"] == ["SIGTERM"]  # jobs checkpoint and end "interrupted" on SIGTERM
    assert not any("TOKEN" in value or "SECRET" in value for value in directives.get("Environment", []))


def test_dockerfile_entrypoint_and_documented_run_parse() -> None:
    text = DOCKERFILE.read_text()
    entrypoint = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    documented_run = re.search(r"omni-backend (--tls-cert .*)$", text, re.MULTILINE).group(1)  # type: ignore[union-attr]

    assert entrypoint[0] == "omni"
    parses_as_omni(entrypoint[1:] + shlex.split(documented_run))


def test_dockerfile_installs_extras_and_sources_that_exist() -> None:
    text = DOCKERFILE.read_text()
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    wanted = re.search(r'pip install "\.\[([a-z,]+)\]"', text).group(1).split(",")  # type: ignore[union-attr]
    sources = [line.split()[1] for line in text.splitlines() if line.startswith("COPY ")]

    assert set(wanted) <= set(extras), f"the Dockerfile installs extras pyproject lacks: {set(wanted) - set(extras)}"
    assert "backend" in wanted
    assert all((REPO / source).exists() for source in sources), sources
    # what `omni serve` needs at import time is copied in
    assert {"protos", "backend", "omni_cli", "pyproject.toml"} <= set(sources)


def test_compose_scripts_are_valid_shell_and_their_omni_commands_parse() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    backend = services["backend"]
    script = backend["entrypoint"][2]

    for name, service in services.items():
        entry = service.get("entrypoint") or []
        if entry[:2] in (["/bin/sh", "-euc"], ["/bin/sh", "-c"]):
            shell = entry[2] if len(entry) > 2 else "\n".join(service["command"])
            check = subprocess.run(["sh", "-n"], input=shell.replace("$$", "$"), text=True, capture_output=True)
            assert check.returncode == 0, f"{name}: {check.stderr}"

    commands = omni_lines(script)
    assert [argv[0] for argv in commands] == ["remote", "serve"]
    for argv in commands:
        parses_as_omni(argv + (backend["command"] if argv[0] == "serve" else []))
    assert backend["build"]["dockerfile"] == "installers/backend/Dockerfile"
    assert (COMPOSE.parent / backend["build"]["context"] / backend["build"]["dockerfile"]).is_file()
    # a GPU host: the backend reserves the GPUs (needs the NVIDIA container toolkit there)
    devices = backend["deploy"]["resources"]["reservations"]["devices"]
    assert any("gpu" in device["capabilities"] for device in devices)

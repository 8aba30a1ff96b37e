"""``omni remote ...`` and ``omni sync ...`` as a user runs them: ``main([...])`` in this process, each command with
its own embedded backend on the test's workspace, against a real S3 server (SeaweedFS: signatures and keys are
checked as on S3). The secret access key goes in through stdin or the environment and must never come out."""

from __future__ import annotations

import io
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from omni_cli.main import main
from tests.s3_servers import SeaweedS3

STEPS = ["reach", "credentials", "buckets", "write", "read", "delete"]
S3_ENV = (
    "OMNI_S3_ACCESS_KEY_ID",
    "OMNI_S3_SECRET_ACCESS_KEY",
    "OMNI_S3_SESSION_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
)


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def _no_s3_keys_from_the_developer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only the keys a test gives: none from the environment or ~/.aws of whoever runs the tests."""
    for name in S3_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


class Omni:
    """``omni(*args, stdin=...)`` runs one command on the test's workspace; ``outputs`` keeps everything printed."""

    def __init__(self, workspace: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.workspace = workspace
        self.capsys = capsys
        self.monkeypatch = monkeypatch
        self.outputs: list[str] = []

    def __call__(self, *args: str, stdin: str = "") -> Run:
        self.capsys.readouterr()
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main([*args, "--workspace", str(self.workspace)])
        captured = self.capsys.readouterr()
        self.outputs += [captured.out, captured.err]
        return Run(code, captured.out, captured.err)

    def assert_never_printed(self, secret: str) -> None:
        for text in self.outputs:
            assert secret not in text


@pytest.fixture
def omni(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Omni:
    return Omni(tmp_path / "ws", capsys, monkeypatch)


def make_bucket(server: SeaweedS3, name: str) -> str:
    server.minio().make_bucket(name)
    return name


def set_remote(omni: Omni, server: SeaweedS3, url: str, *extra: str, secret: str | None = None) -> Run:
    return omni(
        "remote",
        "set",
        url,
        "--endpoint",
        server.url,
        "--region",
        server.region,
        "--access-key-id",
        server.admin.access_key,
        "--secret-access-key-stdin",
        *extra,
        stdin=(server.admin.secret_key if secret is None else secret) + "\n",
    )


def test_set_refuses_a_url_that_is_not_s3(omni: Omni) -> None:
    refused = omni("remote", "set", "https://minio.local:9000/bucket", "--no-check")
    assert refused.code != 0
    assert "url" in refused.err and "s3://" in refused.err
    shown = omni("remote", "show")
    assert shown.code == 0 and "no remote" in shown.out  # nothing was saved


def test_key_flags_are_checked_before_anything_is_sent(omni: Omni) -> None:
    alone = omni("remote", "set", "s3://bucket", "--secret-access-key-stdin", stdin="x\n")
    assert alone.code == 2 and "--access-key-id" in alone.err
    no_secret = omni("remote", "set", "s3://bucket", "--access-key-id", "AKIDEXAMPLE")
    assert no_secret.code == 2 and "OMNI_S3_SECRET_ACCESS_KEY" in no_secret.err
    empty = omni("remote", "set", "s3://bucket", "--access-key-id", "AKID", "--secret-access-key-stdin", stdin="\n")
    assert empty.code == 2 and "no secret access key" in empty.err


def test_set_and_show_round_trip_without_the_secret(omni: Omni, seaweed: SeaweedS3, unique_bucket_prefix: str) -> None:
    bucket = make_bucket(seaweed, f"{unique_bucket_prefix}-team")
    done = set_remote(omni, seaweed, f"s3://{bucket}/omni")
    assert done.code == 0, done.err
    hint = f"…{seaweed.admin.access_key[-4:]}"
    assert f"s3://{bucket}/omni" in done.out and seaweed.url in done.out and hint in done.out
    assert "prefix" in done.out  # the layout the URL implies
    assert "remote ok" in done.out  # set checks the remote right away

    shown = omni("remote", "show")
    assert shown.code == 0, shown.err
    assert f"s3://{bucket}/omni/" in shown.out  # the location
    assert "workspace" in shown.out and hint in shown.out
    as_json = json.loads(omni("remote", "show", "--json").out)
    assert as_json["configured"] is True
    assert as_json["url"] == f"s3://{bucket}/omni"
    assert as_json["layout"] == "REMOTE_LAYOUT_PREFIX"
    assert as_json["access_key_hint"] == hint

    unset = omni("remote", "unset")
    assert unset.code == 0, unset.err
    assert "no remote" in omni("remote", "show").out
    assert json.loads(omni("remote", "show", "--json").out)["configured"] is False

    omni.assert_never_printed(seaweed.admin.secret_key)


def test_check_with_the_admin_keys_passes_every_step(omni: Omni, seaweed: SeaweedS3, unique_bucket_prefix: str) -> None:
    bucket = make_bucket(seaweed, f"{unique_bucket_prefix}-check")
    assert set_remote(omni, seaweed, f"s3://{bucket}", "--no-check").code == 0
    checked = omni("remote", "check")
    assert checked.code == 0, checked.err
    lines = {line.split()[0]: line for line in checked.out.splitlines() if line.startswith("  ")}
    assert list(lines) == STEPS
    assert all(line.split()[1] == "ok" for line in lines.values()), checked.out
    assert "round trip:" in checked.out and "remote ok" in checked.out

    result = json.loads(omni("remote", "check", "--json").out)
    assert result["ok"] is True
    assert [step["name"] for step in result["steps"]] == STEPS
    assert all(step["ok"] for step in result["steps"])
    assert result["round_trip_ms"] > 0
    omni.assert_never_printed(seaweed.admin.secret_key)


def test_check_with_a_wrong_secret_says_so(omni: Omni, seaweed: SeaweedS3, unique_bucket_prefix: str) -> None:
    bucket = make_bucket(seaweed, f"{unique_bucket_prefix}-wrong")
    wrong = "not-the-secret-" + seaweed.admin.secret_key[:8]
    saved = set_remote(omni, seaweed, f"s3://{bucket}", secret=wrong)
    assert saved.code == 0, saved.err  # saved even though its check fails, and it says so
    assert "saved" in saved.err and "FAILED" in saved.err

    checked = omni("remote", "check")
    assert checked.code == 1
    assert "wrong secret" in checked.err or "secret key does not match" in checked.err
    credentials = next(line for line in checked.out.splitlines() if line.strip().startswith("credentials"))
    assert "FAILED" in credentials
    omni.assert_never_printed(wrong)


def test_the_secret_may_come_from_the_environment(
    omni: Omni, seaweed: SeaweedS3, unique_bucket_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = make_bucket(seaweed, f"{unique_bucket_prefix}-env")
    monkeypatch.setenv("OMNI_S3_SECRET_ACCESS_KEY", seaweed.admin.secret_key)
    done = omni(
        "remote",
        "set",
        f"s3://{bucket}",
        "--endpoint",
        seaweed.url,
        "--access-key-id",
        seaweed.admin.access_key,
    )
    assert done.code == 0, done.err
    assert "remote ok" in done.out
    monkeypatch.delenv("OMNI_S3_SECRET_ACCESS_KEY")
    assert omni("remote", "check").code == 0  # the keys were kept for the workspace
    omni.assert_never_printed(seaweed.admin.secret_key)


def test_buckets_layout_check_creates_the_missing_buckets(
    omni: Omni, seaweed: SeaweedS3, unique_bucket_prefix: str
) -> None:
    prefix = f"{unique_bucket_prefix}-"
    assert set_remote(omni, seaweed, "s3://", "--bucket-prefix", prefix, "--no-check").code == 0
    shown = omni("remote", "show")
    assert f"s3://{prefix}models/" in shown.out and "buckets" in shown.out
    missing = omni("remote", "check")
    assert missing.code == 1
    assert "bucket missing" in missing.err
    created = omni("remote", "check", "--create-buckets")
    assert created.code == 0, created.out + created.err
    names = {bucket.name for bucket in seaweed.minio().list_buckets()}
    assert {f"{prefix}{top}" for top in ("training-data", "models", "training-outputs")} <= names


def write_images(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    for index in range(count):
        Image.new("RGB", (32, 24), (index * 40 % 256, 90, 160)).save(folder / f"img{index}.png")
    return folder


def test_sync_status_json_and_text(omni: Omni, seaweed: SeaweedS3, unique_bucket_prefix: str, tmp_path: Path) -> None:
    bucket = make_bucket(seaweed, f"{unique_bucket_prefix}-sync")
    assert set_remote(omni, seaweed, f"s3://{bucket}/shared", "--no-check").code == 0
    imported = omni(
        "dataset", "import", str(write_images(tmp_path / "photos", 2)), "--format", "images", "--name", "parts"
    )
    assert imported.code == 0, imported.err

    status = omni("sync", "status", "--json")
    assert status.code == 0, status.err
    reply = json.loads(status.out)
    assert reply["remote"]["configured"] is True
    assert {"local_only", "remote_only", "same", "different", "entries"} <= set(reply)
    assert int(reply["local_only"]) >= 2  # at least the two images
    assert int(reply["remote_only"]) == int(reply["same"]) == int(reply["different"]) == 0
    assert all(entry["state"] == "SYNC_STATE_LOCAL_ONLY" for entry in reply["entries"])

    text = omni("sync", "status", "--datasets", "parts")
    assert text.code == 0, text.err
    assert f"local only {reply['local_only']}, remote only 0, same 0, different 0" in text.out
    assert any(line.startswith("local only") and "(dataset parts)" in line for line in text.out.splitlines())

    listed = omni("dataset", "list", "--remote")
    assert listed.code == 0, listed.err
    row = next(line for line in listed.out.splitlines() if line.startswith("parts"))
    assert row.split()[1] == "local"
    models = omni("models", "list", "--remote")
    assert models.code == 0, models.err
    omni.assert_never_printed(seaweed.admin.secret_key)


def test_sync_push_then_status_is_same(
    omni: Omni, seaweed: SeaweedS3, unique_bucket_prefix: str, tmp_path: Path
) -> None:
    bucket = make_bucket(seaweed, f"{unique_bucket_prefix}-push")
    assert set_remote(omni, seaweed, f"s3://{bucket}", "--no-check").code == 0
    imported = omni(
        "dataset", "import", str(write_images(tmp_path / "photos", 3)), "--format", "images", "--name", "parts"
    )
    assert imported.code == 0, imported.err

    dry = omni("sync", "push", "--datasets", "parts", "--dry-run")
    assert dry.code == 0, dry.err
    assert "succeeded" in dry.err
    assert not list(seaweed.minio().list_objects(bucket, recursive=True))  # a dry run moves nothing

    pushed = omni("sync", "push", "--datasets", "parts")
    assert pushed.code == 0, pushed.err
    assert "succeeded" in pushed.err
    # progress in bytes, shown in binary units: "1.6 KiB/1.6 KiB, ... 4/4 objects"
    assert re.search(r"\d+(\.\d)? (B|KiB)/\d+(\.\d)? (B|KiB)\b.* objects", pushed.err), pushed.err
    after = json.loads(omni("sync", "status", "--datasets", "parts", "--json").out)
    assert int(after["local_only"]) == int(after["different"]) == 0
    assert int(after["same"]) >= 3
    listed = omni("dataset", "list", "--remote")
    row = next(line for line in listed.out.splitlines() if line.startswith("parts"))
    assert row.split()[1] == "both"

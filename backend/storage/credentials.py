"""Where the remote's keys come from. They are read when needed and never written to a job, event or log.

Order (the first that has a key wins):

1. keys given to ``SetRemote`` for this workspace: ``.omni/s3-credentials`` (0600, in the workspace's state folder);
2. the remote's ``credentials_file`` (an AWS-style INI file; refused unless its mode is 0600), at ``profile``;
3. the remote's ``profile`` in ``AWS_SHARED_CREDENTIALS_FILE`` or ``~/.aws/credentials``;
4. ``OMNI_S3_ACCESS_KEY_ID`` / ``OMNI_S3_SECRET_ACCESS_KEY`` / ``OMNI_S3_SESSION_TOKEN``;
5. ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN``;
6. the ``AWS_PROFILE`` (else ``default``) profile of ``~/.aws/credentials``, when that file exists.

Written here rather than taken from ``minio.credentials``: its providers cannot say which source they used,
do not check a file's permissions, and fail with messages that do not name the missing variable.
"""

from __future__ import annotations

import configparser
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from backend.storage.remote_config import RemoteConfig, write_private_file
from omni_core.confinement import check_text
from omni_core.errors import FailedPrecondition, InvalidArgument, shown

WORKSPACE_KEYS_NAME = "s3-credentials"
ENV_SOURCES = (
    ("OMNI_S3_ACCESS_KEY_ID", "OMNI_S3_SECRET_ACCESS_KEY", "OMNI_S3_SESSION_TOKEN"),
    ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"),
)


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str = field(repr=False)
    session_token: str = field(default="", repr=False)
    source: str = ""

    @property
    def hint(self) -> str:
        """The last four characters of the access key id: enough to tell keys apart, not to use one."""
        return f"…{self.access_key[-4:]}" if len(self.access_key) > 4 else "…"


class CredentialsMissing(FailedPrecondition):
    pass


def workspace_keys_path(state_dir: Path) -> Path:
    return state_dir / WORKSPACE_KEYS_NAME


def save_workspace_keys(state_dir: Path, access_key: str, secret_key: str, session_token: str = "") -> None:
    """Keep keys for this workspace only (0600). Both halves are required."""
    if not access_key.strip():
        raise InvalidArgument("access_key_id", "is required with a secret access key")
    if not secret_key.strip():
        raise InvalidArgument("secret_access_key", "is required with an access key id")
    parser = configparser.ConfigParser(interpolation=None)
    parser["default"] = {"aws_access_key_id": access_key.strip(), "aws_secret_access_key": secret_key.strip()}
    if session_token:
        parser["default"]["aws_session_token"] = session_token.strip()
    lines = [f"[{section}]\n" + "".join(f"{k} = {v}\n" for k, v in parser[section].items()) for section in parser]
    write_private_file(workspace_keys_path(state_dir), "".join(lines).encode())


def remove_workspace_keys(state_dir: Path) -> None:
    workspace_keys_path(state_dir).unlink(missing_ok=True)


def _from_ini(path: Path, profile: str, source: str, *, field_name: str) -> Credentials | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text())
    except (OSError, UnicodeDecodeError, configparser.Error) as error:
        # the reason only, never the file's lines: the file may be anything, and its text may be secret
        raise InvalidArgument(
            field_name, f"{path} is not a readable AWS-style credentials file ({type(error).__name__})"
        ) from None
    if profile not in parser:
        return None
    section = parser[profile]
    access, secret = section.get("aws_access_key_id", ""), section.get("aws_secret_access_key", "")
    if not access or not secret:
        raise FailedPrecondition(
            f"{field_name}: profile [{profile}] of {path} needs both aws_access_key_id and aws_secret_access_key"
        )
    return Credentials(access, secret, section.get("aws_session_token", ""), source)


def _private_file(path_text: str) -> Path:
    """The credentials file a (loopback) client named: taken as given, ``~`` included (a client expands its
    own home folder; a server never does)."""
    check_text(path_text, "credentials_file")
    path = Path(path_text)
    if not path.is_file():
        raise InvalidArgument("credentials_file", f"{shown(path_text)} is not a file on the backend")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise FailedPrecondition(
            f"{path} is readable by others (mode {mode:o}); run chmod 600 {path} first", field="credentials_file"
        )
    return path


def check_credentials_file(path_text: str) -> None:
    """Refuse a credentials file that is missing or readable by other users (before saving it)."""
    _private_file(path_text)


def resolve(config: RemoteConfig, state_dir: Path, env: Mapping[str, str] | None = None) -> Credentials:
    """The keys to use for ``config``, or CredentialsMissing saying every place that was looked at."""
    env = os.environ if env is None else env
    keys = workspace_keys_path(state_dir)
    if keys.is_file():
        source = "workspace keys (kept by the backend, mode 0600)"
        found = _from_ini(keys, "default", source, field_name="access_key_id")
        if found:
            return found
    profile = config.profile or "default"
    if config.credentials_file:
        path = _private_file(config.credentials_file)
        found = _from_ini(path, profile, f"file {path} [{profile}]", field_name="credentials_file")
        if found is None:
            raise FailedPrecondition(f"no profile [{profile}] in {path}", field="profile")
        return found
    shared = Path(env.get("AWS_SHARED_CREDENTIALS_FILE") or Path.home() / ".aws" / "credentials").expanduser()
    if config.profile:
        if not shared.is_file():
            raise FailedPrecondition(
                f"{shown(config.profile)} was asked for but {shared} does not exist", field="profile"
            )
        found = _from_ini(shared, profile, f"profile {profile} ({shared})", field_name="profile")
        if found is None:
            raise FailedPrecondition(f"no profile [{profile}] in {shared}", field="profile")
        return found
    for access_name, secret_name, token_name in ENV_SOURCES:
        access, secret = env.get(access_name, ""), env.get(secret_name, "")
        if access and secret:
            return Credentials(access, secret, env.get(token_name, ""), f"environment ({access_name})")
        if access or secret:
            missing = secret_name if access else access_name
            raise CredentialsMissing(f"credentials: {missing} is not set (its partner is)")
    if shared.is_file():
        default_profile = env.get("AWS_PROFILE", "default")
        found = _from_ini(shared, default_profile, f"profile {default_profile} ({shared})", field_name="profile")
        if found:
            return found
    raise CredentialsMissing(
        "credentials: no S3 keys for the remote. Set OMNI_S3_ACCESS_KEY_ID and OMNI_S3_SECRET_ACCESS_KEY "
        "(or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) where the backend runs, give --profile or "
        "--credentials-file, or store keys for this workspace with omni remote set --access-key-id"
    )

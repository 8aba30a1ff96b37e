"""Where a workspace's remote is, and how workspace keys map onto its buckets.

Two layouts, after the two systems before this one:

- ``buckets``: one bucket per top-level prefix, named ``BUCKET_PREFIX + training-data | models |
  training-outputs | synthetic-data | evaluation`` (the first system's MinIO). The URL is ``s3://`` alone.
- ``prefix``: one bucket, every key under ``s3://BUCKET/PREFIX/`` (the second system's S3).

The configuration holds no secret; it is saved as ``.omni/remote.json`` in the workspace's state folder.
Every field is checked here, before anything is sent, and a bad one is an ``InvalidArgument`` naming it.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from omni_core.errors import InvalidArgument, shown

CONFIG_NAME = "remote.json"
LAYOUT_BUCKETS = "buckets"
LAYOUT_PREFIX = "prefix"
LAYOUTS = (LAYOUT_BUCKETS, LAYOUT_PREFIX)
#: the top-level prefixes of workspace keys; in the buckets layout, each is a bucket
TOP_PREFIXES = ("training-data", "models", "training-outputs", "synthetic-data", "evaluation")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
_REGION = re.compile(r"^[a-z0-9-]{0,32}$")
_PROFILE = re.compile(r"^[A-Za-z0-9_.+-]{1,64}$")


def check_bucket_name(name: str, *, field: str) -> str:
    """S3's bucket naming rules (3-63 characters, lowercase, digits, dots, hyphens; not an IP address)."""
    if not _BUCKET.match(name) or ".." in name or ".-" in name or "-." in name or _IP.match(name):
        raise InvalidArgument(
            field,
            f"{shown(name)} is not a valid S3 bucket name (3-63 characters: lowercase letters, digits, '.' and '-', "
            "starting and ending with a letter or digit, not an IP address)",
        )
    if name.startswith("xn--") or name.endswith("-s3alias"):
        raise InvalidArgument(field, f"{shown(name)} uses a prefix or suffix S3 reserves")
    return name


@dataclass(frozen=True)
class Endpoint:
    host: str  # host[:port], as the minio SDK takes it
    secure: bool


def parse_endpoint(value: str, region: str) -> Endpoint:
    """``host[:port]`` or ``http(s)://host[:port]``; empty = AWS S3 (of ``region``). Plain hosts are https."""
    if not value:
        return Endpoint(f"s3.{region}.amazonaws.com" if region else "s3.amazonaws.com", True)
    text = value if "://" in value else f"https://{value}"
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise InvalidArgument("endpoint", f"{shown(value)}: use http://HOST:PORT or https://HOST:PORT")
    if not parts.hostname or parts.path not in ("", "/") or parts.query or parts.username:
        raise InvalidArgument("endpoint", f"{shown(value)} is not HOST[:PORT] (no path, query or user)")
    try:
        port = parts.port
    except ValueError:
        raise InvalidArgument("endpoint", f"{shown(value)} has an invalid port") from None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return Endpoint(f"{host}:{port}" if port else host, parts.scheme == "https")


@dataclass(frozen=True)
class RemoteConfig:
    url: str
    endpoint: str = ""
    region: str = ""
    layout: str = ""  # "" = from the URL (checked() fills it)
    bucket_prefix: str = ""
    insecure_tls: bool = False
    profile: str = ""
    credentials_file: str = ""

    # -- what the layout maps to ----------------------------------------------------------------------------

    @property
    def bucket(self) -> str:
        """The one bucket of the prefix layout ("" in the buckets layout)."""
        return urlsplit(self.url).netloc if self.layout == LAYOUT_PREFIX else ""

    @property
    def key_prefix(self) -> str:
        """What the prefix layout puts before every key ("" or ``PREFIX/``)."""
        path = urlsplit(self.url).path.strip("/")
        return f"{path}/" if path and self.layout == LAYOUT_PREFIX else ""

    def buckets(self) -> list[str]:
        if self.layout == LAYOUT_PREFIX:
            return [self.bucket]
        return [f"{self.bucket_prefix}{top}" for top in TOP_PREFIXES]

    def locate(self, key: str) -> tuple[str, str]:
        """(bucket, object name) of a workspace key."""
        if self.layout == LAYOUT_PREFIX:
            return self.bucket, f"{self.key_prefix}{key}"
        top, _, rest = key.partition("/")
        if top not in TOP_PREFIXES or not rest:
            raise InvalidArgument("key", f"{shown(key)} is not under one of {', '.join(TOP_PREFIXES)}")
        return f"{self.bucket_prefix}{top}", rest

    def key_of(self, bucket: str, object_name: str) -> str:
        """The workspace key of an object (the inverse of ``locate``)."""
        if self.layout == LAYOUT_PREFIX:
            return object_name.removeprefix(self.key_prefix)
        return f"{bucket.removeprefix(self.bucket_prefix)}/{object_name}"

    def locations(self) -> list[str]:
        if self.layout == LAYOUT_PREFIX:
            return [f"s3://{self.bucket}/{self.key_prefix}"]
        return [f"s3://{bucket}/" for bucket in self.buckets()]

    def describe(self) -> str:
        where = self.endpoint or "AWS S3"
        if self.layout == LAYOUT_PREFIX:
            return f"s3://{self.bucket}/{self.key_prefix} at {where}"
        return f"buckets {self.bucket_prefix}{{{','.join(TOP_PREFIXES)}}} at {where}"

    # -- reading and writing ---------------------------------------------------------------------------------

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> RemoteConfig:
        data = json.loads(text)
        names = set(cls.__dataclass_fields__)
        return checked(cls(**{k: v for k, v in data.items() if k in names}))


def checked(config: RemoteConfig) -> RemoteConfig:
    """Validate every field (raising InvalidArgument naming it) and fill the layout from the URL."""
    url = config.url.strip()
    parts = urlsplit(url)
    if parts.scheme != "s3" or not url.startswith("s3://"):
        raise InvalidArgument("url", f"{shown(config.url)} is not an s3:// URL (s3:// or s3://BUCKET[/PREFIX])")
    if parts.query or parts.fragment:
        raise InvalidArgument("url", f"{shown(config.url)}: no ?query or #fragment")
    layout = config.layout or (LAYOUT_BUCKETS if not parts.netloc else LAYOUT_PREFIX)
    if layout not in LAYOUTS:
        raise InvalidArgument("layout", f"{shown(layout)} is not a layout ({', '.join(LAYOUTS)})")
    if layout == LAYOUT_PREFIX:
        if not parts.netloc:
            raise InvalidArgument("url", "the prefix layout needs a bucket: s3://BUCKET[/PREFIX]")
        check_bucket_name(parts.netloc, field="url")
        if config.bucket_prefix:
            raise InvalidArgument("bucket_prefix", "only the buckets layout names buckets with a prefix")
        path = parts.path.strip("/")
        if path and any(seg in ("", ".", "..") for seg in path.split("/")):
            raise InvalidArgument("url", f"{shown(config.url)}: the prefix has an empty, '.' or '..' segment")
    else:
        if parts.netloc or parts.path.strip("/"):
            raise InvalidArgument(
                "url",
                f"{shown(config.url)}: with --layout buckets the buckets are --bucket-prefix + "
                f"{', '.join(TOP_PREFIXES)}; give s3:// alone (or use --layout prefix)",
            )
        for top in TOP_PREFIXES:
            check_bucket_name(f"{config.bucket_prefix}{top}", field="bucket_prefix")
    if not _REGION.match(config.region):
        raise InvalidArgument("region", f"{shown(config.region)} is not a region name (e.g. eu-west-1)")
    parse_endpoint(config.endpoint, config.region)
    if config.profile and not _PROFILE.match(config.profile):
        raise InvalidArgument("profile", f"{shown(config.profile)} is not a profile name")
    return replace(config, url=url.rstrip("/") if parts.netloc else "s3://", layout=layout)


def config_path(state_dir: Path) -> Path:
    return state_dir / CONFIG_NAME


def load_config(state_dir: Path) -> RemoteConfig | None:
    """The saved remote of a workspace, or None."""
    path = config_path(state_dir)
    if not path.is_file():
        return None
    return RemoteConfig.from_json(path.read_text())


def save_config(state_dir: Path, config: RemoteConfig) -> None:
    write_private_file(config_path(state_dir), config.to_json().encode())


def remove_config(state_dir: Path) -> None:
    config_path(state_dir).unlink(missing_ok=True)


def write_private_file(path: Path, data: bytes) -> None:
    """Atomically write ``data`` readable by this user only (0600), fsynced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(name, path)
    finally:
        Path(name).unlink(missing_ok=True)

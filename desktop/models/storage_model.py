"""The Storage view's remote form: the fields of ``SetRemoteRequest``, the remote the backend holds now, and
where the server's errors go.

The server checks every field (one definition of the rules); its INVALID_ARGUMENT's field violations land
next to their fields. The secret goes out once: ``take_request()`` hands it over and forgets it, so it is never
kept here after sending nor shown again (the backend only ever answers with a hint of the access key).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from desktop.client.errors import BackendError
from desktop.models.events import Event
from desktop.models.form_errors import FormErrors
from desktop.models.storage_problems import problem_text
from protos.omni.v1 import storage_pb2

LAYOUTS: dict[int, str] = {
    storage_pb2.REMOTE_LAYOUT_UNSPECIFIED: "auto (from the URL)",
    storage_pb2.REMOTE_LAYOUT_BUCKETS: "buckets (one per top-level folder)",
    storage_pb2.REMOTE_LAYOUT_PREFIX: "prefix (one bucket)",
}
SECRET_FIELDS = ("secret_access_key",)


@dataclass
class RemoteFields:
    url: str = "s3://"
    endpoint: str = ""
    region: str = ""
    layout: int = storage_pb2.REMOTE_LAYOUT_UNSPECIFIED
    bucket_prefix: str = ""
    insecure_tls: bool = False
    profile: str = ""
    credentials_file: str = ""
    access_key_id: str = ""
    secret_access_key: str = field(default="", repr=False)


def fields_of(remote: storage_pb2.RemoteConfig) -> RemoteFields:
    """The form for a saved remote (never any key: the backend does not send them back)."""
    if not remote.configured:
        return RemoteFields()
    return RemoteFields(
        url=remote.url,
        endpoint=remote.endpoint,
        region=remote.region,
        layout=remote.layout,
        bucket_prefix=remote.bucket_prefix,
        insecure_tls=remote.insecure_tls,
        profile=remote.profile,
        credentials_file=remote.credentials_file,
    )


def remote_lines(remote: storage_pb2.RemoteConfig) -> list[tuple[str, str]]:
    """(label, value) lines describing the saved remote."""
    if not remote.configured:
        return [("Remote", "none: artifacts stay in this workspace")]
    where = remote.endpoint or (f"AWS S3 ({remote.region})" if remote.region else "AWS S3")
    keys = remote.credentials_source or "not found"
    if remote.access_key_hint:
        keys += f" · access key {remote.access_key_hint}"
    lines = [
        ("Remote", f"{remote.url} · {LAYOUTS.get(remote.layout, 'auto').split(' ')[0]} layout"),
        ("Endpoint", where + (" · certificate not verified" if remote.insecure_tls else "")),
        ("Locations", ", ".join(remote.locations) or "—"),
        ("Keys", keys),
    ]
    if remote.profile or remote.credentials_file:
        lines.append(("Profile", " · ".join(part for part in (remote.profile, remote.credentials_file) if part)))
    return lines


class StorageFormModel(FormErrors):
    def __init__(self) -> None:
        super().__init__()
        self.fields = RemoteFields()
        self.remote = storage_pb2.RemoteConfig()  # what the backend holds; configured=False until loaded
        self.loaded = False
        self.secret_sent = False  # the last save carried a secret: the form no longer has it
        self.dirty = False  # edited since the remote was last loaded or saved
        self.changed: Event[[]] = Event()  # field values (the widgets reload)
        self.remote_changed: Event[[]] = Event()

    # -- values ---------------------------------------------------------------------------------------

    def set(self, name: str, value: Any) -> None:
        if name not in self.field_names():
            raise KeyError(f"the remote form has no field {name!r}")
        if getattr(self.fields, name) == value:
            return
        setattr(self.fields, name, value)
        self.dirty = True
        if name in SECRET_FIELDS:
            self.secret_sent = False
        self._clear_error(name)
        self.changed.emit()

    def field_names(self) -> frozenset[str]:
        return frozenset(f.name for f in dataclasses.fields(RemoteFields))

    def server_field(self, name: str) -> str:
        return {"access_key": "access_key_id", "secret_key": "secret_access_key"}.get(name, name)

    def secret_placeholder(self) -> str:
        if self.secret_sent and self.errors:
            return "sent and forgotten: type it again to save"
        if self.remote.configured and self.remote.access_key_hint:
            return "kept on the backend; type a new one to replace it"
        return "not shown again once saved"

    # -- the remote on the backend --------------------------------------------------------------------

    def load_remote(self, remote: storage_pb2.RemoteConfig, *, keep_edits: bool = False) -> None:
        """The backend's remote: the summary describes it and the form shows it (without keys), unless
        ``keep_edits`` and the form was edited (a refresh must not undo what is being typed)."""
        self.remote = remote
        self.loaded = True
        if not (keep_edits and self.dirty):
            self.fields = fields_of(remote)
            self.dirty = self.secret_sent = False
            self.clear_errors()
        self.changed.emit()
        self.remote_changed.emit()

    def lines(self) -> list[tuple[str, str]]:
        return remote_lines(self.remote) if self.loaded else [("Remote", "loading…")]

    # -- saving ---------------------------------------------------------------------------------------

    def take_request(self) -> storage_pb2.SetRemoteRequest:
        """The SetRemoteRequest to send. The secret leaves the model with it."""
        f = self.fields
        request = storage_pb2.SetRemoteRequest(
            url=f.url.strip(),
            endpoint=f.endpoint.strip(),
            region=f.region.strip(),
            layout=f.layout,  # type: ignore[arg-type]
            bucket_prefix=f.bucket_prefix.strip(),
            insecure_tls=f.insecure_tls,
            profile=f.profile.strip(),
            credentials_file=f.credentials_file.strip(),
            access_key_id=f.access_key_id.strip(),
            secret_access_key=f.secret_access_key,
        )
        self.secret_sent = bool(f.secret_access_key)
        f.secret_access_key = ""
        self.clear_errors()
        self.changed.emit()
        return request

    def saved(self, remote: storage_pb2.RemoteConfig) -> None:
        self.load_remote(remote)

    def save_failed(self, error: BaseException) -> None:
        """Route the server's refusal: a field's error next to it, missing keys as what to do about them."""
        code = error.code if isinstance(error, BackendError) else ""
        if code == "INVALID_ARGUMENT" and isinstance(error, BackendError):
            self.apply_server_error(error)
        elif code == "FAILED_PRECONDITION":
            self._set_errors({}, problem_text(storage_pb2.REMOTE_PROBLEM_CREDENTIALS_MISSING, str(error)))
        else:
            self._set_errors({}, f"Could not save the remote: {error}")
        self.changed.emit()  # the secret's placeholder may say it must be typed again

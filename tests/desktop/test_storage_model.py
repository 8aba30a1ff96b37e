"""The Storage view's models without Qt: what each remote problem tells a user to do, the form as a
SetRemoteRequest, where the server's errors go, the secret forgotten once sent, and the test's steps."""

from __future__ import annotations

import pytest

from desktop.client import BackendError
from desktop.models.remote_check import RemoteCheckModel
from desktop.models.storage_model import StorageFormModel, remote_lines
from desktop.models.storage_problems import SENTENCES, problem_sentence, problem_text
from protos.omni.v1 import storage_pb2
from tests.desktop.refusals import field_refusal

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def saved_remote(**fields: object) -> storage_pb2.RemoteConfig:
    defaults: dict[str, object] = {
        "configured": True,
        "url": "s3://",
        "endpoint": "http://minio.local:9000",
        "layout": storage_pb2.REMOTE_LAYOUT_BUCKETS,
        "bucket_prefix": "omni-",
        "credentials_source": "workspace keys",
        "access_key_hint": "…WXYZ",
        "locations": ["s3://omni-models/", "s3://omni-training-data/"],
    }
    return storage_pb2.RemoteConfig(**{**defaults, **fields})  # type: ignore[arg-type]


def filled_form() -> StorageFormModel:
    model = StorageFormModel()
    model.set("url", " s3://shared/omni ")
    model.set("endpoint", "https://minio.local:9000")
    model.set("region", "eu-west-1")
    model.set("layout", storage_pb2.REMOTE_LAYOUT_PREFIX)
    model.set("insecure_tls", True)
    model.set("profile", "lab")
    model.set("credentials_file", "/srv/omni/aws-credentials")
    model.set("access_key_id", "AKIAEXAMPLEWXYZ")
    model.set("secret_access_key", SECRET)
    return model


# -- problems -------------------------------------------------------------------------------------------


def test_every_problem_has_a_sentence_that_says_what_to_do() -> None:
    problems = [v for v in storage_pb2.RemoteProblem.values() if v != storage_pb2.REMOTE_PROBLEM_UNSPECIFIED]
    assert set(problems) == set(SENTENCES)
    for problem in problems:
        sentence = problem_sentence(problem)
        assert sentence.endswith(".") and len(sentence) < 150, sentence
    assert problem_sentence(storage_pb2.REMOTE_PROBLEM_WRONG_SECRET) == (
        "The secret key does not match the access key. Check the secret."
    )
    assert "Create missing buckets" in problem_sentence(storage_pb2.REMOTE_PROBLEM_BUCKET_MISSING)
    assert "clock" in problem_sentence(storage_pb2.REMOTE_PROBLEM_CLOCK_SKEW)


def test_problem_text_adds_the_servers_detail() -> None:
    assert problem_sentence(storage_pb2.REMOTE_PROBLEM_UNSPECIFIED) == ""
    assert problem_text(storage_pb2.REMOTE_PROBLEM_UNSPECIFIED, "fine") == "fine"
    text = problem_text(storage_pb2.REMOTE_PROBLEM_UNREACHABLE, "connection refused at 127.0.0.1:9")
    assert text.startswith("Nothing answers at the endpoint.") and text.endswith("(connection refused at 127.0.0.1:9)")
    assert problem_sentence(99) == SENTENCES[storage_pb2.REMOTE_PROBLEM_OTHER]  # a newer server's problem


# -- the form -------------------------------------------------------------------------------------------


def test_form_becomes_a_set_remote_request() -> None:
    request = filled_form().take_request()
    assert request == storage_pb2.SetRemoteRequest(
        url="s3://shared/omni",
        endpoint="https://minio.local:9000",
        region="eu-west-1",
        layout=storage_pb2.REMOTE_LAYOUT_PREFIX,
        insecure_tls=True,
        profile="lab",
        credentials_file="/srv/omni/aws-credentials",
        access_key_id="AKIAEXAMPLEWXYZ",
        secret_access_key=SECRET,
    )
    assert StorageFormModel().take_request() == storage_pb2.SetRemoteRequest(url="s3://")


def test_the_secret_leaves_the_model_with_the_request() -> None:
    model = filled_form()
    changes: list[str] = []
    model.changed.connect(lambda: changes.append(model.fields.secret_access_key))
    assert SECRET not in repr(model.fields)
    assert model.take_request().secret_access_key == SECRET
    assert model.fields.secret_access_key == "" and changes[-1] == ""
    assert SECRET not in repr(vars(model))

    model.saved(saved_remote(url="s3://shared/omni", layout=storage_pb2.REMOTE_LAYOUT_PREFIX, bucket_prefix=""))
    assert model.fields.secret_access_key == "" and model.fields.access_key_id == ""  # the backend keeps them
    assert model.fields.url == "s3://shared/omni" and not model.dirty
    assert "kept on the backend" in model.secret_placeholder()


def test_a_refused_save_asks_for_the_secret_again() -> None:
    model = filled_form()
    model.take_request()
    model.save_failed(field_refusal("url", "'http://x' is not an s3:// URL"))
    assert model.fields.secret_access_key == ""
    assert "type it again" in model.secret_placeholder()
    model.set("secret_access_key", SECRET)
    assert "type it again" not in model.secret_placeholder()


@pytest.mark.parametrize(
    ("field", "why"),
    [
        ("url", "'http://x' is not an s3:// URL (s3:// or s3://BUCKET[/PREFIX])"),
        ("bucket_prefix", "'Omni_models' is not a valid S3 bucket name"),
        ("endpoint", "'ftp://x' : use http://HOST:PORT or https://HOST:PORT"),
        ("region", "'EU WEST' is not a region name (e.g. eu-west-1)"),
        ("secret_access_key", "is required with an access key id"),
        ("credentials_file", "/tmp/c is readable by others; chmod 600 it"),
    ],
)
def test_server_field_errors_go_next_to_their_field(field: str, why: str) -> None:
    model = filled_form()
    model.take_request()
    model.save_failed(field_refusal(field, why))
    assert model.errors == {field: why} and model.general_error == ""
    model.set(field, True if field == "insecure_tls" else "edited")
    assert model.errors == {}


def test_other_refusals_are_general_errors_in_words() -> None:
    model = filled_form()
    model.save_failed(BackendError("FAILED_PRECONDITION", "no keys: set OMNI_S3_ACCESS_KEY_ID or give keys"))
    assert model.errors == {}
    assert model.general_error.startswith("No keys were found for this remote.")
    assert model.general_error.endswith("(no keys: set OMNI_S3_ACCESS_KEY_ID or give keys)")
    model.save_failed(field_refusal("selection", "not a field of this form"))
    assert model.errors == {} and model.general_error == "selection: not a field of this form"
    model.save_failed(BackendError("UNAVAILABLE", "the backend at 127.0.0.1:1 is not reachable"))
    assert model.general_error == "Could not save the remote: the backend at 127.0.0.1:1 is not reachable"


def test_a_refresh_keeps_what_is_being_typed() -> None:
    model = StorageFormModel()
    model.load_remote(saved_remote())
    assert model.fields.endpoint == "http://minio.local:9000" and model.fields.bucket_prefix == "omni-"
    model.set("endpoint", "http://other:9000")
    model.load_remote(saved_remote(endpoint="http://third:9000"), keep_edits=True)
    assert model.fields.endpoint == "http://other:9000"  # the user's edit stays
    assert model.remote.endpoint == "http://third:9000"  # the summary is the backend's
    model.load_remote(storage_pb2.RemoteConfig())
    assert model.fields.url == "s3://" and model.fields.endpoint == "" and not model.remote.configured


def test_remote_lines_describe_the_saved_remote() -> None:
    assert remote_lines(storage_pb2.RemoteConfig()) == [("Remote", "none: artifacts stay in this workspace")]
    lines = dict(remote_lines(saved_remote(insecure_tls=True)))
    assert lines["Remote"] == "s3:// · buckets layout"
    assert lines["Endpoint"] == "http://minio.local:9000 · certificate not verified"
    assert lines["Locations"] == "s3://omni-models/, s3://omni-training-data/"
    assert lines["Keys"] == "workspace keys · access key …WXYZ"
    assert dict(remote_lines(saved_remote(endpoint="", region="eu-west-1")))["Endpoint"] == "AWS S3 (eu-west-1)"


# -- "Test connection" ----------------------------------------------------------------------------------


def step(
    name: str, ok: bool = True, millis: float = 3.25, detail: str = "", problem: int = 0
) -> storage_pb2.RemoteCheckStep:
    return storage_pb2.RemoteCheckStep(name=name, ok=ok, millis=millis, detail=detail, problem=problem)  # type: ignore[arg-type]


def test_check_steps_and_summary() -> None:
    model = RemoteCheckModel()
    model.start()
    assert model.summary() == "Testing the connection…" and model.rows() == []
    names = ("reach", "credentials", "buckets", "write", "read", "delete")
    steps = [step(n, detail=f"{n} fine") for n in names]
    model.finished(storage_pb2.RemoteCheck(ok=True, steps=steps, round_trip_ms=1.84))
    assert model.ok is True
    assert model.summary() == "All 6 steps passed · round trip 1.8 ms."
    rows = model.rows()
    assert [row.cells[:3] for row in rows] == [(n, "ok", "3.2 ms") for n in names]
    assert rows[0].tone(1) == "good" and rows[0].cells[3] == "reach fine"


def test_a_failed_step_says_what_to_do() -> None:
    model = RemoteCheckModel()
    wrong = step("credentials", False, 12.0, "the signature was refused", storage_pb2.REMOTE_PROBLEM_WRONG_SECRET)
    model.finished(
        storage_pb2.RemoteCheck(ok=False, steps=[step("reach"), wrong], problem=storage_pb2.REMOTE_PROBLEM_WRONG_SECRET)
    )
    assert model.ok is False
    assert model.summary() == ("Failed at credentials: The secret key does not match the access key. Check the secret.")
    failed = model.rows()[1]
    assert failed.cells[:3] == ("credentials", "failed", "12 ms") and failed.tone(1) == "bad"
    assert failed.cells[3] == (
        "The secret key does not match the access key. Check the secret. (the signature was refused)"
    )
    model.failed(BackendError("DEADLINE_EXCEEDED", "the backend did not answer in time"))
    assert model.summary() == "The test could not run: the backend did not answer in time" and model.rows() == []
    model.clear()
    assert model.summary() == "" and model.ok is None

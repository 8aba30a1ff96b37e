"""SynthFormModel: defaults, checks that mirror the server's, the JobSpec, server errors — without Qt."""

from __future__ import annotations

import pytest

from desktop.models import FormInvalid, SynthFormModel
from protos.omni.v1 import synthetic_pb2
from tests.desktop.refusals import field_refusal

DESCRIPTION = synthetic_pb2.DescribeSyntheticResponse(
    degradations=[
        synthetic_pb2.DegradationInfo(name="blur", description="soft focus"),
        synthetic_pb2.DegradationInfo(name="noise", description="sensor noise"),
        synthetic_pb2.DegradationInfo(name="jpeg", description="compression blocks"),
    ],
    default_classes=["dent", "rust"],
    min_size=64,
    max_size=4096,
    max_count=1_000_000,
    domains=["photo", "document"],
)


@pytest.fixture
def form() -> SynthFormModel:
    model = SynthFormModel()
    model.set_description(DESCRIPTION)
    return model


def test_defaults_are_valid_and_choose_every_degradation(form: SynthFormModel) -> None:
    assert form.restoration.degradations == ["blur", "noise", "jpeg"]
    assert form.restoration.out.startswith("synthetic-data/restoration-")
    assert form.validate() == {}
    form.set_kind("detection")
    assert form.validate() == {}


def test_restoration_spec(form: SynthFormModel) -> None:
    form.set("count", 5)
    form.set("size", 64)
    form.set("out", " /tmp/out ")
    form.set_degradation("noise", False)
    form.set("seed", 7)
    form.set("max_degradations", 2)
    spec = form.job_spec()
    assert spec.WhichOneof("spec") == "synth_restoration"
    r = spec.synth_restoration
    assert (r.count, r.out, r.size, list(r.degradations)) == (5, "/tmp/out", 64, ["blur", "jpeg"])
    assert (r.seed, r.max_degradations) == (7, 2)


def test_detection_spec(form: SynthFormModel) -> None:
    form.set_kind("detection")
    form.set("classes", "dent, rust ,, mold")
    form.set("val_fraction", 0.25)
    d = form.job_spec().synth_detection
    assert list(d.classes) == ["dent", "rust", "mold"]
    assert d.val_fraction == 0.25 and d.size == 640
    form.set("classes", "")
    assert form.class_names() == ["dent", "rust"]  # the backend's defaults


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("count", 0, "between 1 and 1000000"),
        ("size", 32, "between 64 and 4096"),
        ("size", 5000, "between 64 and 4096"),
        ("out", "  ", "output folder is required"),
        ("max_degradations", 4, "between 1 and 3"),
        ("seed", -1, "between 0 and"),
        ("degradations", ["blur", "sepia"], "unknown degradation 'sepia'"),
        ("degradations", [], "at least one degradation"),
    ],
)
def test_restoration_checks(form: SynthFormModel, field: str, value: object, message: str) -> None:
    form.set(field, value)
    errors = form.validate()
    assert list(errors) == [field]
    assert message in errors[field]
    with pytest.raises(FormInvalid) as raised:
        form.job_spec()
    assert field in raised.value.errors


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("classes", "dent, bad name", "must not contain whitespace"),
        ("classes", "a:b", "must not contain whitespace or ':'"),
        ("classes", "dent, dent", "listed twice"),
        ("val_fraction", 1.0, "must be in [0, 1)"),
        ("val_fraction", float("nan"), "must be a finite number"),
        ("max_objects", 51, "between 1 and 50"),
    ],
)
def test_detection_checks(form: SynthFormModel, field: str, value: object, message: str) -> None:
    form.set_kind("detection")
    form.set(field, value)
    errors = form.validate()
    assert list(errors) == [field] and message in errors[field]


def test_setting_a_field_clears_its_error_only(form: SynthFormModel) -> None:
    form.set("count", 0)
    form.set("size", 1)
    form.validate()
    fired: list[dict[str, str]] = []
    form.errors_changed.connect(lambda: fired.append(dict(form.errors)))
    form.set("count", 3)
    assert list(form.errors) == ["size"]
    assert fired == [{"size": form.errors["size"]}]


def test_server_errors_land_on_their_field(form: SynthFormModel) -> None:
    form.apply_server_error(field_refusal("out", "'/data' already holds 3 entries", "FAILED_PRECONDITION"))
    assert form.errors == {"out": "'/data' already holds 3 entries"}
    form.apply_server_error(field_refusal("spec.size", "previews are at most 2048 pixels"))
    assert form.errors["size"] == "previews are at most 2048 pixels"
    form.apply_server_error("the backend at h:1 is not reachable")
    assert form.general_error == "the backend at h:1 is not reachable"
    form.set("out", "elsewhere")
    assert "out" not in form.errors and form.general_error == ""
    form.set_kind("detection")
    assert form.errors == {}  # errors belong to the form they were found in


def test_degradation_ticks_keep_the_described_order(form: SynthFormModel) -> None:
    form.set_degradation("blur", False)
    form.set_degradation("blur", True)
    assert form.restoration.degradations == ["blur", "noise", "jpeg"]
    form.set_kind("detection")
    form.set_degradation("jpeg", False)  # the restoration form, whichever tab is current
    assert form.restoration.degradations == ["blur", "noise"]


def test_before_describe_nothing_is_checked_against_the_server_list() -> None:
    form = SynthFormModel()
    assert form.restoration.degradations == []
    assert form.validate() == {}
    assert list(form.job_spec().synth_restoration.degradations) == []  # = all, on the server


def test_unknown_field_is_a_programming_error(form: SynthFormModel) -> None:
    with pytest.raises(KeyError):
        form.set("colour", "red")
    with pytest.raises(ValueError, match="unknown kind"):
        form.set_kind("segmentation")  # type: ignore[arg-type]


def test_renew_out_gives_a_fresh_folder(form: SynthFormModel) -> None:
    form.set("out", "synthetic-data/restoration-old")
    form.renew_out()
    assert form.restoration.out != "synthetic-data/restoration-old"
    assert form.restoration.out.startswith("synthetic-data/restoration-")


def test_pairs_from_my_own_images(form: SynthFormModel) -> None:
    form.set("source", " /photos/holiday ")
    form.set("count", 0)  # every image
    form.set("size", 5)  # not used for own images: no error
    form.set("domain", "document")
    form.set("count_per_image", 3)
    form.set("crop", 256)
    r = form.job_spec().synth_restoration
    assert (r.source, r.domain, r.count_per_image, r.crop, r.count) == ("/photos/holiday", "document", 3, 256, 0)
    assert r.size == 0 and not r.degradations
    for field, value, message in (
        ("domain", "x-ray", "choose one of photo, document"),
        ("count_per_image", 0, "between 1 and 1000"),
        ("crop", 8, "between 16 and 4096 (0 = whole image), got 8"),
    ):
        form.set(field, value)
        assert message in form.validate()[field]
        form.set(field, {"domain": "photo", "count_per_image": 1, "crop": 0}[field])
    assert form.validate() == {}

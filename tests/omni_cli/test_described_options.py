"""The CLI's job options come from the described parameters: ``--help`` shows the described default and range, and
a value outside the range is refused by the CLI, naming the option, before any backend is involved."""

from __future__ import annotations

import argparse

import pytest

from omni_cli.main import build_parser
from omni_core.jobkinds import (
    DETECT_BATCH,
    RESTORE_BATCH,
    SYNTH_DETECTION,
    SYNTH_RESTORATION,
    TRAIN_DETECTION,
    TRAIN_RESTORATION,
)


def _help(capsys: pytest.CaptureFixture[str], *command: str) -> str:
    with pytest.raises(SystemExit):
        build_parser().parse_args([*command, "--help"])
    return " ".join(capsys.readouterr().out.split())  # argparse wraps lines


def test_help_shows_the_described_default_and_range(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys, "train", "restoration")
    epochs = TRAIN_RESTORATION["epochs"]
    assert f"{epochs.help}; between 1 and 100000; default {epochs.default}" in text
    assert "--preset {tiny,mini,small,base,auto}" in text
    assert "default 128" in text and "in (0, 1]; default 0.0001" in text
    detection = _help(capsys, "train", "detection")
    assert "a multiple of 32 between 32 and 4096; default 640" in detection
    assert f"default {TRAIN_DETECTION['model'].default}" in detection
    synth = _help(capsys, "synth", "detection")
    assert f"between 1 and 50; default {SYNTH_DETECTION['max_objects'].default}" in synth


def test_parsed_defaults_are_the_described_ones() -> None:
    args = build_parser().parse_args(["train", "restoration", "--data", "d"])
    for name in ("epochs", "batch_size", "lr", "patch", "val_split", "device", "loss", "start_from"):
        assert getattr(args, name) == TRAIN_RESTORATION[name].default, name
    assert args.layer is None and args.preset is None  # not given: the backend's default, or --start-from's network
    tuned = build_parser().parse_args(["train", "restoration", "--data", "d", "--start-from", "v", "--preset", "MINI"])
    assert (tuned.start_from, tuned.preset) == ("v", "mini")
    assert args.workers == TRAIN_RESTORATION["num_workers"].default
    synth = build_parser().parse_args(["synth", "restoration", "--out", "o"])
    assert synth.size == SYNTH_RESTORATION["size"].default
    assert build_parser().parse_args(["train", "detection", "--preset", "few-photos"]).preset == "few_photos"


@pytest.mark.parametrize(
    ("command", "option", "value", "message"),
    [
        (["train", "restoration"], "--epochs", "0", "must be between 1 and 100000, got 0"),
        (["train", "restoration"], "--lr", "2", "must be in (0, 1], got 2"),
        (
            ["train", "restoration"],
            "--preset",
            "huge",
            "unknown preset 'huge'; choose one of tiny, mini, small, base, auto",
        ),
        (["train", "restoration"], "--workers", "65", "must be between -1 and 64"),
        (["train", "detection"], "--imgsz", "650", "must be a multiple of 32 between 32 and 4096, got 650"),
        (["synth", "detection", "--out", "o"], "--max-objects", "51", "must be between 1 and 50, got 51"),
        (["synth", "restoration", "--out", "o"], "--crop", "8", "must be between 16 and 4096"),
        (["synth", "restoration"], "--domain", "x-ray", "unknown domain 'x-ray'; choose one of photo, document"),
        (["restore", "in", "out"], "--quality", "101", "must be between 1 and 100, got 101"),
        (["restore", "in", "out"], "--tile", "32", "must be between 64 and 8192 (0 = whole images), got 32"),
        (["restore", "in", "out"], "--overlap", "-1", "must be between 0 and 2147483647 (0 = none), got -1"),
        (["restore", "in", "out"], "--batch-size", "65", "must be between 1 and 64 (0 = auto), got 65"),
        (["restore", "in", "out"], "--format", "gif", "unknown format 'gif'; choose one of same, png, jpg, webp"),
        (["detect", "in", "out"], "--conf", "1.5", "must be in (0, 1), got 1.5"),
        (["detect", "in", "out"], "--max-det", "0", "must be between 1 and 10000, got 0"),
        (["prelabel", "ds"], "--iou", "0", "must be in (0, 1], got 0"),
    ],
)
def test_a_value_outside_the_range_is_refused_naming_the_option(
    capsys: pytest.CaptureFixture[str], command: list[str], option: str, value: str, message: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args([*command, option, value])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert f"argument {option}: {message}" in error


def test_restore_help_shows_the_described_defaults_in_the_clis_words(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys, "restore")
    k = RESTORE_BATCH
    assert f"{k['quality'].help}; between 1 and 100; default {k['quality'].default}" in text
    assert f"default {k['overlap'].default}" in text and "(0 = none)" in text  # the CLI's 0, the spec's -1
    assert "between 64 and 8192 (0 = whole images); default auto: as large as the device's memory holds" in text
    assert "--format {same,png,jpg,webp}" in text and f"default {k['format'].default}" in text
    assert "between 1 and 64 (0 = auto); default 0 (auto)" in text
    assert "--require-provider {tensorrt,cuda,cpu}" in text


def test_detect_and_prelabel_take_batch_detections_defaults() -> None:
    parse = build_parser().parse_args
    detect, prelabel = parse(["detect", "in", "out"]), parse(["prelabel", "ds"])
    for name in ("model", "conf", "iou", "max_det", "require_provider"):
        assert getattr(detect, name) == DETECT_BATCH[name].default, name
    assert (prelabel.conf, prelabel.iou) == (DETECT_BATCH["conf"].default, DETECT_BATCH["iou"].default)


def test_restore_parses_into_the_specs_values() -> None:
    parse = build_parser().parse_args
    args = parse(["restore", "in", "out"])
    for name in ("model", "layer", "tile", "overlap", "format", "quality", "batch_size", "require_provider"):
        assert getattr(args, name) == RESTORE_BATCH[name].default, name
    whole = parse(["restore", "in", "out", "--tile", "0", "--overlap", "0", "--format", "JPG"])
    assert (whole.tile, whole.overlap, whole.format) == (-1, -1, "jpg")  # whole images, no overlap
    sized = parse(["restore", "in", "out", "--tile", "128", "--overlap", "16", "--layer", "1"])
    assert (sized.tile, sized.overlap, sized.layer) == (128, 16, 1)


def test_a_number_that_is_not_one_is_refused_too(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "restoration", "--epochs", "ten"])
    assert "argument --epochs: must be a whole number, got 'ten'" in capsys.readouterr().err
    assert isinstance(build_parser(), argparse.ArgumentParser)

"""The CLI's job options come from the described parameters: ``--help`` shows the described default and range, and
a value outside the range is refused by the CLI, naming the option, before any backend is involved."""

from __future__ import annotations

import argparse

import pytest

from omni_cli.main import build_parser
from omni_core.jobkinds import SYNTH_DETECTION, SYNTH_RESTORATION, TRAIN_DETECTION, TRAIN_RESTORATION


def _help(capsys: pytest.CaptureFixture[str], *command: str) -> str:
    with pytest.raises(SystemExit):
        build_parser().parse_args([*command, "--help"])
    return " ".join(capsys.readouterr().out.split())  # argparse wraps lines


def test_help_shows_the_described_default_and_range(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys, "train", "restoration")
    epochs = TRAIN_RESTORATION["epochs"]
    assert f"{epochs.help}; between 1 and 100000; default {epochs.default}" in text
    assert "--preset {tiny,mini,small,base}" in text
    assert "default 128" in text and "in (0, 1]; default 0.0001" in text
    detection = _help(capsys, "train", "detection")
    assert "a multiple of 32 between 32 and 4096; default 640" in detection
    assert f"default {TRAIN_DETECTION['model'].default}" in detection
    synth = _help(capsys, "synth", "detection")
    assert f"between 1 and 50; default {SYNTH_DETECTION['max_objects'].default}" in synth


def test_parsed_defaults_are_the_described_ones() -> None:
    args = build_parser().parse_args(["train", "restoration", "--data", "d"])
    for name in ("epochs", "batch_size", "lr", "patch", "val_split", "preset", "device", "loss", "layer"):
        assert getattr(args, name) == TRAIN_RESTORATION[name].default, name
    assert args.workers == TRAIN_RESTORATION["num_workers"].default
    synth = build_parser().parse_args(["synth", "restoration", "--out", "o"])
    assert synth.size == SYNTH_RESTORATION["size"].default
    assert build_parser().parse_args(["train", "detection", "--preset", "few-photos"]).preset == "few_photos"


@pytest.mark.parametrize(
    ("command", "option", "value", "message"),
    [
        (["train", "restoration"], "--epochs", "0", "must be between 1 and 100000, got 0"),
        (["train", "restoration"], "--lr", "2", "must be in (0, 1], got 2"),
        (["train", "restoration"], "--preset", "huge", "unknown preset 'huge'; choose one of tiny, mini, small, base"),
        (["train", "restoration"], "--workers", "65", "must be between -1 and 64"),
        (["train", "detection"], "--imgsz", "650", "must be a multiple of 32 between 32 and 4096, got 650"),
        (["synth", "detection", "--out", "o"], "--max-objects", "51", "must be between 1 and 50, got 51"),
        (["synth", "restoration", "--out", "o"], "--crop", "8", "must be between 16 and 4096"),
        (["synth", "restoration"], "--domain", "x-ray", "unknown domain 'x-ray'; choose one of photo, document"),
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


def test_a_number_that_is_not_one_is_refused_too(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "restoration", "--epochs", "ten"])
    assert "argument --epochs: must be a whole number, got 'ten'" in capsys.readouterr().err
    assert isinstance(build_parser(), argparse.ArgumentParser)

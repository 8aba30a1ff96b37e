"""TrainingRunModel, the run list helpers and the job-finish watcher, from scripted events, without Qt."""

from __future__ import annotations

from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from desktop.models import JobsModel
from desktop.models.job_watch import JobFinishWatcher
from desktop.models.training_run import (
    STEP_LOSS,
    TRAIN_LOSS,
    VAL_LOSS,
    VAL_PSNR,
    VAL_SSIM,
    TrainingRunModel,
    parse_baseline,
)
from desktop.models.training_runs import default_run, model_version, report_id, run_label
from protos.omni.v1 import jobs_pb2, training_pb2

S = jobs_pb2
STEPS_PER_EPOCH = 3
EPOCHS = 4


def ev(seq: int, **payload: Any) -> S.JobEvent:
    return S.JobEvent(job_id="j", seq=seq, time=Timestamp(seconds=1_700_000_000 + seq), **payload)


def log(seq: int, message: str) -> S.JobEvent:
    return ev(seq, log=S.LogLine(level=S.LogLine.LEVEL_INFO, message=message))


def epoch_metrics(seq: int, epoch: int, loss: float) -> list[S.JobEvent]:
    step = epoch * STEPS_PER_EPOCH
    values = {TRAIN_LOSS: loss, VAL_LOSS: loss + 0.01, VAL_PSNR: 20.0 + epoch, VAL_SSIM: 0.5 + epoch / 100}
    return [
        ev(seq + i, metric=S.Metric(name=name, value=value, step=step, epoch=epoch))
        for i, (name, value) in enumerate(values.items())
    ]


def script(epochs: int = 2, first_seq: int = 1) -> list[S.JobEvent]:
    """What the trainer emits: state, data and baseline logs, per-step loss and progress, per-epoch metrics."""
    events = [
        ev(first_seq, state=S.StateChange(state=S.JOB_STATE_RUNNING)),
        log(first_seq + 1, "degraded input: PSNR 21.50 dB, SSIM 0.8100"),
    ]
    total = EPOCHS * STEPS_PER_EPOCH
    for epoch in range(1, epochs + 1):
        for step in range((epoch - 1) * STEPS_PER_EPOCH + 1, epoch * STEPS_PER_EPOCH + 1):
            seq = first_seq + len(events)
            events.append(ev(seq, metric=S.Metric(name=STEP_LOSS, value=1.0 / step, step=step, epoch=epoch)))
            events.append(
                ev(
                    seq + 1,
                    progress=S.Progress(
                        done=step, total=total, eta_seconds=30, unit="steps", message=f"epoch {epoch}/{EPOCHS}"
                    ),
                )
            )
        events += epoch_metrics(first_seq + len(events), epoch, loss=1.0 / epoch)
    return events


def test_events_become_series_progress_and_log() -> None:
    run = TrainingRunModel()
    run.follow("j")
    assert run.add_events("j", script(epochs=2)) == len(script(epochs=2))
    assert run.state == S.JOB_STATE_RUNNING
    assert run.baseline == (21.5, 0.81)
    assert run.steps_per_epoch == STEPS_PER_EPOCH
    xs, ys = run.step_losses()
    assert xs == [step / STEPS_PER_EPOCH for step in range(1, 7)]  # in epochs, to share the epoch axis
    assert ys == [1.0 / step for step in range(1, 7)]
    assert run.epoch_series(TRAIN_LOSS) == ([1.0, 2.0], [1.0, 0.5])
    assert run.epoch_series(VAL_PSNR) == ([1.0, 2.0], [21.0, 22.0])
    assert run.epochs_done == 2
    assert run.progress_text() == "epoch 2/4 · 50% · ETA 30s"
    assert run.progress_fraction() == 0.5
    assert run.latest_epoch_text() == "epoch 2: loss 0.5000 (val 0.5100) · PSNR 22.00 dB · SSIM 0.5200"
    assert [line.split("  ", 1)[1] for line in run.log_lines] == [
        "state running",
        "degraded input: PSNR 21.50 dB, SSIM 0.8100",
    ]


def test_a_replay_never_duplicates_points() -> None:
    run = TrainingRunModel()
    run.follow("j")
    events = script(epochs=2)
    run.add_events("j", events[:10])
    counted = {"series": 0, "log": 0}
    run.series_changed.connect(lambda: counted.__setitem__("series", counted["series"] + 1))
    run.log_added.connect(lambda lines: counted.__setitem__("log", counted["log"] + len(lines)))
    # a reconnect replays from seq 0 (WatchJob after_seq=0): the first 10 are seen already
    assert run.add_events("j", events) == len(events) - 10
    assert run.add_events("j", events) == 0
    assert run.point_count == 6 + 2 * 4
    assert counted["log"] == 0  # both log lines were in the first 10
    assert len(run.log_lines) == 2


def test_a_resumed_run_is_one_run() -> None:
    """The resumed job re-emits the epochs it inherits and redoes the steps after the checkpoint."""
    run = TrainingRunModel()
    run.follow("child")
    parent = [*script(epochs=2), ev(100, state=S.StateChange(state=S.JOB_STATE_CANCELLED, message="cancelled"))]
    run.add_events("parent", parent)
    assert run.state == S.JOB_STATE_UNSPECIFIED  # the parent's state is not the run's
    assert run.epochs_done == 2
    child = [
        ev(1, state=S.StateChange(state=S.JOB_STATE_RUNNING)),
        log(2, "resumed from job parent after epoch 2"),
        *epoch_metrics(3, 1, loss=1.0),  # inherited history, re-emitted with new seqs
        *epoch_metrics(7, 2, loss=0.5),
        ev(11, metric=S.Metric(name=STEP_LOSS, value=0.2, step=7, epoch=3)),
        ev(12, metric=S.Metric(name=STEP_LOSS, value=0.1, step=6, epoch=2)),  # a redone step replaces its value
        *epoch_metrics(13, 3, loss=0.25),
    ]
    run.add_events("child", child)
    assert run.state == S.JOB_STATE_RUNNING
    assert run.epoch_series(TRAIN_LOSS) == ([1.0, 2.0, 3.0], [1.0, 0.5, 0.25])
    xs, ys = run.step_losses()
    assert len(xs) == 7 and ys[-2:] == [0.1, 0.2]
    assert xs == sorted(xs)
    lines = list(run.log_lines)
    assert lines[0] == "── parent ──"
    assert "── child ──" in lines
    assert lines.index("── child ──") > lines.index(next(line for line in lines if "state cancelled" in line))


def test_events_of_another_run_or_before_following_are_ignored() -> None:
    run = TrainingRunModel()
    assert run.add_events("j", script()) == 0
    run.follow("j")
    run.add_events("j", script())
    run.follow("k")
    assert run.point_count == 0 and not run.log_lines and run.baseline is None


def test_job_snapshot_gives_outputs_and_final_state() -> None:
    run = TrainingRunModel()
    run.follow("j")
    run.add_events("j", script(epochs=4))
    done = S.Job(
        id="j",
        kind="train_restoration",
        state=S.JOB_STATE_SUCCEEDED,
        last_seq=999,
        outputs={"model_version": "restoration_layer1_x", "report": "j"},
    )
    run.set_job(done)
    assert run.finished and run.progress_text() == "succeeded · 4 epochs" and run.progress_fraction() == 1.0
    assert report_id(run.job) == "j" and model_version(run.job) == "restoration_layer1_x"
    stale = S.Job(id="j", state=S.JOB_STATE_RUNNING, last_seq=5)
    run.set_job(stale)  # an older snapshot does not take the state back
    assert run.state == S.JOB_STATE_SUCCEEDED


def test_progress_text_while_not_training() -> None:
    run = TrainingRunModel()
    run.follow("j")
    run.add_events(
        "j",
        [
            ev(1, state=S.StateChange(state=S.JOB_STATE_RUNNING)),
            ev(2, progress=S.Progress(done=0, total=0, eta_seconds=-1, message="checking the data")),
        ],
    )
    assert run.progress_fraction() is None and run.progress_text() == "checking the data"
    run.add_events("j", [ev(3, state=S.StateChange(state=S.JOB_STATE_FAILED, message="data: no valid pairs"))])
    assert run.progress_text() == "failed · no epoch finished" and run.state_message == "data: no valid pairs"


def test_parse_baseline() -> None:
    assert parse_baseline("degraded input: PSNR 17.09 dB, SSIM 0.7730") == (17.09, 0.773)
    assert parse_baseline("degraded input: PSNR inf dB, SSIM 1.0000") is None
    assert parse_baseline("epoch 1: loss 0.2") is None


def train_job(job_id: str, created: int, state: S.JobState, **spec: Any) -> S.Job:
    return S.Job(
        id=job_id,
        kind="train_restoration",
        state=state,
        created_at=Timestamp(seconds=created),
        spec=S.JobSpec(train_restoration=training_pb2.TrainRestorationSpec(**spec)),
        progress=S.Progress(done=3, total=12),
        last_seq=1,
    )


def test_run_labels_and_the_default_run() -> None:
    running = train_job("b", 2, S.JOB_STATE_RUNNING, layer=1, epochs=4)
    done = train_job("a", 1, S.JOB_STATE_SUCCEEDED)
    label = run_label(running)
    assert " · layer 1 tiny · 4 epochs · running 25%" in label
    assert run_label(done).endswith("layer 2 tiny · 10 epochs · succeeded")  # zeros read as the server's defaults
    assert default_run([done, running]) is running
    assert default_run([done]) is done
    assert default_run([]) is None


def test_finish_watcher_fires_once_for_jobs_seen_running() -> None:
    jobs = JobsModel()
    watcher = JobFinishWatcher(jobs, ["train_restoration"])
    finished: list[str] = []
    watcher.finished.connect(lambda job: finished.append(job.id))
    jobs.upsert(train_job("old", 1, S.JOB_STATE_SUCCEEDED))  # final when first seen: no event
    jobs.upsert(train_job("new", 2, S.JOB_STATE_RUNNING))
    other = S.Job(id="synth", kind="synth_restoration", state=S.JOB_STATE_RUNNING, last_seq=1)
    jobs.upsert(other)
    later = train_job("new", 2, S.JOB_STATE_SUCCEEDED)
    later.last_seq = 2
    jobs.upsert(later)
    jobs.upsert(later)  # the same snapshot again
    other_done = S.Job(id="synth", kind="synth_restoration", state=S.JOB_STATE_SUCCEEDED, last_seq=2)
    jobs.upsert(other_done)
    assert finished == ["new"]

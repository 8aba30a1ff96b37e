"""The worker-process kit with real children: messages both ways, a child that dies, a parent that dies, and
how an exception in a child is worded."""

from __future__ import annotations

import time

import psutil
import pytest

from backend.jobs.outcome import RunEnd
from backend.processes.messages import Done, End, Failed, Image, Result
from backend.processes.outcome import Outcome, outcome
from backend.processes.spawn import ChildGone, spawn
from omni_core.errors import JobCancelled, ResourceExhausted
from tests.backend.processes import children

WAIT_S = 30.0


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_messages_go_both_ways_until_end() -> None:
    child = spawn(children.echo, name="kit-test-echo")
    try:
        child.send(Image("a.png", b"abc"))
        child.send(Image("b.png", b"12345", reference=b"ref"))
        child.send(End())
        assert child.poll(WAIT_S)
        assert child.receive() == Result({"key": "a.png", "size": 3}, b"cba")
        assert child.receive() == Result({"key": "b.png", "size": 5}, b"54321")
        assert child.receive() == Done({"answered": 2})
        child.process.join(WAIT_S)
        assert child.process.exitcode == 0
    finally:
        child.terminate()


def test_a_child_that_dies_is_a_typed_error_not_a_hang() -> None:
    child = spawn(children.die, name="kit-test-die", code=3)
    try:
        child.send(End())
        assert child.poll(WAIT_S)
        with pytest.raises(ChildGone):
            child.receive()
        child.process.join(WAIT_S)
        assert child.process.exitcode == 3
        with pytest.raises(OSError):  # ChildGone, a ConnectionError: callers' ``except OSError`` keeps working
            child.send(End())
    finally:
        child.terminate()


def test_a_child_ends_when_its_parent_dies() -> None:
    middle = spawn(children.middle, name="kit-test-middle", daemon=False)
    try:
        assert middle.poll(WAIT_S)
        grandchild: int = middle.receive()
        assert psutil.pid_exists(grandchild) and not _gone(grandchild)
        middle.process.kill()  # SIGKILL: the middle process runs no cleanup, only the watchdog can end its child
        deadline = time.monotonic() + WAIT_S
        while not _gone(grandchild) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _gone(grandchild)
    finally:
        middle.terminate()
        if not _gone(grandchild):
            psutil.Process(grandchild).kill()


def test_an_exception_in_a_child_becomes_state_and_error() -> None:
    child = spawn(children.fail, name="kit-test-fail")
    try:
        for name in ("crash", "domain", "stop"):
            child.send(name)
        child.send(End())
        ended = [child.receive() for _ in range(3)]
        assert child.receive() == Done({})
    finally:
        child.terminate()
    crash, domain, stop = ended
    assert (crash.state, crash.status, crash.error) == ("failed", "INTERNAL", "ValueError: boom")
    assert "Traceback" in crash.trace and "ValueError: boom" in crash.trace
    assert (domain.state, domain.status, domain.error) == ("failed", "RESOURCE_EXHAUSTED", "out of room")
    assert (stop.state, stop.status, stop.error) == ("cancelled", "CANCELLED", "stopped on request")


def test_outcome_lets_the_exception_go_on_unless_it_is_to_be_swallowed() -> None:
    with pytest.raises(ValueError), outcome() as ended:
        raise ValueError("boom")
    assert ended.failure == Failed("INTERNAL", "ValueError: boom") and ended.crashed
    with outcome(lambda: ("interrupted", "the backend stopped"), swallow=Exception) as ended:
        raise JobCancelled()
    assert (ended.state, ended.error, ended.failed) == ("interrupted", "the backend stopped", False)
    with outcome() as ended:
        pass
    assert ended == Outcome()
    with pytest.raises(KeyboardInterrupt), outcome(swallow=Exception) as ended:
        raise KeyboardInterrupt
    assert ended.failed


def test_run_end_records_through_the_same_mapping() -> None:
    ended = RunEnd()
    with pytest.raises(ResourceExhausted), ended.recording(lambda: ("cancelled", "kept")):
        raise ResourceExhausted("out of room")
    assert (ended.state, ended.error) == ("failed", "out of room")
    ended = RunEnd()
    with ended.recording(lambda: ("cancelled", "kept")):
        pass
    assert (ended.state, ended.error) == ("succeeded", "")


def test_failed_turns_into_the_error_it_names() -> None:
    error = Failed("UNAVAILABLE", "the worker stopped").error()
    assert (error.status, error.message) == ("UNAVAILABLE", "the worker stopped")
    assert Failed.of(ResourceExhausted("full")) == Failed("RESOURCE_EXHAUSTED", "full")

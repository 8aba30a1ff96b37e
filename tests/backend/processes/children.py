"""Entry points of the child processes the kit's tests start (a spawned child imports them by module name)."""

from __future__ import annotations

import dataclasses
import os
import time
from multiprocessing.connection import Connection

from backend.processes.messages import Done, End, Image, Ready, Result
from backend.processes.outcome import outcome
from backend.processes.spawn import spawn
from backend.processes.watchdog import watch_parent
from omni_core.errors import JobCancelled, ResourceExhausted


def echo(conn: Connection, parent_pid: int) -> None:
    """Answer each image with its size, then ``Done`` at ``End``."""
    watch_parent(parent_pid)
    answered = 0
    while not isinstance(message := conn.recv(), End):
        assert isinstance(message, Image)
        conn.send(Result({"key": message.key, "size": len(message.data)}, message.data[::-1]))
        answered += 1
    conn.send(Done({"answered": answered}))


def die(conn: Connection, parent_pid: int, code: int) -> None:
    """Exit without a word once asked anything."""
    conn.recv()
    os._exit(code)


def sleep(conn: Connection, parent_pid: int) -> None:
    watch_parent(parent_pid)
    time.sleep(60)


def middle(conn: Connection, parent_pid: int) -> None:
    """Start a sleeping child of its own, say its pid, and wait to be killed."""
    child = spawn(sleep, name="kit-test-grandchild")
    conn.send(child.process.pid)
    time.sleep(60)


RAISED: dict[str, BaseException] = {
    "crash": ValueError("boom"),
    "domain": ResourceExhausted("out of room"),
    "stop": JobCancelled(),
}


def fail(conn: Connection, parent_pid: int) -> None:
    """Run each named failure inside ``outcome`` and send how it ended."""
    while not isinstance(name := conn.recv(), End):
        with outcome(swallow=Exception) as ended:
            raise RAISED[name]
        conn.send(dataclasses.replace(ended, exception=None))  # the exception itself stays here
    conn.send(Done({}))


def say_hello(conn: Connection, parent_pid: int) -> None:
    conn.send("hello")


def ready_then_die(conn: Connection, parent_pid: int) -> None:
    """A streaming worker that opens, then dies at its first image (an out-of-memory kill, a crash in a library)."""
    watch_parent(parent_pid)
    conn.send(Ready({}))
    conn.recv()
    os._exit(9)

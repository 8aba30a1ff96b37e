"""The parent's side of a streaming worker with a real child that dies mid-stream: the call must end with the
worker's error (UNAVAILABLE, which clients retry), never quietly as if it were over."""

from __future__ import annotations

import pytest

from backend.processes.messages import Image
from backend.processes.stream_parent import WorkerStream
from omni_core.errors import OmniError
from tests.backend.processes import children
from tests.helpers import wait_for

WAIT_S = 30.0


def test_a_worker_that_dies_mid_stream_ends_the_call_with_unavailable() -> None:
    stream = WorkerStream(children.ready_then_die, {}, name="stream-test-die", label="restore")
    try:
        assert stream.start() == {}
        stream._send(Image("a.png", b"abc"))  # the worker dies reading it
        # polled, not joined: the stream's own pump may reap the child first, and a join that loses that race
        # returns with no exit code yet
        wait_for(lambda: stream._child.process.exitcode is not None, timeout=WAIT_S, what="the worker's exit")
        assert stream._child.process.exitcode == 9
        # the request reader goes on feeding a dead pipe: that is not its error to raise (an OSError there reads
        # as "the client left", which closed the session and ended the call OK without `done`)
        stream._send(Image("b.png", b"def"))
        stream.end()
        with pytest.raises(OmniError) as raised:
            list(stream.events())
        assert raised.value.status == "UNAVAILABLE"
        assert "restore worker stopped unexpectedly (exit code 9)" in raised.value.message
    finally:
        stream.close()

"""A connection closed while worker threads still use it (the window closing) fails their calls with an error,
never crashes the process: grpc segfaults when a stub is made on a closed channel, so no stub is made late."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.helpers import REPO

CALLS_AFTER_CLOSE = textwrap.dedent(
    """
    from desktop.client import BackendTarget, Connection
    from protos.omni.v1 import datasets_pb2, storage_pb2

    connection = Connection(BackendTarget("127.0.0.1:9", token="t"))
    connection.close()
    calls = {
        "storage": lambda: connection._call(connection.storage.GetRemote, storage_pb2.GetRemoteRequest()),
        "datasets": lambda: connection._call(connection.datasets.ListDatasets, datasets_pb2.ListDatasetsRequest()),
    }
    for name in ("tokens", "cloud", "webhooks", "batch", "detection"):
        getattr(connection, name)  # every other stub, touched after close
    for name, call in calls.items():
        try:
            call()
        except Exception as error:  # the call fails, in Python
            print(name, type(error).__name__)
    print("survived")
    """
)


def test_calls_on_a_closed_connection_fail_instead_of_crashing() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CALLS_AFTER_CLOSE], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    lines = done.stdout.split("\n")
    assert lines[-2] == "survived" and any(line.startswith("storage ") for line in lines)

"""A spawned child does not import the parent's main script again (for ``omni serve`` that is the whole CLI),
unless its target lives there: checked with a real script as ``__main__``, as the ``omni`` command runs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    with open(sys.argv[1], "a") as marks:
        marks.write(__name__ + "\\n")  # the parent writes __main__; a child importing this again, __mp_main__


    def from_main(conn, parent_pid):
        conn.send("main's own")


    if __name__ == "__main__":
        from backend.processes.spawn import spawn
        from tests.backend.processes import children

        for target in (children.say_hello, from_main):
            child = spawn(target, name="spawn-main-test")
            print(child.receive(), flush=True)
            child.process.join(timeout=30)
    """
)


def test_a_child_does_not_import_the_main_script(tmp_path: Path) -> None:
    script, marks = tmp_path / "serve_like.py", tmp_path / "marks.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    ran = subprocess.run(
        [sys.executable, str(script), str(marks)], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["hello", "main's", "own"]
    # the library target's child left the script alone; the child whose target is in the script imported it
    assert marks.read_text(encoding="utf-8").split() == ["__main__", "__mp_main__"]

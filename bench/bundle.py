"""Desktop bundle figures, measured in one run on this machine: ``python -m bench.bundle``.

1. build time, when there is no bundle yet at build/bundle/omni-desktop (or with ``--build``): ``make bundle``'s
   PyInstaller run, from scratch;
2. size: MB, file count and the 10 biggest parts (the folders and files at the top of ``_internal``);
3. start to window: process start to the main window shown, median of 3 runs of the bundle and of ``omni gui``
   from the venv, each with ``--self-check`` against a real ``omni serve`` (timed from outside: spawn to the
   report's ``window_shown_unix``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from tests.helpers import ServeProcess
from tests.installers.bundle import NAME, REPO, Bundle, build, self_check

RUNS = 3
DEFAULT_DIST = REPO / "build" / "bundle"


def parts(bundle: Bundle) -> list[tuple[str, int]]:
    """Sizes by top-level entry of ``_internal`` (the executable on its own), biggest first."""
    sizes: dict[str, int] = defaultdict(int)
    for name, size in bundle.files():
        path = Path(name).parts
        sizes["/".join(path[:2]) if path[0] == "_internal" else path[0]] += size
    return sorted(sizes.items(), key=lambda item: -item[1])


def start_to_window(command: list[str], server: ServeProcess, folder: Path) -> tuple[float, float | None]:
    """(spawn to window shown, as the process itself counts it) in seconds, for one run."""
    began = time.time()
    result, report = self_check(command, folder / "report.json", ["--backend", server.address, "--token", server.token])
    if result.returncode != 0 or not report.get("window_shown_unix"):
        raise SystemExit(f"{command[0]} failed its self-check ({result.returncode}): {report or result.stderr[-2000:]}")
    return report["window_shown_unix"] - began, report.get("first_window_s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="build the bundle even if there is one")
    parser.add_argument("--dist", type=Path, default=DEFAULT_DIST, help="where the bundle is (or goes)")
    args = parser.parse_args()

    bundle = Bundle(args.dist / NAME, 0.0)
    if args.build or not bundle.executable.exists():
        print("building the bundle (PyInstaller, from scratch)...", flush=True)
        bundle = build(args.dist, REPO / "build" / "pyinstaller")
        print(f"build: {bundle.build_s:.0f} s")
    files = bundle.files()
    print(f"bundle {bundle.folder}: {sum(s for _n, s in files) / 1e6:.1f} MB in {len(files)} files")
    for name, size in parts(bundle)[:10]:
        print(f"  {size / 1e6:7.1f} MB  {name}")

    # `python -m omni_cli gui` is `omni gui` from this checkout (the venv's script may point at another one)
    commands = {"bundle": [str(bundle.executable)], "omni gui (venv)": [sys.executable, "-m", "omni_cli", "gui"]}
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as tmp:
        folder = Path(tmp)
        server = ServeProcess(folder / "workspace", token="bench-token")
        try:
            with server.client() as client:
                client.wait_ready(10)
            print(f"start to window, median of {RUNS} (spawn -> window shown; the process's own count):")
            for label, command in commands.items():
                runs = [start_to_window(command, server, folder) for _ in range(RUNS)]
                outside = statistics.median(r[0] for r in runs)
                inside = [r[1] for r in runs if r[1] is not None]
                own = f"{statistics.median(inside):.2f} s" if inside else "n/a"
                print(f"  {label:16} {outside:.2f} s  ({own}; runs {', '.join(f'{r[0]:.2f}' for r in runs)})")
        finally:
            server.stop()


if __name__ == "__main__":
    main()

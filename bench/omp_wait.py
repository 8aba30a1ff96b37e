"""Training steps on shared cores, OpenMP threads spinning or waiting passively: ``python -m bench.omp_wait``.

Whether the job kit should start its children with ``OMP_WAIT_POLICY=PASSIVE``. Each case is a fresh Python
process (the policy is read when OpenMP starts) that times ``--steps`` layer1-mini training steps (batch 8 x 64²
crops, intra-op threads = cores), wall and CPU time, median of ``--rounds``: alone on the machine, and beside one
busy process per core. Measured on the 2-vCPU Xeon: alone, passive 1.22x the wall time (0.86x the CPU); beside two
busy Python loops 0.93x. Beside two single-threaded trainings pinned one per core it was 0.39x (17.7 -> 6.9 s, two
runs each, a hand-run probe), which is not what the busy loops reproduce; so the kit leaves the policy alone.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
POLICIES = ("ACTIVE", "PASSIVE")

STEPS = """
import json, os, sys, time
import torch
from backend.restoration.archs import build_network, preset_for
torch.manual_seed(0)
net = build_network(preset_for(1, "mini"))
optimizer = torch.optim.AdamW(net.parameters(), 1e-3)
x = torch.rand(8, 3, 64, 64)
def step():
    loss = (net(x) - x).abs().mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
for _ in range(5):
    step()
wall, cpu = time.perf_counter(), time.process_time()
for _ in range(int(sys.argv[1])):
    step()
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}))
"""


def _busy() -> None:
    while True:
        pass


@contextmanager
def busy_cores(count: int) -> Iterator[None]:
    """``count`` processes that keep a core each busy until the block ends."""
    spinners = [multiprocessing.Process(target=_busy, daemon=True) for _ in range(count)]
    for spinner in spinners:
        spinner.start()
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.join()


def time_steps(policy: str, steps: int) -> dict[str, float]:
    env = {**os.environ, "OMP_WAIT_POLICY": policy, "PYTHONPATH": str(REPO)}
    ran = subprocess.run(
        [sys.executable, "-c", STEPS, str(steps)], capture_output=True, text=True, env=env, check=True, timeout=600
    )
    return dict(json.loads(ran.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    cores = len(os.sched_getaffinity(0))
    print(f"{args.steps} layer1-mini training steps on {cores} threads, median of {args.rounds} (policies interleaved)")
    print(f"{'cores':<26} {'policy':<8} {'wall s':>7} {'CPU s':>7}")
    for label, busy in (("alone", 0), (f"beside {cores} busy processes", cores)):
        runs: dict[str, list[dict[str, float]]] = {policy: [] for policy in POLICIES}
        with busy_cores(busy):
            for _ in range(args.rounds):
                for policy in POLICIES:
                    runs[policy].append(time_steps(policy, args.steps))
        medians = {
            policy: {key: statistics.median(run[key] for run in results) for key in ("wall", "cpu")}
            for policy, results in runs.items()
        }
        for policy, median in medians.items():
            print(f"{label:<26} {policy:<8} {median['wall']:>7.2f} {median['cpu']:>7.2f}")
        active, passive = medians["ACTIVE"], medians["PASSIVE"]
        print(
            f"{label:<26} passive/active: wall {passive['wall'] / active['wall']:.2f}x, "
            f"CPU {passive['cpu'] / active['cpu']:.2f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Object storage figures against a real SeaweedFS on loopback, measured in one run: ``python -m bench.storage``.

1. Large files (``--sizes``, MiB; ``--large`` adds 1 GiB): our push (``S3Store.put_file``) cold, i.e. hashing the
   file for its SHA-256 metadata first, and with the digest the sync already has cached (``sha256=``); our pull
   (``S3Store.get_file``: SHA-256 verified, fsynced, renamed into place); against boto3's ``upload_file`` /
   ``download_file`` with its default ``TransferConfig``, same files, same server. Target: ours / boto3 >= 0.9.
   Also boto3's download followed by the checks our pull makes (the file's SHA-256 read back, fsync), for scale.
2. Small files (``--small-count``, ~8 KiB random bytes each): our parallel push through the sync engine
   (``status`` -> ``decide`` -> ``execute``, as the sync job does) against a plain loop of minio ``put_object``
   calls over the same files into another prefix. Target: ours / loop >= 5.
3. ``sync status`` over those objects (listing + ``HashCache``): the first run (every file hashed) and a warm
   one (digests cached). Target: warm under 2 s.

Each round runs the methods in another order (shuffled with the round's number as seed), so that a load that comes
and goes weighs on each about equally; figures are medians over the rounds, ratios are taken within a round. Before
each timed step, untimed, the page cache is written out (``os.sync``) and the server is let go idle, so no step pays
for the disk writes or the background work of the one before it. The server shares this machine's cores with the
client: on loopback every figure is bound by CPU (or the disk), not by a network.

Variants (to find what limits a figure; they patch module constants of this process only, never the files):
``--part-size`` MiB, ``--parallel-parts``, ``--pool``, ``--parallel-objects``, ``--head-threads``, ``--no-fsync``;
``--latency-ms`` makes every minio request (ours and the loop's; not boto3's) wait that long first, as a real network
and a server that syncs to disk would: loopback to a co-located server has neither, so there the loop is CPU-bound.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.s3_servers import SeaweedS3

MIB = 1024 * 1024
BUCKET = "omni-bench"
SMALL_PREFIX = "training-data/images/"


# -- variants ---------------------------------------------------------------------------------------------------


def apply_variants(args: argparse.Namespace) -> dict[str, Any]:
    """Patch the storage and sync constants of this process as the flags say; return the settings in force."""
    import backend.storage.s3 as s3
    import backend.sync.hash_cache as hash_cache
    import backend.sync.status as sync_status
    import backend.sync.transfer as transfer

    if args.part_size:
        s3.PART_SIZE = args.part_size * MIB
        hash_cache.PART_SIZE = s3.PART_SIZE  # the ETag a status expects follows the part size
    if args.parallel_parts:
        s3.PARALLEL_PARTS = args.parallel_parts
    pool_defaults = s3.http_pool.__kwdefaults__  # the pool size is a default bound when the function was defined
    assert pool_defaults is not None
    if args.pool:
        s3.POOL_CONNECTIONS = pool_defaults["max_connections"] = args.pool
    if args.parallel_objects:
        transfer.PARALLEL_OBJECTS = args.parallel_objects
    if args.head_threads:
        sync_status.HEAD_THREADS = args.head_threads
    FSYNC.skip = args.no_fsync
    s3.os = FSYNC  # type: ignore[assignment]
    if args.latency_ms:
        add_latency(args.latency_ms / 1000)
    return {
        "part_size_mib": s3.PART_SIZE // MIB,
        "parallel_parts": s3.PARALLEL_PARTS,
        "pool_connections": pool_defaults["max_connections"],
        "parallel_objects": transfer.PARALLEL_OBJECTS,
        "head_threads": sync_status.HEAD_THREADS,
        "fsync_on_pull": not args.no_fsync,
        "added_latency_ms": args.latency_ms,
    }


def add_latency(seconds: float) -> None:
    """Every request of the minio clients (ours and the loop's) waits ``seconds`` first, holding no CPU: the round
    trip of a real network and a server's own waits (fsync), which loopback to a server on this machine lacks."""
    import urllib3

    urlopen = urllib3.PoolManager.urlopen

    def slower(self: urllib3.PoolManager, *args: Any, **kwargs: Any) -> Any:
        time.sleep(seconds)
        return urlopen(self, *args, **kwargs)

    urllib3.PoolManager.urlopen = slower  # type: ignore[method-assign]


class _TimedFsyncOs:
    """``os`` for ``backend.storage.s3`` only: ``fsync`` timed (how much of a pull waits for the disk), or skipped
    (the ``--no-fsync`` variant); everything else is ``os`` itself."""

    def __init__(self) -> None:
        self.skip = False
        self.seconds = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    def fsync(self, fd: int) -> None:
        if self.skip:
            return
        began = time.perf_counter()
        os.fsync(fd)
        self.seconds += time.perf_counter() - began


FSYNC = _TimedFsyncOs()


# -- the server and the clients ---------------------------------------------------------------------------------


def our_store(server: SeaweedS3, prefix: str, state_dir: Path) -> Any:
    from backend.storage.credentials import Credentials
    from backend.storage.remote_config import RemoteConfig, checked
    from backend.storage.s3 import S3Store

    state_dir.mkdir(parents=True, exist_ok=True)
    config = checked(RemoteConfig(url=f"s3://{BUCKET}/{prefix}", endpoint=server.url, region=server.region))
    creds = Credentials(server.admin.access_key, server.admin.secret_key, source="bench")
    return S3Store(config, creds, state_dir=state_dir)


def boto3_client(server: SeaweedS3) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=server.admin.access_key,
        aws_secret_access_key=server.admin.secret_key,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )


def server_cpu_s(pid: int | None) -> float:
    """User + system CPU seconds of a process so far (every thread), from /proc."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Meter:
    """Wall time and the CPU time of this process and of the server's while an action runs."""

    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid

    def settle(self, quiet_cores: float = 0.15, window_s: float = 0.3, limit_s: float = 20.0) -> float:
        """Untimed, before a step: write out the page cache and wait until the server is idle, so that no step
        pays for what the one before it left to do."""
        began = time.perf_counter()
        os.sync()
        while time.perf_counter() - began < limit_s:
            before = server_cpu_s(self.server_pid)
            time.sleep(window_s)
            if (server_cpu_s(self.server_pid) - before) / window_s < quiet_cores:
                break
        return time.perf_counter() - began

    def __call__(self, action: Callable[[], object]) -> dict[str, float]:
        self.settle()
        fsync = FSYNC.seconds
        cpu, server, began = time.process_time(), server_cpu_s(self.server_pid), time.perf_counter()
        action()
        wall = time.perf_counter() - began
        return {
            "s": wall,
            "client_cores": (time.process_time() - cpu) / wall,
            "server_cores": (server_cpu_s(self.server_pid) - server) / wall,
            "fsync_share": (FSYNC.seconds - fsync) / wall,
        }


def random_file(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        left = size
        while left:
            chunk = os.urandom(min(left, 8 * MIB))
            handle.write(chunk)
            left -= len(chunk)


# -- 1. large files ---------------------------------------------------------------------------------------------

LARGE_STEPS = ("push_cold", "push_cached", "boto3_upload", "pull", "boto3_download", "boto3_download_checked")


class LargeFile:
    """One large file, the ways it goes up and down, and the rounds measured over them."""

    def __init__(self, server: SeaweedS3, boto: Any, work: Path, size_mib: int) -> None:
        from backend.storage.base import sha256_of_file

        self.size_mib = size_mib
        self.source = work / f"large-{size_mib}.bin"
        random_file(self.source, size_mib * MIB)
        self.digest = sha256_of_file(self.source)
        self.store = our_store(server, f"large-{size_mib}", work / f"state-large-{size_mib}")
        self.seed_key = "models/bench/seed.bin"
        self.store.put_file(self.seed_key, self.source, sha256=self.digest)  # what both pulls download
        self.seed_bucket, self.seed_name = self.store.config.locate(self.seed_key)
        self.dest = work / "pulled" / f"large-{size_mib}.bin"
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        self.boto = boto
        self.meter = Meter(server.pid)

    def step(self, name: str) -> None:
        if name == "push_cold":  # hashes the file for its SHA-256 metadata, then sends it
            self.store.put_file("models/bench/ours.bin", self.source)
        elif name == "push_cached":  # the digest the sync's hash cache already has
            self.store.put_file("models/bench/ours.bin", self.source, sha256=self.digest)
        elif name == "boto3_upload":
            self.boto.upload_file(str(self.source), BUCKET, f"boto3-{self.size_mib}/up.bin")
        elif name == "pull":
            assert self.store.get_file(self.seed_key, self.dest).sha256 == self.digest
        elif name == "boto3_download":
            self.boto.download_file(self.seed_bucket, self.seed_name, str(self.dest))
        else:  # boto3 with the guarantees of our pull: the SHA-256 checked (read back) and the file fsynced
            from backend.storage.base import sha256_of_file

            self.boto.download_file(self.seed_bucket, self.seed_name, str(self.dest))
            assert sha256_of_file(self.dest) == self.digest
            fd = os.open(self.dest, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def round(self, index: int) -> dict[str, float]:
        order = list(LARGE_STEPS)
        random.Random(index).shuffle(order)  # a different order, and different neighbours, each round
        measured: dict[str, dict[str, float]] = {}
        for name in order:
            self.dest.unlink(missing_ok=True)
            measured[name] = self.meter(lambda: self.step(name))  # noqa: B023 - called at once
        self.dest.unlink(missing_ok=True)
        figures = {name: self.size_mib / measured[name]["s"] for name in LARGE_STEPS}
        figures["push_cold_over_boto3"] = figures["push_cold"] / figures["boto3_upload"]
        figures["push_cached_over_boto3"] = figures["push_cached"] / figures["boto3_upload"]
        figures["pull_over_boto3"] = figures["pull"] / figures["boto3_download"]
        figures["pull_over_boto3_checked"] = figures["pull"] / figures["boto3_download_checked"]
        print(f"large {self.size_mib} MiB round {index + 1}: " + _line(figures), flush=True)
        cores = ", ".join(
            f"{name} {measured[name]['client_cores']:.2f}/{measured[name]['server_cores']:.2f}" for name in LARGE_STEPS
        )
        print(f"  cores busy, client/server: {cores}", flush=True)
        for name in LARGE_STEPS:
            figures[f"{name}_client_cores"] = measured[name]["client_cores"]
            figures[f"{name}_server_cores"] = measured[name]["server_cores"]
        figures["pull_fsync_share"] = measured["pull"]["fsync_share"]
        return figures


def large_files(server: SeaweedS3, work: Path, sizes_mib: list[int], count: int) -> dict[str, Any]:
    boto = boto3_client(server)
    results: dict[str, Any] = {}
    for size_mib in sizes_mib:
        large = LargeFile(server, boto, work, size_mib)
        per_round = [large.round(index) for index in range(count)]
        results[f"{size_mib}"] = {"rounds": per_round, "median": _medians(per_round)}
        large.source.unlink()
    return results


# -- 2. and 3. small files: push and status ---------------------------------------------------------------------


def write_small_files(root: Path, count: int, size: int) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for index in range(count):
        key = f"{SMALL_PREFIX}{index % 100:02d}/{index:06d}.jpg"
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(size))
        files[key] = path
    return files


class SmallFiles:
    """Many small workspace files; each round pushes them with the sync engine and with a put_object loop into
    fresh prefixes, then runs a status over the pushed objects (a fresh hash cache, then the same one again)."""

    def __init__(self, server: SeaweedS3, work: Path, count: int, size: int) -> None:
        self.server, self.work, self.count = server, work, count
        self.root = work / "workspace"
        began = time.perf_counter()
        self.files = write_small_files(self.root, count, size)
        print(f"wrote {count} files of {size} bytes in {time.perf_counter() - began:.1f} s", flush=True)
        self.client = server.minio()
        self.meter = Meter(server.pid)

    def ours(self, store: Any, figures: dict[str, float]) -> None:
        """The sync push as the job does it: status (hashing every file: a fresh cache), decide, execute."""
        from backend.sync.hash_cache import HashCache
        from backend.sync.status import status
        from backend.sync.transfer import Direction, decide, execute

        began = time.perf_counter()
        before = status(store, self.root, HashCache(store.state_dir), [SMALL_PREFIX])
        figures["status_before_push_s"] = time.perf_counter() - began
        work = decide(before.entries, Direction.PUSH, overwrite=False)
        assert len(work.to_move) == self.count, len(work.to_move)
        moved: list[str] = []

        def push() -> None:
            outcome = execute(
                store, self.root, store.state_dir, work, Direction.PUSH, report=lambda *_: None, check=lambda: None
            )
            moved.extend(outcome.moved)

        measured = self.meter(push)
        assert len(moved) == self.count
        figures["ours_s"] = measured["s"]
        figures["ours_client_cores"], figures["ours_server_cores"] = measured["client_cores"], measured["server_cores"]

    def naive(self, prefix: str, figures: dict[str, float]) -> None:
        """One ``put_object`` after the other, each file read first."""

        def loop() -> None:
            for key, path in self.files.items():
                data = path.read_bytes()
                self.client.put_object(BUCKET, f"{prefix}/{key}", io.BytesIO(data), len(data))

        measured = self.meter(loop)
        figures["naive_s"] = measured["s"]
        figures["naive_client_cores"] = measured["client_cores"]
        figures["naive_server_cores"] = measured["server_cores"]

    def round(self, index: int) -> dict[str, float]:
        from backend.sync.hash_cache import HashCache
        from backend.sync.status import SyncState, status

        store = our_store(self.server, f"small-r{index}", self.work / f"state-small-r{index}")
        figures: dict[str, float] = {}
        if index % 2 == 0:
            self.ours(store, figures)
            self.naive(f"naive-r{index}", figures)
        else:
            self.naive(f"naive-r{index}", figures)
            self.ours(store, figures)
        cold_state = self.work / f"state-status-r{index}"
        cold_state.mkdir()
        cache = HashCache(cold_state)
        cold = status(store, self.root, cache, [SMALL_PREFIX])
        warm = status(store, self.root, cache, [SMALL_PREFIX])
        assert cold.count(SyncState.SAME) == warm.count(SyncState.SAME) == self.count
        shutil.rmtree(cold_state)
        figures["status_cold_s"], figures["status_warm_s"] = cold.seconds, warm.seconds
        for who in ("ours", "naive"):  # CPU milliseconds per object: this process (client), the server
            for side in ("client", "server"):
                busy = figures[f"{who}_{side}_cores"] * figures[f"{who}_s"]
                figures[f"{who}_{side}_ms_per_object"] = busy * 1000 / self.count
        figures["ours_files_per_s"] = self.count / figures["ours_s"]
        figures["ours_with_status_files_per_s"] = self.count / (figures["ours_s"] + figures["status_before_push_s"])
        figures["naive_files_per_s"] = self.count / figures["naive_s"]
        figures["ours_over_naive"] = figures["ours_files_per_s"] / figures["naive_files_per_s"]
        figures["ours_with_status_over_naive"] = figures["ours_with_status_files_per_s"] / figures["naive_files_per_s"]
        print(f"small round {index + 1}: " + _line(figures), flush=True)
        return figures


def small_files(server: SeaweedS3, work: Path, count: int, size: int, rounds: int) -> dict[str, Any]:
    small = SmallFiles(server, work, count, size)
    per_round = [small.round(index) for index in range(rounds)]
    return {"rounds": per_round, "median": _medians(per_round)}


# -- output -----------------------------------------------------------------------------------------------------


def _medians(per_round: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in per_round) for key in per_round[0]}


def _line(figures: dict[str, float]) -> str:
    return ", ".join(f"{key} {value:.3f}" for key, value in figures.items())


def _print(f: dict[str, Any]) -> None:
    cores = f["machine"]["cores"]
    lines = [
        f"SeaweedFS {f['server']} on loopback; {cores} cores, load {f['machine']['load_avg_1m']:.1f} at start; "
        f"medians of {f['rounds']} rounds",
        "settings: " + ", ".join(f"{k} {v}" for k, v in f["settings"].items()),
    ]
    for size, result in f.get("large", {}).items():
        m = result["median"]
        fsynced = f"fsync {100 * m['pull_fsync_share']:.0f}% of it" if f["settings"]["fsync_on_pull"] else "no fsync"
        busy = ", ".join(f"{s} {m[f'{s}_client_cores']:.2f}/{m[f'{s}_server_cores']:.2f}" for s in LARGE_STEPS)
        lines += [
            f"{size} MiB: push cold {m['push_cold']:.0f} MiB/s, push with cached digest {m['push_cached']:.0f} MiB/s, "
            f"boto3 upload_file {m['boto3_upload']:.0f} MiB/s",
            f"  push / boto3:  cold {m['push_cold_over_boto3']:.2f}, cached digest {m['push_cached_over_boto3']:.2f}"
            "   (target >= 0.9)",
            f"  pull {m['pull']:.0f} MiB/s (SHA-256 verified, {fsynced}), boto3 download_file "
            f"{m['boto3_download']:.0f} MiB/s (neither); pull / boto3 {m['pull_over_boto3']:.2f}   (target >= 0.9)",
            f"  boto3 download_file + the same checks (SHA-256 read back, fsync) {m['boto3_download_checked']:.0f} "
            f"MiB/s; pull / that {m['pull_over_boto3_checked']:.2f}",
            f"  cores busy, client/server: {busy}",
        ]
    if "small" in f:
        m = f["small"]["median"]
        ours_ms = m["ours_client_ms_per_object"] + m["ours_server_ms_per_object"]
        naive_ms = m["naive_client_ms_per_object"] + m["naive_server_ms_per_object"]
        lines += [
            f"{f['small_count']} files of {f['small_size']} B: sync push {m['ours_files_per_s']:.0f} files/s "
            f"({m['ours_with_status_files_per_s']:.0f}/s with its status), put_object loop "
            f"{m['naive_files_per_s']:.0f} files/s",
            f"  push / loop:   {m['ours_over_naive']:.2f}x ({m['ours_with_status_over_naive']:.2f}x with the status "
            "before it)   (target >= 5)",
            f"  CPU ms per object, client + server: push {m['ours_client_ms_per_object']:.2f} + "
            f"{m['ours_server_ms_per_object']:.2f}, loop {m['naive_client_ms_per_object']:.2f} + "
            f"{m['naive_server_ms_per_object']:.2f} (the loop's wall time: {1000 / m['naive_files_per_s']:.2f} ms per "
            f"object); {cores} cores fully ours would allow at most {cores * 1000 / ours_ms:.0f} pushes/s, "
            f"{cores * 1000 / ours_ms / m['naive_files_per_s']:.1f}x the loop ({1000 / naive_ms:.0f}/s on one core)",
            f"sync status over {f['small_count']} objects: first run (hashing) {m['status_cold_s']:.2f} s, "
            f"warm {m['status_warm_s']:.2f} s   (target warm < 2 s); before the push (empty remote, cold) "
            f"{m['status_before_push_s']:.2f} s",
        ]
    lines.append(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print("\n".join(lines))
    print(json.dumps(f, indent=2, default=str))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="64,512", help="large file sizes in MiB, comma-separated")
    parser.add_argument("--large", action="store_true", help="also a 1 GiB file")
    parser.add_argument("--small-count", type=int, default=10_000)
    parser.add_argument("--small-size", type=int, default=8 * 1024, help="bytes per small file")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--skip-small", action="store_true")
    parser.add_argument("--volume-mb", type=int, default=1024, help="SeaweedFS volume size limit")
    parser.add_argument("--part-size", type=int, default=0, metavar="MIB", help="variant: multipart part size")
    parser.add_argument("--parallel-parts", type=int, default=0, help="variant: parts of one object in flight")
    parser.add_argument("--pool", type=int, default=0, help="variant: HTTP pool connections")
    parser.add_argument("--parallel-objects", type=int, default=0, help="variant: objects a sync moves at once")
    parser.add_argument("--head-threads", type=int, default=0, help="variant: HEAD threads of a status")
    parser.add_argument("--no-fsync", action="store_true", help="variant: pull without fsync")
    parser.add_argument(
        "--latency-ms", type=float, default=0, help="variant: wait this long before every minio request (not boto3's)"
    )
    args = parser.parse_args(argv)
    sizes = [int(value) for value in args.sizes.split(",") if value] + ([1024] if args.large else [])
    figures: dict[str, Any] = {
        "machine": {"cores": os.cpu_count(), "load_avg_1m": os.getloadavg()[0]},
        "rounds": args.rounds,
        "settings": apply_variants(args),
        "small_count": args.small_count,
        "small_size": args.small_size,
    }
    from tests.s3_servers import SEAWEED_VERSION

    figures["server"] = SEAWEED_VERSION
    with tempfile.TemporaryDirectory(prefix="omni-bench-storage-") as tmp:
        work = Path(tmp)
        server = SeaweedS3(work / "weed", volume_size_limit_mb=args.volume_mb)
        server.start()
        try:
            server.minio().make_bucket(BUCKET)
            if not args.skip_large:
                figures["large"] = large_files(server, work, sizes, args.rounds)
            if not args.skip_small:
                figures["small"] = small_files(server, work, args.small_count, args.small_size, args.rounds)
        finally:
            server.stop()
    _print(figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

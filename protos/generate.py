"""Generate the Python code of the gRPC contract: ``python -m protos.generate [--check]``.

Run from the repository root. protoc runs with ``-I .`` so the generated modules import each other
as ``protos.omni.v1.x_pb2``: importable by both sides with no ``sys.path`` tricks and no rewriting.
``--check`` generates into a temporary folder and fails if the committed files differ.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

PROTO_DIR = Path("protos/omni/v1")
SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")


def googleapis_include() -> Path:
    """The folder holding ``google/api/annotations.proto`` (shipped by googleapis-common-protos)."""
    from google.api import annotations_pb2

    return Path(annotations_pb2.__file__).parent.parent.parent


def generate(out_root: Path) -> list[Path]:
    """Run protoc on every .proto file; return the generated files (relative to ``out_root``)."""
    import grpc_tools
    from grpc_tools import protoc

    protos = sorted(str(path) for path in PROTO_DIR.glob("*.proto"))
    include = Path(grpc_tools.__file__).parent / "_proto"
    args = [
        "grpc_tools.protoc",
        "-I.",
        f"-I{include}",
        f"-I{googleapis_include()}",
        f"--python_out={out_root}",
        f"--pyi_out={out_root}",
        f"--grpc_python_out={out_root}",
        *protos,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    return sorted(p.relative_to(out_root) for p in (out_root / PROTO_DIR).glob("*") if p.name.endswith(SUFFIXES))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed code is stale")
    args = parser.parse_args(argv)
    if not PROTO_DIR.is_dir():
        print("run this from the repository root", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        generated = generate(Path(tmp))
        committed = sorted(p for p in PROTO_DIR.glob("*") if p.name.endswith(SUFFIXES))
        if args.check:
            stale = [str(p) for p in generated if not p.exists() or not filecmp.cmp(Path(tmp) / p, p, shallow=False)]
            extra = [str(p) for p in committed if p not in generated]
            if stale or extra:
                print("generated code is out of date; run: python -m protos.generate", file=sys.stderr)
                for name in stale + extra:
                    print(f"  {name}", file=sys.stderr)
                return 1
            print(f"generated code is up to date ({len(generated)} files)")
            return 0
        for path in committed:
            if path not in generated:
                path.unlink()
        for path in generated:
            shutil.copyfile(Path(tmp) / path, path)
        print(f"wrote {len(generated)} files under {PROTO_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

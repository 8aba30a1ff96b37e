"""``omni models import PATH.pt --kind detector``: a YOLO detector made elsewhere into the registry."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from omni_cli.session import local_path, open_session

IMPORT_DEADLINE_S = 900.0


def register_import(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "import",
        help="register a YOLO detection checkpoint (.pt) as a new detector version",
        description="Check that PATH is an Ultralytics YOLO detection model (classifiers, segmenters and other "
        "files are refused with the reason), export it to ONNX and register it as detector_<UTC time>. "
        "With a backend on this machine PATH is read there; a remote backend is sent the file.",
    )
    parser.add_argument("path", metavar="PATH.pt")
    parser.add_argument("--kind", choices=("detector",), default="detector", help="what the model is (detector)")
    parser.add_argument("--description", default="", help="a note for the model card")
    parser.set_defaults(func=run_import)
    return parser


def run_import(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        if session.local:
            model = session.connection.import_detector(
                path=local_path(session, args.path), description=args.description, timeout=IMPORT_DEADLINE_S
            )
        else:
            source = Path(args.path).expanduser()
            model = session.connection.import_detector(
                data=source.read_bytes(), filename=source.name, description=args.description, timeout=IMPORT_DEADLINE_S
            )
    classes = ", ".join(json.loads(model.card_json).get("classes", []))
    print(f"registered {model.version}: {model.architecture}, {model.parameters:,} parameters, classes {classes}")
    print(f"make it current with: omni models promote {model.version}")
    return 0

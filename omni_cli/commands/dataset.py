"""``omni dataset create|list|delete|import|export|stats|classes``: datasets on the backend.

``import`` runs as a job that reads the folder where it is when the backend shares this machine; for a
remote backend (or with ``--remote``) the folder is parsed here and its images are uploaded, then their
labels saved, which gives the same dataset.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from google.protobuf.json_format import MessageToDict

from desktop.models.datasets_model import EXPORT_FORMATS, IMPORT_FORMATS
from omni_cli.commands.remote import location_words
from omni_cli.follow import submit_and_follow
from omni_cli.session import add_backend_options, add_notify_option, local_path, open_session
from protos.omni.v1 import datasets_pb2, jobs_pb2

STATUS_NAMES = {
    "todo": datasets_pb2.IMAGE_STATUS_TODO,
    "done": datasets_pb2.IMAGE_STATUS_DONE,
    "review": datasets_pb2.IMAGE_STATUS_REVIEW,
}


def _names(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


def _fractions(value: str) -> list[float]:
    try:
        return [float(part) for part in value.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r}: give fractions like 0.8,0.2 or 0.7,0.2,0.1") from None


def _statuses(value: str) -> list[int]:
    wanted = _names(value)
    unknown = [name for name in wanted if name not in STATUS_NAMES]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown status {unknown[0]!r}: use todo, done, review")
    return [STATUS_NAMES[name] for name in wanted]


class _Change(argparse.Action):
    """Collects --add/--rename/--delete in the order given (they are applied in that order)."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, value: Any, option: Any = None
    ) -> None:
        changes = list(getattr(namespace, "changes", None) or [])
        if self.dest == "add":
            changes.append(("add", value))
        elif self.dest == "rename":
            class_id, sep, name = str(value).partition("=")
            if not sep or not class_id.strip().isdigit():
                parser.error(f"--rename {value!r}: use ID=NEW_NAME, e.g. --rename 2=corrosion")
            changes.append(("rename", int(class_id), name))
        else:
            if not str(value).isdigit():
                parser.error(f"--delete {value!r}: give a class id")
            changes.append(("delete", int(value)))
        namespace.changes = changes


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("dataset", help="datasets: images, classes and boxes")
    commands = parser.add_subparsers(dest="dataset_command", required=True, metavar="COMMAND")

    create = commands.add_parser("create", help="a new, empty dataset")
    create.add_argument("name")
    create.add_argument("--classes", type=_names, default=[], help="comma-separated (default: dent,dirt,rust,...)")
    create.set_defaults(func=run_create)

    listing = commands.add_parser("list", help="every dataset with its counts")
    listing.add_argument(
        "--remote", action="store_true", help="also the remote's datasets, with a LOCATION (local/remote/both/differs)"
    )
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=run_list)

    delete = commands.add_parser("delete", help="delete a dataset (image bytes other datasets use stay)")
    delete.add_argument("name")
    delete.set_defaults(func=run_delete)

    imp = commands.add_parser("import", help="add a folder of images (and labels) to a dataset")
    imp.add_argument("folder")
    imp.add_argument("--format", required=True, choices=IMPORT_FORMATS)
    imp.add_argument("--name", default="", help="dataset to create or add to (default: the folder's name)")
    imp.add_argument("--classes", type=_names, default=[], help="classes of a new dataset of plain images")
    imp.add_argument("--detach", action="store_true", help="print the job id and return")
    add_notify_option(imp)
    imp.add_argument("--remote", action="store_true", help=argparse.SUPPRESS)  # upload even to a local backend
    imp.set_defaults(func=run_import)

    exp = commands.add_parser(
        "export", help="write a dataset as YOLO, COCO, VOC, CVAT, LabelMe or Label Studio JSON into a new folder"
    )
    exp.add_argument("name")
    exp.add_argument(
        "out", help="new or empty folder (on the backend's machine), or s3://BUCKET/PREFIX on the remote's server"
    )
    exp.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    exp.add_argument("--split", type=_fractions, default=[], help="train,val[,test] fractions (default 0.8,0.2)")
    exp.add_argument("--seed", type=int, default=0, help="the split is the same for the same seed")
    exp.add_argument("--status", type=_statuses, default=[], help="only these statuses, e.g. done,review")
    exp.add_argument("--detach", action="store_true", help="print the job id and return")
    add_notify_option(exp)
    exp.set_defaults(func=run_export)

    stats = commands.add_parser("stats", help="images per status, boxes per class, box sizes")
    stats.add_argument("name")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(func=run_stats)

    classes = commands.add_parser("classes", help="show or change the class table (ids never change)")
    classes.add_argument("name")
    classes.add_argument("--add", action=_Change, metavar="NAME", help="a new class (next free id)")
    classes.add_argument("--rename", action=_Change, metavar="ID=NAME", help="rename a class, keeping its id")
    classes.add_argument(
        "--delete", action=_Change, metavar="ID", help="delete an unused class (its id stays reserved)"
    )
    classes.set_defaults(func=run_classes, changes=[])

    for sub in (create, listing, delete, imp, exp, stats, classes):
        add_backend_options(sub)


def _counts(dataset: datasets_pb2.Dataset) -> str:
    by_status = ", ".join(f"{name} {dataset.images_by_status.get(name, 0)}" for name in STATUS_NAMES)
    return f"{dataset.image_count} images ({by_status}), {dataset.box_count} boxes"


def _class_table(dataset: datasets_pb2.Dataset) -> str:
    return ", ".join(f"{c.id}:{c.name}" + (" (deleted)" if c.deleted else "") for c in dataset.classes)


def run_create(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        dataset = session.connection.create_dataset(args.name, args.classes)
    print(f"created {dataset.name}: classes {_class_table(dataset)}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        datasets = session.connection.list_datasets(include_remote=args.remote)
    if args.json:
        print(json.dumps([MessageToDict(d, preserving_proto_field_name=True) for d in datasets], indent=2))
        return 0
    if not datasets:
        print("no datasets yet: omni dataset create NAME, or omni dataset import DIR --format ...")
    width = max((len(d.name) for d in datasets), default=0)
    if args.remote and datasets:
        width = max(width, len("NAME"))
        print(f"{'NAME':<{width}}  {'LOCATION':<8}  COUNTS")
    for dataset in datasets:
        location = f"{location_words(dataset.location):<8}  " if args.remote else ""
        classes = sum(not c.deleted for c in dataset.classes)
        print(f"{dataset.name:<{width}}  {location}{_counts(dataset)}, {classes} classes")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        session.connection.delete_dataset(args.name)
    print(f"deleted {args.name}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    folder = Path(args.folder).expanduser()
    with open_session(args) as session:
        if args.remote or not session.local:
            from omni_cli.remote_import import remote_import

            return remote_import(session.connection, folder, args.format, args.name, args.classes)
        spec = datasets_pb2.ImportDatasetSpec(
            path=local_path(session, args.folder), format=args.format, name=args.name, classes=args.classes
        )
        return submit_and_follow(session, jobs_pb2.JobSpec(import_dataset=spec), detach=args.detach)


def run_export(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        spec = datasets_pb2.ExportDatasetSpec(
            dataset=args.name,
            out=args.out if args.out.startswith("s3:") else local_path(session, args.out),  # s3:// as given
            format=args.format,
            split=args.split,
            seed=args.seed,
            statuses=args.status,
        )
        return submit_and_follow(session, jobs_pb2.JobSpec(export_dataset=spec), detach=args.detach)


def run_stats(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        stats = session.connection.dataset_stats(args.name)
    if args.json:
        print(
            json.dumps(
                MessageToDict(stats, preserving_proto_field_name=True, always_print_fields_with_no_presence=True),
                indent=2,
            )
        )
        return 0
    by_status = ", ".join(f"{name} {stats.images_by_status.get(name, 0)}" for name in STATUS_NAMES)
    print(f"{stats.dataset}: {stats.image_count} images ({by_status}), {stats.box_count} boxes")
    print(f"images without boxes: {stats.images_without_boxes}")
    print("boxes per class:")
    width = max((len(name) for name in stats.boxes_by_class), default=0)
    for name, count in sorted(stats.boxes_by_class.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {name:<{width}}  {count}")
    print("box size (sqrt of area, share of the image side):")
    peak = max((b.count for b in stats.box_size_histogram), default=0)
    for item in stats.box_size_histogram:
        bar = "#" * (round(30 * item.count / peak) if peak else 0)
        print(f"  {item.low:4.2f}-{item.high:4.2f}  {item.count:>7}  {bar}")
    return 0


def run_classes(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        connection = session.connection
        dataset = (
            connection.update_classes(args.name, args.changes) if args.changes else connection.get_dataset(args.name)
        )
    for c in dataset.classes:
        print(f"{c.id:>3}  {c.name}" + ("  (deleted)" if c.deleted else ""), file=sys.stdout)
    return 0

"""The small Qt-free pieces: events, formatting, YOLO labels."""

from __future__ import annotations

import datetime as dt

from google.protobuf.timestamp_pb2 import Timestamp

from desktop.models.events import Event
from desktop.models.formatting import format_bytes, format_duration, format_rate, format_timestamp
from desktop.models.yolo import parse_yolo_labels


def test_event_calls_callbacks_in_order_once_each() -> None:
    event: Event[[int]] = Event()
    seen: list[tuple[str, int]] = []

    def first(value: int) -> None:
        seen.append(("first", value))

    event.connect(first)
    event.connect(first)
    event.connect(lambda value: seen.append(("second", value)))
    event.emit(3)
    assert seen == [("first", 3), ("second", 3)]
    event.disconnect(first)
    event.emit(4)
    assert seen[-1] == ("second", 4)
    assert len(event) == 1


def test_a_callback_may_disconnect_itself_while_emitting() -> None:
    event: Event[[]] = Event()
    calls: list[str] = []

    def once() -> None:
        calls.append("once")
        event.disconnect(once)

    event.connect(once)
    event.emit()
    event.emit()
    assert calls == ["once"]


def test_format_duration() -> None:
    assert format_duration(-1) == "?"
    assert format_duration(7.4) == "7s"
    assert format_duration(185) == "3m05s"
    assert format_duration(2 * 3600 + 4 * 60 + 59) == "2h04m"


def test_format_bytes_and_rate() -> None:
    assert format_bytes(512) == "512 B"
    assert format_bytes(3 * 1024**3 // 2) == "1.5 GiB"
    assert format_rate(0, "pairs") == ""
    assert format_rate(12.34, "pairs") == "12.3 pairs/s"
    assert format_rate(0.05, "epochs") == "3.0 epochs/min"
    assert format_rate(1234, "") == "1234 items/s"


def test_format_timestamp_leaves_out_todays_date() -> None:
    now = dt.datetime(2026, 5, 4, 12, 0, tzinfo=dt.UTC).astimezone()
    today = Timestamp(seconds=int(now.timestamp()) - 60)
    earlier = Timestamp(seconds=int(now.timestamp()) - 3 * 86400)
    assert len(format_timestamp(today, now=now)) == len("11:59:00")
    assert format_timestamp(earlier, now=now).startswith("2026-05-01")
    assert format_timestamp(Timestamp()) == ""


def test_parse_yolo_labels_skips_bad_lines() -> None:
    boxes = parse_yolo_labels("0 0.5 0.5 0.2 0.4\n\nnot a box\n3 0.1 0.2 0.1 0.1 extra\n2 0.25 0.75 0.5 0.5\n")
    assert [box.class_id for box in boxes] == [0, 2]
    assert boxes[0].pixel_rect(100, 200) == (40.0, 60.0, 20.0, 80.0)

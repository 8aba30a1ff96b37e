"""Plain-text formatting shared by the view-models: durations, sizes, times, rates."""

from __future__ import annotations

import datetime as dt

from google.protobuf.timestamp_pb2 import Timestamp


def format_duration(seconds: float) -> str:
    """``"7s"``, ``"3m05s"``, ``"2h04m"``; ``"?"`` when unknown (negative)."""
    if seconds < 0:
        return "?"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def format_bytes(size: int) -> str:
    """Binary units, one decimal: ``"23.5 GiB"``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def format_rate(rate: float, unit: str) -> str:
    """``"12.3 pairs/s"``; slow rates as per minute so they do not read as ``0.0``."""
    if rate <= 0:
        return ""
    unit = unit or "items"
    if rate < 0.1:
        return f"{rate * 60:.1f} {unit}/min"
    return f"{rate:.1f} {unit}/s" if rate < 100 else f"{rate:.0f} {unit}/s"


def timestamp_datetime(timestamp: Timestamp) -> dt.datetime | None:
    """The timestamp in local time, or None when unset."""
    if timestamp.seconds == 0 and timestamp.nanos == 0:
        return None
    return dt.datetime.fromtimestamp(timestamp.seconds + timestamp.nanos / 1e9).astimezone()


def format_timestamp(timestamp: Timestamp, *, now: dt.datetime | None = None) -> str:
    """Local time; the date is left out for today's times."""
    moment = timestamp_datetime(timestamp)
    if moment is None:
        return ""
    today = (now or dt.datetime.now().astimezone()).date()
    return moment.strftime("%H:%M:%S") if moment.date() == today else moment.strftime("%Y-%m-%d %H:%M")

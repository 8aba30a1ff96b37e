"""Dataset statistics: images per status, boxes per class, a histogram of box sizes, images without boxes."""

from __future__ import annotations

import itertools
import sqlite3

from backend.datasets import catalog
from backend.datasets.records import DatasetStats, HistogramBin

#: bin edges of sqrt(box area) as a fraction of the image side (the square root of normalized w * h)
SIZE_EDGES = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)


def dataset_stats(conn: sqlite3.Connection, dataset: str) -> DatasetStats:
    ds = catalog.dataset_id(conn, dataset)
    record = catalog.describe(conn, ds)
    boxes_by_class = {c.name: 0 for c in record.classes if not c.deleted}
    names = {c.id: c.name for c in record.classes}
    for class_id, count in conn.execute(
        "SELECT class_id, COUNT(*) FROM boxes WHERE dataset_id = ? GROUP BY class_id", (ds,)
    ):
        name = names.get(class_id, f"class {class_id}")
        boxes_by_class[name] = boxes_by_class.get(name, 0) + int(count)
    # compare areas with squared edges: no sqrt needed in SQL
    cases = " ".join(f"WHEN width * height < {high * high!r} THEN {i}" for i, high in enumerate(SIZE_EDGES[1:-1]))
    counts = dict.fromkeys(range(len(SIZE_EDGES) - 1), 0)
    for index, count in conn.execute(
        f"SELECT CASE {cases} ELSE {len(SIZE_EDGES) - 2} END AS bin, COUNT(*) FROM boxes "
        "WHERE dataset_id = ? GROUP BY bin",
        (ds,),
    ):
        counts[int(index)] = int(count)
    histogram = [HistogramBin(low, high, counts[i]) for i, (low, high) in enumerate(itertools.pairwise(SIZE_EDGES))]
    (without,) = conn.execute("SELECT COUNT(*) FROM images WHERE dataset_id = ? AND box_count = 0", (ds,)).fetchone()
    return DatasetStats(
        dataset=dataset,
        images_by_status=record.images_by_status,
        boxes_by_class=boxes_by_class,
        box_size_histogram=histogram,
        images_without_boxes=int(without),
        image_count=record.image_count,
        box_count=record.box_count,
    )

"""Timing, memory and the printed table. Nothing here passes or fails: it is an instrument."""

import gc
import json
import os
import re
import statistics
import time
from dataclasses import asdict, dataclass, field

from django.db import connections


@dataclass
class Stats:
    median: float
    p95: float
    runs: int
    peak_mb: float | None = None

    def short(self):
        return f"{fmt_seconds(self.median)} / {fmt_seconds(self.p95)}"


@dataclass
class Row:
    operation: str
    size: str
    ours: Stats | None = None
    references: dict = field(default_factory=dict)  # name -> Stats
    target: str = ""
    verdict: str = ""  # "met", "MISSED: ...", or a note
    note: str = ""
    rows_read: int | None = None
    extra: dict = field(default_factory=dict)

    def to_json(self):
        data = asdict(self)
        data["references"] = {k: asdict(v) for k, v in self.references.items()}
        return data


def fmt_seconds(seconds):
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 120:
        return f"{seconds:.2f} s"
    return f"{seconds / 60:.1f} min"


def _rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _hwm_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_memory_mb(fn):
    """Peak extra resident memory of one run of fn, measured in a forked child (so it includes C
    allocations and costs the timed runs nothing). Database connections are closed first: the
    child opens its own."""
    connections.close_all()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read)
        try:
            with open("/proc/self/clear_refs", "w") as clear:
                clear.write("5")  # reset the high-water mark to the current RSS
            base = _rss_mb()
            fn()
            result = max(0.0, _hwm_mb() - base)
        except BaseException:
            result = -1.0
        os.write(write, f"{result:.3f}".encode())
        os._exit(0)
    os.close(write)
    data = os.read(read, 64)
    os.close(read)
    os.waitpid(pid, 0)
    value = float(data or -1)
    return None if value < 0 else value


def measure(fn, *, reps=None, memory=True, budget=60.0):
    """Median and p95 over repetitions (more when fast, fewer when slow), plus peak memory."""
    gc.collect()
    started = time.perf_counter()
    fn()  # warm-up (caches, connections, imports): also a sample when the operation is slow
    first = time.perf_counter() - started
    if reps is None:
        reps = 15 if first < 0.1 else 7 if first < 1 else 3 if first < 15 else 1
        reps = max(1, min(reps, int(budget / max(first, 1e-3))))
    times = [first] if reps == 1 else []
    for _ in range(reps if reps > 1 else 0):
        gc.collect()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    peak = peak_memory_mb(fn) if memory else None
    return Stats(median=statistics.median(times), p95=p95, runs=len(times), peak_mb=peak)


def table(rows, scale, previous=None):
    """The one printed table (Markdown, so it can go into the README as is)."""
    head = ["operation", "size", "ours median / p95", "peak MB", "reference median / p95", "ratio", "target",
            "verdict"]  # fmt: skip
    if previous:
        head.append(f"growth vs {previous['scale']}")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    before = {_key(r["operation"]): r for r in (previous or {}).get("rows", [])}
    for row in rows:
        refs = list(row.references.items()) or [(None, None)]
        for index, (name, ref) in enumerate(refs):
            first = index == 0
            ratio = f"{row.ours.median / ref.median:.2f}x" if (row.ours and ref and ref.median) else "—"
            cells = [
                row.operation if first else "″",
                row.size if first else "",
                row.ours.short() if (row.ours and first) else ("" if row.ours else row.note or "not available yet"),
                (f"{row.ours.peak_mb:.0f}" if row.ours and row.ours.peak_mb is not None else "—") if first else "",
                f"{name}: {ref.short()}" + (f" ({ref.peak_mb:.0f} MB)" if ref.peak_mb is not None else "")
                if ref
                else "(absolute)",
                ratio,
                row.target if first else "",
                row.verdict if first else "",
            ]
            if previous:
                old = before.get(_key(row.operation))
                growth = ""
                if first and old and old.get("ours") and row.ours:
                    growth = f"{row.ours.median / old['ours']['median']:.1f}x"
                    if row.rows_read and old.get("rows_read"):
                        growth += f" (rows {row.rows_read / old['rows_read']:.0f}x)"
                cells.append(growth)
            lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def _key(operation):
    """Rows match across scales by their operation with the sizes in it left out
    ("tier-1 report ..., xlsx: 3,643 projects" and "...: 72,861 projects" are the same row)."""
    return re.sub(r"\d[\d,.]*", "N", operation)


def write_json(path, payload):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str))

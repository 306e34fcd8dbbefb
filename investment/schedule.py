"""The procedure schedule, pure: planned dates from durations and dependencies, the critical path.

Items are nodes with a duration in working days. ``depends_on`` is finish-to-start (串联): an item starts
on the first working day after all its predecessors are done; items without a path between them run side
by side (并联). A sub-item starts no earlier than its item (大项), and an item is done only when all its
sub-items are. Times are counted in working-day indexes (0 = the first working day on or after the start);
an item occupying indexes [s, f) starts on day s and is done at the end of day f - 1 (a zero-day item is a
milestone on day s). The planned start of construction is the first working day after everything is done.
"""

import dataclasses
import datetime

from django.core.exceptions import ValidationError


@dataclasses.dataclass
class Node:
    key: int
    name: str
    duration: int
    depends_on: tuple = ()
    parent: int | None = None
    # Forecast: a done item is pinned to its actual finish; an open one cannot start before today.
    finished_on: datetime.date | None = None
    started_on: datetime.date | None = None


@dataclasses.dataclass
class Slot:
    start: datetime.date
    finish: datetime.date
    critical: bool
    float_days: int


@dataclasses.dataclass
class Schedule:
    slots: dict  # key -> Slot
    construction_start: datetime.date | None
    critical_path: list  # keys, in order of start
    parallel_items: int  # top-level items that overlap another in time


class Calendar:
    """Working days from a start date, given ``is_working_day(date) -> bool`` (indexes both ways)."""

    def __init__(self, start, is_working_day):
        self.start = start
        self.is_working_day = is_working_day
        self.days = []

    def _extend(self, index):
        day = self.days[-1] + datetime.timedelta(days=1) if self.days else self.start
        while len(self.days) <= index:
            if self.is_working_day(day):
                self.days.append(day)
            day += datetime.timedelta(days=1)

    def date(self, index):
        self._extend(index)
        return self.days[index]

    def index(self, day):
        """The index of ``day``, or of the first working day after it (a date before the start: 0)."""
        if day <= self.start:
            return 0
        while not self.days or self.days[-1] < day:
            self._extend(len(self.days) + 64)
        lo, hi = 0, len(self.days)
        while lo < hi:  # first working day >= day
            mid = (lo + hi) // 2
            if self.days[mid] < day:
                lo = mid + 1
            else:
                hi = mid
        return lo


def _cycle(nodes, edges):
    """Names of the items on one dependency cycle (for the error message)."""
    colour, stack = {}, []

    def visit(event):
        colour[event] = 1
        stack.append(event)
        for nxt, _ in edges[event]:
            if colour.get(nxt) == 1:
                return stack[stack.index(nxt) :]
            if nxt not in colour:
                found = visit(nxt)
                if found:
                    return found
        colour[event] = 2
        stack.pop()
        return None

    for event in edges:
        if event not in colour:
            found = visit(event)
            if found:
                names = []
                for _kind, key in found:
                    if nodes[key].name not in names:
                        names.append(nodes[key].name)
                return names
    return []


def compute(nodes, calendar, *, today=None):
    """The schedule of ``nodes`` (a list of Node) on ``calendar``; ``today`` makes it a forecast.

    Raises ValidationError naming the items of a dependency cycle or an unknown predecessor.
    """
    nodes = {n.key: n for n in nodes}
    for n in nodes.values():
        unknown = [d for d in n.depends_on if d not in nodes]
        if unknown:
            raise ValidationError({"depends_on": f"手续“{n.name}”的前置手续不存在或已删减。"})
    # Events ("s", key) and ("f", key); edges (to, lag) with lags in working days.
    edges = {(kind, key): [] for key in nodes for kind in ("s", "f")}
    for key, n in nodes.items():
        edges[("s", key)].append((("f", key), n.duration))
        for dep in n.depends_on:
            edges[("f", dep)].append((("s", key), 0))
        if n.parent is not None and n.parent in nodes:
            edges[("s", n.parent)].append((("s", key), 0))
            edges[("f", key)].append((("f", n.parent), 0))
    incoming = dict.fromkeys(edges, 0)
    for outs in edges.values():
        for nxt, _ in outs:
            incoming[nxt] += 1
    ready = sorted((e for e, c in incoming.items() if c == 0), key=lambda e: (e[1], e[0]))
    order = []
    while ready:
        event = ready.pop()
        order.append(event)
        for nxt, _ in edges[event]:
            incoming[nxt] -= 1
            if incoming[nxt] == 0:
                ready.append(nxt)
    if len(order) < len(edges):
        names = _cycle(nodes, edges)
        raise ValidationError({"depends_on": "前置手续形成循环,无法排期:" + " → ".join(names) + "。"})

    today_index = calendar.index(today) if today else None
    early = dict.fromkeys(edges, 0)
    for event in order:
        kind, key = event
        n = nodes[key]
        if today_index is not None:
            done_at = calendar.index(n.finished_on) + 1 if n.finished_on else None
            if kind == "s" and n.started_on:
                early[event] = calendar.index(n.started_on)
            elif kind == "s" and done_at is not None:
                early[event] = max(0, done_at - n.duration)
            elif kind == "s":
                early[event] = max(early[event], today_index)
            elif done_at is not None:
                early[event] = done_at
            else:
                early[event] = max(early[event], today_index)
        for nxt, lag in edges[event]:
            early[nxt] = max(early[nxt], early[event] + lag)
    end = max(early.values(), default=0)
    late = dict.fromkeys(edges, end)
    for event in reversed(order):
        for nxt, lag in edges[event]:
            late[event] = min(late[event], late[nxt] - lag)

    slots = {}
    for key in nodes:
        s, f = early[("s", key)], early[("f", key)]
        slack = min(late[("s", key)] - s, late[("f", key)] - f)
        start_day = calendar.date(s)
        slots[key] = Slot(
            start=start_day,
            finish=calendar.date(f - 1) if f > s else start_day,
            critical=slack == 0,
            float_days=slack,
        )
    tops = [k for k, n in nodes.items() if n.parent is None or n.parent not in nodes]
    spans = [(early[("s", k)], early[("f", k)]) for k in tops]
    parallel = sum(
        1 for i, (s, f) in enumerate(spans) if any(j != i and s < f2 and s2 < f for j, (s2, f2) in enumerate(spans))
    )
    critical = sorted((k for k in tops if slots[k].critical), key=lambda k: (early[("s", k)], k))
    return Schedule(
        slots=slots,
        construction_start=calendar.date(end) if nodes else None,
        critical_path=critical,
        parallel_items=parallel,
    )

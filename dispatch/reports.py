"""Builds the dispatch reports: one streaming pass over the in-scope projects, in constant memory.

The xlsx holds every row (StreamingWorkbook, written row by row as the database cursor yields
them); the PDF holds the summary, rankings, a chart and capped top lists (common.pdf).
Both come from the same pass (``RoundFigures``), so the two formats always agree.
"""

import datetime
import heapq
from collections import defaultdict
from decimal import Decimal

from django.db import connections
from django.db.models import BooleanField, ExpressionWrapper
from django.utils import timezone

from assistance import selectors as assistance_selectors
from common import pdf
from common.figures import PROBLEM_AGE_BUCKETS, age_bucket, hundredths, ratio, tenths, yi
from common.periods import month_end, reporting_month, year_fraction_elapsed
from common.spreadsheets import StreamingWorkbook
from insights import definitions
from investment.selectors import amendments_approved_since
from projects.choices import Stage, StartType, Tier
from supervision.choices import FLAGS, Light
from supervision.selectors import annotate_lights, order_stats

from . import selectors

ZERO = Decimal("0.00")
CHUNK = 2000
TOP = 50  # rows of each top list in the PDF
PROGRESS_EVERY = 5000
STAGE_LABELS = dict(Stage.choices)
START_LABELS = dict(StartType.choices)
TIER_LABELS = dict(Tier.choices)


class Bucket:
    __slots__ = ("count", "plan", "total", "ytd")

    def __init__(self):
        self.count, self.total, self.plan, self.ytd = 0, ZERO, ZERO, ZERO

    def add(self, total, plan, ytd):
        self.count += 1
        self.total += total
        self.plan += plan
        self.ytd += ytd

    def row(self, name):
        return [name, self.count, self.total, self.plan, self.ytd, ratio(self.ytd, self.plan)]


class TopList:
    """The ``size`` largest items by key, in constant memory (a heap)."""

    def __init__(self, size=TOP):
        self.size, self.heap, self.counter = size, [], 0

    def add(self, key, item):
        self.counter += 1
        entry = (key, -self.counter, item)
        if len(self.heap) < self.size:
            heapq.heappush(self.heap, entry)
        elif entry > self.heap[0]:
            heapq.heapreplace(self.heap, entry)

    def items(self):
        return [item for _, _, item in sorted(self.heap, reverse=True)]


BREAKDOWN_HEADERS = ["名称", "项目数", "计划总投资(万元)", "本年计划投资(万元)", "本年累计完成(万元)", "完成率"]
PROJECT_HEADERS = [
    "项目ID", "项目代码", "项目名称", "县区", "产业", "项目类别", "牵头部门", "阶段", "开工类型",
    "计划总投资(万元)", "本年计划投资(万元)", "本年累计完成(万元)", "完成率", "实际开工日期", "实际竣工日期",
    "近两期完成(万元)", "是否滞后",
]  # fmt: skip
LAG_HEADERS = [
    "项目ID", "项目名称", "县区", "牵头部门", "本年计划投资(万元)", "本年累计完成(万元)", "完成率", "时间进度",
    "差距(百分点)", "滞后原因",
]  # fmt: skip
START_HEADERS = ["项目ID", "项目名称", "县区", "项目类别", "计划总投资(万元)", "日期", "开工类型"]
PROBLEM_HEADERS = [
    "责任单位", "项目名称", "县区", "问题描述", "问题类型", "调度层级", "状态", "提出日期", "完成时限",
    "已历时(天)", "逾期(天)",
]  # fmt: skip
UNIT_HEADERS = [
    "责任单位",
    "未解决问题数",
    "其中逾期",
    *(label for label, _, _ in PROBLEM_AGE_BUCKETS),
    "最长历时(天)",
    "平均历时(天)",
]
CHANGE_HEADERS = ["项目ID", "项目名称", "原阶段", "新阶段", "变更日期", "原因"]
LIGHT_LABELS = dict(Light.choices)  # lazy labels: made text (str) where written
PROCEDURE_HEADERS = [
    "项目ID", "项目名称", "县区", "手续事项", "已办结", "并联办理大项", "容缺待补正", "其中逾期补正",
    "基线(原计划)开工日期", "实际(预测)开工日期", "节省时间(天)",
]  # fmt: skip
PROCEDURE_TOTAL_HEADERS = [
    "县区",
    "项目数",
    "手续事项",
    "已办结",
    "并联办理大项",
    "容缺待补正",
    "其中逾期补正",
    "节省时间(天)",
]

LIGHT_HEADERS = [
    "项目ID", "项目名称", "县区", "牵头部门", "阶段", "序时进度(%)", "年度计划完成率(%)", "落后(百分点)",
    "序时进度灯", "综合灯", *FLAGS.values(),
]  # fmt: skip
CORRECTION_HEADERS = [
    "项目ID", "项目名称", "县区", "月份", "修正前(万元)", "修正后(万元)", "差额(万元)", "修正原因", "提出人", "批准人",
    "批准时间",
]  # fmt: skip
ORDER_HEADERS = ["责任单位类型", "责任单位", "下达", "应回复", "按时回复", "逾期未回复", "已销号", "按时回复率"]
# 包保服务 (帮办代办): per county, unit and steward, then the total (insights.definitions service_*).
SERVICE_HEADERS = ["分组", "名称", "服务事项数", "已办结", "按期办结", "按期办结率", "平均办结工作日", "逾期未办结"]


def lag_reason(lagging, behind, stale):
    """Why a project lags ("" if it does not: insights.definitions, 滞后项目), with the stale flag."""
    if not lagging:
        return ""
    reasons = [f"落后序时进度 {hundredths(behind)} 个百分点"]
    if stale:
        reasons.append("连续未报进度")
    return ";".join(reasons)


def stream_rows(queryset):
    """The rows of a ``values_list`` queryset from a server-side cursor, CHUNK at a time, as psycopg
    returns them (numeric as Decimal, dates, booleans: what the fields hold). Django's iterator would
    also pass every value of its Decimal expressions through a converter that makes a Decimal of a
    Decimal, a cost per row and column of the project pass."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield from rows


def project_figures(queryset, *, month, as_of, known_at=None):
    """The scope's projects with the measures of ``month`` (insights.definitions through the lights:
    completed_ytd, recent, completion_rate, time_progress, behind, lagging)."""
    return annotate_lights(queryset, period=month, as_of=as_of, known_at=known_at)


class RoundFigures:
    """Everything a round's report says, computed in one pass; ``sink`` receives the full row sets."""

    def __init__(self, round, *, on_progress=None, known_at=None):
        self.round = round
        self.group = round.group
        self.known_at = known_at  # a frozen round: the figures as known when it was issued
        self.month = reporting_month(round.period_end)
        self.as_of = month_end(self.month)
        self.year = self.month.year
        self.elapsed = year_fraction_elapsed(self.as_of)
        self.on_progress = on_progress or (lambda percent: None)
        self.summary = {}
        self.by_region, self.by_sector, self.by_category = (defaultdict(Bucket) for _ in range(3))
        self.top_lagging, self.top_starts, self.top_completions = TopList(), TopList(20), TopList(20)
        self.oldest_problems = TopList()
        self.units = {}
        self.previous = selectors.previous_round(round)
        self.changes_count = 0
        self.top_red = TopList()  # red (overall) projects, most behind first
        self.orders = {}
        self.procedure_totals = {}  # county name -> [projects, items, done, parallel, open, overdue, days]
        self.indicators = []  # physical indicators per (name, unit): insights.definitions.indicator_rows
        # The labels as text in the active language, once: a lazy label costs a translation lookup
        # each time it is made text, several times per project row (bench/rows.py tier1_report).
        self.stage_text, self.start_text, self.light_text, self.tier_text = (
            {key: str(label) for key, label in labels.items()}
            for labels in (STAGE_LABELS, START_LABELS, LIGHT_LABELS, TIER_LABELS)
        )

    # --- the project pass -----------------------------------------------------------------
    def project_rows(self):
        start, end = self.round.period_start, self.round.period_end
        return (
            project_figures(selectors.scope_projects(self.group), month=self.month, as_of=self.as_of,
                            known_at=self.known_at)
            .annotate(
                new_start=ExpressionWrapper(definitions.new_starts_q(first=start, last=end), BooleanField()),
                completion=ExpressionWrapper(definitions.completions_q(first=start, last=end), BooleanField()),
            )
            .order_by("region__sort_order", "region_id", "-total_investment", "id")
            .values_list(
                "id", "code", "name", "region__name", "sector__name", "category__name", "department__name", "stage",
                "start_type", "total_investment", "annual_plan", "actual_start", "actual_completion", "completed_ytd",
                "recent", "completion_rate", "time_progress", "behind", "lagging", "stale", "new_start", "completion",
                "expected_percent", "completion_percent", "light", "overall", *FLAGS,
            )
        )  # fmt: skip

    def run(self, sink):
        total_count = selectors.scope_projects(self.group).count()
        count = new_starts = completions = lagging = 0
        total = plan = ytd_sum = start_investment = ZERO
        stages = defaultdict(int)
        lights = self._light_counts()
        stage_text, start_text = self.stage_text, self.start_text
        # One pass judges each project once: its figures, its lagging and its lights (the lights sheet
        # is in the same order as the project list).
        for row in stream_rows(self.project_rows()):
            (pk, code, name, region, sector, category, department, stage, start_type, total_inv, annual_plan,
             actual_start, actual_completion, ytd, recent, project_rate, progress, behind, late, stale, new_start,
             completion, expected, completion_pct, light, overall, *flags) = row  # fmt: skip
            self._light(sink, lights, pk, name, region, department, stage, expected, completion_pct, behind, light,
                        overall, flags)  # fmt: skip
            count += 1
            total += total_inv
            plan += annual_plan
            ytd_sum += ytd
            stages[stage] += 1
            self.by_region[region].add(total_inv, annual_plan, ytd)
            self.by_sector[sector or "未分类"].add(total_inv, annual_plan, ytd)
            self.by_category[category].add(total_inv, annual_plan, ytd)
            reason = lag_reason(late, behind, stale)
            sink.project([pk, code, name, region, sector, category, department, stage_text.get(stage, stage),
                          start_text.get(start_type, ""), total_inv, annual_plan, ytd, project_rate, actual_start,
                          actual_completion, recent, "是" if reason else "否"])  # fmt: skip
            if reason:
                lagging += 1
                gap = behind
                lag_row = [pk, name, region, department, annual_plan, ytd, project_rate, progress, gap, reason]
                sink.lagging(lag_row)
                self.top_lagging.add((gap, annual_plan), lag_row)
            if new_start:
                new_starts += 1
                start_investment += total_inv
                start_row = [pk, name, region, category, total_inv, actual_start, start_text.get(start_type, "")]
                sink.start(start_row)
                self.top_starts.add(total_inv, start_row)
            if completion:
                completions += 1
                done_row = [pk, name, region, category, total_inv, actual_completion, ""]
                sink.completion(done_row)
                self.top_completions.add(total_inv, done_row)
            if count % PROGRESS_EVERY == 0 and total_count:
                self.on_progress(5 + 75 * count // total_count)
        self.on_progress(80)
        problems = self.problems(sink)
        self.on_progress(90)
        self.changes(sink)
        lights["total"] = sum(lights[f"light_{light}"] for light in Light.values)
        self.procedures(sink)
        # Physical indicators of the scope (a programme such as 老旧小区改造), today's figures.
        self.indicators = definitions.indicator_rows(selectors.scope_projects(self.group), month=self.month)
        self.orders = self.order_figures()
        self.service = self.service_figures()
        self.summary = {
            "as_of": self.as_of.isoformat(),
            "reporting_month": self.month.isoformat(),
            "project_count": count,
            "total_investment": str(total),
            "annual_plan": str(plan),
            "completed_ytd": str(ytd_sum),
            "completion_rate": str(ratio(ytd_sum, plan)) if plan else None,
            "time_elapsed": str(self.elapsed),
            "new_starts": new_starts,
            "new_start_investment": str(start_investment),
            "completions": completions,
            "lagging": lagging,
            "open_problems": problems["open"],
            "overdue_problems": problems["overdue"],
            "stages": dict(stages),
            "lights": lights,
            "orders": {
                key: self.orders[key]
                for key in ("issued", "answered_on_time", "answered_late", "overdue", "closed", "due")
            },
            "order_on_time_rate": None if self.orders["on_time_rate"] is None else str(self.orders["on_time_rate"]),
            "service_tasks": {key: self.service["total"][key] for key in ("requested", "done", "on_time", "overdue")},
        }
        return self.summary

    # --- 审批手续: the procedure engine's figures (time saved as insights.definitions) ----------------
    def procedures(self, sink):
        """One row per project of the scope with procedure items; totals per county. Today's figures
        (the engine keeps no history), 容缺 overdue judged at the round's period end."""
        rows = selectors.procedure_projects(self.group, as_of=self.round.period_end).values_list(
            "id", "name", "region__name", "item_count", "done_count", "parallel_items", "deficiency_open",
            "deficiency_overdue", "reference_start", "actual_or_forecast_start", "days_saved",
        )  # fmt: skip
        for row in rows.iterator(chunk_size=CHUNK):
            sink.procedure(list(row))
            total = self.procedure_totals.setdefault(row[2], [0] * 7)
            for index, value in enumerate((1, row[3], row[4], row[5] or 0, row[6], row[7], row[10] or 0)):
                total[index] += value

    def procedure_total_rows(self):
        rows = [[region, *figures] for region, figures in self.procedure_totals.items()]
        rows.append(["合计", *[sum(r[i] for r in rows) for i in range(1, 8)]])
        return rows

    # --- traffic lights and supervision orders (supervision's rules, one query each) --------------
    @staticmethod
    def _light_counts():
        counts = {f"light_{light}": 0 for light in Light.values}
        counts.update({f"overall_{light}": 0 for light in Light.values})
        counts.update(dict.fromkeys(FLAGS, 0))
        return counts

    def _light(self, sink, counts, pk, name, region, department, stage, expected, completion, behind, light, overall,
               flags):  # fmt: skip
        """One project's row of the lights sheet (the reporting month's lights), counted into ``counts``."""
        counts[f"light_{light}"] += 1
        counts[f"overall_{overall}"] += 1
        for flag, on in zip(FLAGS, flags, strict=True):
            counts[flag] += bool(on)
        pct = [hundredths(v) for v in (expected, completion)]
        # "behind" only means something for a measured project (one with a completion rate).
        behind = None if pct[1] is None else hundredths(behind)
        row = [pk, name, region, department, self.stage_text.get(stage, stage), *pct, behind,
               self.light_text[light], self.light_text[overall], *("是" if on else "" for on in flags)]  # fmt: skip
        sink.light(row)
        if overall == Light.RED:
            self.top_red.add((light == Light.RED, behind if behind is not None else Decimal(-1000)), row)

    def order_figures(self):
        """Orders issued in the round's period on the scope's projects; overdue judged at the period end
        (or today while the period is running); replies and closing as recorded when the report is built."""
        today = min(timezone.localdate(), self.round.period_end)
        return order_stats(
            projects=selectors.scope_projects(self.group).values("pk"),
            start=self.round.period_start,
            end=self.round.period_end,
            today=today,
        )

    def order_rows(self):
        """Per unit, then the total: [kind, unit, issued, due, on time, overdue, closed, on-time rate (fraction)]."""
        rows = [
            [u["unit_kind_display"], u["unit_name"], u["issued"], u["due"], u["on_time"], u["overdue"], u["closed"],
             None if u["on_time_rate"] is None else u["on_time_rate"] / 100]
            for u in self.orders["units"]
        ]  # fmt: skip
        o = self.orders
        rate_ = None if o["on_time_rate"] is None else o["on_time_rate"] / 100
        rows.append(["合计", "", o["issued"], o["due"], o["answered_on_time"], o["overdue"], o["closed"], rate_])
        return rows

    # --- 包保服务: service tasks (帮办代办) of the scope, requested in the round's period -----------------
    def service_figures(self):
        """Tasks on the scope's projects requested in the period, per county, unit and steward; done and
        confirmation as recorded when the report is built, overdue judged at the period end (or today
        while it runs)."""
        today = min(timezone.localdate(), self.round.period_end)
        tasks = assistance_selectors.scope_tasks(
            selectors.scope_projects(self.group).values("pk"), start=self.round.period_start, end=self.round.period_end
        )
        groups = {}
        total = None
        for by in ("region", "unit", "steward"):
            groups[by], total = assistance_selectors.figure_rows(tasks, by=by, today=today)
        return {"groups": groups, "total": total}

    def service_rows(self):
        """[group, name, requested, done, on time, on-time rate (fraction), average working days, overdue]."""

        def line(group, r):
            return [group, r["name"], r["requested"], r["done"], r["on_time"], r["on_time_rate"], r["average_days"],
                    r["overdue"]]  # fmt: skip

        rows = []
        for by, label in assistance_selectors.GROUP_LABELS.items():
            rows.extend(line(label, r) for r in self.service["groups"].get(by, []))
        rows.append(line("合计", self.service["total"]))
        return rows

    # --- problems and changes -----------------------------------------------------------------
    def problems(self, sink):
        as_of = self.round.period_end
        rows = (
            selectors.open_problems(self.group, as_of=as_of)
            .order_by("responsible_unit", "created_at", "id")
            .values_list("project_id", "project__name", "project__region__name", "description", "kind", "tier",
                         "status", "created_at", "deadline", "responsible_unit")
        )  # fmt: skip
        from investment.choices import ProblemKind, ProblemStatus

        kinds, statuses = ({key: str(label) for key, label in choices} for choices in (ProblemKind.choices,
                                                                                       ProblemStatus.choices))  # fmt: skip
        open_count = overdue_count = 0
        for _, project, region, description, kind, tier, status, created_at, deadline, unit in rows.iterator(
            chunk_size=CHUNK
        ):
            raised = timezone.localtime(created_at).date()
            age = max((as_of - raised).days, 0)
            overdue = max((as_of - deadline).days, 0)
            open_count += 1
            overdue_count += overdue > 0
            row = [unit, project, region, description, kinds.get(kind, kind), self.tier_text.get(tier, tier),
                   statuses.get(status, status), raised, deadline, age, overdue]  # fmt: skip
            sink.problem(row)
            self.oldest_problems.add(age, row)
            stats = self.units.setdefault(unit, [0, 0, [0] * len(PROBLEM_AGE_BUCKETS), 0, 0])
            stats[0] += 1
            stats[1] += overdue > 0
            stats[2][age_bucket(age)] += 1
            stats[3] = max(stats[3], age)
            stats[4] += age
        return {"open": open_count, "overdue": overdue_count}

    def unit_rows(self):
        rows = []
        for unit, (n, overdue, buckets, oldest, ages) in sorted(
            self.units.items(), key=lambda item: (-item[1][0], item[0])
        ):
            rows.append([unit, n, overdue, *buckets, oldest, tenths(Decimal(ages) / n)])
        return rows

    def changes(self, sink):
        after = self.previous.period_end if self.previous else self.round.period_start - datetime.timedelta(days=1)
        rows = (
            selectors.stage_changes_between(self.group, after=after, through=self.round.period_end)
            .order_by("changed_on", "id")
            .values_list("project_id", "project__name", "from_stage", "to_stage", "changed_on", "reason")
        )
        for pk, name, from_stage, to_stage, on, reason in rows.iterator(chunk_size=CHUNK):
            self.changes_count += 1
            sink.change([pk, name, self.stage_text.get(from_stage, "—"), self.stage_text.get(to_stage, to_stage), on,
                         reason])  # fmt: skip
        self.solved_since = selectors.problems_solved_between(
            self.group, after=after, through=self.round.period_end
        ).count()

    def correction_rows(self):
        """更正: amendments approved after the round was issued, of the scope's months through the
        reporting month. Listed beside the figures, never merged into them."""
        if self.known_at is None:
            return []
        amendments = amendments_approved_since(
            since=self.known_at, projects=selectors.scope_projects(self.group).values("pk")
        ).filter(entry__period__lte=self.month)
        return [
            [a.entry.project_id, a.entry.project.name, a.entry.project.region.name, f"{a.entry.period:%Y-%m}",
             a.old_amount, a.new_amount, a.new_amount - a.old_amount, a.reason, str(a.created_by or ""),
             str(a.decided_by or ""), timezone.localtime(a.decided_at).strftime("%Y-%m-%d %H:%M")]
            for a in amendments
        ]  # fmt: skip

    # --- tables shared by both formats ----------------------------------------------------------
    def summary_rows(self):
        s = self.summary
        return [
            ["调度组", self.group.name, ""],
            ["统计范围", scope_text(self.group), ""],
            ["调度期", f"{self.round.period_start:%Y-%m-%d} 至 {self.round.period_end:%Y-%m-%d}", ""],
            ["数据截至", s["as_of"], ""],
            ["项目数", s["project_count"], "个"],
            ["计划总投资", Decimal(s["total_investment"]), "万元"],
            ["本年计划投资", Decimal(s["annual_plan"]), "万元"],
            ["本年累计完成投资", Decimal(s["completed_ytd"]), "万元"],
            ["投资完成率", Decimal(s["completion_rate"]) if s["completion_rate"] else None, "比率"],
            ["时间进度", Decimal(s["time_elapsed"]), "比率"],
            ["本期新开工项目", s["new_starts"], "个"],
            ["本期竣工项目", s["completions"], "个"],
            ["滞后项目", s["lagging"], "个"],
            ["未解决问题", s["open_problems"], "个"],
            ["其中逾期问题", s["overdue_problems"], "个"],
            ["绿灯项目(序时进度灯)", s["lights"]["light_green"], "个"],
            ["黄灯项目(序时进度灯)", s["lights"]["light_yellow"], "个"],
            ["红灯项目(序时进度灯)", s["lights"]["light_red"], "个"],
            ["未亮灯项目", s["lights"]["light_none"], "个"],
            ["综合红灯项目(含预警标志)", s["lights"]["overall_red"], "个"],
            ["本期下达督办单", s["orders"]["issued"], "份"],
            ["其中按时回复", s["orders"]["answered_on_time"], "份"],
            ["其中逾期未回复", s["orders"]["overdue"], "份"],
            ["其中已销号", s["orders"]["closed"], "份"],
            ["督办单按时回复率", None if s["order_on_time_rate"] is None else Decimal(s["order_on_time_rate"]) / 100,
             "比率"],
        ]  # fmt: skip

    def comparison_rows(self):
        previous = self.previous.summary if self.previous else {}
        rows = []
        for key, label in [
            ("project_count", "项目数"),
            ("total_investment", "计划总投资(万元)"),
            ("completed_ytd", "本年累计完成投资(万元)"),
            ("new_starts", "本期新开工项目"),
            ("completions", "本期竣工项目"),
            ("lagging", "滞后项目"),
            ("open_problems", "未解决问题"),
        ]:
            cast = Decimal if key in ("total_investment", "completed_ytd") else int
            now = cast(str(self.summary[key]))
            before = cast(str(previous[key])) if key in previous else None
            rows.append([label, now, before, None if before is None else now - before])
        rows.append(["期间阶段变化(次)", self.changes_count, None, None])
        rows.append(["期间解决问题", self.solved_since, None, None])
        return rows

    def ranking_rows(self):
        ranked = sorted(self.by_region.items(), key=lambda item: (-(ratio(item[1].ytd, item[1].plan) or -1), item[0]))
        return [[index + 1, *bucket.row(name)] for index, (name, bucket) in enumerate(ranked)]

    @staticmethod
    def breakdown_rows(buckets):
        return [bucket.row(name) for name, bucket in sorted(buckets.items(), key=lambda item: (-item[1].plan, item[0]))]


# --- sinks ------------------------------------------------------------------------------------
class NullSink:
    def project(self, row):
        pass

    lagging = start = completion = problem = change = light = procedure = project


class XlsxSink:
    """Writes the full row sets into their sheets as the pass yields them."""

    def __init__(self, book, *, tier):
        self.book = book
        money = {1, 2, 3, 4}
        self.summary = book.sheet("汇总", ["指标", "数值", "单位"], widths={0: 22, 1: 30})
        self.compare = book.sheet("与上轮比较", ["指标", "本轮", "上轮", "变化"])
        self.ranking = (
            book.sheet("县区排名", ["名次", *BREAKDOWN_HEADERS], money_columns={3, 4, 5}, percent_columns={6})
            if tier == Tier.CITY
            else None
        )
        self.regions = book.sheet("按县区", BREAKDOWN_HEADERS, money_columns=money - {1}, percent_columns={5})
        self.sectors = book.sheet("按产业", BREAKDOWN_HEADERS, money_columns=money - {1}, percent_columns={5})
        self.categories = book.sheet("按类别", BREAKDOWN_HEADERS, money_columns=money - {1}, percent_columns={5})
        self.starts = book.sheet("本期新开工", START_HEADERS, money_columns={4}, widths={1: 40})
        self.completions = book.sheet("本期竣工", START_HEADERS, money_columns={4}, widths={1: 40})
        self.lags = book.sheet("滞后项目", LAG_HEADERS, money_columns={4, 5}, percent_columns={6, 7}, widths={1: 40})
        self.problems = book.sheet("未解决问题", PROBLEM_HEADERS, widths={1: 30, 3: 40})
        self.units = book.sheet("问题按责任单位", UNIT_HEADERS, widths={0: 24})
        self.changes = book.sheet("阶段变化", CHANGE_HEADERS, widths={1: 40})
        self.lights = book.sheet("预警红黄绿灯", LIGHT_HEADERS, widths={1: 40})
        self.orders = book.sheet("督办单", ORDER_HEADERS, percent_columns={7}, widths={1: 24})
        self.corrections = book.sheet("更正", CORRECTION_HEADERS, money_columns={4, 5, 6}, widths={1: 40, 7: 40})
        self.procedure_sheet = book.sheet("审批手续", PROCEDURE_HEADERS, widths={1: 40, 8: 14, 9: 14})
        self.service_sheet = book.sheet("包保服务", SERVICE_HEADERS, percent_columns={5}, widths={1: 28})
        self.projects = book.sheet("项目清单", PROJECT_HEADERS, money_columns={9, 10, 11, 15},
                                   percent_columns={12}, widths={2: 40})  # fmt: skip
        self.indicator_sheet = book.sheet("实物量指标", INDICATOR_HEADERS, percent_columns={6, 7}, widths={0: 20})

    def project(self, row):
        self.projects.write(row)

    def lagging(self, row):
        self.lags.write(row)

    def start(self, row):
        self.starts.write(row)

    def completion(self, row):
        self.completions.write(row)

    def problem(self, row):
        self.problems.write(row)

    def change(self, row):
        self.changes.write(row)

    def light(self, row):
        self.lights.write(row)

    def procedure(self, row):
        self.procedure_sheet.write(row)

    def finish(self, figures):
        for row in figures.summary_rows():
            self.summary.write(row)
        for row in figures.comparison_rows():
            self.compare.write(row)
        if self.ranking is not None:
            for row in figures.ranking_rows():
                self.ranking.write(row)
        for sheet, buckets in (
            (self.regions, figures.by_region),
            (self.sectors, figures.by_sector),
            (self.categories, figures.by_category),
        ):
            for row in figures.breakdown_rows(buckets):
                sheet.write(row)
        for row in figures.unit_rows():
            self.units.write(row)
        for row in figures.order_rows():
            self.orders.write(row)
        for row in figures.correction_rows():
            self.corrections.write(row)
        for row in figures.service_rows():
            self.service_sheet.write(row)
        # Totals per county below the projects (the sheet streams: rows are written in order).
        self.procedure_sheet.write([])
        self.procedure_sheet.write(["县区合计", *PROCEDURE_TOTAL_HEADERS])
        for row in figures.procedure_total_rows():
            self.procedure_sheet.write(["", *row])
        for row in indicator_table(figures.indicators):
            self.indicator_sheet.write(row)


INDICATOR_HEADERS = ["指标", "单位", "项目数(个)", "计划总量", "累计计划量", "累计完成量", "完成率", "序时完成率"]


def indicator_table(indicators):
    from investment.models import IndicatorUnit

    units = dict(IndicatorUnit.choices)
    return [[r["name"], units.get(r["unit"], r["unit"]), r["project_count"], r["planned_total"], r["planned_to_date"],
             r["completed_to_date"], r["rate"], r["plan_rate"]] for r in indicators]  # fmt: skip


def _fmt(value, kind="money"):
    if value is None:
        return "—"
    if kind == "percent":
        return pdf.fmt_percent(value)
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, Decimal) and kind == "money":
        return pdf.fmt_money(value)
    return str(value)


def _breakdown_table(doc, rows):
    doc.table(
        BREAKDOWN_HEADERS,
        [[r[0], r[1], _fmt(r[2]), _fmt(r[3]), _fmt(r[4]), _fmt(r[5], "percent")] for r in rows[:TOP]],
        numeric_columns=(1, 2, 3, 4, 5),
    )


def scope_text(group):
    """The scope a group's figures cover, in words (every report names it; 统计范围)."""
    parts = [f"{group.name}调度范围"]
    if group.min_total_investment:
        parts.append(f"计划总投资不低于 {group.min_total_investment:,.0f} 万元的项目")
    for field, label in (("region", "县区"), ("category", "类别"), ("department", "牵头部门")):
        value = getattr(group, field)
        if value is not None:
            parts.append(f"{label}:{value}")
    return ",".join(parts)


def write_round_pdf(figures, target):
    round, s = figures.round, figures.summary
    doc = pdf.Report(
        title=f"{figures.group.name}调度报告",
        subtitle=f"调度期 {round.period_start:%Y年%m月%d日} 至 {round.period_end:%Y年%m月%d日} · 数据截至 {figures.as_of:%Y年%m月%d日}",
    )
    doc.paragraph(f"统计范围:{scope_text(figures.group)}。各指标口径见文末“统计口径”。")
    doc.heading("一、总体情况")
    completion = pdf.fmt_percent(Decimal(s["completion_rate"])) if s["completion_rate"] else "—"
    doc.paragraph(
        f"纳入调度项目 {s['project_count']} 个,计划总投资 {yi(s['total_investment'])} 亿元,本年计划投资 "
        f"{yi(s['annual_plan'])} 亿元;本年累计完成投资 {yi(s['completed_ytd'])} 亿元,完成率 {completion},"
        f"时间进度 {pdf.fmt_percent(Decimal(s['time_elapsed']))}。本期新开工 {s['new_starts']} 个,竣工 "
        f"{s['completions']} 个;滞后项目 {s['lagging']} 个;未解决问题 {s['open_problems']} 个,其中逾期 "
        f"{s['overdue_problems']} 个。"
    )
    doc.table(
        ["指标", "数值", "单位"],
        [[label, _fmt(value, "percent" if unit == "比率" else "money"), "" if unit == "比率" else unit]
         for label, value, unit in figures.summary_rows()],
        numeric_columns=(1,),
    )  # fmt: skip
    doc.heading("二、与上轮比较")
    doc.table(
        ["指标", "本轮", "上轮", "变化"],
        [[r[0], _fmt(r[1]), _fmt(r[2]), _fmt(r[3])] for r in figures.comparison_rows()],
        numeric_columns=(1, 2, 3),
    )
    regions = figures.breakdown_rows(figures.by_region)
    doc.bar_chart(
        "各县区本年计划与累计完成投资(万元)",
        [r[0] for r in regions],
        [[r[3] for r in regions], [r[4] for r in regions]],
        series_names=["本年计划", "累计完成"],
    )
    if figures.group.tier == Tier.CITY:
        doc.heading("三、县区排名(按投资完成率)")
        doc.table(
            ["名次", *BREAKDOWN_HEADERS],
            [[r[0], r[1], r[2], _fmt(r[3]), _fmt(r[4]), _fmt(r[5]), _fmt(r[6], "percent")]
             for r in figures.ranking_rows()],
            numeric_columns=(0, 2, 3, 4, 5, 6),
        )  # fmt: skip
    doc.heading("分县区、产业、类别统计")
    _breakdown_table(doc, regions)
    _breakdown_table(doc, figures.breakdown_rows(figures.by_sector))
    _breakdown_table(doc, figures.breakdown_rows(figures.by_category))
    doc.heading(f"本期新开工项目(前 {len(figures.top_starts.items())} 个,共 {s['new_starts']} 个)")
    doc.table(START_HEADERS[1:], [[r[1], r[2], r[3], _fmt(r[4]), _fmt(r[5]), r[6]] for r in figures.top_starts.items()])
    doc.heading(f"本期竣工项目(前 {len(figures.top_completions.items())} 个,共 {s['completions']} 个)")
    doc.table(START_HEADERS[1:6], [[r[1], r[2], r[3], _fmt(r[4]), _fmt(r[5])] for r in figures.top_completions.items()])
    doc.heading(f"滞后项目(差距最大的 {len(figures.top_lagging.items())} 个,共 {s['lagging']} 个)")
    doc.table(
        LAG_HEADERS[1:],
        [[r[1], r[2], r[3] or "", _fmt(r[4]), _fmt(r[5]), _fmt(r[6], "percent"), _fmt(r[7], "percent"),
          f"{r[8]:.1f}", r[9]] for r in figures.top_lagging.items()],
        numeric_columns=(3, 4, 5, 6, 7),
    )  # fmt: skip
    doc.heading("未解决问题(按责任单位)")
    doc.table(UNIT_HEADERS, figures.unit_rows()[:TOP], numeric_columns=(1, 2, 3, 4, 5, 6, 7))
    doc.heading(f"历时最长的未解决问题(前 {len(figures.oldest_problems.items())} 个)")
    doc.table(
        ["责任单位", "项目名称", "问题描述", "调度层级", "完成时限", "已历时(天)", "逾期(天)"],
        [[r[0], r[1], r[3][:60], r[5], _fmt(r[8]), r[9], r[10]] for r in figures.oldest_problems.items()],
        numeric_columns=(5, 6),
    )
    _lights_and_orders(doc, figures)
    _procedures(doc, figures)
    if figures.indicators:
        doc.heading("实物量指标")
        doc.table(INDICATOR_HEADERS, [[*row[:6], pdf.fmt_percent(row[6]) if row[6] is not None else "—",
                                       pdf.fmt_percent(row[7]) if row[7] is not None else "—"]
                                      for row in indicator_table(figures.indicators)], numeric_columns=(2, 3, 4, 5, 6, 7))  # fmt: skip
    corrections = figures.correction_rows()
    if figures.known_at is not None:
        doc.heading("更正")
        doc.paragraph(
            f"本报告数据为{timezone.localtime(figures.known_at):%Y年%m月%d日 %H:%M}印发时的数据;此后经审核批准的修正"
            f" {len(corrections)} 条列于此处,未并入上述数字。"
        )
        if corrections:
            doc.table(
                ["项目名称", "月份", "修正前(万元)", "修正后(万元)", "差额(万元)", "修正原因", "批准时间"],
                [[r[1], r[3], _fmt(r[4]), _fmt(r[5]), _fmt(r[6]), r[7], r[10]] for r in corrections[:TOP]],
                numeric_columns=(2, 3, 4),
            )
    definitions_section(doc)
    doc.write(target)


def _lights_and_orders(doc, figures):
    lights, o = figures.summary["lights"], figures.orders
    doc.heading("预警红黄绿灯")
    doc.paragraph(
        f"按{figures.month:%Y年%m月}序时进度:绿灯 {lights['light_green']} 个,黄灯 {lights['light_yellow']} 个,"
        f"红灯 {lights['light_red']} 个,未亮灯 {lights['light_none']} 个;计入逾期未开工、连续未报进度、"
        f"问题超期、投资超概算、工期超期等预警后,综合红灯 {lights['overall_red']} 个。"
    )
    doc.table(
        ["", *[str(LIGHT_LABELS[light]) for light in Light.values]],
        [["序时进度灯", *[lights[f"light_{light}"] for light in Light.values]],
         ["综合灯", *[lights[f"overall_{light}"] for light in Light.values]]],
        numeric_columns=(1, 2, 3, 4),
    )  # fmt: skip
    doc.table(
        [str(label) for label in FLAGS.values()],
        [[lights[flag] for flag in FLAGS]],
        numeric_columns=tuple(range(len(FLAGS))),
    )
    red = figures.top_red.items()
    doc.heading(f"红灯项目(落后最多的 {len(red)} 个,共 {lights['overall_red']} 个)")
    doc.table(
        ["项目名称", "县区", "牵头部门", "序时进度(%)", "完成率(%)", "落后(百分点)", "序时进度灯", "预警"],
        [[r[1], r[2], r[3] or "", _fmt(r[5]), _fmt(r[6]), _fmt(r[7]), r[8],
          "、".join(str(label) for label, on in zip(FLAGS.values(), r[10:], strict=True) if on)] for r in red],
        numeric_columns=(3, 4, 5),
    )  # fmt: skip
    doc.heading("督办单")
    units = figures.order_rows()  # per unit, then the total
    rate_ = "—" if o["on_time_rate"] is None else f"{o['on_time_rate']}%"
    doc.paragraph(
        f"本期下达督办单 {o['issued']} 份,按时回复 {o['answered_on_time']} 份,逾期回复 {o['answered_late']} 份,"
        f"逾期未回复 {o['overdue']} 份,已销号 {o['closed']} 份;按时回复率 {rate_}。"
    )
    doc.table(
        ORDER_HEADERS,
        [[*r[:7], _fmt(r[7], "percent")] for r in [*units[:-1][:TOP], units[-1]]],
        numeric_columns=(2, 3, 4, 5, 6, 7),
    )


def _procedures(doc, figures):
    totals = figures.procedure_total_rows()
    doc.heading("审批手续")
    city = totals[-1]
    doc.paragraph(
        f"范围内有审批手续计划的项目 {city[1]} 个,手续事项 {city[2]} 项,已办结 {city[3]} 项,并联办理大项 "
        f"{city[4]} 个;容缺待补正 {city[5]} 项,其中逾期 {city[6]} 项;较基线(原计划)开工日期合计节省 {city[7]} 天。"
    )
    doc.table(PROCEDURE_TOTAL_HEADERS, totals, numeric_columns=(1, 2, 3, 4, 5, 6, 7))


def definitions_section(doc):
    """The 统计口径 of the report's figures: the same text as the xlsx sheet and the page."""
    doc.heading("统计口径")
    for name, text in definitions.definition_rows():
        doc.paragraph(f"{name}:{text}")


def build_round_report(round, fmt, target, *, on_progress=None, known_at=None):
    """Write the round's report in ``fmt`` to the file path ``target``; returns the summary.
    ``known_at``: for a frozen (issued) round, its issue time: the figures as they were known then."""
    figures = RoundFigures(round, on_progress=on_progress, known_at=known_at)
    if fmt == "xlsx":
        with StreamingWorkbook(target) as book:
            sink = XlsxSink(book, tier=round.group.tier)
            figures.run(sink)
            sink.finish(figures)
            definitions.write_definitions_sheet(book)
    elif fmt == "docx":
        from .notice import write_round_notice

        figures.run(NullSink())
        write_round_notice(figures, target)
    else:
        figures.run(NullSink())
        write_round_pdf(figures, target)
    return figures.summary


# --- quarterly evaluation -----------------------------------------------------------------
EVALUATION_HEADERS = [
    "名次", "单位", "项目数", "本年计划投资(万元)", "累计完成投资(万元)", "投资完成率", "进度得分", "流动红旗", "提示单",
    "综合得分", "表彰", "奖金(万元)",
]  # fmt: skip
NOTICE_HEADERS = ["单位", "原因", "下发日期", "签收时间", "整改措施", "整改时限", "整改完成日期", "表态发言"]


def evaluation_rows(evaluation, unit_kind):
    rows = []
    for entry in selectors.evaluation_entries_full(evaluation).filter(unit_kind=unit_kind):
        honours = list(entry.honours.all())
        rows.append([entry.rank, str(entry.unit), entry.project_count, entry.annual_plan, entry.completed,
                     entry.completion_rate, entry.progress_score, entry.red_flag, entry.warned, entry.total_score,
                     "、".join(h.name for h in honours), sum((h.prize for h in honours), Decimal("0.00")),
                     list(entry.scores.all())])  # fmt: skip
    return rows


def evaluation_notice_rows(evaluation):
    return [
        [str(n.recipient), n.reason, n.issued_on, timezone.localtime(n.acknowledged_at).strftime("%Y-%m-%d %H:%M")
         if n.acknowledged_at else "", n.rectification, n.rectification_due, n.rectified_on, n.statement]
        for n in evaluation.warning_notices.select_related("region", "department").order_by("id")
    ]  # fmt: skip


def build_evaluation_report(evaluation, fmt, target, *, on_progress=None):
    regions, departments = evaluation_rows(evaluation, "region"), evaluation_rows(evaluation, "department")
    notices = evaluation_notice_rows(evaluation)
    if fmt == "xlsx":
        with StreamingWorkbook(target) as book:
            for title, rows in (("县区排名", regions), ("部门排名", departments)):
                sheet = book.sheet(title, EVALUATION_HEADERS, money_columns={3, 4, 11}, percent_columns={5})
                for row in rows:
                    sheet.write(row[:-1])
            for title, rows in (("县区指标得分", regions), ("部门指标得分", departments)):
                sheet = book.sheet(
                    title, ["名次", "单位", "考评维度", "指标", "指标值", "折算比例", "权重(分)", "得分"]
                )
                for row in rows:
                    for score in row[-1]:
                        sheet.write([row[0], row[1], score.get_point_display(), score.name, score.value,
                                     score.normalised, score.weight, score.score])  # fmt: skip
            sheet = book.sheet("提示单", NOTICE_HEADERS)
            for row in notices:
                sheet.write(row)
            definitions.write_definitions_sheet(book)
        return {}
    doc = pdf.Report(title=f"{evaluation}“三比三看”考评", subtitle=f"数据截至 {evaluation.period_end:%Y年%m月%d日}")
    for title, rows in (("县区排名", regions), ("市直部门排名", departments)):
        doc.heading(title)
        doc.table(
            ["名次", "单位", "综合得分", "投资完成率", "本年计划投资(万元)", "累计完成投资(万元)", "表彰", "奖金(万元)",
             "提示单"],
            [[r[0], r[1], f"{r[9]}", _fmt(r[5], "percent"), _fmt(r[3]), _fmt(r[4]), r[10], _fmt(r[11]),
              "提示单" if r[8] else ""] for r in rows],
            numeric_columns=(0, 2, 3, 4, 5, 7),
        )  # fmt: skip
    if notices:
        doc.heading("提示单及整改")
        doc.table(
            ["单位", "整改措施", "整改时限", "整改完成", "表态发言"],
            [[r[0], r[4] or "—", f"{r[5]:%Y-%m-%d}" if r[5] else "—", f"{r[6]:%Y-%m-%d}" if r[6] else "—",
              r[7] or "—"] for r in notices],
        )  # fmt: skip
    doc.bar_chart(
        "各县区投资完成率(%)", [r[1] for r in regions], [[(r[5] or 0) * 100 for r in regions]], series_names=["完成率"]
    )
    definitions_section(doc)
    doc.write(target)
    return {}


def evaluation_figures(*, year, quarter, known_at=None):
    """Per county and per department: projects, year plan and completion through the quarter's last
    month, by the definitions (every project in the unit, whatever its stage: the same rate as the
    dashboard and the reports), and the progress score (share of projects under construction that do not
    lag, 0-100; 滞后 as insights.definitions). One streaming pass; returns ({region_id: [Bucket,
    under construction, not lagging]}, {department_id: ...}), and the as-of date."""
    month = datetime.date(year, quarter * 3, 1)
    as_of = month_end(month)
    units = {"region": defaultdict(lambda: [Bucket(), 0, 0]), "department": defaultdict(lambda: [Bucket(), 0, 0])}
    rows = (
        project_figures(selectors.all_projects(), month=month, as_of=as_of, known_at=known_at)
        .order_by()
        .values_list("region_id", "department_id", "stage", "total_investment", "annual_plan", "completed_ytd",
                     "lagging")
    )  # fmt: skip
    for region_id, department_id, stage, total, plan, ytd, late in rows.iterator(chunk_size=CHUNK):
        for kind, key in (("region", region_id), ("department", department_id)):
            if key is None:
                continue
            bucket = units[kind][key]
            bucket[0].add(total, plan, ytd)
            if stage == Stage.CONSTRUCTION:
                bucket[1] += 1
                bucket[2] += not late
    return units, as_of


def evaluation_values(*, year, quarter, kind, units, indicators):
    """Each indicator's value per unit ({(measure, parameter): {unit id: value}}), every figure from
    insights.definitions; the completion rate and the on-track share from ``units`` (the same pass as
    the ranking's year plan and completion)."""
    period = definitions.Quarter(year, quarter)
    projects, by = selectors.all_projects(), "region_id" if kind == "region" else "department_id"
    values = {}
    for indicator in indicators:
        key = (indicator.measure, indicator.parameter)
        if key in values:
            continue
        measure = indicator.measure
        if measure == "completion_rate":
            found = {unit: ratio(b.ytd, b.plan) for unit, (b, _, _) in units.items()}
        elif measure == "on_track":
            found = {unit: definitions.on_track_share(n, ok) for unit, (_, n, ok) in units.items()}
        elif measure == "started":
            found = definitions.unit_started(projects, quarter=period, by=by)
        elif measure == "verified_on_time":
            found = definitions.unit_verified_on_time(projects, quarter=period, by=by, day=indicator.parameter)
        elif measure == "problems_solved":
            found = definitions.unit_problems_solved(projects, quarter=period, by=by)
        elif measure == "orders_on_time":
            found = definitions.unit_orders_on_time(selectors.all_orders(), quarter=period, by=f"unit_{by}")
        elif measure == "rate_change":
            found = definitions.unit_rate_change(projects, quarter=period, by=by)
        elif measure == "photos_per_week":
            found = definitions.unit_photos_per_week(projects, quarter=period, by=by)
        else:  # a measure the choices know and this module does not: a programming error
            raise ValueError(f"unknown evaluation measure {measure}")
        values[key] = found
    return values

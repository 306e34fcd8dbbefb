"""Demo data for progress reporting, found by seed_demo (``seed``, discovered in INSTALLED_APPS order).

For every seeded project under construction, completed or in operation: monthly entries for the
last 24 months (verified and frozen for months already reported, last month submitted), some
coordination problems (some overdue), the procedure engine's templates and key projects (procedure_demo:
the West Anshan iron mine's 16 items and 112 sub-items, start 870 days ahead of plan) and funding sources with the article's figures
(special bonds 15.56 亿元 across 15 projects, central budget 6.64 亿元, policy instruments 6.1 亿元
for 6 projects, revitalised assets 8,011 万元 for 3 projects, 3 PPP projects). Written with COPY.
"""

import contextlib
import datetime
import time
from decimal import ROUND_DOWN, Decimal

from django.db import connection, transaction
from django.utils import timezone

from common.bulkcopy import NULL, bulk_load, copy_lines
from common.bulkcopy import copy_text as _text
from common.periods import add_months, months_between
from projects.choices import Stage
from projects.models import Project

from .choices import EntryStatus, FundingKind, ProblemKind, ProblemStatus
from .models import FundingSource, PeriodFreeze, Problem, ProcedureItem, ProgressEntry
from .photo_demo import seed_photos
from .procedure_demo import seed_procedures
from .services import counted_months_sync

MONTHS = 24
CHUNK = 5_000  # projects read and written at a time
FUNDING_TOP = 47  # _funding uses the largest 47 projects under way (building[:47])
CENT = Decimal("0.01")
IMAGE_TEXTS = [
    "场地平整完成,正在进行基础施工",
    "主体结构施工中,完成至{n}层",
    "1-{n}#厂房主体结构已完成,办公楼已封顶",
    "钢结构吊装完成{p}%",
    "设备基础施工完成,设备陆续进场",
    "内部装修及设备安装调试中",
    "室外管网及道路施工",
    "单机调试完成,准备联动试车",
]
NEXT_STEPS = [
    "加快主体施工,确保按期封顶",
    "推进设备采购与安装",
    "协调电力接入,完成外网施工",
    "组织专项验收",
    "抢抓施工黄金期,增加施工人员",
]
PROBLEMS = [
    (ProblemKind.LAND, "项目用地指标尚未落实", "市自然资源局"),
    (ProblemKind.FUNDING, "项目资本金到位不足,需协调银行贷款", "市金融发展局"),
    (ProblemKind.APPROVALS, "施工许可办理进度滞后", "市住房城乡建设局"),
    (ProblemKind.UTILITIES, "施工用电及天然气接入未完成", "国网鞍山供电公司"),
    (ProblemKind.ENVIRONMENT, "环评批复待省厅审查", "市生态环境局"),
    (ProblemKind.DEMOLITION, "红线内剩余3户未完成征收", "区征收办"),
    (ProblemKind.OTHER, "周边道路施工影响材料运输", "市交通运输局"),
]
ENTRY_COLUMNS = [
    "project_id", "period", "amount_completed", "image_progress", "next_steps", "overrun_reason", "status",
    "version", "submitted_at", "verified_at", "return_reason", "created_at", "updated_at",
]  # fmt: skip
PROBLEM_COLUMNS = [
    "project_id", "description", "kind", "responsible_unit", "leader", "deadline", "status", "resolution",
    "tier", "solved_on", "version", "created_at", "updated_at", "responsible_region_id",
]  # fmt: skip


def _quiet_triggers(cursor, tables):
    """Seeded rows are not user edits: keep the audit triggers quiet for this transaction."""
    cursor.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = ANY(%s::regclass[]) AND NOT tgisinternal", [list(tables)]
    )
    names = [name for (name,) in cursor.fetchall()]
    if names:
        # Add to what the caller may already quiet (seed_demo quiets every audit trigger).
        cursor.execute(
            "SELECT set_config('pgtrigger.ignore', ("
            " SELECT array_agg(DISTINCT n)::text FROM unnest("
            "   COALESCE(NULLIF(current_setting('pgtrigger.ignore', true), '')::text[], '{}') || %s::text[]) AS n"
            "), true)",
            [names],
        )


def _split(total, weights):
    """Split a Decimal total into cent-exact parts proportional to weights (they sum to total)."""
    s = sum(weights)
    parts = [(total * Decimal(w) / Decimal(s)).quantize(CENT, rounding=ROUND_DOWN) for w in weights]
    parts[0] += total - sum(parts)
    return parts


def seed(builder, chunk=CHUNK):
    """Add progress, problems, procedures and funding for the builder's projects (see module doc).

    Streams: one chunk of projects at a time is read, turned into COPY text lines and written,
    so memory stays bounded whatever the number of projects."""
    started = time.monotonic()
    rng = builder.rng
    today = builder.today
    this_month = today.replace(day=1)
    first = add_months(this_month, -(MONTHS - 1))
    before_first = add_months(first, -1)
    months = [add_months(this_month, -back) for back in range(MONTHS - 1, -1, -1)]  # first .. this month
    last_reported_index = MONTHS - 2
    now = _text(timezone.now())
    random_, choice, randrange, uniform = rng.random, rng.choice, rng.randrange, rng.uniform
    # The monthly loop runs millions of times at national scale: the same draws as rng.uniform(0.4, 1.5)
    # (a + (b - a) * random()), rng.choice(seq) (seq[_randbelow(len(seq))]) and rng.randrange(a, b)
    # (a + _randbelow(b - a)), without their Python-level call overhead.
    randbelow, month_width = rng._randbelow, 1.5 - 0.4
    image_count, step_count = len(IMAGE_TEXTS), len(NEXT_STEPS)
    zero, cap = Decimal("0"), Decimal("0.9")
    verified, submitted, draft = str(EntryStatus.VERIFIED), str(EntryStatus.SUBMITTED), str(EntryStatus.DRAFT)
    construction = str(Stage.CONSTRUCTION)
    solved_status, unsolved = str(ProblemStatus.SOLVED), [str(ProblemStatus.OPEN), str(ProblemStatus.IN_PROGRESS)]
    problem_specs = [(str(kind), text, unit) for kind, text, unit in PROBLEMS]
    horizon = today + datetime.timedelta(days=540)
    verified_tail = f"\t\t{verified}\t1\t{now}\t{now}\t\t{now}\t{now}\n"
    status_tail = {
        verified: verified_tail,
        submitted: f"\t\t{submitted}\t1\t{now}\t{NULL}\t\t{now}\t{now}\n",
        draft: f"\t\t{draft}\t1\t{NULL}\t{NULL}\t\t{now}\t{now}\n",
    }
    entry_copy = f"COPY {ProgressEntry._meta.db_table} ({', '.join(ENTRY_COLUMNS)}) FROM STDIN"
    problem_copy = f"COPY {Problem._meta.db_table} ({', '.join(PROBLEM_COLUMNS)}) FROM STDIN"
    entry_count = problem_count = 0
    building = Project.objects.filter(stage__in=[Stage.CONSTRUCTION, Stage.COMPLETED, Stage.OPERATING]).order_by("id")
    frozen = [add_months(this_month, -n) for n in range(2, MONTHS + 1)]

    def entry_lines(projects, problems):
        """Yield the progress entries of ``projects`` (the COPY sends each block while the next is
        built, so the server works in parallel); collect their problems."""
        for pk, total, start, completion, region_id, stage in projects:
            start = (start or first).replace(day=1)
            end = (completion or today).replace(day=1)
            duration = max(months_between(start, (completion or horizon)), 6)
            per_month = total / Decimal(duration)
            spent = zero
            # Months before the window count towards since-start: approximate them as one earlier entry.
            before = min(months_between(start, first), duration)
            if before > 0 and start < first:
                amount = (per_month * before * Decimal(uniform(0.7, 1.0))).quantize(CENT)
                amount = min(amount, total * cap).quantize(CENT)
                spent += amount
                yield f"{pk}\t{before_first}\t{amount}\t前期累计完成\t" + verified_tail
            index = months_between(first, start) if start > first else 0
            stop = months_between(first, min(end, this_month))
            while index <= stop:
                amount = (per_month * Decimal(0.4 + month_width * random_())).quantize(CENT)
                amount = max(zero, min(amount, total - spent))
                spent += amount
                if index < last_reported_index:
                    status = verified
                elif index == last_reported_index:
                    status = submitted if random_() < 0.7 else verified
                else:
                    status = draft
                text = IMAGE_TEXTS[randbelow(image_count)].format(n=2 + randbelow(10), p=20 + randbelow(75))
                yield (
                    f"{pk}\t{months[index]}\t{amount}\t{text}\t{NEXT_STEPS[randbelow(step_count)]}"
                    + status_tail[status]
                )
                index += 1
            if stage == construction and random_() < 0.18:
                for _ in range(choice([1, 1, 2])):
                    kind, text, unit = choice(problem_specs)
                    deadline = today + datetime.timedelta(days=randrange(-90, 60))
                    solved = random_() < 0.35
                    status = solved_status if solved else choice(unsolved)
                    problems.append(
                        f"{pk}\t{text}\t{kind}\t{unit}\t\t{deadline}\t{status}\t{'已协调解决' if solved else ''}\t"
                        f"county\t{min(deadline, today) if solved else NULL}\t1\t{now}\t{now}\t{region_id}\n"
                    )

    with transaction.atomic(), connection.cursor() as cursor:
        _quiet_triggers(
            cursor,
            [ProgressEntry._meta.db_table, Problem._meta.db_table, ProcedureItem._meta.db_table,
             FundingSource._meta.db_table],
        )  # fmt: skip
        with builder.timed("entries"), bulk_load(cursor, [ProgressEntry._meta.db_table, Problem._meta.db_table]):
            last_id = 0
            while True:
                projects = list(
                    building.filter(id__gt=last_id).values_list(
                        "id", "total_investment", "actual_start", "actual_completion", "region_id", "stage"
                    )[:chunk]
                )
                if not projects:
                    break
                last_id = projects[-1][0]
                problems = []
                entry_count += copy_lines(cursor, entry_copy, entry_lines(projects, problems))
                problem_count += copy_lines(cursor, problem_copy, problems)
        # The rollup's trigger is off during the bulk load (session_replication_role): fill it once.
        with builder.timed("counted_months_sync"):
            counted_months_sync()
        PeriodFreeze.objects.bulk_create(
            [PeriodFreeze(period=p, reason="演示数据:调度报告已印发") for p in frozen], ignore_conflicts=True
        )
        with builder.timed("procedures"):
            procedures = seed_procedures(builder)
        with builder.timed("funding"):
            funding = _funding(rng)
        with builder.timed("photos"):
            photos = seed_photos(builder)
        with builder.timed("renovation"):
            seed_renovation(builder)
    builder.investment_seconds = time.monotonic() - started
    return {
        "entries": entry_count,
        "problems": problem_count,
        "procedures": procedures,
        "funding": funding,
        "photos": photos,
    }


def _funding(rng):
    """Funding sources with the article's figures where it gives them."""
    if FundingSource.objects.exists():
        return 0
    # Only the largest few projects and three named ones get funding: read just those, not every
    # project under way (same picks as ranking them all by investment, then id).
    building_qs = (
        Project.objects.filter(stage__in=[Stage.CONSTRUCTION, Stage.COMPLETED])
        .select_related("category")
        .order_by("-total_investment", "id")
    )
    building = list(building_qs[:FUNDING_TOP])

    rows = []

    def add(project, kind, approved, applied=None, in_place_share=None):
        applied = applied if applied is not None else (approved * Decimal(rng.uniform(1.0, 1.3))).quantize(CENT)
        share = in_place_share if in_place_share is not None else Decimal(rng.uniform(0.5, 1.0))
        rows.append(
            FundingSource(
                project=project,
                kind=kind,
                amount_applied=applied,
                amount_approved=approved,
                amount_in_place=(approved * share).quantize(CENT),
            )
        )

    def named(name):
        # The last of that name in investment order (as a name -> project map over them all would keep).
        project = building_qs.filter(name=name).order_by("total_investment", "-id").first()
        return [project] if project else []

    # Special bonds: 15.56 亿元 issued, 15 projects, all started.
    bond_projects = building[:15]
    for project, amount in zip(
        bond_projects, _split(Decimal("155600"), [rng.randrange(5, 20) for _ in range(15)]), strict=False
    ):
        add(project, FundingKind.SPECIAL_BONDS, amount, in_place_share=Decimal("1"))
    # Central budget: 6.64 亿元, of which 4.37 亿元 for 12 old-estate and gas-network projects.
    urban = list(building_qs.filter(category__key="urban").exclude(pk__in=[p.pk for p in bond_projects])[:12])
    old_estates = (named("铁东区银环小区老旧小区改造工程") + urban)[:12]
    for project, amount in zip(old_estates, _split(Decimal("43700"), [1] * 12), strict=False):
        add(project, FundingKind.CENTRAL_BUDGET, amount)
    for project, amount in zip(building[20:25], _split(Decimal("22700"), [1] * 5), strict=False):
        add(project, FundingKind.CENTRAL_BUDGET, amount)
    # Policy and development financial instruments: 6 projects, 6.1 亿元.
    for project, amount in zip(building[30:36], _split(Decimal("61000"), [3, 2, 1, 1, 1, 1]), strict=False):
        add(project, FundingKind.POLICY_INSTRUMENTS, amount)
    # PPP: 3 projects signed and disbursed, among them the city improvement PPP project.
    ppp = named("鞍山市城市综合提升PPP项目") + building[40:42]
    for project in ppp[:3]:
        add(project, FundingKind.PPP, (project.total_investment * Decimal("0.6")).quantize(CENT))
    # Revitalised assets: 3 projects, 8,011 万元, among them the Xiuyan logistics centre.
    revit = named("岫岩满族自治县物流中心") + building[45:47]
    for project, amount in zip(revit[:3], [Decimal("4011"), Decimal("2000"), Decimal("2000")], strict=False):
        add(project, FundingKind.REVITALISED_ASSETS, amount, in_place_share=Decimal("1"))
    # Bank loans and own funds for the largest projects.
    for project in building[:40]:
        add(project, FundingKind.OWN_FUNDS, (project.total_investment * Decimal("0.3")).quantize(CENT))
    for project in building[:25]:
        add(project, FundingKind.BANK_LOANS, (project.total_investment * Decimal("0.4")).quantize(CENT))
    FundingSource.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# The article: investment in industrial "four transformations" (工业“四改”) projects +76.6% on last year.
INDUSTRIAL_GROWTH = Decimal("1.766")


def industrial_growth(today, timed=lambda step: contextlib.nullcontext()):
    """Scale the counted (verified) entries of the 工业“四改”类 projects, January to the reporting month,
    of last year or of this year (always down, so that no project goes over its total) until this
    year's counted completion is exactly 76.6% above last year's same months. The last demo step
    that writes entries calls it (attraction's project from intake to start reports too), inside the
    seed's transaction; the rollup is rebuilt once after the bulk update."""
    with timed("scale"), connection.cursor() as cursor, bulk_load(cursor, [ProgressEntry._meta.db_table]):
        _scale_industrial(cursor, today)
    with timed("counted_months_sync"):
        counted_months_sync()


def _scale_industrial(cursor, today):
    from common.periods import reporting_month

    month = reporting_month(today)
    last_month = month.replace(year=month.year - 1)
    entries, projects = ProgressEntry._meta.db_table, Project._meta.db_table
    # The entries were just written with COPY: without statistics the planner loops over the whole
    # table once per entry (minutes at 10,000 projects) instead of hashing the subquery.
    cursor.execute(f"ANALYZE {entries}, {projects}")
    where = (f"FROM {entries} e JOIN {projects} p ON p.id = e.project_id JOIN projects_category c ON c.id = p.category_id"
             " WHERE c.key = 'industrial' AND e.status = %s AND e.period BETWEEN %s AND %s")  # fmt: skip
    verified = str(EntryStatus.VERIFIED)
    this_params = [verified, month.replace(month=1), month]
    last_params = [verified, last_month.replace(month=1), last_month]

    def total(params):
        cursor.execute(f"SELECT COALESCE(SUM(e.amount_completed), 0) {where}", params)
        return cursor.fetchone()[0]

    this_year, last_year = total(this_params), total(last_params)
    if not this_year or not last_year:
        return
    if last_year * INDUSTRIAL_GROWTH <= this_year:
        params, current, target = this_params, this_year, (last_year * INDUSTRIAL_GROWTH).quantize(CENT)
    else:
        params, current, target = last_params, last_year, (this_year / INDUSTRIAL_GROWTH).quantize(CENT)
    cursor.execute(f"UPDATE {entries} SET amount_completed = ROUND(amount_completed * %s, 2) WHERE id IN "
                   f"(SELECT e.id {where})", [target / current, *params])  # fmt: skip
    # The rounding rest goes to the largest entry, so that the sum is exactly the target.
    cursor.execute(
        f"UPDATE {entries} SET amount_completed = amount_completed + %s WHERE id = ("
        f"SELECT e.id {where} ORDER BY e.amount_completed DESC, e.id LIMIT 1)",
        [target - total(params), *params],
    )


# --- the old-community renovation programme (helper "chains"): 121 communities, 2,800 buildings, 179,100
# households (the article), spread over six urban-construction projects; the pipe kilometres are a demo value.
RENOVATION = [
    # indicator, unit, per-project totals (6 projects), completed share of the plan to date
    ("改造老旧小区", "community", [30, 24, 18, 20, 17, 12], Decimal("1")),
    ("改造楼栋", "building", [700, 560, 420, 460, 380, 280], Decimal("1")),
    ("惠及居民户数", "household", [44800, 35800, 26900, 29500, 24200, 17900], Decimal("1")),
    ("改造燃气管网", "km", [20, 16, 14, 14, 12, 10], Decimal("0.75")),
]
RENOVATION_PROJECT = "铁东区银环小区老旧小区改造工程"


def renovation_projects():
    """The six projects of the programme: the article's 银环 project first, then the largest other
    urban-construction projects of the housing bureau, one per county."""
    chosen, regions = [], set()
    named = Project.objects.filter(name=RENOVATION_PROJECT).first()
    if named is not None:
        chosen.append(named)
        regions.add(named.region_id)
    others = Project.objects.filter(category__key="urban", department__key="zjj",
                                    stage__in=[Stage.CONSTRUCTION, Stage.COMPLETED]).order_by("-total_investment", "id")  # fmt: skip
    for project in others.exclude(pk__in=[p.pk for p in chosen])[:200]:
        if len(chosen) == 6:
            break
        if project.region_id not in regions:
            chosen.append(project)
            regions.add(project.region_id)
    return chosen


def seed_renovation(builder):
    """Physical indicators with a monthly plan and progress, January to the reporting month."""
    from common.periods import reporting_month

    from .models import IndicatorMonth, PhysicalIndicator

    projects = renovation_projects()
    if not projects or PhysicalIndicator.objects.filter(project__in=projects).exists():
        return 0
    last = reporting_month(builder.today)
    months = [datetime.date(last.year, m, 1) for m in range(1, last.month + 1)]
    rows = []
    for order, (name, unit, totals, share) in enumerate(RENOVATION):
        for project, total in zip(projects, totals, strict=False):
            indicator = PhysicalIndicator.objects.create(project=project, name=name, unit=unit,
                                                         planned_total=Decimal(total), sort_order=order)  # fmt: skip
            for month, planned in zip(months, _split(Decimal(total), [1] * len(months)), strict=True):
                rows.append(IndicatorMonth(indicator=indicator, month=month, planned=planned,
                                           completed=(planned * share).quantize(CENT)))  # fmt: skip
    IndicatorMonth.objects.bulk_create(rows)
    return len(rows)

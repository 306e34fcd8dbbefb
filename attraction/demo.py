"""Demo data for investment attraction, on top of the seeded projects (registered with demo.extensions).

Reproduces the article's figures: the 四调法 follow-ups, the "2022年重点项目集中签约仪式" and
"菱镁产业推介会" style events, 60 projects signed at provincial events for 607.32 亿元, the two
concentrated start events (end of February, end of April), capital in place of 423.08 亿元 from
January to the current month, +30% on the same months of last year, and targets per county.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from demo.builders import NULL, bulk_load, copy_lines
from projects.choices import Stage, StartType
from projects.models import Project, StageChange

from .choices import CadenceLevel, LeadSource, SigningEventKind
from .models import (
    AnnualTarget,
    AttractionRecord,
    CapitalInPlace,
    FollowUp,
    SigningEvent,
    SigningEventProject,
    StartEvent,
    StartEventProject,
)

CENT = Decimal("0.01")
CITY_CAPITAL_YTD = Decimal("4230800.00")  # 423.08 亿元, January to the current month
CAPITAL_GROWTH = Decimal("1.30")  # +30% year on year
PROVINCIAL_TOTAL = Decimal("6073200.00")  # 607.32 亿元 over 60 projects
PROVINCIAL_COUNT = 60
MAX_RECORDS = 50_000
MAX_CAPITAL_PROJECTS = 1_500
INVESTOR_REGIONS = ["江苏省", "北京市", "河北省", "上海市", "广东省", "浙江省", "山东省", "辽宁省沈阳市", "辽宁省大连市",
                    "天津市", "香港特别行政区", "本地企业"]  # fmt: skip
LEADERS = {
    CadenceLevel.MAIN_LEADER: ["市委书记", "市长"],
    CadenceLevel.LEADER_IN_CHARGE: ["常务副市长", "分管副市长"],
    CadenceLevel.DEPARTMENT: ["市商务局局长", "市发展改革委主任", "市工业和信息化局局长"],
    CadenceLevel.COUNTY: ["县区招商局", "项目管家"],
}
SUMMARIES = ["协调解决用地指标", "对接投资方高层推进签约", "督办项目前期手续", "研究水电气配套", "协调融资对接",
             "现场办公推进落地"]  # fmt: skip
# Share of the city's capital in place per region key (demo weights) and its growth on last year.
REGION_WEIGHTS = {"tiedong": 12, "tiexi": 11, "lishan": 7, "qianshan": 9, "haicheng": 20, "taian": 8, "xiuyan": 6,
                  "gaoxin": 13, "jingkai": 11, "fengjingqu": 3}  # fmt: skip


def _money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _scale(amounts, total):
    """Scale positive amounts to sum exactly to ``total`` (the rounding rest goes to the largest)."""
    raw = sum(amounts)
    if not amounts or raw <= 0:
        return amounts
    scaled = [_money(a * total / raw) for a in amounts]
    largest = max(range(len(scaled)), key=scaled.__getitem__)
    scaled[largest] += total - sum(scaled)
    return scaled


def _copy(model, columns, rows):
    """COPY rows into a model's table (seeded rows are not user edits: its audit triggers stay quiet)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [table])
        triggers = [name for (name,) in cursor.fetchall()]
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(triggers) + "}"])
        # Plain text lines in big blocks (the values are generated: numbers, dates and tab-free text).
        with bulk_load(cursor, [table]):
            copy_lines(cursor, f"COPY {table} ({', '.join(columns)}) FROM STDIN",
                       ("\t".join(NULL if v is None else str(v) for v in row) + "\n" for row in rows))  # fmt: skip
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")


def seed_attraction(builder):
    with connection.cursor() as cursor:
        # The projects were just written with COPY: fresh statistics keep the planner off bad plans.
        cursor.execute(f"ANALYZE {Project._meta.db_table}, {StageChange._meta.db_table}")
    with transaction.atomic():
        _targets(builder)
        _records_and_follow_ups(builder)
        _signing_events(builder)
        _start_events(builder)
        _capital(builder)
        _intake_to_start(builder)


def _targets(builder):
    rng = builder.rng
    total_weight = sum(REGION_WEIGHTS.get(key, 5) for key in builder.regions)
    for year, factor in ((builder.year - 1, Decimal("0.8")), (builder.year, Decimal("1"))):
        for key, region in builder.regions.items():
            share = Decimal(REGION_WEIGHTS.get(key, 5)) / total_weight
            AnnualTarget.objects.update_or_create(
                region=region,
                year=year,
                defaults={
                    "signed_amount": _money(Decimal("30000000") * share * factor),
                    "landed_count": max(1, int(720 * share * factor)),
                    "capital_amount": _money(Decimal("4600000") * share * factor * Decimal(rng.uniform(0.9, 1.1))),
                },
            )


def _pipeline_projects(stages, order=("id",), limit=None):
    """(id, total_investment, region_id) of the projects in ``stages``; only the first ``limit``
    in ``order`` (read in SQL, so that a million projects never come into memory at once)."""
    rows = Project.objects.filter(stage__in=stages).order_by(*order).values_list("id", "total_investment", "region_id")
    return list(rows[:limit] if limit is not None else rows)


def _records_and_follow_ups(builder):
    rng, today = builder.rng, builder.today
    projects = list(
        Project.objects.filter(stage__in=[Stage.NEGOTIATING, Stage.SIGNED, Stage.LANDED, Stage.CONSTRUCTION])
        .exclude(Exists(AttractionRecord.objects.filter(project_id=OuterRef("pk"))))
        .order_by("id")
        .values_list("id", "total_investment", "region_id")[:MAX_RECORDS]
    )
    sources = [LeadSource.EVENT, LeadSource.VISIT, LeadSource.ONLINE, LeadSource.EXPANSION, LeadSource.OTHER]
    records, follow_ups = [], []
    now = timezone.now()
    for project_id, total, _ in projects:
        records.append((project_id, rng.choices(sources, weights=[35, 30, 12, 18, 5])[0], rng.choice(INVESTOR_REGIONS),
                        f"投资方董事长、总经理等{rng.randrange(1, 6)}人", "", now, now))  # fmt: skip
        if total < 5000:
            continue
        for level in CadenceLevel:
            if level == CadenceLevel.MAIN_LEADER and total < 50000:
                continue
            for _ in range(rng.randrange(1, 3)):
                follow_ups.append((project_id, level.value, rng.choice(LEADERS[level]),
                                   today - datetime.timedelta(days=rng.randrange(0, 60)), rng.choice(SUMMARIES), now))  # fmt: skip
    _copy(AttractionRecord, ["project_id", "lead_source", "investor_region", "contacts_visited", "notes", "created_at",
                             "updated_at"], records)  # fmt: skip
    _copy(FollowUp, ["project_id", "level", "leader", "followed_on", "summary", "created_at"], follow_ups)


OWN_EVENTS = [
    ("{year}年重点项目集中签约仪式", SigningEventKind.CEREMONY, (3, 18), "鞍山市政府", "鞍山市人民政府", 25),
    ("菱镁产业推介会", SigningEventKind.PROMOTION, (4, 26), "海城市", "鞍山市商务局", 12),
    ("鞍山数字经济产业项目对接会", SigningEventKind.PROMOTION, (7, 9), "高新区", "鞍山市商务局", 8),
    ("食品调味品洽谈对接会", SigningEventKind.PROMOTION, (8, 12), "台安县", "鞍山市商务局", 6),
]


def _event_day(builder, month, day):
    candidate = datetime.date(builder.year, month, day)
    return min(candidate, builder.today)


def _signed_this_year(builder, limit=None, project_ids=None):
    """(project id, investment) of the projects signed this year, largest first: the first
    ``limit`` of them, or those among ``project_ids``."""
    rows = (
        StageChange.objects.filter(to_stage=Stage.SIGNED, changed_on__year=builder.year)
        .order_by("-project__total_investment", "project_id")
        .values_list("project_id", "project__total_investment")
        .distinct()
    )
    if project_ids is not None:
        rows = rows.filter(project_id__in=project_ids)
    return list(rows[:limit] if limit is not None else rows)


def _signing_events(builder):
    own_total = sum(spec[-1] for spec in OWN_EVENTS)
    year = builder.year
    provincial = [
        ("长三角招商引资促进周", SigningEventKind.INVESTMENT_WEEK, (5, 20), "上海", "辽宁省人民政府"),
        ("京津冀招商引资促进周", SigningEventKind.INVESTMENT_WEEK, (6, 15), "北京", "辽宁省人民政府"),
        ("辽洽会", SigningEventKind.FAIR, (9, 6), "沈阳", "辽宁省人民政府"),
    ]
    own = [(name.format(year=year), *rest) for name, *rest in OWN_EVENTS]
    # The article's two provincial-event projects lead the 60.
    named = dict(Project.objects.filter(name__in=["大金属新能源装备制造基地", "江苏飞来小型新能源电动车产业园"])
                 .values_list("name", "id"))  # fmt: skip
    # Only the largest signed projects take part: read as many as the events can hold, plus the named two.
    signed = _signed_this_year(builder, limit=PROVINCIAL_COUNT + own_total + len(named))
    if not signed:
        return
    pool = [row for row in signed if row[0] not in named.values()]
    chosen = _signed_this_year(builder, project_ids=list(named.values())) + pool[: PROVINCIAL_COUNT - len(named)]
    amounts = _scale([total for _, total in chosen], PROVINCIAL_TOTAL)
    lines = list(zip((pid for pid, _ in chosen), amounts, strict=True))
    # 江苏飞来 was signed at the Yangtze River Delta week, 大金属 at the Liaoning fair; the rest in turn.
    home = {named.get("江苏飞来小型新能源电动车产业园"): 0, named.get("大金属新能源装备制造基地"): 2}
    per_event = [[], [], []]
    for position, line in enumerate(lines):
        per_event[home.get(line[0], position % 3)].append(line)
    for index, (name, kind, (month, day), place, organiser) in enumerate(provincial):
        event, created = SigningEvent.objects.get_or_create(
            name=name, held_on=_event_day(builder, month, day),
            defaults={"kind": kind, "place": place, "organiser": organiser, "notes": "省级招商活动"},
        )  # fmt: skip
        if created:
            SigningEventProject.objects.bulk_create(
                [SigningEventProject(event=event, project_id=pid, amount=amount) for pid, amount in per_event[index]],
                ignore_conflicts=True,
            )
    rest = pool[PROVINCIAL_COUNT - len(named) :]
    for name, kind, (month, day), place, organiser, count in own:
        event, created = SigningEvent.objects.get_or_create(
            name=name, held_on=_event_day(builder, month, day),
            defaults={"kind": kind, "place": place, "organiser": organiser},
        )  # fmt: skip
        if created:
            batch, rest = rest[:count], rest[count:]
            SigningEventProject.objects.bulk_create(
                [SigningEventProject(event=event, project_id=pid, amount=total) for pid, total in batch],
                ignore_conflicts=True,
            )


def _start_events(builder):
    started = (
        Project.objects.filter(stage__in=[Stage.CONSTRUCTION, Stage.COMPLETED, Stage.OPERATING],
                               actual_start__year=builder.year, start_type=StartType.NEW,
                               total_investment__gte=5000)
        .order_by("actual_start", "id").values_list("id", "total_investment", "actual_start")
    )  # fmt: skip
    if not started.exists():
        return
    batches = [
        ("全市首批项目集中开工", _event_day(builder, 2, 28)),
        ("春季重点项目集中开工", _event_day(builder, 4, 28)),
    ]
    # Each event takes the earliest starts of its window (read in SQL, not the whole list).
    first = list(started.filter(actual_start__lte=batches[0][1])[:80])
    second = list(started.filter(actual_start__gt=batches[0][1], actual_start__lte=batches[1][1])[:120])
    for (name, day), rows in zip(batches, (first, second), strict=True):
        event, created = StartEvent.objects.get_or_create(
            name=name, held_on=day, defaults={"place": "各县(市)区主会场", "organiser": "鞍山市人民政府"}
        )
        if created:
            StartEventProject.objects.bulk_create(
                [StartEventProject(event=event, project_id=pid, amount=total) for pid, total, _ in rows],
                ignore_conflicts=True,
            )


def _capital(builder):
    """Monthly capital in place per project, this year (January to now) and all of last year."""
    rng, today, year = builder.rng, builder.today, builder.year
    if CapitalInPlace.objects.filter(month__year=year).exists():
        return
    # The largest projects, ties in id order (as a stable sort of the id-ordered list would give).
    projects = _pipeline_projects(
        [Stage.SIGNED, Stage.LANDED, Stage.CONSTRUCTION], order=("-total_investment", "id"), limit=MAX_CAPITAL_PROJECTS
    )
    if not projects:
        return
    region_keys = {r.pk: key for key, r in builder.regions.items()}
    months_now = [datetime.date(year, m, 1) for m in range(1, today.month + 1)]
    months_last = [datetime.date(year - 1, m, 1) for m in range(1, 13)]
    # One region is new to attraction this year (nothing last year): its YoY is "新增".
    no_base = "fengjingqu"
    growth = {key: rng.uniform(0.95, 1.75) for key in region_keys.values()}

    def spread(months, weight_of):
        cells = []
        for project_id, total, region_id in projects:
            for month in months:
                if rng.random() < 0.35:
                    continue
                # A demo weight (not money): the amounts are exact decimals scaled from these weights below.
                weight = weight_of(region_keys[region_id]) * float(total) ** 0.7 * rng.uniform(0.3, 1.7)
                if weight > 0:
                    cells.append((project_id, month, Decimal(f"{weight:.6f}")))
        return cells

    this_year = spread(months_now, lambda key: REGION_WEIGHTS.get(key, 5))
    this_amounts = _scale([w for *_, w in this_year], CITY_CAPITAL_YTD)
    last_year = spread(
        months_last,
        lambda key: 0 if key == no_base else REGION_WEIGHTS.get(key, 5) / growth[key],
    )
    # Scale last year so that its same months give exactly +30% at city level.
    same_months = [i for i, (_, month, _) in enumerate(last_year) if month.month <= today.month]
    base_total = _money(CITY_CAPITAL_YTD / CAPITAL_GROWTH)
    same_amounts = _scale([last_year[i][2] for i in same_months], base_total)
    factor = base_total / sum(last_year[i][2] for i in same_months) if same_months else 0
    last_amounts = [_money(w * factor) for *_, w in last_year]
    for i, amount in zip(same_months, same_amounts, strict=True):
        last_amounts[i] = amount
    now = timezone.now()
    rows = [(p, m, a, now, now) for (p, m, _), a in zip(this_year, this_amounts, strict=True)]
    rows += [(p, m, a, now, now) for (p, m, _), a in zip(last_year, last_amounts, strict=True) if a > 0]
    _copy(CapitalInPlace, ["project_id", "month", "amount", "created_at", "updated_at"], rows)


INTAKE_NAME = "铁东区精密轴承智能制造项目"


def _intake_to_start(builder):
    """One project the web way (one entry for every fact): registered by county staff (谋划入库), added to
    a signing ceremony (→ 签约 on its date) and to a concentrated start (→ 在建, 新开工), each stage change
    recorded once by the event services, with the rule's people in charge."""
    from django.contrib.auth import get_user_model

    from demo.builders import project_code
    from projects.access import PEOPLE_ROLES
    from projects.choices import Role
    from projects.models import Category, RoleAssignment
    from projects.services import project_create

    from . import services

    if Project.objects.filter(name=INTAKE_NAME).exists():
        return
    tiedong = builder.regions.get("tiedong")
    if tiedong is None:
        return
    User = get_user_model()
    clerk, created = User.objects.get_or_create(
        username="demo_intake_tiedong", defaults={"display_name": "铁东区招商专员"}
    )
    if created:
        clerk.set_unusable_password()
        clerk.save(update_fields=["password"])
    RoleAssignment.objects.get_or_create(user=clerk, role=Role.COUNTY_STAFF, region=tiedong)
    today = builder.today
    project = project_create(
        user=clerk,
        stage=Stage.NEGOTIATING,
        confirm_duplicates=True,
        name=INTAKE_NAME,
        investor="鞍山瑞丰精密轴承有限公司",
        code=project_code(builder.year, tiedong.division_code or "210302", 59_000_001),
        region=tiedong,
        category=Category.objects.get(key="industrial") if Category.objects.filter(key="industrial").exists()
        else Category.objects.order_by("id").first(),
        total_investment=Decimal("120000.00"),
        annual_plan=Decimal("30000.00"),
        address="铁东区鞍千路智能制造产业园",
        description="精密轴承及滚动体智能生产线,年产高端轴承300万套。",
    )  # fmt: skip
    # The registration happened before the events (a demo back-dates it; a real one is dated the day it is made).
    project.stage_changes.filter(from_stage="").update(changed_on=today - datetime.timedelta(days=130))
    signing = SigningEvent.objects.create(
        name="秋季重点项目集中签约仪式", kind=SigningEventKind.CEREMONY, held_on=today - datetime.timedelta(days=100),
        place="鞍山市政务服务中心", organiser="鞍山市人民政府",
    )  # fmt: skip
    services.signing_line_add(user=clerk, event=signing, project=project, amount=Decimal("120000.00"), move_stage=True)
    start = StartEvent.objects.create(
        name="秋季重点项目集中开工", held_on=today - datetime.timedelta(days=70), place="铁东区主会场",
        organiser="鞍山市人民政府",
    )  # fmt: skip
    services.start_line_add(user=clerk, event=start, project=project, amount=Decimal("120000.00"),
                            start_type=StartType.NEW, move_stage=True)  # fmt: skip
    _started_progress(project, start.held_on, today)
    # The people the rules name (a city leader for 10 亿元 and more, a county leader, a steward).
    people = {}
    for field, role in PEOPLE_ROLES.items():
        holders = RoleAssignment.objects.filter(role=role).order_by("user__username")
        if field == "county_leader":
            holders = holders.filter(region=tiedong)
        preferred = {"steward": "steward", "city_leader": "city_leader"}.get(field)
        chosen = holders.filter(user__username=preferred).first() if preferred else None
        chosen = chosen or holders.first()
        if chosen is not None:
            people[f"{field}_id"] = chosen.user_id
    Project.objects.filter(pk=project.pk).update(**people)


def _started_progress(project, started, today):
    """Monthly entries since the start, as every project under construction in the demo has: verified
    before the filing month, the filing month's submitted."""
    from django.utils import timezone

    from anshan_projects.periods import add_months, month_start, previous_month
    from investment.choices import EntryStatus
    from investment.models import ProgressEntry

    filing = previous_month(today)
    period, now = month_start(started), timezone.now()
    while period <= filing:
        verified = period < filing
        ProgressEntry.objects.create(
            project=project, period=period, amount_completed=Decimal("4000.00"),
            image_progress="厂房基础施工" if verified else "主体结构施工",
            status=EntryStatus.VERIFIED if verified else EntryStatus.SUBMITTED,
            submitted_at=now, verified_at=now if verified else None,
        )  # fmt: skip
        period = add_months(period, 1)

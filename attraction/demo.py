"""Demo data for investment attraction, on top of the seeded projects (``seed``, found by seed_demo).

Reproduces the article's figures: the 四调法 follow-ups, the "2022年重点项目集中签约仪式" and
"菱镁产业推介会" style events, 60 projects signed at provincial events for 607.32 亿元, the two
concentrated start events (end of February, end of April), capital in place of 423.08 亿元 from
January to the current month, +30% on the same months of last year, and targets per county.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from common.bulkcopy import NULL, bulk_load, copy_lines
from investment.demo import industrial_growth
from projects.choices import Stage, StartType
from projects.models import Project, StageChange

from .choices import (
    CadenceLevel,
    InvestorKind,
    LeadSource,
    OrgLevel,
    OutreachKind,
    SigningEventKind,
    SpendingPurpose,
    SpendingStatus,
    VisitOutcome,
)
from .models import (
    AnnualTarget,
    AttractionRecord,
    CapitalInPlace,
    DevelopmentZone,
    FollowUp,
    FundBudget,
    FundSpending,
    Investor,
    InvestorVisit,
    OutreachEvent,
    OutreachParticipant,
    ProjectPhase,
    SigningEvent,
    SigningEventProject,
    StartEvent,
    StartEventProject,
    TaskForce,
    TaskForceMeeting,
)

CENT = Decimal("0.01")
FOLLOWED = [Stage.PLANNING, Stage.NEGOTIATING, Stage.SIGNED, Stage.LANDED, Stage.CONSTRUCTION]
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


def seed(builder):
    with connection.cursor() as cursor:
        # The projects were just written with COPY: fresh statistics keep the planner off bad plans.
        cursor.execute(f"ANALYZE {Project._meta.db_table}, {StageChange._meta.db_table}")
    with transaction.atomic():
        for step in (_targets, _records_and_follow_ups, _signing_events, _start_events, _capital, seed_organisation,
                     _foreign_capital, _chain_targets, _assessment, _intake_to_start):  # fmt: skip
            with builder.timed(step.__name__.lstrip("_")):
                step(builder)
        # Last of the steps that write entries: the article's +76.6% holds over every industrial project.
        with builder.timed("industrial_growth"):
            industrial_growth(builder.today, timed=builder.timed)
    with builder.timed("circulation"):
        _circulation(builder)


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
    rows = [(p, m, a, 0, now, now) for (p, m, _), a in zip(this_year, this_amounts, strict=True)]
    rows += [(p, m, a, 0, now, now) for (p, m, _), a in zip(last_year, last_amounts, strict=True) if a > 0]
    _copy(CapitalInPlace, ["project_id", "month", "amount", "foreign_amount", "created_at", "updated_at"], rows)


# --- the organisation of attraction (issue 22) ----------------------------------------------------------
# The article: 17 task forces of city and counties, 10 development zones all run company-style, a floor of
# 1 亿元 for the attraction budget of city and counties, visits back to investors leading to phase 2
# (增资扩产), 50+ video negotiations. The article names no zone: the ten below are Anshan's zones as we
# know them (高新区, 经济开发区 and 千山风景区 are regions of the dispatch system today); all editable.
CITY_TASK_FORCES = [
    ("钢铁及深加工产业链招商专班", "市长", ["钢铁及深加工"]),
    ("菱镁产业链招商专班", "市委书记", ["菱镁"]),
    ("专用车及汽车零部件产业链招商专班", "常务副市长", ["专用车及汽车零部件"]),
    ("纺织服装产业链招商专班", "分管副市长", ["纺织服装"]),
    ("数字经济招商专班", "分管副市长", ["数字经济"]),
    ("文旅康养招商专班", "分管副市长", ["文旅康养"]),
    ("现代农业招商专班", "分管副市长", ["现代农业"]),
]
ZONES = [  # (name, region key, is the region itself, operator, leading industries)
    (
        "鞍山高新技术产业开发区",
        "gaoxin",
        True,
        "鞍山高新区产业投资发展集团有限公司",
        "工业自动化、软件和信息技术、激光、柔性显示",
    ),
    ("鞍山经济开发区", "jingkai", True, "鞍山经济开发区开发建设有限公司", "高端装备制造、钢丝绳及金属制品、新材料"),
    ("千山风景名胜区", "fengjingqu", True, "千山风景区旅游发展有限公司", "文旅康养"),
    ("海城经济开发区", "haicheng", False, "海城经济开发区发展有限公司", "菱镁新材料、纺织服装"),
    ("台安经济开发区", "taian", False, "台安经开区投资运营有限公司", "食品调味品、专用车"),
    ("岫岩经济开发区", "xiuyan", False, "岫岩经开区运营管理有限公司", "菱镁、玉石文化"),
    ("鞍山达道湾经济开发区", "tiexi", False, "达道湾开发建设有限公司", "钢铁深加工、金属包装"),
    ("千山经济开发区", "qianshan", False, "千山经开区投资有限公司", "矿产资源综合利用、装备制造"),
    ("立山经济开发区", "lishan", False, "立山经开区运营有限公司", "商贸物流、数字经济"),
    ("铁东经济开发区", "tiedong", False, "铁东经开区发展有限公司", "商贸服务、总部经济"),
]
CITY_BUDGET = Decimal("5000.00")  # 万元; with 500 万元 per county: exactly the 1 亿元 floor
COUNTY_BUDGET = Decimal("500.00")
ONLINE_COUNT = 52  # "组织视频洽谈50余次"
OUTREACH_PLAN = [  # (kind, count this year, name template)
    (OutreachKind.TRIP_OUT, 18, "赴{place}招商考察"),
    (OutreachKind.VISIT_IN, 14, "{place}客商来鞍考察"),
    (OutreachKind.DOOR_KNOCKING, 24, "敲门招商:走访{place}企业总部"),
    (OutreachKind.ONLINE, ONLINE_COUNT, "与{place}企业视频洽谈"),
]
PROMOTION_FAIRS = ["菱镁产业推介会", "鞍山数字经济产业项目对接会", "食品调味品洽谈对接会", "钢铁深加工产业推介会"]
PLACES = ["苏州", "深圳", "北京", "上海", "杭州", "天津", "广州", "青岛", "沈阳", "大连", "宁波", "香港"]
INVESTORS = [  # (name, kind, home, phase 2 name or None)
    ("朗致集团", InvestorKind.GROUP, "北京市", "朗致药业生产基地二期"),
    ("廊坊神华树脂有限公司", InvestorKind.ENTERPRISE, "河北省廊坊市", "廊坊神华树脂二期"),
    ("鞍钢集团矿业有限公司", InvestorKind.GROUP, "辽宁省鞍山市", None),
    ("辽宁布顿特种金属制品有限公司", InvestorKind.ENTERPRISE, "江苏省", None),
    ("大金属集团", InvestorKind.GROUP, "广东省", None),
    ("五矿矿业(鞍山)有限公司", InvestorKind.ENTERPRISE, "北京市", None),
]


def seed_organisation(builder):
    if TaskForce.objects.exists():
        return
    rng, today, year = builder.rng, builder.today, builder.year
    regions = builder.regions
    first_day = datetime.date(year, 1, 1)

    def day_this_year():
        return first_day + datetime.timedelta(days=rng.randrange(0, (today - first_day).days + 1))

    # Task forces: 7 city chains and one per county group (17), following leads and projects of their scope.
    city_users = list(get_user_model().objects.filter(username__startswith="demo_city_").order_by("pk")[:8])
    county_users = list(get_user_model().objects.filter(username__startswith="demo_county_").order_by("pk")[:20])
    forces = []
    for name, leader, sectors in CITY_TASK_FORCES:
        tf = TaskForce.objects.create(name=name, level=OrgLevel.CITY, leader=leader, coordinator="市商务局")
        tf.sectors.set([builder.sectors[s] for s in sectors if s in builder.sectors])
        tf.members.set(rng.sample(city_users, min(3, len(city_users))))
        followed = Project.objects.filter(sector__name__in=sectors, stage__in=FOLLOWED).order_by("-total_investment")
        tf.projects.set(list(followed.values_list("pk", flat=True)[:40]))
        forces.append(tf)
    for region in regions.values():
        tf = TaskForce.objects.create(name=f"{region.name}招商专班", level=OrgLevel.COUNTY, region=region,
                                      leader=f"{region.name}党政主要领导", coordinator=f"{region.name}商务(招商)局")  # fmt: skip
        tf.members.set(rng.sample(county_users, min(2, len(county_users))))
        followed = Project.objects.filter(region=region, stage__in=FOLLOWED).order_by("-total_investment")
        tf.projects.set(list(followed.values_list("pk", flat=True)[:30]))
        forces.append(tf)
    for tf in forces:
        for n in range(rng.randrange(1, 4)):
            TaskForceMeeting.objects.create(task_force=tf, held_on=day_this_year(), title=f"专班推进会(第{n + 1}次)",
                                            minutes="研究在谈项目推进,明确责任人和时间节点。")  # fmt: skip

    # Zones, company-run, with the projects of their county lying in them (a project in one zone).
    zones = []
    for order, (name, key, is_region, operator, industries) in enumerate(ZONES):
        if key not in regions:
            continue
        zone = DevelopmentZone.objects.create(name=name, region=regions[key], is_region=is_region, operator=operator,
                                              leading_industries=industries, sort_order=order)  # fmt: skip
        # A region zone holds its area's projects, another zone every third; capped to keep seed_demo fast.
        inside = list(Project.objects.filter(region=regions[key]).order_by("id").values_list("pk", flat=True)[:3000])
        zone.projects.set(inside if is_region else inside[::3])
        zones.append(zone)
    zone_of = {z.region_id: z for z in zones}

    # Outreach: trips out, visits in, door-knocking, online negotiation, promotion fairs; 三级联动.
    events = []
    county_list = list(regions.values())
    for kind, count, template in OUTREACH_PLAN:
        for i in range(count):
            region = None if i % 3 == 0 else county_list[i % len(county_list)]
            place = PLACES[i % len(PLACES)]
            tf = forces[i % len(CITY_TASK_FORCES)] if region is None else next(
                f for f in forces if f.region_id == region.pk)  # fmt: skip
            event = OutreachEvent.objects.create(kind=kind, name=template.format(place=place), held_on=day_this_year(),
                                                 place=place, region=region, task_force=tf,
                                                 counterpart=f"{place}某{rng.choice(['科技', '新材料', '装备'])}企业",
                                                 outcome=rng.choice(["达成初步合作意向", "形成项目线索", "交换投资意向书"]))  # fmt: skip
            events.append(event)
    for i, name in enumerate(PROMOTION_FAIRS):
        region = county_list[i % len(county_list)]
        events.append(OutreachEvent.objects.create(kind=OutreachKind.PROMOTION, name=name, held_on=day_this_year(),
                                                   place="鞍山", region=region, outcome="签约及意向项目若干"))  # fmt: skip
    leads = list(Project.objects.filter(stage__in=[Stage.PLANNING, Stage.NEGOTIATING]).values_list("pk", "region_id")
                 .order_by("-total_investment")[:200])  # fmt: skip
    participants = []
    for i, event in enumerate(events):
        participants.append(OutreachParticipant(event=event, level=OrgLevel.CITY, name="市商务局"))
        region = event.region or county_list[i % len(county_list)]
        if event.region is None or i % 2 == 0:
            participants.append(OutreachParticipant(event=event, level=OrgLevel.COUNTY, region=region,
                                                    name=f"{region.name}商务局"))  # fmt: skip
        if region.pk in zone_of and i % 3 != 1:
            zone = zone_of[region.pk]
            participants.append(OutreachParticipant(event=event, level=OrgLevel.ZONE, zone=zone, name=zone.name))
        mine = [pk for pk, region_id in leads if region_id == region.pk][i % 5 : i % 5 + 2]
        event.projects.set(mine)
    OutreachParticipant.objects.bulk_create(participants)

    # Funds: the city and every county, spending with approval; each trip out's cost is its own spending.
    budgets = {None: FundBudget.objects.create(year=year, region=None, amount=CITY_BUDGET)}
    for region in county_list:
        budgets[region.pk] = FundBudget.objects.create(year=year, region=region, amount=COUNTY_BUDGET)
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    spendings = []
    for event in events:
        if event.kind not in (OutreachKind.TRIP_OUT, OutreachKind.PROMOTION):
            continue
        purpose = SpendingPurpose.TRIP if event.kind == OutreachKind.TRIP_OUT else SpendingPurpose.EVENT
        base = Decimal(rng.randrange(300, 1500) if purpose == SpendingPurpose.TRIP else rng.randrange(3000, 9000)) / 100
        spendings.append(FundSpending(budget=budgets[event.region_id], spent_on=event.held_on, amount=base,
                                      purpose=purpose, description=f"{event.name}费用", event=event))  # fmt: skip
    for budget in budgets.values():
        spendings.append(FundSpending(budget=budget, spent_on=day_this_year(), purpose=SpendingPurpose.AGENCY,
                                      amount=(budget.amount * Decimal("0.2")).quantize(CENT),
                                      description="委托招商中介奖励(按《鞍山市招商引资专项资金使用管理办法》)"))  # fmt: skip
    now = timezone.now()
    for i, spending in enumerate(spendings):
        if i % 5 != 4:  # most are decided; a few wait for approval
            spending.status = SpendingStatus.REJECTED if i % 11 == 10 else SpendingStatus.APPROVED
            spending.approver, spending.decided_at = admin, now
    FundSpending.objects.bulk_create(spendings)

    # Investors with their projects in the city, visits back, and phase 2 (增资扩产, "老树发新芽").
    for name, kind, home, phase_two_name in INVESTORS:
        owned = list(Project.objects.filter(investor=name).order_by("id"))
        phase_two = next((p for p in owned if p.name == phase_two_name), None)
        if phase_two_name and phase_two is None:
            continue  # a small demo without the article's projects
        investor = Investor.objects.create(name=name, kind=kind, home=home)
        phase_one = None
        if phase_two is not None:
            # Phase 1: the largest project in operation in the same county (the demo has no named phase 1).
            phase_one = (Project.objects.filter(region=phase_two.region, stage__in=[Stage.OPERATING, Stage.COMPLETED])
                         .exclude(pk=phase_two.pk).order_by("-total_investment", "id").first())  # fmt: skip
            if phase_one is None:
                phase_two = None
            else:
                owned.append(phase_one)
        investor.projects.set(owned)
        region = owned[0].region if owned else None
        visit = None
        for n in range(rng.randrange(2, 4)):
            outcome = VisitOutcome.EXPANSION if phase_two is not None and n == 0 else rng.choice(
                [VisitOutcome.NO_DEMAND, VisitOutcome.PROBLEM, VisitOutcome.INTENT])  # fmt: skip
            v = InvestorVisit.objects.create(investor=investor, visited_on=first_day + datetime.timedelta(days=20 * n),
                                             region=region if n % 2 == 0 else None,
                                             visitors="市商务局、县区招商局" if n % 2 else f"{region.name if region else ''}商务局",
                                             outcome=outcome, summary="回访在鞍企业,了解生产经营和扩产需求。")  # fmt: skip
            visit = visit or (v if outcome == VisitOutcome.EXPANSION else None)
        if phase_two is not None:
            ProjectPhase.objects.create(project=phase_two, phase_one=phase_one, investor=investor, visit=visit)


# --- chains, assessment, capital by origin, circulation (helper "chains") ------------------------------
# Foreign capital in place (外资) comes on top of the article's domestic 423.08 亿元; the article gives no
# foreign figure: 18.65 亿元 this year is a demo value, last year's same months 30% lower.
FOREIGN_YTD = Decimal("186500.00")
# Upstream and downstream target enterprises of some chains (plausible demo names; editable in the admin).
CHAIN_TARGETS = {
    "钢铁及深加工": [
        ("upstream", "鞍钢集团矿业有限公司", "铁精矿、球团矿", "鞍山市"),
        ("upstream", "中国五矿集团", "铁矿石开采", "北京市"),
        ("downstream", "江苏帅龙集团", "高端钢丝绳、钢绞线", "江苏省", "江苏帅龙集团(辽宁布顿)特种金属制品生产基地"),
        ("downstream", "奥瑞金科技股份有限公司", "金属包装(两片罐)", "北京市"),
        ("downstream", "中集车辆(集团)股份有限公司", "专用车用钢", "广东省深圳市"),
    ],
    "菱镁": [
        ("upstream", "海城市菱镁矿山企业", "菱镁矿石", "海城市"),
        ("downstream", "瑞泰科技股份有限公司", "镁质耐火材料", "北京市"),
        ("downstream", "中国宝武钢铁集团", "钢包、转炉用耐材", "上海市"),
    ],
    "专用车及汽车零部件": [
        ("upstream", "鞍钢股份有限公司", "汽车板", "鞍山市"),
        ("downstream", "江苏飞来新能源科技有限公司", "小型新能源电动车", "江苏省", "江苏飞来小型新能源电动车产业园"),
    ],
    "新能源": [
        (
            "upstream",
            "鞍山赛拉美克热陶瓷工程有限公司",
            "电力装备关键零部件",
            "鞍山市",
            "赛拉美克绿色新能源电力装备智能制造电力成套设备及关键零部件产业基地",
        ),
        ("downstream", "国家电网辽宁省电力有限公司", "电力成套设备采购", "辽宁省沈阳市"),
    ],
    "纺织服装": [
        ("upstream", "恒力集团有限公司", "化纤面料", "江苏省苏州市"),
        ("downstream", "海城西柳服装市场", "服装批发", "海城市"),
    ],
}
ASSESSMENT_WEIGHTS = [("signed_rate", "30"), ("landed_rate", "30"), ("capital_rate", "40")]
ASSESSMENT_GRADES = [("一档", "90"), ("二档", "75"), ("三档", "0")]


def _foreign_capital(builder):
    """Add foreign capital to the largest rows of January to now, this year and last year (+30%)."""
    from .models import CapitalInPlace as Capital

    if Capital.objects.filter(foreign_amount__gt=0).exists():
        return
    year, month = builder.year, builder.today.month
    for target_year, total in ((year, FOREIGN_YTD), (year - 1, _money(FOREIGN_YTD / CAPITAL_GROWTH))):
        rows = list(
            Capital.objects.filter(month__year=target_year, month__month__lte=month)
            .order_by("-amount", "id")
            .values_list("id", "amount")[:24]
        )
        if not rows:
            continue
        for (pk, amount), foreign in zip(rows, _scale([a for _, a in rows], total), strict=True):
            Capital.objects.filter(pk=pk).update(amount=amount + foreign, foreign_amount=foreign)


def _chain_targets(builder):
    from projects.models import Sector

    from .models import ChainTarget

    chains = dict(Sector.objects.filter(kind="chain").values_list("name", "pk"))
    names = [spec[4] for specs in CHAIN_TARGETS.values() for spec in specs if len(spec) > 4]
    projects = dict(Project.objects.filter(name__in=names).order_by("id").values_list("name", "pk"))
    rows = []
    for chain, specs in CHAIN_TARGETS.items():
        if chain not in chains:
            continue
        for order, (position, enterprise, product, place, *project) in enumerate(specs):
            rows.append(ChainTarget(chain_id=chains[chain], position=position, enterprise=enterprise, product=product,
                                    enterprise_region=place, sort_order=order,
                                    project_id=projects.get(project[0]) if project else None))  # fmt: skip
    ChainTarget.objects.bulk_create(rows, ignore_conflicts=True)


def _assessment(builder):
    from .models import AssessmentGrade, AssessmentIndicator

    for measure, weight in ASSESSMENT_WEIGHTS:
        AssessmentIndicator.objects.get_or_create(year=builder.year, measure=measure, defaults={"weight": weight})
    for name, minimum in ASSESSMENT_GRADES:
        AssessmentGrade.objects.get_or_create(name=name, defaults={"min_score": minimum})


def _circulation(builder):
    """Last month's circulation, delivered to the leadership accounts (when the demo has accounts)."""
    from common.periods import previous_month

    from .services import circulation_deliver

    circulation_deliver(month=previous_month(builder.today), today=builder.today)


INTAKE_NAME = "铁东区精密轴承智能制造项目"


def _intake_to_start(builder):
    """One project the web way (one entry for every fact): registered by county staff (谋划入库), added to
    a signing ceremony (→ 签约 on its date) and to a concentrated start (→ 在建, 新开工), each stage change
    recorded once by the event services, with the rule's people in charge."""
    from django.contrib.auth import get_user_model

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
        code=builder.project_code(builder.year, tiedong.division_code or "210302", 59_000_001),
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

    from common.periods import add_months, month_start, previous_month
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

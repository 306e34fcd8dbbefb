"""Deterministic demo data, written with COPY so that it scales to a million projects.

The default city-sized set reproduces the order of magnitude of the article's headline
figures (domain.md section 1): about 600 projects of 5,000 万元 or more started or resumed
this year worth about 2,000 亿元, and about 500 / 490 / 340 / 225 projects in the planning /
negotiating / signed / landed pools.
"""

import contextlib
import datetime
import itertools
import random
import string
import time
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

# The COPY helpers live in the shared library (every app's demo module uses them, none imports demo).
from common.bulkcopy import NULL, bulk_load, check_foreign_keys, copy_lines  # noqa: F401
from common.bulkcopy import copy_text as _text
from projects.choices import Role, Stage, StartType
from projects.models import Category, Department, Project, Region, RoleAssignment, Sector, StageChange

from .article import ARTICLE_PROJECTS

DEFAULT_PROJECTS = 3000
# Share of projects per stage for the default size (3,000): 499, 491, 344, 225 in the pools.
STAGE_SHARES = [
    (Stage.PLANNING, 499),
    (Stage.NEGOTIATING, 491),
    (Stage.SIGNED, 344),
    (Stage.LANDED, 225),
    (Stage.CONSTRUCTION, 1050),
    (Stage.COMPLETED, 250),
    (Stage.OPERATING, 141),
]
# Of the 1,050 under construction, 604 are >= 5,000 万元 and started or resumed this year.
KEY_STARTED_SHARE = Decimal(604) / Decimal(1050)
CHUNK = 20_000
CODE_ALPHABET = string.digits + string.ascii_uppercase
CENT = Decimal("0.01")
# Plain strings, looked up once (Stage.rank rebuilds the list of values on every call).
STAGES = [str(value) for value in Stage.values]
STAGE_RANK = {stage: rank for rank, stage in enumerate(STAGES)}
CONSTRUCTION, COMPLETED, OPERATING = str(Stage.CONSTRUCTION), str(Stage.COMPLETED), str(Stage.OPERATING)
CONSTRUCTION_RANK = STAGE_RANK[CONSTRUCTION]

PROJECT_COLUMNS = [
    "code", "name", "investor", "description", "region_id", "sector_id", "category_id",
    "department_id", "total_investment", "annual_plan", "stage", "start_type", "planned_start",
    "actual_start", "planned_completion", "actual_completion", "address", "longitude", "latitude",
    "city_leader_id", "county_leader_id", "steward_id", "created_at", "updated_at",
]  # fmt: skip
STAGE_CHANGE_COLUMNS = [
    "project_id", "from_stage", "to_stage", "start_type", "changed_on", "changed_by_id",
    "reason", "is_backward", "created_at",
]  # fmt: skip

# Rough centres of the county-level groups (lon, lat) for demo coordinates.
REGION_CENTRES = {
    "tiedong": (123.00, 41.11),
    "tiexi": (122.95, 41.12),
    "lishan": (123.03, 41.15),
    "qianshan": (123.05, 41.02),
    "haicheng": (122.70, 40.85),
    "taian": (122.43, 41.40),
    "xiuyan": (123.28, 40.29),
    "gaoxin": (123.08, 41.09),
    "jingkai": (122.92, 41.08),
    "fengjingqu": (123.12, 41.00),
}
NAME_PARTS = (
    ["智能", "绿色", "高端", "数字化", "新型", "精密", "循环", "现代", "特种", "综合"],
    ["装备制造", "新材料", "镁制品", "钢材深加工", "汽车零部件", "纺织", "物流", "文旅", "康养", "农产品加工",
     "数据中心", "电力设备", "包装材料", "化工", "医药"],
    ["产业园", "生产基地", "改造项目", "扩建项目", "示范园区", "综合体", "中心", "二期工程"],
)  # fmt: skip
INVESTOR_PARTS = (["鞍山", "辽宁", "海城", "东北", "华夏", "中冶", "北方", "鞍钢"],
                  ["恒通", "宏达", "鑫源", "华美", "众诚", "金泰", "瑞丰", "远航", "博润", "天成"],
                  ["实业有限公司", "科技股份有限公司", "集团有限公司", "发展有限公司"])  # fmt: skip


def _money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _check_char(body):
    return CODE_ALPHABET[sum((i + 1) * CODE_ALPHABET.index(c) for i, c in enumerate(body)) % 36]


def project_code(year, division, index):
    """A well-formed, unique demo code: YYYY-RRRRRR-DD-TT-NNNNNC (GB/T 40058-2021 layout)."""
    body = ""
    n = index
    for _ in range(5):
        n, r = divmod(n, 36)
        body = CODE_ALPHABET[r] + body
    return f"{year}-{division}-{index % 7 + 1:02d}-{index % 3 + 1:02d}-{body}{_check_char(body)}"


def stage_plan(total):
    """How many projects of each stage for a data set of ``total`` projects."""
    base = sum(n for _, n in STAGE_SHARES)
    counts = [(stage, total * n // base) for stage, n in STAGE_SHARES]
    short = total - sum(n for _, n in counts)
    counts[4] = (Stage.CONSTRUCTION, counts[4][1] + short)
    return counts


class DemoBuilder:
    def __init__(self, *, seed=1, today=None, progress=None):
        self.rng = random.Random(seed)
        self.today = today or timezone.localdate()
        self.year = self.today.year
        self.progress = progress or (lambda n: None)
        # [depth, step, seconds] in the order the steps start; seed_demo --timings prints them.
        self.timings = []
        self._depth = 0
        self.regions = {r.key: r for r in Region.objects.all()}
        self.sectors = {s.name: s for s in Sector.objects.all()}
        self.departments = {d.key: d for d in Department.objects.all()}
        self.categories = {c.key: c for c in Category.objects.all()}
        if not self.regions or not self.categories:
            raise RuntimeError("reference data missing: run `manage.py load_reference` first")

    # A well-formed demo project code, for the apps' demo modules (which never import demo).
    project_code = staticmethod(project_code)

    @contextlib.contextmanager
    def timed(self, step):
        """Time a step of the seed (apps' demo modules time their own parts with it, nested):
        ``seed_demo --timings`` and ``python -m bench.dataset`` show where a big seed spends its time."""
        entry = [self._depth, step, None]
        self.timings.append(entry)
        self._depth += 1
        started = time.monotonic()
        try:
            yield
        finally:
            entry[2] = time.monotonic() - started
            self._depth -= 1

    # --- people ---------------------------------------------------------------------
    def leaders(self):
        """Leaders and stewards named on projects: people, not sign-in accounts."""
        User = get_user_model()
        people = {"city": [], "county": [], "steward": []}
        for kind, count, label in (("city", 8, "市领导"), ("county", 20, "县区领导"), ("steward", 40, "项目管家")):
            for i in range(1, count + 1):
                user, created = User.objects.get_or_create(
                    username=f"demo_{kind}_{i:02d}", defaults={"display_name": f"{label}{i:02d}"}
                )
                if created:
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
                people[kind].append(user.pk)
        return people

    def accounts(self, password):
        """The demo sign-in accounts other issues and systems rely on (DEMO_ACCOUNTS only)."""
        User = get_user_model()
        tiedong, haicheng = self.regions["tiedong"], self.regions["haicheng"]
        spec = [
            ("admin", "系统管理员", [(Role.ADMIN, {})], True),
            ("leader", "市领导", [(Role.LEADERSHIP, {})], False),
            ("tiedong", "铁东区填报员", [(Role.COUNTY_STAFF, {"region": tiedong})], False),
            ("haicheng", "海城市填报员", [(Role.COUNTY_STAFF, {"region": haicheng})], False),
            ("tiedong_reviewer", "铁东区审核员", [(Role.COUNTY_REVIEWER, {"region": tiedong})], False),
            (
                "fgw",
                "市发展改革委",
                [
                    (Role.DEPARTMENT, {"department": self.departments["fgw"]}),
                    (Role.SPECIAL_GROUP, {"category": self.categories["social"]}),
                ],
                False,
            ),
            ("manager", "报表管理员", [(Role.REPORT_MANAGER, {})], False),
            # 分级分类包保: a steward and a city leader in charge (projects.demo names them on projects).
            ("steward", "项目管家王敏", [(Role.STEWARD, {})], False),
            ("city_leader", "市级包保领导李强", [(Role.CITY_LEADER, {})], False),
        ]
        made = []
        for username, name, roles, superuser in spec:
            user, _ = User.objects.get_or_create(username=username, defaults={"display_name": name})
            user.display_name = name
            user.is_staff = user.is_superuser = superuser
            user.set_password(password)
            user.save()
            for role, place in roles:
                RoleAssignment.objects.get_or_create(user=user, role=role, **place)
            made.append(user)
        return made

    # --- projects ---------------------------------------------------------------------
    def _amount(self, stage, key_started):
        rng = self.rng
        if key_started or stage in (Stage.SIGNED, Stage.LANDED):
            # Key projects: mean about 3 亿元 (article: 2,000 亿元 over 604 projects).
            return _money(5000 + min(rng.lognormvariate(9.65, 1.0), 900000))
        if rng.random() < 0.55:
            return _money(5000 + min(rng.lognormvariate(9.3, 1.0), 400000))
        return _money(500 + rng.random() * 4500) if rng.random() < 0.8 else _money(100 + rng.random() * 400)

    def _dates(self, stage, key_started):
        rng, year = self.rng, self.year
        day = lambda y: datetime.date(y, 1, 1) + datetime.timedelta(days=rng.randrange(365))  # noqa: E731
        today = self.today
        planned_start = actual_start = actual_completion = None
        start_type = ""
        if stage in (Stage.PLANNING, Stage.NEGOTIATING, Stage.SIGNED, Stage.LANDED):
            planned_start = day(year + rng.choice([0, 1, 1]))
        elif stage == Stage.CONSTRUCTION:
            if key_started:
                start_type = StartType.NEW if rng.random() < 0.6 else StartType.RESUMED
            else:
                start_type = StartType.CONTINUING
            start_year = year if start_type == StartType.NEW else year - rng.choice([1, 1, 2, 3])
            actual_start = min(day(start_year), today)
            planned_start = actual_start - datetime.timedelta(days=rng.randrange(-60, 120))
        else:
            start_type = rng.choice([StartType.NEW, StartType.CONTINUING])
            actual_start = day(year - rng.choice([1, 2, 3]))
            planned_start = actual_start + datetime.timedelta(days=rng.randrange(-60, 60))
            actual_completion = min(actual_start + datetime.timedelta(days=rng.randrange(200, 900)), today)
        planned_completion = planned_start + datetime.timedelta(days=rng.randrange(300, 1500))
        return start_type, planned_start, actual_start, planned_completion, actual_completion

    def _history(self, stage, actual_start, actual_completion, start_type):
        """The forward chain of stage changes that led to ``stage``, with plausible dates."""
        rank = STAGE_RANK[stage]
        randbelow = self.rng._randbelow  # randrange(a, b) is a + _randbelow(b - a): the same draws, faster
        end = actual_completion or actual_start or self.today - datetime.timedelta(days=1 + randbelow(199))
        steps = STAGES[: rank + 1]
        dates = []
        cursor = end
        for _ in steps:
            dates.append(cursor)
            cursor = cursor - datetime.timedelta(days=20 + randbelow(140))
        dates.reverse()
        if stage == CONSTRUCTION and actual_start:
            dates[-1] = actual_start
        if stage in (COMPLETED, OPERATING) and actual_start:
            dates[CONSTRUCTION_RANK] = min(actual_start, dates[CONSTRUCTION_RANK + 1])
        chain = []
        previous = ""
        for step, on in zip(steps, dates, strict=True):
            chain.append((previous, step, start_type if step == CONSTRUCTION else "", on))
            previous = step
        return chain

    def _article_rows(self, people):
        rows = []
        for index, spec in enumerate(ARTICLE_PROJECTS):
            stage = spec["stage"]
            start_type, planned_start, actual_start, planned_completion, actual_completion = self._dates(
                stage, stage == Stage.CONSTRUCTION
            )
            if spec.get("start_type"):
                start_type = spec["start_type"]
            if spec.get("days_saved") and actual_start:
                planned_start = actual_start + datetime.timedelta(days=spec["days_saved"])
            if spec.get("months_saved"):
                planned_start = datetime.date(self.year + 1, 3, 1) + datetime.timedelta(days=spec["months_saved"] * 30)
            rows.append(
                dict(
                    spec,
                    code=project_code(self.year, self.regions[spec["region"]].division_code or "210300", index),
                    start_type=start_type,
                    planned_start=planned_start,
                    actual_start=actual_start,
                    planned_completion=max(planned_completion, planned_start),
                    actual_completion=actual_completion,
                )
            )
        return rows

    def projects(self, total, people, chunk=CHUNK):
        """Insert ``total`` projects (the article's first) and their stage history. Returns the count.

        Rows go to COPY as text lines built with plain string joins, one block per chunk of
        projects: nothing is kept for more than ``chunk`` projects at a time."""
        rng = self.rng
        regions = list(self.regions.values())
        region_weights = [14, 12, 9, 10, 16, 8, 7, 10, 10, 4][: len(regions)] + [5] * max(0, len(regions) - 10)
        # Cumulative weights once: rng.choices(weights=...) would rebuild them on every call (same draws).
        region_cum = list(itertools.accumulate(region_weights))
        sectors = list(self.sectors.values())
        categories = self.categories
        category_keys = [k for k in ("social", "urban", "industrial", "other") if k in categories]
        category_cum = list(itertools.accumulate([40, 20, 35, 5][: len(category_keys)]))
        category_departments = {
            "social": ["fgw", "swj", "wlj", "nyj", "sjj"],
            "urban": ["zjj", "jtj", "slj", "zrzyj"],
            "industrial": ["gxj", "kjj", "sthjj"],
            "other": ["fgw", "nyj", "wlj"],
        }
        department_ids = {key: [self.departments[d].pk for d in keys] for key, keys in category_departments.items()}
        article = self._article_rows(people)[:total]
        plan = []
        remaining = dict(stage_plan(total))
        for row in article:
            remaining[row["stage"]] = max(0, remaining[row["stage"]] - 1)
        for stage, n in remaining.items():
            plan.extend([str(stage)] * n)
        plan = plan[: total - len(article)]
        rng.shuffle(plan)
        now = _text(timezone.now())
        key_share = float(KEY_STARTED_SHARE)
        construction, signed = str(Stage.CONSTRUCTION), str(Stage.SIGNED)
        no_plan = {str(s) for s in (Stage.PLANNING, Stage.NEGOTIATING, Stage.SIGNED, Stage.COMPLETED, Stage.OPERATING)}
        zero = Decimal("0.00")
        city, county, steward = people["city"], people["county"], people["steward"]
        random_, choice, randrange, uniform, choices = rng.random, rng.choice, rng.randrange, rng.uniform, rng.choices
        names0, names1, names2 = NAME_PARTS
        investors0, investors1, investors2 = INVESTOR_PARTS
        # seq[_randbelow(len(seq))] is what rng.choice(seq) draws, without its call overhead.
        below = rng._randbelow
        n0, n1, n2, i0, i1, i2 = (len(part) for part in (*NAME_PARTS, *INVESTOR_PARTS))
        region_info = {
            r.pk: (r.name, str(r.pk), r.division_code or "210300", REGION_CENTRES.get(r.key, (123.0, 41.1)))
            for r in regions
        }
        sector_ids = [str(s.pk) for s in sectors]
        project_copy = f"COPY {Project._meta.db_table} (id, {', '.join(PROJECT_COLUMNS)}) FROM STDIN"
        change_copy = f"COPY {StageChange._meta.db_table} ({', '.join(STAGE_CHANGE_COLUMNS)}) FROM STDIN"
        change_tail = f"\t\\N\t{{}}\tf\t{now}\n"
        first_reason, other_reason = change_tail.format("登记入库"), change_tail.format("")
        history = self._history

        index = len(ARTICLE_PROJECTS)

        def chunk_lines(start, stop, change_lines):
            """Yield the project lines of offsets start..stop-1 (the COPY sends each block while the next
            is built, so the server works in parallel); collect their stage changes."""
            nonlocal index
            for offset in range(start, stop):
                project_id = first_id + offset
                if offset < len(article):
                    spec = article[offset]
                    region = self.regions[spec["region"]]
                    region_name, region_id, _, centre = region_info[region.pk]
                    sector_id = str(self.sectors[spec["sector"]].pk) if spec["sector"] else NULL
                    category_id = categories[spec["category"]].pk
                    department_id = self.departments[spec["department"]].pk
                    total_investment = spec["total_investment"]
                    stage = str(spec["stage"])
                    start_type = spec["start_type"]
                    planned_start, actual_start, planned_completion, actual_completion = (
                        spec["planned_start"], spec["actual_start"], spec["planned_completion"],
                        spec["actual_completion"],
                    )  # fmt: skip
                    name, investor, description = (
                        _text(spec["name"]),
                        _text(spec["investor"]),
                        _text(spec["description"]),
                    )
                    code = _text(spec["code"])
                else:
                    stage = plan[offset - len(article)]
                    key_started = stage == construction and random_() < key_share
                    region = choices(regions, cum_weights=region_cum)[0]
                    region_name, region_id, division, centre = region_info[region.pk]
                    sector_id = choice(sector_ids)
                    category_key = choices(category_keys, cum_weights=category_cum)[0]
                    category_id = categories[category_key].pk
                    department_id = choice(department_ids[category_key])
                    total_investment = self._amount(stage, key_started)
                    start_type, planned_start, actual_start, planned_completion, actual_completion = self._dates(
                        stage, key_started
                    )
                    name = f"{region_name}{names0[below(n0)]}{names1[below(n1)]}{names2[below(n2)]}"
                    investor = f"{investors0[below(i0)]}{investors1[below(i1)]}{investors2[below(i2)]}"
                    description = ""
                    code = project_code(self.year, division, index) if random_() < 0.9 else NULL
                    index += 1
                annual_plan = _money(total_investment * Decimal(uniform(0.15, 0.6)))
                if stage in no_plan:
                    annual_plan = zero if stage != signed else _money(annual_plan / 4)
                lon, lat = centre
                address = f"{region_name}{randrange(1, 300)}号地块"
                longitude = _money(lon + uniform(-0.08, 0.08))
                latitude = _money(lat + uniform(-0.06, 0.06))
                city_leader = city[below(len(city))] if total_investment >= 5000 else NULL
                yield (
                    f"{project_id}\t{code}\t{name}\t{investor}\t{description}\t{region_id}\t{sector_id}\t"
                    f"{category_id}\t{department_id}\t{total_investment}\t{annual_plan}\t{stage}\t{start_type}\t"
                    f"{planned_start or NULL}\t{actual_start or NULL}\t{planned_completion or NULL}\t"
                    f"{actual_completion or NULL}\t{address}\t{longitude}0000\t{latitude}0000\t{city_leader}\t"
                    f"{county[below(len(county))]}\t{steward[below(len(steward))]}\t{now}\t{now}\n"
                )
                for from_stage, to_stage, st, on in history(stage, actual_start, actual_completion, start_type):
                    change_lines.append(
                        f"{project_id}\t{from_stage}\t{to_stage}\t{st}\t{on}"
                        + (other_reason if from_stage else first_reason)
                    )

        with transaction.atomic(), connection.cursor() as cursor, bulk_load(cursor, BULK_TABLES):
            quiet_audit_triggers(cursor)
            cursor.execute("SELECT nextval('projects_project_id_seq')")
            first_id = cursor.fetchone()[0]
            cursor.execute("SELECT setval('projects_project_id_seq', %s)", [first_id + total])
            done = 0
            while done < total:
                stop = min(done + chunk, total)
                change_lines = []
                copy_lines(cursor, project_copy, chunk_lines(done, stop, change_lines))
                copy_lines(cursor, change_copy, change_lines)
                self.progress(stop - done)
                done = stop
        return total


BULK_TABLES = [Project._meta.db_table, StageChange._meta.db_table]


def quiet_audit_triggers(cursor):
    """Seeded rows are not user edits: keep the audit (pghistory) triggers quiet until the
    current transaction ends. Call inside transaction.atomic()."""
    cursor.execute("SELECT array_agg(tgname) FROM pg_trigger WHERE tgname LIKE 'pgtrigger_%%' AND NOT tgisinternal")
    names = cursor.fetchone()[0] or []
    cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(names) + "}"])


def demo_password():
    return settings.DEMO_PASSWORD

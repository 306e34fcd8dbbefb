import datetime
import re
from decimal import Decimal

import pghistory
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from .access import RestrictedQuerySet
from .choices import KeyLevel, PeopleField, RegionKind, Role, SectorKind, Stage, StartType
from .search import search_vector_expression

# GB/T 40058-2021 national project code: YYYY-RRRRRR-DD-TT-NNNNNC (24 characters).
PROJECT_CODE_RE = re.compile(r"^(19|20)\d{2}-\d{6}-\d{2}-\d{2}-[0-9A-Z]{6}$")
project_code_validator = RegexValidator(
    PROJECT_CODE_RE,
    "项目代码格式应为 YYYY-RRRRRR-DD-TT-NNNNNC(24位:年份-6位行政区划代码-2位行业主管部门代码-2位项目类型代码-6位序号与校验码)。",
    code="invalid_project_code",
)
non_negative = MinValueValidator(Decimal("0"), "金额不能为负数。")


def _of_type(value, kind):
    return value if isinstance(value, kind) else None


class LocalizedName(models.Model):
    """Reference rows named in Chinese and in English: ``str()`` is the name in the page's language."""

    name_en = models.CharField("英文名称", max_length=100, blank=True, help_text="界面语言为英文时显示")

    class Meta:
        abstract = True

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        # A row read with .only() without name_en shows its name rather than costing a query.
        if "name_en" in self.get_deferred_fields():
            return self.name
        return localized_name(self.name, self.name_en)


def localized_name(name, name_en):
    """The English name when the active language is English and the row has one, else the name."""
    from django.utils.translation import get_language

    if name_en and (get_language() or "").startswith("en"):
        return name_en
    return name


def money_field(verbose_name, **kwargs):
    """Money in 万元, exact to two places (max 999,999,999,999.99 万元)."""
    kwargs.setdefault("validators", [non_negative])
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


class Region(LocalizedName):
    """A county-level group (县区推进组): district, county, county-level city or development zone."""

    key = models.SlugField("标识", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    division_code = models.CharField(
        "行政区划代码",
        max_length=6,
        unique=True,
        null=True,
        blank=True,
        validators=[RegexValidator(r"^\d{6}$", "行政区划代码为6位数字。")],
    )
    kind = models.CharField("类型", max_length=20, choices=RegionKind.choices)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "县区"
        verbose_name_plural = "县区"
        ordering = ["sort_order", "id"]


class Sector(LocalizedName):
    """Industry chain, cluster or featured industry (产业链/产业集群/特色产业)."""

    name = models.CharField("名称", max_length=50, unique=True)
    kind = models.CharField("类别", max_length=20, choices=SectorKind.choices)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    # A featured industry (or any sector) rolls up into a chain and/or a cluster; a chain is its own chain.
    chain = models.ForeignKey(
        "self",
        models.SET_NULL,
        verbose_name="所属产业链",
        null=True,
        blank=True,
        related_name="chain_members",
        limit_choices_to={"kind": SectorKind.CHAIN},
    )
    cluster = models.ForeignKey(
        "self",
        models.SET_NULL,
        verbose_name="所属产业集群",
        null=True,
        blank=True,
        related_name="cluster_members",
        limit_choices_to={"kind": SectorKind.CLUSTER},
    )

    class Meta:
        verbose_name = "产业"
        verbose_name_plural = "产业"
        ordering = ["kind", "sort_order", "id"]

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.chain_id and (self.chain.kind != SectorKind.CHAIN or self.kind == SectorKind.CHAIN):
            errors["chain"] = "所属产业链须为产业链,且产业链本身不再归属其他产业链。"
        if self.cluster_id and (self.cluster.kind != SectorKind.CLUSTER or self.kind == SectorKind.CLUSTER):
            errors["cluster"] = "所属产业集群须为产业集群,且产业集群本身不再归属其他集群。"
        if errors:
            raise ValidationError(errors)


class Department(LocalizedName):
    """A city department (市直部门); each leads the projects of its field (the "N" groups)."""

    key = models.SlugField("标识", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "市直部门"
        verbose_name_plural = "市直部门"
        ordering = ["sort_order", "id"]


class Category(LocalizedName):
    """Project category; each of the three special groups (the "3") reviews one category."""

    key = models.SlugField("标识", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    lead_department = models.ForeignKey(
        Department, models.PROTECT, verbose_name="牵头部门", null=True, blank=True, related_name="+"
    )
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "项目类别"
        verbose_name_plural = "项目类别"
        ordering = ["sort_order", "id"]


class KeyProjectThreshold(models.Model):
    """Minimum total planned investment that makes a key project at each level (editable)."""

    level = models.CharField("级别", max_length=10, choices=KeyLevel.choices, unique=True)
    min_total_investment = money_field("总投资下限(万元)")

    class Meta:
        verbose_name = "重点项目标准"
        verbose_name_plural = "重点项目标准"

    def __str__(self):
        return f"{self.get_level_display()} ≥ {self.min_total_investment} 万元"


class OpenDataPolicy(models.Model):
    """What the public open-data feed (OC4IDS) discloses: one row, set by an administrator.

    Projects still being planned or negotiated are commercial and political matters; by default
    only projects from the landed stage on are published."""

    earliest_stage = models.CharField(
        "公开的最早阶段",
        max_length=20,
        choices=Stage.choices,
        default=Stage.LANDED,
        help_text="公开数据只发布处于该阶段及以后阶段的重点项目。",
    )
    page_size = models.PositiveIntegerField(
        "每页项目数",
        default=200,
        validators=[MinValueValidator(1), MaxValueValidator(2000)],
        help_text="公开数据分页发布,每页最多这么多个项目(1–2000)。",
    )

    class Meta:
        verbose_name = "公开数据发布策略"
        verbose_name_plural = "公开数据发布策略"

    def __str__(self):
        return f"{self.get_earliest_stage_display()}及以后,每页 {self.page_size} 个"

    @property
    def published_stages(self):
        stages = list(Stage.values)
        return stages[stages.index(self.earliest_stage) :]


class ProjectQuerySet(RestrictedQuerySet):
    scope_path = ""


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    exclude=["updated_at", "search_vector"],
    model_name="ProjectEvent",
)
class Project(models.Model):
    code = models.CharField(
        "项目代码",
        max_length=24,
        unique=True,
        null=True,
        blank=True,
        validators=[project_code_validator],
        help_text="全国投资项目在线审批监管平台赋码,如 2024-210302-04-01-A1B2C3。",
    )
    name = models.CharField("项目名称", max_length=200)
    investor = models.CharField("投资主体/企业", max_length=200, blank=True)
    description = models.TextField("建设内容", blank=True)
    region = models.ForeignKey(Region, models.PROTECT, verbose_name="县区", related_name="projects")
    sector = models.ForeignKey(
        Sector, models.PROTECT, verbose_name="产业", null=True, blank=True, related_name="projects"
    )
    category = models.ForeignKey(Category, models.PROTECT, verbose_name="项目类别", related_name="projects")
    department = models.ForeignKey(
        Department, models.PROTECT, verbose_name="牵头市直部门", null=True, blank=True, related_name="projects"
    )
    total_investment = money_field("计划总投资(万元)")
    annual_plan = money_field("本年计划投资(万元)", default=Decimal("0"))
    stage = models.CharField("阶段", max_length=20, choices=Stage.choices, default=Stage.PLANNING)
    start_type = models.CharField("开工类型", max_length=20, choices=StartType.choices, blank=True)
    planned_start = models.DateField("计划开工日期", null=True, blank=True)
    actual_start = models.DateField("实际开工日期", null=True, blank=True)
    planned_completion = models.DateField("计划竣工日期", null=True, blank=True)
    actual_completion = models.DateField("实际竣工日期", null=True, blank=True)
    address = models.CharField("建设地点", max_length=200, blank=True)
    longitude = models.DecimalField(
        "经度",
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    latitude = models.DecimalField(
        "纬度",
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    city_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, verbose_name="市级包保领导", null=True, blank=True, related_name="+"
    )
    county_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, verbose_name="县级包保领导", null=True, blank=True, related_name="+"
    )
    steward = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, verbose_name="项目管家", null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # Character bigrams of name, code and investor for search (projects.search), kept by the database.
    search_vector = models.GeneratedField(
        expression=search_vector_expression(), output_field=SearchVectorField(), db_persist=True
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = "项目"
        verbose_name_plural = "项目"
        ordering = ["-total_investment", "id"]
        indexes = [
            models.Index(fields=["region", "stage"]),
            # 开复工 this year (insights.definitions.started_or_resumed_q): key projects of the building
            # stages, judged on their start date and id in the index alone (no visit to every row).
            models.Index(
                fields=["stage", "total_investment"],
                include=["actual_start", "id", "region"],
                name="project_stage_invest",
            ),
            models.Index(fields=["category", "stage"]),
            models.Index(fields=["department", "stage"]),
            models.Index(fields=["sector", "stage"]),
            models.Index(fields=["-total_investment", "id"], name="project_invest_order"),
            # A county's projects of one stage, largest first (portal.selectors.county_todo "due"): read in
            # order and stopped after a few rows instead of sorting the county's whole stage.
            models.Index(fields=["region", "stage", "-total_investment", "id"], name="project_region_stage_invest"),
            # Search by name, code or investor: character bigrams (projects.search), for every length of text.
            GinIndex(fields=["search_vector"], name="project_search_bigrams"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_investment__gte=0) & Q(annual_plan__gte=0), name="project_money_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(annual_plan__lte=models.F("total_investment")), name="project_annual_within_total"
            ),
            models.CheckConstraint(
                condition=Q(actual_completion__isnull=True)
                | Q(actual_start__isnull=True)
                | Q(actual_completion__gte=models.F("actual_start")),
                name="project_completion_after_start",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        # full_clean runs clean() even when a field failed to parse; that field still holds the raw
        # input (e.g. text), already reported by clean_fields: compare only values of the right type.
        errors = {}
        total, annual = _of_type(self.total_investment, Decimal), _of_type(self.annual_plan, Decimal)
        if total is not None and annual is not None and annual > total:
            errors["annual_plan"] = "本年计划投资不能大于计划总投资。"
        planned_start, planned_completion = (
            _of_type(self.planned_start, datetime.date),
            _of_type(self.planned_completion, datetime.date),
        )
        if planned_start and planned_completion and planned_completion < planned_start:
            errors["planned_completion"] = "计划竣工日期不能早于计划开工日期。"
        actual_start, actual_completion = (
            _of_type(self.actual_start, datetime.date),
            _of_type(self.actual_completion, datetime.date),
        )
        if actual_start and actual_completion and actual_completion < actual_start:
            errors["actual_completion"] = "实际竣工日期不能早于实际开工日期。"
        if self.stage == Stage.CONSTRUCTION and not self.start_type:
            errors["start_type"] = "在建项目须注明开工类型(新开工/续建/复工)。"
        if errors:
            raise ValidationError(errors)

    def key_level(self, thresholds):
        """'city', 'county' or '' for the given {level: minimum} thresholds (see selectors)."""
        if self.total_investment >= thresholds[KeyLevel.CITY]:
            return KeyLevel.CITY
        if self.total_investment >= thresholds[KeyLevel.COUNTY]:
            return KeyLevel.COUNTY
        return ""


class StageChangeQuerySet(RestrictedQuerySet):
    scope_path = "project__"


class StageChange(models.Model):
    """One move of a project from one stage to another: when, by whom and why."""

    project = models.ForeignKey(Project, models.CASCADE, verbose_name="项目", related_name="stage_changes")
    from_stage = models.CharField("原阶段", max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField("新阶段", max_length=20, choices=Stage.choices)
    start_type = models.CharField("开工类型", max_length=20, choices=StartType.choices, blank=True)
    changed_on = models.DateField("变更日期")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, verbose_name="操作人", null=True, blank=True, related_name="+"
    )
    reason = models.TextField("原因", blank=True)
    is_backward = models.BooleanField("退回", default=False)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = StageChangeQuerySet.as_manager()

    class Meta:
        verbose_name = "阶段变更"
        verbose_name_plural = "阶段变更"
        ordering = ["project", "changed_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(is_backward=False) | ~Q(reason=""), name="stage_backward_needs_reason"),
        ]
        # The projects that entered a stage in a period (开复工: entered construction this year).
        indexes = [models.Index(fields=["to_stage", "changed_on", "project"], name="stage_change_entered")]

    def __str__(self):
        return f"{self.project}: {self.from_stage or '—'} → {self.to_stage}"


class RoleAssignment(models.Model):
    """A role a user holds, with the place it applies to. A user may hold several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, verbose_name="用户", related_name="roles")
    role = models.CharField("角色", max_length=30, choices=Role.choices)
    region = models.ForeignKey(Region, models.CASCADE, verbose_name="县区", null=True, blank=True)
    department = models.ForeignKey(Department, models.CASCADE, verbose_name="部门", null=True, blank=True)
    category = models.ForeignKey(Category, models.CASCADE, verbose_name="项目类别", null=True, blank=True)

    class Meta:
        verbose_name = "角色分配"
        verbose_name_plural = "角色分配"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region", "department", "category"],
                nulls_distinct=False,
                name="role_assignment_unique",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=["county_staff", "county_reviewer"]) | Q(region__isnull=False),
                name="county_role_needs_region",
            ),
            models.CheckConstraint(
                condition=~Q(role="department") | Q(department__isnull=False),
                name="department_role_needs_department",
            ),
            models.CheckConstraint(
                condition=~Q(role="special_group") | Q(category__isnull=False),
                name="special_group_role_needs_category",
            ),
        ]

    def __str__(self):
        place = self.region or self.department or self.category or ""
        return f"{self.user} · {self.get_role_display()} {place}".strip()


class AssignmentRule(models.Model):
    """One rule of 分级分类包保, edited by an administrator: which projects must name a person in a
    field (a city leader for every project of 10 亿元 or more, a steward for every key project...),
    and how many projects one person may hold in that field. A project matches when every condition
    set holds; projects in operation (投产) need no one. Breaks are listed, never refused."""

    name = models.CharField("规则名称", max_length=100)
    field = models.CharField("包保角色", max_length=20, choices=PeopleField.choices)
    min_total_investment = money_field(
        "总投资不低于(万元)", null=True, blank=True, help_text="留空:不按总投资限定。10 亿元 = 100000 万元。"
    )
    key_level = models.CharField(
        "重点项目级别(及以上)",
        max_length=10,
        choices=KeyLevel.choices,
        blank=True,
        help_text="市级重点即市项目工作领导小组(“1”)调度的项目;留空:不按重点级别限定。",
    )
    max_projects = models.PositiveIntegerField(
        "每人最多包保项目数", null=True, blank=True, help_text="留空:不限。超过即列为违反规则。"
    )
    active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "包保规则"
        verbose_name_plural = "包保规则"
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.name


class PortfolioVisit(models.Model):
    """When a steward or leader last opened "我的包保项目": the page shows what changed since."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, verbose_name="用户", related_name="portfolio_visit"
    )
    seen_at = models.DateTimeField("上次访问时间")

    class Meta:
        verbose_name = "包保项目访问记录"
        verbose_name_plural = "包保项目访问记录"

    def __str__(self):
        return f"{self.user} {self.seen_at:%Y-%m-%d %H:%M}"

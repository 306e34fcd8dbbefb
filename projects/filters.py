"""One filterset for the project list page, the API and the export, so they always agree."""

import django_filters
from django.db.models import Q

from common import parsing

from .choices import KeyLevel, Stage
from .models import Category, Department, Project, Region, Sector
from .search import search_q
from .selectors import key_level_q, key_thresholds


class ProjectFilterSet(django_filters.FilterSet):
    region = django_filters.CharFilter(method="filter_region", label="县区(区划代码、标识或ID)")
    sector = django_filters.ModelChoiceFilter(queryset=Sector.objects.all(), label="产业")
    category = django_filters.ModelChoiceFilter(queryset=Category.objects.all(), label="项目类别")
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), label="牵头部门")
    # A column of the project itself: no join, so no duplicate rows and no need for the filter's default
    # DISTINCT (which made every list query and its page count sort and compare whole rows).
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices, label="阶段", distinct=False)
    min_investment = django_filters.NumberFilter(
        field_name="total_investment", lookup_expr="gte", label="总投资不低于(万元)"
    )
    max_investment = django_filters.NumberFilter(
        field_name="total_investment", lookup_expr="lte", label="总投资不高于(万元)"
    )
    key_level = django_filters.ChoiceFilter(choices=KeyLevel.choices, method="filter_key_level", label="重点项目级别")
    search = django_filters.CharFilter(method="filter_search", label="搜索(名称、代码、投资主体)")
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label="更新时间不早于(ISO 8601,用于增量同步)"
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("total_investment", "total_investment"),
            ("annual_plan", "annual_plan"),
            ("name", "name"),
            ("planned_start", "planned_start"),
            ("updated_at", "updated_at"),
            ("id", "id"),
        ),
        label="排序",
    )

    class Meta:
        model = Project
        fields = ["region", "sector", "category", "department", "stage"]

    def filter_region(self, queryset, name, value):
        value = value.strip()
        region = Region.objects.filter(Q(division_code=value) | Q(key=value)).first()
        if region is None and parsing.INTEGER.fullmatch(value):
            region = Region.objects.filter(pk=parsing.object_id(value, field="region")).first()
        if region is None:
            return queryset.none()
        return queryset.filter(region=region)

    def filter_key_level(self, queryset, name, value):
        return queryset.filter(key_level_q(value, key_thresholds()))

    def filter_search(self, queryset, name, value):
        condition = search_q(value)  # a bigram index narrows, icontains confirms (projects.search)
        return queryset if condition is None else queryset.filter(condition)

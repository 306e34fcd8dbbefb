from django.contrib import admin
from django.utils.text import smart_split, unescape_string_literal

from .models import (
    AssignmentRule,
    Category,
    Department,
    KeyProjectThreshold,
    OpenDataPolicy,
    PortfolioVisit,
    Project,
    Region,
    RoleAssignment,
    Sector,
    StageChange,
)
from .search import search_q


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "division_code", "kind", "sort_order")
    list_editable = ("sort_order",)


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "kind", "chain", "cluster", "sort_order")
    list_filter = ("kind",)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "key", "sort_order")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "key", "lead_department")


@admin.register(KeyProjectThreshold)
class KeyProjectThresholdAdmin(admin.ModelAdmin):
    list_display = ("level", "min_total_investment")


@admin.register(OpenDataPolicy)
class OpenDataPolicyAdmin(admin.ModelAdmin):
    """One policy row (created by the migration): it can be changed, not added twice or deleted."""

    list_display = ("earliest_stage", "page_size")

    def has_add_permission(self, request):
        return not OpenDataPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    can_delete = False
    readonly_fields = ("from_stage", "to_stage", "start_type", "changed_on", "changed_by", "reason", "is_backward")

    def has_add_permission(self, request, obj=None):
        # Stage changes go through the stage-change service (pages and API), which keeps the rules.
        return False


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "region", "category", "stage", "total_investment", "annual_plan")
    list_filter = ("stage", "region", "category", "sector__kind")
    search_fields = ("name", "code", "investor")
    list_select_related = ("region", "category")
    autocomplete_fields = ("city_leader", "county_leader", "steward")
    readonly_fields = ("stage", "start_type", "actual_start", "actual_completion", "created_at", "updated_at")
    inlines = [StageChangeInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user)

    def get_search_results(self, request, queryset, search_term):
        """Django's admin search (every word, or quoted phrase, in name, code or investor) through the
        bigram index (projects.search) instead of three ``icontains`` scans."""
        for bit in smart_split(search_term):
            if bit[:1] in ('"', "'") and bit[-1:] == bit[:1]:
                bit = unescape_string_literal(bit)
            condition = search_q(bit)
            if condition is not None:
                queryset = queryset.filter(condition)
        return queryset, False


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "region", "department", "category")
    list_filter = ("role", "region")
    autocomplete_fields = ("user",)


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(admin.ModelAdmin):
    """分级分类包保 rules: which projects must name whom, and how many projects one person may hold."""

    list_display = ("name", "field", "min_total_investment", "key_level", "max_projects", "active", "sort_order")
    list_editable = ("active", "max_projects", "sort_order")
    list_filter = ("field", "active")


@admin.register(PortfolioVisit)
class PortfolioVisitAdmin(admin.ModelAdmin):
    list_display = ("user", "seen_at")
    readonly_fields = ("user", "seen_at")

    def has_add_permission(self, request):
        return False

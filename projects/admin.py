from django.contrib import admin

from .models import (
    Category,
    Department,
    KeyProjectThreshold,
    Project,
    Region,
    RoleAssignment,
    Sector,
    StageChange,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "division_code", "kind", "sort_order")
    list_editable = ("sort_order",)


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "kind", "sort_order")
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


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "region", "department", "category")
    list_filter = ("role", "region")
    autocomplete_fields = ("user",)

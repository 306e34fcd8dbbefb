"""Admin: read-mostly views of progress data, restricted to the admin user's scope. Entries and
amendments change through the services (pages and API), which keep the freeze and version rules."""

import datetime

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from projects.access import Action

from . import schedule
from .models import (
    EntryLimits,
    FundingSource,
    PeriodFreeze,
    Problem,
    ProcedureChange,
    ProcedureItem,
    ProcedurePlan,
    ProcedureSchedule,
    ProcedureTemplate,
    ProcedureTemplateItem,
    ProgressAmendment,
    ProgressEntry,
    SitePhoto,
    WeeklyPhotoRule,
)


class RestrictedAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user, Action.VIEW)


class ReadOnlyAdmin(RestrictedAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProgressEntry)
class ProgressEntryAdmin(ReadOnlyAdmin):
    list_display = ("project", "period", "amount_completed", "amended_amount", "status", "amount_flag", "version")
    list_filter = ("status", "period")
    search_fields = ("project__name", "project__code")
    list_select_related = ("project",)


@admin.register(EntryLimits)
class EntryLimitsAdmin(admin.ModelAdmin):
    """One row: the factor above which a month's amount must be confirmed."""

    list_display = ("__str__", "year_plan_factor", "updated_at")

    def has_add_permission(self, request):
        return not EntryLimits.objects.exists()


@admin.register(ProgressAmendment)
class ProgressAmendmentAdmin(ReadOnlyAdmin):
    list_display = ("entry", "old_amount", "new_amount", "reason", "status", "created_by", "created_at", "decided_by")
    list_filter = ("status",)
    list_select_related = ("entry__project", "created_by", "decided_by")


@admin.register(PeriodFreeze)
class PeriodFreezeAdmin(admin.ModelAdmin):
    list_display = ("period", "frozen_at", "frozen_by", "reason")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdmin):
    list_display = ("description", "project", "kind", "responsible_unit", "deadline", "status", "tier")
    list_filter = ("status", "kind", "tier")
    list_select_related = ("project",)


@admin.register(SitePhoto)
class SitePhotoAdmin(ReadOnlyAdmin):
    list_display = ("caption", "project", "kind", "taken_on", "uploaded_by", "week", "distance_m", "far_from_site")
    list_filter = ("week", "far_from_site")
    list_select_related = ("project", "uploaded_by")


@admin.register(ProcedureItem)
class ProcedureItemAdmin(ReadOnlyAdmin):
    list_display = ("name", "project", "parent", "status", "planned_date", "actual_date", "accepted_with_deficiency")
    list_select_related = ("project", "parent")


@admin.register(FundingSource)
class FundingSourceAdmin(ReadOnlyAdmin):
    list_display = ("project", "kind", "amount_applied", "amount_approved", "amount_in_place")
    list_filter = ("kind",)
    list_select_related = ("project",)


# --- procedure templates: data the administrator keeps ------------------------------------------


class ProcedureTemplateItemForm(forms.ModelForm):
    class Meta:
        model = ProcedureTemplateItem
        fields = (
            "template",
            "parent",
            "name",
            "department",
            "responsible_unit",
            "standard_days",
            "green_channel_days",
            "depends_on",
            "sort_order",
        )

    def clean(self):
        data = super().clean()
        template = data.get("template")
        parent = data.get("parent")
        if template and parent and parent.template_id != template.pk:
            self.add_error("parent", "所属大项必须是同一模板的手续。")
        if parent and parent.parent_id:
            self.add_error("parent", "子项下不能再设子项。")
        depends_on = list(data.get("depends_on") or [])
        if template and any(d.template_id != template.pk for d in depends_on):
            self.add_error("depends_on", "前置手续必须是同一模板的手续。")
        elif template:
            self._refuse_cycle(template, parent, depends_on, data)
        return data

    def _refuse_cycle(self, template, parent, depends_on, data):
        """The template's dependencies with this item's new ones must leave a schedule (no cycle)."""
        key = self.instance.pk or 0
        nodes = {
            t.pk: schedule.Node(
                key=t.pk,
                name=t.name,
                duration=t.standard_days,
                depends_on=tuple(d.pk for d in t.depends_on.all()),
                parent=t.parent_id,
            )
            for t in template.items.prefetch_related("depends_on")
        }
        nodes[key] = schedule.Node(
            key=key,
            name=data.get("name") or "?",
            duration=data.get("standard_days") or 0,
            depends_on=tuple(d.pk for d in depends_on),
            parent=parent.pk if parent else None,
        )
        try:
            schedule.compute(list(nodes.values()), schedule.Calendar(datetime.date(2000, 1, 3), lambda d: True))
        except ValidationError as error:
            self.add_error("depends_on", error.message_dict["depends_on"][0])


@admin.register(ProcedureTemplateItem)
class ProcedureTemplateItemAdmin(admin.ModelAdmin):
    form = ProcedureTemplateItemForm
    list_display = ("name", "template", "parent", "department", "standard_days", "green_channel_days", "sort_order")
    list_filter = ("template",)
    list_editable = ("standard_days", "green_channel_days")
    search_fields = ("name",)
    list_select_related = ("template", "parent", "department")
    filter_horizontal = ("depends_on",)


class ProcedureTemplateItemInline(admin.TabularInline):
    model = ProcedureTemplateItem
    fields = ("name", "parent", "department", "responsible_unit", "standard_days", "green_channel_days", "sort_order")
    extra = 0
    show_change_link = True  # dependencies are edited on the item's own page


@admin.register(ProcedureTemplate)
class ProcedureTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "project_type", "is_active")
    list_filter = ("project_type", "is_active")
    inlines = [ProcedureTemplateItemInline]


@admin.register(ProcedureSchedule)
class ProcedureScheduleAdmin(ReadOnlyAdmin):
    list_display = (
        "project",
        "template",
        "start_on",
        "planned_construction_start",
        "forecast_construction_start",
        "green_channel",
    )
    list_filter = ("green_channel",)
    list_select_related = ("project", "template")


@admin.register(ProcedurePlan)
class ProcedurePlanAdmin(ReadOnlyAdmin):
    list_display = ("project", "number", "is_baseline", "construction_start", "reason", "created_by", "created_at")
    list_select_related = ("project", "created_by")


@admin.register(ProcedureChange)
class ProcedureChangeAdmin(ReadOnlyAdmin):
    list_display = ("project", "kind", "item_name", "reason", "created_by", "created_at")
    list_filter = ("kind",)
    list_select_related = ("project", "created_by")


@admin.register(WeeklyPhotoRule)
class WeeklyPhotoRuleAdmin(admin.ModelAdmin):
    """One row: which projects post site photos each week, how many, and when a photo is flagged."""

    list_display = ("__str__", "active", "stages", "min_total_investment", "photos_per_week", "max_distance_km")

    def has_add_permission(self, request):
        return not WeeklyPhotoRule.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


# --- physical indicators (helper "chains") ------------------------------------------------------
from projects.access import project_q  # noqa: E402

from .models import IndicatorMonth, PhysicalIndicator  # noqa: E402


class IndicatorMonthInline(admin.TabularInline):
    model = IndicatorMonth
    extra = 1


@admin.register(PhysicalIndicator)
class PhysicalIndicatorAdmin(admin.ModelAdmin):
    list_display = ("project", "name", "unit", "planned_total")
    list_filter = ("unit",)
    search_fields = ("name", "project__name")
    raw_id_fields = ("project",)
    inlines = [IndicatorMonthInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(project_q(request.user, Action.VIEW, "project__"))

from django.contrib import admin

from . import schedules
from .models import DispatchGroup, DispatchRound, Evaluation, EvaluationEntry, ProblemEscalation, Report, WarningNotice


@admin.register(DispatchGroup)
class DispatchGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "tier", "cadence", "run_hour", "min_total_investment", "category", "department", "region",
                    "is_active")  # fmt: skip
    list_filter = ("tier", "cadence", "is_active")
    list_select_related = ("category", "department", "region")
    filter_horizontal = ("members", "report_managers")
    search_fields = ("name", "key")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The beat schedule follows the cadence an administrator just edited (no deploy).
        schedules.group_schedule_sync(form.instance)


@admin.register(DispatchRound)
class DispatchRoundAdmin(admin.ModelAdmin):
    list_display = ("group", "period_start", "period_end", "status", "project_count", "issued_at")
    list_filter = ("status", "group__tier")
    list_select_related = ("group",)
    readonly_fields = ("summary",)


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("__str__", "format", "status", "progress", "attempts", "created_at", "finished_at", "duration_ms")
    list_filter = ("status", "format", "kind")
    list_select_related = ("round__group", "evaluation")
    readonly_fields = [f.name for f in Report._meta.fields]

    def has_add_permission(self, request):
        return False


class EvaluationEntryInline(admin.TabularInline):
    model = EvaluationEntry
    extra = 0
    readonly_fields = [f.name for f in EvaluationEntry._meta.fields]


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ("__str__", "period_end", "created_at")
    inlines = [EvaluationEntryInline]


@admin.register(ProblemEscalation)
class ProblemEscalationAdmin(admin.ModelAdmin):
    list_display = ("problem", "from_tier", "to_tier", "escalated_on")
    list_select_related = ("problem",)


@admin.register(WarningNotice)
class WarningNoticeAdmin(admin.ModelAdmin):
    list_display = ("__str__", "region", "department", "issued_on", "acknowledged_at")
    list_select_related = ("region", "department")


# --- the quarterly evaluation's rules (三比三看) ---------------------------------------------------
from .models import EvaluationIndicator, EvaluationScore, HonourRule  # noqa: E402


@admin.register(EvaluationIndicator)
class EvaluationIndicatorAdmin(admin.ModelAdmin):
    list_display = ("name", "point", "measure", "direction", "normalisation", "target", "weight", "is_active",
                    "sort_order")  # fmt: skip
    list_editable = ("weight", "is_active", "sort_order")
    list_filter = ("point", "is_active")


@admin.register(HonourRule)
class HonourRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "unit_kind", "place_from", "place_to", "prize", "is_active", "sort_order")
    list_editable = ("prize", "is_active", "sort_order")


@admin.register(EvaluationScore)
class EvaluationScoreAdmin(admin.ModelAdmin):
    list_display = ("entry", "point", "name", "value", "normalised", "weight", "score")
    list_select_related = ("entry__evaluation", "entry__region", "entry__department")
    list_filter = ("point", "entry__evaluation")
    readonly_fields = [f.name for f in EvaluationScore._meta.fields]

    def has_add_permission(self, request):
        return False

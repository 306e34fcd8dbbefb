from django.contrib import admin

from projects.access import Action, project_q

from .models import (
    AnnualTarget,
    AttractionRecord,
    BulletinRun,
    CadenceRule,
    CapitalInPlace,
    FollowUp,
    SigningEvent,
    SigningEventProject,
    StartEvent,
    StartEventProject,
)


class ScopedAdmin(admin.ModelAdmin):
    """Rows hanging off a project: the admin shows only those in the user's scope."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(project_q(request.user, Action.VIEW, "project__"))


@admin.register(CadenceRule)
class CadenceRuleAdmin(admin.ModelAdmin):
    list_display = ("level", "interval_days")
    list_editable = ("interval_days",)


@admin.register(AttractionRecord)
class AttractionRecordAdmin(ScopedAdmin):
    list_display = ("project", "lead_source", "investor_region", "updated_at")
    list_filter = ("lead_source",)
    raw_id_fields = ("project",)
    list_select_related = ("project",)


@admin.register(FollowUp)
class FollowUpAdmin(ScopedAdmin):
    list_display = ("project", "level", "leader", "followed_on")
    list_filter = ("level",)
    raw_id_fields = ("project", "recorded_by")
    list_select_related = ("project",)


class SigningLineInline(admin.TabularInline):
    model = SigningEventProject
    raw_id_fields = ("project",)
    extra = 1


class StartLineInline(admin.TabularInline):
    model = StartEventProject
    raw_id_fields = ("project",)
    extra = 1


@admin.register(SigningEvent)
class SigningEventAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "held_on", "place", "organiser")
    list_filter = ("kind",)
    inlines = [SigningLineInline]


@admin.register(StartEvent)
class StartEventAdmin(admin.ModelAdmin):
    list_display = ("name", "held_on", "place", "organiser")
    inlines = [StartLineInline]


@admin.register(CapitalInPlace)
class CapitalInPlaceAdmin(ScopedAdmin):
    list_display = ("project", "month", "amount", "foreign_amount")
    date_hierarchy = "month"
    raw_id_fields = ("project", "recorded_by")
    list_select_related = ("project",)


@admin.register(AnnualTarget)
class AnnualTargetAdmin(admin.ModelAdmin):
    list_display = ("region", "year", "signed_amount", "landed_count", "capital_amount")
    list_filter = ("year",)
    list_select_related = ("region",)


@admin.register(BulletinRun)
class BulletinRunAdmin(admin.ModelAdmin):
    list_display = ("month", "status", "data_version", "build_seconds", "finished_at")
    list_filter = ("status",)
    readonly_fields = ("data_version", "status", "xlsx", "pdf", "error", "build_seconds", "started_at", "finished_at",
                       "progress", "claim_token", "heartbeat_at", "attempts")  # fmt: skip


# --- the organisation of attraction: task forces, zones, funds, investors, outreach ------------------
from .models import (  # noqa: E402  (one block appended for merges)
    DevelopmentZone,
    FundBudget,
    FundRule,
    FundSpending,
    Investor,
    InvestorVisit,
    OutreachEvent,
    OutreachParticipant,
    ProjectPhase,
    SpendingAttachment,
    TaskForce,
    TaskForceMeeting,
)


class RegionScopedAdmin(admin.ModelAdmin):
    """Rows owned by a county: the admin shows those in the user's scope (projects.access)."""

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user)


class TaskForceMeetingInline(admin.TabularInline):
    model = TaskForceMeeting
    extra = 0


@admin.register(TaskForce)
class TaskForceAdmin(RegionScopedAdmin):
    list_display = ("name", "level", "region", "leader", "coordinator")
    list_filter = ("level", "region")
    filter_horizontal = ("members", "sectors")
    raw_id_fields = ("projects",)
    inlines = [TaskForceMeetingInline]


@admin.register(DevelopmentZone)
class DevelopmentZoneAdmin(RegionScopedAdmin):
    list_display = ("name", "region", "is_region", "operator", "company_run", "leading_industries")
    list_filter = ("company_run", "is_region")
    filter_horizontal = ("sectors",)
    raw_id_fields = ("projects",)


@admin.register(FundRule)
class FundRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "min_total_budget", "basis")


@admin.register(FundBudget)
class FundBudgetAdmin(RegionScopedAdmin):
    list_display = ("year", "region", "amount")
    list_filter = ("year",)


class SpendingAttachmentInline(admin.TabularInline):
    model = SpendingAttachment
    extra = 0
    readonly_fields = ("file", "name", "uploaded_at")


@admin.register(FundSpending)
class FundSpendingAdmin(RegionScopedAdmin):
    list_display = ("spent_on", "budget", "purpose", "amount", "status", "approver")
    list_filter = ("status", "purpose")
    raw_id_fields = ("event", "submitted_by", "approver")
    list_select_related = ("budget", "budget__region", "approver")
    inlines = [SpendingAttachmentInline]


class OutreachParticipantInline(admin.TabularInline):
    model = OutreachParticipant
    extra = 1


@admin.register(OutreachEvent)
class OutreachEventAdmin(RegionScopedAdmin):
    list_display = ("held_on", "kind", "name", "region", "task_force")
    list_filter = ("kind", "region")
    date_hierarchy = "held_on"
    raw_id_fields = ("projects",)
    inlines = [OutreachParticipantInline]


class InvestorVisitInline(admin.TabularInline):
    model = InvestorVisit
    extra = 0
    raw_id_fields = ("recorded_by",)


@admin.register(Investor)
class InvestorAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "group", "home")
    list_filter = ("kind",)
    search_fields = ("name",)
    raw_id_fields = ("projects", "group")
    inlines = [InvestorVisitInline]


@admin.register(ProjectPhase)
class ProjectPhaseAdmin(ScopedAdmin):
    list_display = ("project", "phase_one", "investor", "created_at")
    raw_id_fields = ("project", "phase_one", "investor", "visit")


# --- chains, assessment, circulation (helper "chains") ----------------------------------------------
from .models import AssessmentGrade, AssessmentIndicator, ChainTarget, Circulation  # noqa: E402


@admin.register(ChainTarget)
class ChainTargetAdmin(admin.ModelAdmin):
    list_display = ("chain", "position", "enterprise", "product", "enterprise_region", "project")
    list_filter = ("position", "chain")
    search_fields = ("enterprise", "product")
    raw_id_fields = ("project",)


@admin.register(AssessmentIndicator)
class AssessmentIndicatorAdmin(admin.ModelAdmin):
    list_display = ("year", "measure", "weight", "cap")
    list_editable = ("weight", "cap")
    list_filter = ("year",)


@admin.register(AssessmentGrade)
class AssessmentGradeAdmin(admin.ModelAdmin):
    list_display = ("name", "min_score")
    list_editable = ("min_score",)


@admin.register(Circulation)
class CirculationAdmin(admin.ModelAdmin):
    list_display = ("month", "title", "recipient_count", "delivered_at")
    readonly_fields = ("month", "title", "body", "recipient_count", "delivered_at", "created_at")

    def has_add_permission(self, request):
        return False

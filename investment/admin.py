"""Admin: read-mostly views of progress data, restricted to the admin user's scope. Entries and
amendments change through the services (pages and API), which keep the freeze and version rules."""

from django.contrib import admin

from projects.access import Action

from .models import FundingSource, PeriodFreeze, Problem, ProcedureItem, ProgressAmendment, ProgressEntry, SitePhoto


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
    list_display = ("project", "period", "amount_completed", "amended_amount", "status", "version")
    list_filter = ("status", "period")
    search_fields = ("project__name", "project__code")
    list_select_related = ("project",)


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
    list_display = ("caption", "project", "kind", "taken_on", "uploaded_by")
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

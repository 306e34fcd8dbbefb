from django.contrib import admin

from supervision.admin import SingletonAdmin

from .models import AssistanceSettings, ServiceContact, ServiceKind, ServiceTask, ServiceTaskEvent


@admin.register(ServiceKind)
class ServiceKindAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "needs_text", "sort_order", "active")
    list_editable = ("sort_order", "active")


@admin.register(AssistanceSettings)
class AssistanceSettingsAdmin(SingletonAdmin):
    list_display = ("__str__", "default_deadline_days", "escalation_interval_days")


class ContactInline(admin.TabularInline):
    model = ServiceContact
    extra = 0
    fields = ("kind", "contacted_on", "participants", "settled", "recorded_by")
    readonly_fields = fields
    can_delete = False


class EventInline(admin.TabularInline):
    model = ServiceTaskEvent
    extra = 0
    fields = ("on", "action", "actor", "to_status", "tier", "note")
    readonly_fields = fields
    can_delete = False


@admin.register(ServiceTask)
class ServiceTaskAdmin(admin.ModelAdmin):
    list_display = ("__str__", "owner_unit", "requested_on", "deadline", "status", "tier")
    list_filter = ("status", "kind", "tier")
    search_fields = ("project__name", "request_text")
    raw_id_fields = ("project", "owner_person", "problem", "order", "created_by")
    inlines = [ContactInline, EventInline]

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user).select_related("project", "kind", "owner_unit")

from django.contrib import admin

from .models import (
    CalendarDay,
    LightRule,
    LightSnapshot,
    MonthlyPlan,
    OrderEvent,
    OrderReply,
    SupervisionOrder,
    SupervisionSettings,
)


class SingletonAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return not self.model.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LightRule)
class LightRuleAdmin(SingletonAdmin):
    list_display = ("__str__", "yellow_behind", "red_behind", "stale_periods")


@admin.register(SupervisionSettings)
class SupervisionSettingsAdmin(SingletonAdmin):
    list_display = ("__str__", "order_reply_days", "entry_due_day", "reminder_days_before")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "note")
    list_filter = ("is_workday",)
    date_hierarchy = "date"


@admin.register(MonthlyPlan)
class MonthlyPlanAdmin(admin.ModelAdmin):
    list_display = ("project", "year", "month", "cumulative_percent")
    list_select_related = ("project",)
    raw_id_fields = ("project",)
    list_filter = ("year",)


@admin.register(LightSnapshot)
class LightSnapshotAdmin(admin.ModelAdmin):
    list_display = ("project", "period", "light", "overall", "expected_percent", "completion_percent")
    list_filter = ("period", "overall", "light")
    list_select_related = ("project",)
    raw_id_fields = ("project",)


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ("action", "actor", "at", "note", "from_status", "to_status", "tier", "deadline")


class OrderReplyInline(admin.TabularInline):
    model = OrderReply
    extra = 0
    can_delete = False
    readonly_fields = ("text", "author", "replied_on", "on_time")


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(admin.ModelAdmin):
    list_display = ("number", "project", "unit_name", "issued_on", "deadline", "tier", "status", "was_overdue")
    list_filter = ("status", "tier", "was_overdue", "unit_kind")
    list_select_related = ("project",)
    search_fields = ("number", "project__name", "unit_name")
    raw_id_fields = ("project", "problem", "unit_contact", "issued_by")
    inlines = [OrderReplyInline, OrderEventInline]

from django import forms
from django.contrib import admin

from .models import ChannelPreference, Delivery, Notification, WebhookEndpoint


class WebhookEndpointForm(forms.ModelForm):
    """The robot URL holds a secret key: never rendered back; leave blank to keep the stored one."""

    url = forms.CharField(
        label="机器人地址(保密)",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="出于保密不回显;留空则保留原地址。",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "kind", "url", "members", "is_active"]

    def clean_url(self):
        value = self.cleaned_data.get("url", "").strip()
        if not value:
            if self.instance.pk and self.instance.url:
                return self.instance.url
            raise forms.ValidationError("请填写机器人地址。")
        return value


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("name", "kind", "is_active")
    filter_horizontal = ("members",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    list_select_related = ("recipient",)
    search_fields = ("title", "event_key")
    raw_id_fields = ("recipient",)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("title", "channel", "status", "attempts", "created_at", "sent_at")
    list_filter = ("channel", "status")
    readonly_fields = ("last_error",)
    raw_id_fields = ("notification", "endpoint")
    exclude = ()


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email", "webhook")
    list_select_related = ("user",)
    raw_id_fields = ("user",)

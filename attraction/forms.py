from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.choices import StartType
from projects.models import Region

from .choices import CadenceLevel, LeadSource

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0}


class MonthField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "month"}))
        super().__init__(**kwargs)

    def clean(self, value):
        from django.core.exceptions import ValidationError

        from common.periods import parse_month

        value = super().clean(value)
        try:
            return parse_month(value)
        except ValidationError:
            raise forms.ValidationError("月份格式应为 YYYY-MM。") from None


class RecordForm(forms.Form):
    lead_source = forms.ChoiceField(label="线索来源", choices=LeadSource.choices)
    investor_region = forms.CharField(label="投资方所在地", max_length=100, required=False)
    contacts_visited = forms.CharField(label="走访对接人", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    notes = forms.CharField(label="备注", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class FollowUpForm(forms.Form):
    level = forms.ChoiceField(label="调度层级", choices=CadenceLevel.choices)
    leader = forms.CharField(label="调度人", max_length=50)
    followed_on = forms.DateField(label="调度日期", widget=forms.DateInput(attrs={"type": "date"}))
    summary = forms.CharField(label="调度内容", widget=forms.Textarea(attrs={"rows": 2}))


class CapitalForm(forms.Form):
    project = forms.TypedChoiceField(label="项目", coerce=int)
    month = MonthField(label="月份")
    amount = forms.DecimalField(label="实际到位资金(万元)", **MONEY)
    foreign_amount = forms.DecimalField(label="其中外资(万元)", required=False, **MONEY)

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.pk, f"{p.name}({p.region.name})") for p in projects]


class LineForm(forms.Form):
    project = forms.TypedChoiceField(label=_("项目"), coerce=int)
    amount = forms.DecimalField(label=_("金额(万元)"), **MONEY)
    start_type = forms.ChoiceField(
        label=_("开工类型"), required=False, choices=[("", "—"), *StartType.choices],
        help_text=_("项目随集中开工转为“在建”时必填。"),
    )  # fmt: skip
    # The confirmation step: "move" records the stage change, "keep" only lists the project.
    decision = forms.ChoiceField(
        required=False, choices=[("", ""), ("move", "move"), ("keep", "keep")], widget=forms.HiddenInput
    )

    def __init__(self, *args, projects=(), kind="signing", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.pk, f"{p.name}({p.region.name})") for p in projects]
        if kind == "signing":
            del self.fields["start_type"]
            self.fields["amount"].label = _("签约金额(万元)")
        else:
            self.fields["amount"].label = _("总投资(万元)")


class LineRemoveForm(forms.Form):
    undo_stage = forms.BooleanField(label=_("同时撤销加入活动时记录的阶段变更"), required=False)
    reason = forms.CharField(
        label=_("原因"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("撤销阶段变更时必填。")
    )


class TargetForm(forms.Form):
    region = forms.ModelChoiceField(label="县区", queryset=Region.objects.all())
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    signed_amount = forms.DecimalField(label="签约额目标(万元)", **MONEY)
    landed_count = forms.IntegerField(label="落地项目数目标", min_value=0)
    capital_amount = forms.DecimalField(label="实际到位资金目标(万元)", **MONEY)


class BulletinForm(forms.Form):
    month = MonthField(label="月份")


# --- the organisation of attraction -------------------------------------------------------------------
from django.utils.translation import gettext_lazy as _  # noqa: E402


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=_("会议"), max_length=200)
    minutes = forms.CharField(label=_("纪要"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(label=_("审批"), choices=[("1", _("批准")), ("0", _("退回"))],
                                     coerce=lambda v: v == "1")  # fmt: skip
    note = forms.CharField(label=_("审批意见"), max_length=300, required=False)


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("回访日期"), widget=forms.DateInput(attrs={"type": "date"}))
    region = forms.ModelChoiceField(label=_("回访县区"), queryset=None, required=False, empty_label=_("市级"))
    visitors = forms.CharField(label=_("回访人"), max_length=200)
    outcome = forms.ChoiceField(label=_("结果"))
    summary = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, regions=(), **kwargs):
        from .choices import VisitOutcome

        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(pk__in=[r.pk for r in regions])
        self.fields["outcome"].choices = VisitOutcome.choices


class SpendingForm(forms.Form):
    budget = forms.ChoiceField(label=_("预算"))
    spent_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("金额(万元)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    purpose = forms.ChoiceField(label=_("用途"))
    description = forms.CharField(label=_("说明"), max_length=300)
    file = forms.FileField(label=_("附件"), required=False, help_text=_("PDF、JPEG 或 PNG"))

    def __init__(self, *args, budgets=(), **kwargs):
        from .choices import SpendingPurpose

        super().__init__(*args, **kwargs)
        self.budgets = {str(b.pk): b for b in budgets}
        self.fields["budget"].choices = [(str(b.pk), f"{b.year} {b.region.name if b.region else _('市本级')}")
                                         for b in budgets]  # fmt: skip
        self.fields["purpose"].choices = SpendingPurpose.choices

    def clean_budget(self):
        return self.budgets[self.cleaned_data["budget"]]

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.models import Department, Region

from .models import WarningNotice


class WarningNoticeForm(forms.ModelForm):
    region = forms.ModelChoiceField(Region.objects.all(), required=False, label="县区")
    department = forms.ModelChoiceField(Department.objects.all(), required=False, label="市直部门")

    class Meta:
        model = WarningNotice
        fields = ["region", "department", "reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}


class EvaluationForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(label="季度", choices=[(q, f"第{q}季度") for q in (1, 2, 3, 4)], coerce=int)


class NoticeFollowUpForm(forms.Form):
    """A notice's follow-up: the rectification (what, by when, done) and the statement at the meeting."""

    rectification = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    rectification_due = forms.DateField(
        label=_("整改时限"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    rectified_on = forms.DateField(
        label=_("整改完成日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
        help_text=_("整改完成后填写。"),
    )
    statement = forms.CharField(label=_("表态发言"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

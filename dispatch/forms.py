from django import forms

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

from django import forms

from projects.models import Department, Region

from .choices import FLAGS, Light, UnitKind
from .selectors import CONTACT_REFUSED, contact_by_username


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class LightFilterForm(forms.Form):
    period = forms.CharField(label="月份", required=False, widget=forms.TextInput(attrs={"type": "month"}))
    light = forms.ChoiceField(label="序时进度灯", required=False, choices=[("", "全部"), *Light.choices])
    overall = forms.ChoiceField(label="综合灯", required=False, choices=[("", "全部"), *Light.choices])
    flag = forms.ChoiceField(label="预警", required=False, choices=[("", "全部"), *FLAGS.items()])


class OrderIssueForm(forms.Form):
    requirement = forms.CharField(label="督办事项与要求", widget=forms.Textarea(attrs={"rows": 4}))
    unit_kind = forms.ChoiceField(label="责任单位类型", choices=UnitKind.choices)
    unit_region = forms.ModelChoiceField(label="责任县区", queryset=Region.objects.all(), required=False)
    unit_department = forms.ModelChoiceField(label="责任部门", queryset=Department.objects.all(), required=False)
    unit_contact = forms.CharField(label="企业联系人(用户名)", required=False, max_length=150)
    problem = forms.TypedChoiceField(label="协调问题", required=False, coerce=int, empty_value=None)
    deadline = forms.DateField(
        label="回复时限",
        required=False,
        help_text="不填则按默认工作日数计算。",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, problems=(), project=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["problem"].choices = [("", "—"), *[(p.pk, str(p)) for p in problems]]
        self.problems = {p.pk: p for p in problems}

    def clean_unit_contact(self):
        username = self.cleaned_data.get("unit_contact", "").strip()
        if not username:
            return None
        user = contact_by_username(username, project=self.project)
        if user is None:
            raise forms.ValidationError(CONTACT_REFUSED)
        return user

    def clean_problem(self):
        value = self.cleaned_data.get("problem")
        return self.problems.get(value) if value else None


class OrderReplyForm(forms.Form):
    text = forms.CharField(label="回复内容", widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(label="附件(PDF、图片、docx、xlsx)", required=False)


class OrderReviewForm(forms.Form):
    decision = forms.ChoiceField(label="审核", choices=[("accept", "通过并销号"), ("send_back", "退回重办")])
    note = forms.CharField(label="意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label="新的回复时限", required=False, widget=forms.DateInput(attrs={"type": "date"}))

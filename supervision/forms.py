from django import forms
from django.utils.translation import gettext_lazy as _

from projects import selectors as project_selectors
from projects.choices import KeyLevel, Stage
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


class ProjectPageFilterForm(forms.Form):
    """The project filters of the lights and map pages in users' words. The parameters are the API
    filterset's (projects.filters.ProjectFilterSet), so the page and its data calls agree; the
    filterset's own form (区划代码, ISO 8601, ordering) is for API clients, not for pages."""

    search = forms.CharField(
        label=_("搜索"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("名称、项目代码、投资主体")}),
    )
    region = forms.ModelChoiceField(
        label=_("县区"), required=False, queryset=project_selectors.regions_visible(user=None), to_field_name="key"
    )
    sector = forms.ModelChoiceField(label=_("产业"), required=False, queryset=project_selectors.sectors_all())
    category = forms.ModelChoiceField(label=_("项目类别"), required=False, queryset=project_selectors.categories_all())
    stage = forms.ChoiceField(label=_("阶段"), required=False)
    key_level = forms.ChoiceField(label=_("重点项目级别"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = project_selectors.regions_visible(user=user)
        for name in ("region", "sector", "category"):
            self.fields[name].empty_label = _("全部")
        self.fields["stage"].choices = [("", _("全部")), *Stage.choices]
        self.fields["key_level"].choices = [("", _("全部")), *KeyLevel.choices]


class LightFilterForm(ProjectPageFilterForm):
    period = forms.CharField(label=_("月份"), required=False, widget=forms.TextInput(attrs={"type": "month"}))
    light = forms.ChoiceField(label=_("序时进度灯"), required=False)
    overall = forms.ChoiceField(label=_("综合灯"), required=False)
    flag = forms.ChoiceField(label=_("预警"), required=False)
    field_order = ["period", "light", "overall", "flag", "search", "region", "sector", "category", "stage"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["light"].choices = [("", _("全部")), *Light.choices]
        self.fields["overall"].choices = [("", _("全部")), *Light.choices]
        self.fields["flag"].choices = [("", _("全部")), *FLAGS.items()]


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

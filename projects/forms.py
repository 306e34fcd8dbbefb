"""Page forms for the project registry. They validate input; the writes happen in services."""

import django_filters
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import selectors
from .choices import Stage, StartType
from .filters import ProjectFilterSet
from .models import Project
from .services import PROJECT_EDITABLE_FIELDS


class AccessibleFormMixin:
    """Fields with errors are marked aria-invalid and point at their message (see templates/_field.html)."""

    def full_clean(self):
        super().full_clean()
        self._mark_errors()

    def _mark_errors(self):
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"{self[name].auto_id}_error"}
                )

    def add_service_errors(self, error: ValidationError):
        """Put a service's ValidationError next to the fields it names (unknown fields: top of form)."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                target = field if field in self.fields else None
                if field == NON_FIELD_ERRORS:
                    target = None
                for message in messages:
                    self.add_error(target, message if target or field == NON_FIELD_ERRORS else f"{field}: {message}")
        else:
            for message in error.messages:
                self.add_error(None, message)
        self._mark_errors()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class StageChangeForm(AccessibleFormMixin, forms.Form):
    to_stage = forms.ChoiceField(label=_("新阶段"), choices=Stage.choices)
    start_type = forms.ChoiceField(
        label=_("开工类型"),
        choices=[("", "—"), *StartType.choices],
        required=False,
        help_text=_("进入“在建”时必填。"),
    )
    changed_on = forms.DateField(label=_("变更日期"), widget=DateInput())
    reason = forms.CharField(
        label=_("原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("退回到之前的阶段时必填。"),
    )

    def __init__(self, *args, project=None, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("changed_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        if project is not None:
            following = [s for s in Stage.values if Stage.rank(s) == Stage.rank(project.stage) + 1]
            if following:
                self.fields["to_stage"].initial = following[0]


# The people fields are set by administrators (admin site); the page edits the facts.
PAGE_EDITABLE_FIELDS = [f for f in PROJECT_EDITABLE_FIELDS if f not in ("city_leader", "county_leader", "steward")]


class ProjectForm(AccessibleFormMixin, forms.ModelForm):
    class Meta:
        model = Project
        fields = PAGE_EDITABLE_FIELDS
        widgets = {
            "planned_start": DateInput(),
            "planned_completion": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def _post_clean(self):
        # Model validation runs in the service (project_update), on the saved values only.
        pass

    def changed_values(self):
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data}


class ProjectPageFilterSet(ProjectFilterSet):
    """The list page's filters: the shared filterset plus the start type the dashboard links use."""

    start_type = django_filters.MultipleChoiceFilter(choices=StartType.choices, label=_("开工类型"))
    lagging = django_filters.BooleanFilter(method="filter_lagging", label=_("只看滞后项目"))

    def filter_lagging(self, queryset, name, value):
        return selectors.lagging_only(queryset) if value else queryset


class ProjectIntakeForm(AccessibleFormMixin, forms.ModelForm):
    """谋划入库: a new project on the web. The first stage, the code's region part and the duplicate
    check are the service's (project_create), for the page and the API alike."""

    stage = forms.ChoiceField(
        label=_("登记阶段"),
        choices=[(Stage.PLANNING.value, Stage.PLANNING.label), (Stage.NEGOTIATING.value, Stage.NEGOTIATING.label)],
        initial=Stage.PLANNING.value,
        help_text=_("新项目只能登记为谋划或洽谈阶段,此后通过阶段变更推进。"),
    )
    confirm_duplicates = forms.BooleanField(
        label=_("确认不重复:我已核对上列项目,这是一个新项目"), required=False, widget=forms.HiddenInput
    )

    class Meta:
        model = Project
        fields = ["name", "code", "investor", "region", "category", "sector", "department", "total_investment",
                  "annual_plan", "planned_start", "planned_completion", "address", "description"]  # fmt: skip
        widgets = {
            "planned_start": DateInput(),
            "planned_completion": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .access import Action, department_ids

        regions = selectors.regions_for(user=user, action=Action.CHANGE)
        owned = department_ids(user)
        if owned:  # a department registers its projects in any county
            regions = selectors.regions_visible(user=user)
            self.fields["department"].queryset = selectors.departments_all().filter(pk__in=owned)
            self.fields["department"].required = True
            self.fields["department"].empty_label = None
        self.fields["region"].queryset = regions
        self.fields["investor"].required = True
        self.fields["total_investment"].help_text = _("单位:万元(1 亿元 = 10000 万元),最多两位小数。")
        self.fields["annual_plan"].required = False
        from .models import project_code_validator

        self.fields["code"].validators.append(project_code_validator)
        self.fields["code"].help_text = _(
            "如有:全国投资项目在线审批监管平台赋码,24位,如 2025-210302-04-01-A1B2C3,行政区划部分须与县区一致。"
        )

    def show_confirmation(self):
        self.fields["confirm_duplicates"].widget = forms.CheckboxInput()

    def _post_clean(self):
        # Model validation runs in the service (project_create), which names every field it refuses.
        pass

    def service_data(self):
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("stage", "confirm_duplicates")}
        if data.get("annual_plan") is None:
            data.pop("annual_plan", None)
        return data


class PeopleForm(AccessibleFormMixin, forms.Form):
    """A project's people in charge and its steward: each field only for those who may set it
    (access.may_assign), offered among the holders of its role (and whoever it names today)."""

    def __init__(self, *args, project, user, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .access import PEOPLE_FIELDS, may_assign
        from .choices import PeopleField

        allowed = [field for field in PEOPLE_FIELDS if may_assign(user, field, project)]
        if allowed and candidates is None:  # not read with the page (selectors.project_page)
            candidates = selectors.people_candidates()
        labels = dict(PeopleField.choices)
        for field in allowed:
            choices = list(candidates[field])
            current = getattr(project, field)
            if current is not None and current.pk not in {pk for pk, _label in choices}:
                choices.insert(0, (current.pk, str(current)))
            self.fields[field] = forms.TypedChoiceField(
                label=labels[field], choices=[("", "—"), *choices], coerce=int, empty_value=None, required=False,
                initial=getattr(project, f"{field}_id"),
            )  # fmt: skip

    def people(self):
        from django.contrib.auth import get_user_model

        chosen = dict(self.cleaned_data)
        users = get_user_model().objects.in_bulk([pk for pk in chosen.values() if pk])
        return {name: users.get(pk) if pk else None for name, pk in chosen.items()}


class BulkAssignForm(AccessibleFormMixin, forms.Form):
    field = forms.ChoiceField(label=_("包保角色"))
    person = forms.TypedChoiceField(label=_("人员"), coerce=int, empty_value=None, required=False,
                                    help_text=_("留空即取消所选项目的该角色。"))  # fmt: skip
    # Posted by the list's checkboxes (the template draws them), so no widget of its own.
    projects = forms.TypedMultipleChoiceField(label=_("项目"), coerce=int, choices=[],
                                              widget=forms.MultipleHiddenInput,
                                              error_messages={"required": _("请至少选择一个项目。")})  # fmt: skip

    def __init__(self, *args, user, project_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        from .access import PEOPLE_FIELDS, may_assign
        from .choices import PeopleField

        labels = dict(PeopleField.choices)
        candidates = selectors.people_candidates()
        fields = [f for f in PEOPLE_FIELDS if may_assign(user, f)]
        self.fields["field"].choices = [(f, labels[f]) for f in fields]
        self.fields["person"].choices = [("", "—")] + [(str(labels[f]), candidates[f]) for f in fields if candidates[f]]
        self.fields["projects"].choices = list(project_choices)
        self._candidates = candidates

    def clean(self):
        data = super().clean()
        field, person = data.get("field"), data.get("person")
        if field and person and person not in {pk for pk, _label in self._candidates[field]}:
            self.add_error("person", _("该人员不是所选角色的人员。"))
        return data

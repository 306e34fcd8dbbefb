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

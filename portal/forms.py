"""The dashboard lists' filter forms, in the words users know (the API's filtersets are for machines)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from projects import selectors as project_selectors
from supervision.choices import Light


class LaggingFilterForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("县区"), required=False, queryset=project_selectors.regions_visible(user=None), to_field_name="key"
    )
    sector = forms.ModelChoiceField(label=_("产业"), required=False, queryset=project_selectors.sectors_all())
    category = forms.ModelChoiceField(
        label=_("专班(项目类别)"), required=False, queryset=project_selectors.categories_all()
    )
    light = forms.ChoiceField(
        label=_("序时进度灯"),
        required=False,
        choices=[("", _("全部")), *[(v, label) for v, label in Light.choices if v != Light.NONE]],
    )
    ordering = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=[("-gap", _("差额从大到小")), ("gap", _("差额从小到大"))],
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = project_selectors.regions_visible(user=user)
        for name in ("region", "sector", "category"):
            self.fields[name].empty_label = _("全部")

    def filters(self):
        """The selector's keyword arguments; an invalid value is dropped (the form shows the error)."""
        if not self.is_bound:
            return {}
        self.is_valid()  # the valid fields still filter
        data = self.cleaned_data
        return {
            "region": data.get("region"),
            "sector": data.get("sector"),
            "category": data.get("category"),
            "light": data.get("light") or None,
            "ordering": data.get("ordering") or "-gap",
        }


class ProblemFilterForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("县区"), required=False, queryset=project_selectors.regions_visible(user=None), to_field_name="key"
    )
    unit = forms.ChoiceField(label=_("责任单位"), required=False)
    overdue = forms.BooleanField(label=_("只看超过完成时限的"), required=False)
    group = forms.ChoiceField(
        label=_("分组"), required=False, choices=[("unit", _("按责任单位")), ("region", _("按县区"))]
    )

    def __init__(self, *args, user=None, **kwargs):
        from . import selectors

        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = project_selectors.regions_visible(user=user)
        self.fields["region"].empty_label = _("全部")
        self.fields["unit"].choices = [("", _("全部")), *[(u, u) for u in selectors.problem_units(user=user)]]

    def filters(self):
        if not self.is_bound:
            return {"region": None, "unit": None, "overdue": False}
        self.is_valid()  # the valid fields still filter
        data = self.cleaned_data
        return {"region": data.get("region"), "unit": data.get("unit") or None, "overdue": bool(data.get("overdue"))}

    def group_by(self):
        value = self.cleaned_data.get("group") if self.is_bound and hasattr(self, "cleaned_data") else None
        return value or "unit"


class PhotoGalleryForm(forms.Form):
    """The weekly gallery's filters: week, county, dispatch group, light and sector."""

    week = forms.ChoiceField(label=_("调度周"), required=False)
    region = forms.ModelChoiceField(
        label=_("县区"), required=False, queryset=project_selectors.regions_visible(user=None), to_field_name="key"
    )
    group = forms.ModelChoiceField(
        label=_("调度组"), required=False, queryset=project_selectors.regions_visible(user=None)
    )
    light = forms.ChoiceField(
        label=_("序时进度灯"),
        required=False,
        choices=[("", _("全部")), *[(v, label) for v, label in Light.choices if v != Light.NONE]],
    )
    sector = forms.ModelChoiceField(label=_("产业"), required=False, queryset=project_selectors.sectors_all())

    def __init__(self, *args, user=None, weeks=(), groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["week"].choices = [("", _("全部")), *[(f"{w:%Y-%m-%d}", f"{w:%Y-%m-%d}") for w in weeks]]
        self.fields["region"].queryset = project_selectors.regions_visible(user=user)
        self.fields["group"].queryset = groups
        for name in ("region", "group", "sector"):
            self.fields[name].empty_label = _("全部")

    def filters(self):
        if not self.is_bound:
            return {}
        self.is_valid()  # the valid fields still filter
        data = self.cleaned_data
        return {k: data.get(k) or None for k in ("week", "region", "group", "light", "sector")}

"""Page forms: they parse and check input; the services do the writing."""

from django import forms
from django.utils.translation import gettext_lazy

from common.batch import ReadChoiceIterator

from .choices import FundingKind, ProblemKind, ProblemStatus, ProcedureStatus

DATE = forms.DateInput(attrs={"type": "date"})
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0}


class EntryForm(forms.Form):
    amount_completed = forms.DecimalField(
        label="本月完成投资(万元)", widget=forms.TextInput(attrs={"inputmode": "decimal"}), **MONEY
    )
    image_progress = forms.CharField(label="形象进度", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_steps = forms.CharField(label="下步计划", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    overrun_reason = forms.CharField(label="超概算说明", required=False)
    confirm_amount = forms.BooleanField(
        label="确认金额无误", required=False, help_text="金额异常时须确认;确认后将提示审核人核实。"
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    CHANGE_FIELDS = ("amount_completed", "image_progress", "next_steps", "overrun_reason")

    @classmethod
    def for_entry(cls, entry, **kwargs):
        """The form showing a stored entry (or an empty one for a month not yet entered)."""
        initial = {f: getattr(entry, f) for f in cls.CHANGE_FIELDS} if entry else {}
        initial["version"] = entry.version if entry else 0
        initial["confirm_amount"] = bool(entry and entry.amount_flag)
        return cls(initial=initial, **kwargs)

    def changes_since(self, current):
        """(label, stored now, typed here) for each field where someone else's save differs from this form."""
        rows = []
        for name in self.CHANGE_FIELDS:
            stored = getattr(current, name)
            typed = self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else self.data.get(name)
            if (stored or "") != (typed or ""):
                rows.append((self.fields[name].label, stored, typed))
        return rows

    def carry_version(self, version):
        """After a conflict: keep what was typed, take the stored version, so a second save is deliberate."""
        self.data = self.data.copy()
        self.data[self.add_prefix("version")] = str(version)


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=500)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AmendForm(forms.Form):
    amount_completed = forms.DecimalField(label="修正后本月完成投资(万元)", **MONEY)
    reason = forms.CharField(label="修正原因", widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class PhotoForm(forms.Form):
    file = forms.FileField(label="照片或视频")
    caption = forms.CharField(label="说明", max_length=200)
    taken_on = forms.DateField(label="拍摄日期(照片含EXIF时自动读取)", required=False, widget=DATE)


class CommentForm(forms.Form):
    text = forms.CharField(label="批示", max_length=2000)


class ProblemForm(forms.Form):
    description = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label="问题类型", choices=ProblemKind.choices)
    responsible_unit = forms.CharField(label="责任单位", max_length=100)
    leader = forms.CharField(label="责任领导", max_length=50, required=False)
    deadline = forms.DateField(label="完成时限", widget=DATE)
    status = forms.ChoiceField(label="状态", choices=ProblemStatus.choices, initial=ProblemStatus.OPEN)
    resolution = forms.CharField(label="解决情况", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ProcedureForm(forms.Form):
    parent = forms.TypedChoiceField(label="所属大项", required=False, coerce=int, empty_value=None)
    name = forms.CharField(label="手续名称", max_length=200)
    responsible_unit = forms.CharField(label="责任单位", max_length=100, required=False)
    planned_date = forms.DateField(label="计划办结日期", required=False, widget=DATE)
    actual_date = forms.DateField(label="实际办结日期", required=False, widget=DATE)
    status = forms.ChoiceField(label="状态", choices=ProcedureStatus.choices)
    accepted_with_deficiency = forms.BooleanField(label="容缺受理", required=False)
    deficiency_note = forms.CharField(label="待补正材料", required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, parents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", "(无,作为大项)")] + [(p.pk, p.name) for p in parents]


class FundingForm(forms.Form):
    kind = forms.ChoiceField(label="资金类型", choices=FundingKind.choices)
    amount_applied = forms.DecimalField(label="申请金额(万元)", initial=0, **MONEY)
    amount_approved = forms.DecimalField(label="批复金额(万元)", initial=0, **MONEY)
    amount_in_place = forms.DecimalField(label="到位金额(万元)", initial=0, **MONEY)
    note = forms.CharField(label="备注", max_length=200, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ImportForm(forms.Form):
    file = forms.FileField(label="进度表(xlsx)")


def apply_errors(form, exc):
    """Put a service's ValidationError on the form, by field where the form has it."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


# --- the procedure engine ------------------------------------------------------------------------


class ProcedureTemplateApplyForm(forms.Form):
    template = forms.ModelChoiceField(label="手续模板", queryset=None)
    start_on = forms.DateField(label="手续启动日期", widget=DATE)
    original_construction_start = forms.DateField(label="原计划开工日期", required=False, widget=DATE)

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["template"]
        field.iterator = ReadChoiceIterator
        field.queryset = templates
        if getattr(templates, "_result_cache", None) is not None:
            # Already read with the rest of the project page (common.batch): the choices ask nothing more.
            field.read_rows = templates._result_cache


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=500, required=False)


class GreenChannelForm(forms.Form):
    on = forms.BooleanField(label="纳入绿色通道", required=False)
    reason = forms.CharField(label="依据", max_length=200)


class ProcedureProgressForm(forms.Form):
    status = forms.ChoiceField(
        label="状态", choices=[(ProcedureStatus.IN_PROGRESS, "办理中"), (ProcedureStatus.DONE, "已办结")]
    )
    on = forms.DateField(label="日期", widget=DATE)


class DeficiencyForm(forms.Form):
    missing = forms.CharField(label="待补正材料", widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label="补正期限", widget=DATE)


class MadeGoodForm(forms.Form):
    on = forms.DateField(label="补正完成日期", widget=DATE)


class PhotosForm(forms.Form):
    """Several site photos at once (the files come from request.FILES.getlist("files"))."""

    caption = forms.CharField(label=gettext_lazy("说明"), max_length=200)
    taken_on = forms.DateField(label=gettext_lazy("拍摄日期(照片含EXIF时自动读取)"), required=False, widget=DATE)


class CommentProblemForm(forms.Form):
    """A comment (批示) turned into a coordination problem."""

    kind = forms.ChoiceField(label="问题类型", choices=ProblemKind.choices)
    responsible_unit = forms.CharField(label="责任单位", max_length=100)
    deadline = forms.DateField(label="完成时限", widget=DATE)

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from investment.choices import ProblemKind
from projects.forms import AccessibleFormMixin, DateInput
from projects.models import Department
from supervision.forms import MultipleFileField

from . import selectors
from .choices import ContactKind
from .services import owner_candidates_q


class TaskRequestForm(AccessibleFormMixin, forms.Form):
    kind = forms.ModelChoiceField(label=_("服务事项类型"), queryset=selectors.kinds())
    kind_text = forms.CharField(label=_("具体事项"), required=False, max_length=100,
                                help_text=_("选择“其他”时必填。"))  # fmt: skip
    request_text = forms.CharField(label=_("企业诉求"), widget=forms.Textarea(attrs={"rows": 4}))
    enterprise_contact = forms.CharField(label=_("企业联系人"), required=False, max_length=100)
    owner_unit = forms.ModelChoiceField(label=_("责任单位"), queryset=Department.objects.order_by("name"))
    owner_person = forms.ModelChoiceField(label=_("责任人"), required=False, queryset=get_user_model().objects.none())
    deadline_days = forms.IntegerField(label=_("办理时限(工作日)"), min_value=1, max_value=120)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_person"].queryset = (
            get_user_model().objects.filter(owner_candidates_q(project), is_active=True).distinct().order_by("username")
        )


class StepForm(AccessibleFormMixin, forms.Form):
    STEPS = [("accept", _("受理")), ("start", _("开始办理")), ("refuse", _("不予受理"))]
    step = forms.ChoiceField(label=_("操作"), choices=STEPS)
    note = forms.CharField(label=_("说明(不予受理时必填)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FinishForm(AccessibleFormMixin, forms.Form):
    result = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 3}))
    done_on = forms.DateField(label=_("办结日期"), required=False, widget=DateInput)


class ContactForm(AccessibleFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("方式"), choices=ContactKind.choices)
    contacted_on = forms.DateField(label=_("日期"), widget=DateInput)
    participants = forms.CharField(label=_("参加人员"), max_length=200)
    settled = forms.CharField(label=_("商定事项"), widget=forms.Textarea(attrs={"rows": 3}))
    attachments = MultipleFileField(label=_("附件"), required=False)


class ConfirmForm(AccessibleFormMixin, forms.Form):
    confirmed_by = forms.CharField(label=_("企业确认人"), max_length=100)
    satisfied = forms.TypedChoiceField(
        label=_("企业是否满意"),
        choices=[("1", _("满意")), ("0", _("不满意"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("企业意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ConvertForm(AccessibleFormMixin, forms.Form):
    TARGETS = [("problem", _("协调问题")), ("order", _("督办单"))]
    target = forms.ChoiceField(label=_("转为"), choices=TARGETS, widget=forms.RadioSelect)
    problem_kind = forms.ChoiceField(label=_("问题类型"), choices=ProblemKind.choices, required=False)
    deadline = forms.DateField(label=_("完成时限"), required=False, widget=DateInput)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

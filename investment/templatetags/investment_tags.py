"""{% load investment_tags %}{% progress_section project %}: the progress section for any project page."""

from django import template

from investment.selectors import project_section

register = template.Library()


@register.inclusion_tag("investment/_project_section.html", takes_context=True)
def progress_section(context, project):
    return {"section": project_section(user=context["request"].user, project=project), "request": context["request"]}


@register.inclusion_tag("investment/_procedure_plan.html", takes_context=True)
def procedure_plan(context, project):
    """{% procedure_plan project %}: the procedure engine's panel (plan, chart, baseline, time saved)."""
    from django.utils.translation import gettext as _

    from investment import procedure_selectors
    from investment.forms import ProcedureTemplateApplyForm
    from projects.access import Action, can, has_role
    from projects.choices import Role

    user = context["request"].user
    may_change = can(user, Action.CHANGE, project)
    plan, templates = procedure_selectors.procedure_plan_view(user=user, project=project, with_templates=may_change)
    templates = templates if plan is None else None
    return {
        "project": project,
        "plan": plan,
        "may_change": may_change,
        "may_decide_green": plan is not None and has_role(user, Role.LEADERSHIP, Role.ADMIN),
        "templates": templates,
        "template_form": ProcedureTemplateApplyForm(templates=templates) if templates is not None else None,
        "gantt_labels": {
            "plan": _("当前计划"),
            "baseline": _("基线"),
            "actual": _("实际"),
            "critical": _("关键路径"),
            "deficiency": _("容缺待补正"),
            "deadline": _("补正期限"),
            "unit": _("责任单位"),
        },
        "request": context["request"],
    }

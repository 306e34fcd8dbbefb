"""{% load investment_tags %}{% progress_section project %}: the progress section for any project page."""

from django import template

from investment.selectors import project_section

register = template.Library()


@register.inclusion_tag("investment/_project_section.html", takes_context=True)
def progress_section(context, project):
    return {"section": project_section(user=context["request"].user, project=project), "request": context["request"]}

"""The project page's 帮办代办 section ({% load assistance_tags %}{% service_tasks_section project %}):
the projects app sits below assistance, so its page asks through this tag."""

from django import template
from django.utils import timezone

from projects.access import can_request_service

from .. import selectors

register = template.Library()


@register.inclusion_tag("assistance/_project_section.html", takes_context=True)
def service_tasks_section(context, project, limit=5):
    user = context["request"].user
    tasks = selectors.task_list(user=user, project=project)
    return {
        "project": project,
        "tasks": list(tasks[:limit]),
        "count": tasks.count(),
        "today": timezone.localdate(),
        "can_request": can_request_service(user, project),
    }

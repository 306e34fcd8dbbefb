"""The project page's 帮办代办 section ({% load assistance_tags %}{% service_tasks_section project %}):
the projects app sits below assistance, so its page asks through this tag."""

from django import template
from django.db.models import Count, Window
from django.utils import timezone

from projects.access import can_request_service

from .. import selectors

register = template.Library()


@register.inclusion_tag("assistance/_project_section.html", takes_context=True)
def service_tasks_section(context, project, limit=5):
    user = context["request"].user
    # One query: the first rows and, through a window, how many there are in all.
    tasks = list(selectors.task_list(user=user, project=project).annotate(total=Window(Count("pk")))[:limit])
    return {
        "project": project,
        "tasks": tasks,
        "count": tasks[0].total if tasks else 0,
        "today": timezone.localdate(),
        "can_request": can_request_service(user, project),
    }

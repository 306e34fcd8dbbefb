"""Reads for the procedure engine: a project's plan and chart, each unit's work queue, open 容缺 items,
and the time-saved measure."""

from .choices import ProcedureStatus
from .models import ProcedureItem


def open_deficiencies():
    """Items accepted with deficiencies (容缺受理) whose materials are not yet made good (no user scope:
    for the lights' subquery and the periodic reminders, which decide their own recipients)."""
    return ProcedureItem.objects.filter(
        accepted_with_deficiency=True, deficiency_made_good_on__isnull=True, deficiency_deadline__isnull=False
    ).exclude(status=ProcedureStatus.NOT_NEEDED)

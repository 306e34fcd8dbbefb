"""Who hears of an entry's status change: investment tells people through notifications (a lower app,
which knows no app above accounts), connected in InvestmentConfig.ready."""

from django.dispatch import receiver
from django.urls import reverse

from notifications.choices import Kind
from notifications.services import notify

from .choices import EntryStatus
from .selectors import entry_reviewers
from .signals import entry_status_changed


def _entry_link(entry):
    """The filer's way back: the project page's form for that month."""
    return f"{reverse('investment:project', args=[entry.project_id])}?period={entry.period:%Y-%m}#entry"


def _review_link(entry):
    """The reviewer's way in: the entry's row on the county's sheet, among those waiting."""
    region = entry.project.region.key
    return f"{reverse('investment:month')}?region={region}&period={entry.period:%Y-%m}&status=submitted#row-{entry.project_id}"


@receiver(entry_status_changed, dispatch_uid="notifications.entry_status_changed")
def entry_status_notify(sender, entry, user, **kwargs):
    """A submission tells the county's reviewers; a verification or return tells the filer. The event
    key carries the entry's version, so each transition is told once (notify ignores a repeat)."""
    month = f"{entry.period:%Y-%m}"
    name = entry.project.name
    key = f"{entry.status}:{entry.pk}:{entry.version}"
    filer = entry.submitted_by or entry.created_by
    if entry.status == EntryStatus.SUBMITTED:
        notify(
            recipients=[u for u in entry_reviewers(entry=entry) if u != user],
            kind=Kind.ENTRY_SUBMITTED,
            event_key=f"entry_{key}",
            title=f"{name} {month} 进度已提交,待审核",
            body=f"本月完成投资 {entry.amount_completed} 万元。"
            + (f"金额异常:{entry.amount_flag}。" if entry.amount_flag else ""),
            link=_review_link(entry),
        )
    elif entry.status == EntryStatus.VERIFIED and filer is not None and filer != user:
        notify(
            recipients=[filer],
            kind=Kind.ENTRY_VERIFIED,
            event_key=f"entry_{key}",
            title=f"{name} {month} 进度已审核通过",
            link=_entry_link(entry),
        )
    elif entry.status == EntryStatus.RETURNED and filer is not None and filer != user:
        notify(
            recipients=[filer],
            kind=Kind.ENTRY_RETURNED,
            event_key=f"entry_{key}",
            title=f"{name} {month} 进度被退回",
            body=f"退回原因:{entry.return_reason}",
            link=_entry_link(entry),
        )

"""Writes for dispatch: groups, rounds, reports, escalation, warning notices, quarterly evaluation.

Views, the API, tasks and commands call these; tasks only fetch ids and call a service.
"""

import datetime
import logging
from contextlib import contextmanager
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, transaction
from django.urls import reverse
from django.utils import timezone

from common import documents, periods, replica
from common.figures import percent, points, ratio
from common.writes import audit as _audit
from common.writes import refuse_unknown
from insights import definitions
from investment.choices import ProblemStatus
from investment.models import Problem
from investment.services import period_freeze
from projects.access import Action, can, can_request_reports, is_report_manager
from projects.choices import KeyLevel, Tier
from projects.models import Category, Department, Region
from projects.selectors import key_thresholds

from . import reports, schedules, selectors
from .choices import (
    Cadence,
    EvaluationMeasure,
    EvaluationPoint,
    HonourKind,
    Normalisation,
    ReportFormat,
    ReportKind,
    ReportStatus,
    RoundStatus,
    UnitKind,
)
from .models import (
    DispatchGroup,
    DispatchRound,
    Evaluation,
    EvaluationEntry,
    EvaluationHonour,
    EvaluationIndicator,
    EvaluationScore,
    HonourRule,
    ProblemEscalation,
    Report,
    WarningNotice,
)

log = logging.getLogger(__name__)


# The document-run rule (claim, heartbeat, one stale rule, temp file then storage) lives in the shared library.
REPORT_RUNS = documents.Runs(Report, tmp_dir="reports/tmp")
stale_after = documents.stale_after
ReportBusy = documents.RunBusy
ClaimLost = documents.ClaimLost

FORMATS = (ReportFormat.XLSX, ReportFormat.PDF)
REPORT_STATEMENT_TIMEOUT = "15min"


class QueueUnavailable(RuntimeError):
    """The task queue (Redis) cannot be reached: the request is recorded, the work is not queued."""


def _require_leadership(user):
    if user is not None and not selectors.sees_everything(user):
        raise PermissionDenied("无权执行该操作。")


# --- groups -----------------------------------------------------------------------------------
def _default_groups():
    thresholds = key_thresholds()
    yield {
        "key": "city",
        "name": "市项目工作领导小组",
        "tier": Tier.CITY,
        "leader": "市长",
        "lead_unit": "市发展改革委",
        "cadence": Cadence.MONTHLY,
        "min_total_investment": thresholds[KeyLevel.CITY],
        "freezes_data": True,
        "sort_order": 1,
    }
    for index, category in enumerate(Category.objects.exclude(lead_department=None).select_related("lead_department")):
        yield {
            "key": f"special-{category.key}",
            "name": f"{category.name}专项推进组",
            "tier": Tier.SPECIAL,
            "leader": "分管副市长",
            "lead_unit": category.lead_department.name,
            "cadence": Cadence.SEMIMONTHLY,
            "category": category,
            "sort_order": 10 + index,
        }
    for index, department in enumerate(Department.objects.all()):
        yield {
            "key": f"dept-{department.key}",
            "name": f"{department.name}推进组",
            "tier": Tier.DEPARTMENT,
            "leader": f"{department.name}主要负责人",
            "lead_unit": department.name,
            "cadence": Cadence.WEEKLY,
            "department": department,
            "sort_order": 100 + index,
        }
    for index, region in enumerate(Region.objects.all()):
        yield {
            "key": f"county-{region.key}",
            "name": f"{region.name}推进组",
            "tier": Tier.COUNTY,
            "leader": f"{region.name}主要领导",
            "lead_unit": f"{region.name}人民政府" if region.kind != "zone" else f"{region.name}管委会",
            "cadence": Cadence.DAILY,
            "region": region,
            "min_total_investment": thresholds[KeyLevel.COUNTY],
            "sort_order": 200 + index,
        }


@transaction.atomic
def groups_load_defaults():
    """The 1+3+N+10 groups of domain.md section 6, created where missing (never overwritten)."""
    created = 0
    for spec in _default_groups():
        key = spec.pop("key")
        _, made = DispatchGroup.objects.get_or_create(key=key, defaults=spec)
        created += made
    return created


SCHEDULE_FIELDS = {"cadence", "run_hour", "weekday", "is_active", "name"}
GROUP_EDITABLE_FIELDS = {
    "name", "leader", "lead_unit", "cadence", "run_hour", "weekday", "min_total_investment", "category",
    "department", "region", "freezes_data", "is_active", "sort_order",
}  # fmt: skip


@transaction.atomic
def group_update(*, user, group, **data):
    """Edit a group; a change of cadence or hour updates its beat schedule in the same transaction."""
    _require_leadership(user)
    refuse_unknown(data, GROUP_EDITABLE_FIELDS)
    for field, value in data.items():
        setattr(group, field, value)
    group.full_clean()
    with _audit(user):
        group.save()
    if SCHEDULE_FIELDS & set(data) or group.periodic_task_id is None:
        schedules.group_schedule_sync(group)
    return group


# --- rounds ------------------------------------------------------------------------------------
def round_run(*, group, period, user=None, queue=True):
    """Open the group's round for the period (once: keyed by group + period start), collect its
    in-scope projects and ask for its reports. Returns (round, created)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                round, created = DispatchRound.objects.get_or_create(
                    group=group, period_start=period.start, defaults={"period_end": period.end}
                )
        except IntegrityError:  # a second worker opened it at the same moment
            round, created = DispatchRound.objects.get(group=group, period_start=period.start), False
        if created:
            round.project_count = selectors.scope_projects(group).count()
            round.full_clean()
            round.save(update_fields=["project_count"])
    if created and queue:
        report_request(user=user, round=round)
    return round, created


def run_scheduled_round(*, group_id, now=None):
    """What a group's beat schedule fires: the round for the period that is due now."""
    group = selectors.group_by_id(group_id)
    if not group.is_active:
        return None
    period = schedules.latest_due_period(group, now=now)
    if period is None:
        return None
    return round_run(group=group, period=period)[0]


def rounds_catch_up(*, now=None):
    """Open every round that fell due while the system was down, each exactly once, oldest first.
    Returns the rounds created."""
    created_rounds = []
    for group in selectors.groups_active():
        last = selectors.last_round(group)
        if last is not None:
            since = last.period_end + datetime.timedelta(days=1)
        else:
            since = schedules.local_now(group.created_at).date()
        for period in schedules.due_periods(group, since=since, now=now):
            if selectors.round_exists(group=group, period_start=period.start):
                continue
            round, created = round_run(group=group, period=period)
            if created:
                created_rounds.append(round)
    return created_rounds


@transaction.atomic
def round_issue(*, user, round):
    """Issue (印发) the round: from now on its period's progress data is frozen (if the group freezes)."""
    _require_leadership(user)
    round = DispatchRound.objects.select_for_update().select_related("group").get(pk=round.pk)
    if round.status == RoundStatus.ISSUED:
        raise ValidationError({"status": "该轮调度已印发。"})
    round.status = RoundStatus.ISSUED
    round.issued_at = timezone.now()
    round.issued_by = user
    round.save(update_fields=["status", "issued_at", "issued_by"])
    if round.group.freezes_data:
        month = periods.month_start(round.period_start)
        while month <= round.period_end:
            if periods.month_end(month) <= round.period_end:
                period_freeze(period=month, user=user, reason=f"{round} 调度报告已印发")  # investment owns the freeze
            month = periods.month_end(month) + datetime.timedelta(days=1)
    return round


# --- reports -------------------------------------------------------------------------------------
def report_request(*, user=None, round=None, evaluation=None, formats=FORMATS, enqueue=True):
    """Ask for the subject's reports at its current data version. An unchanged subject gets the
    reports it already has (no rebuild); a failed or stale one is queued again. Returns the reports.
    Raises QueueUnavailable when the queue cannot be reached (the rows stay queued)."""
    if (round is None) == (evaluation is None):
        raise ValueError("exactly one of round / evaluation")
    # Who may ask (None: the system): the one check, for the page and the API alike (callers answer 404).
    if user is not None and not (
        can_request_reports(user=user, group=round.group) if round is not None else is_report_manager(user)
    ):
        raise PermissionDenied("报告不存在。")
    if evaluation is not None and ReportFormat.DOCX in formats:
        raise ValidationError({"format": "Word通报仅适用于调度轮次。"})
    if round is not None:
        kind, version, subject = ReportKind.ROUND, selectors.round_data_version(round), {"round": round}
    else:
        kind, version, subject = (
            ReportKind.EVALUATION,
            selectors.evaluation_data_version(evaluation),
            {"evaluation": evaluation},
        )
    to_queue, result = [], []
    with transaction.atomic():
        for fmt in formats:
            try:
                with transaction.atomic():
                    report, created = Report.objects.get_or_create(
                        kind=kind, data_version=version, format=fmt, **subject, defaults={"requested_by": user}
                    )
            except IntegrityError:
                report, created = Report.objects.get(data_version=version, format=fmt, **subject), False
            if created or report.status == ReportStatus.QUEUED:
                to_queue.append(report.pk)
            elif report.status in (ReportStatus.FAILED, ReportStatus.RUNNING) and REPORT_RUNS.requeue(report.pk):
                # Failed, or running with a heartbeat older than the stale rule: asked for again.
                report.refresh_from_db()
                to_queue.append(report.pk)
            result.append(report)
    for pk in to_queue if enqueue else ():
        transaction.on_commit(lambda pk=pk: report_enqueue(report_id=pk))
    return result


def tasks_queue():
    """The queue dispatch work goes to: the app's default, read at call time (tests give each run its own)."""
    # The current app, not the configuration's module: apps never import the configuration.
    from celery import current_app

    return current_app.conf.task_default_queue


def report_enqueue(*, report_id):
    # By name: services never import tasks (the tasks import services).
    from celery import current_app

    try:
        current_app.send_task("dispatch.build_report", args=[report_id], queue=tasks_queue())
    except Exception as exc:  # kombu OperationalError, redis ConnectionError, socket errors
        log.warning("could not queue report %s: %s", report_id, exc)
        raise QueueUnavailable("任务队列暂不可用,报告已登记,请稍后重试。") from exc


@contextmanager
def _long_statements(using="default"):
    """A report over a whole city reads more than a web request may: lift the statement timeout
    (settings: 30 s) for this connection while it builds, and put it back afterwards."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        (previous,) = cursor.fetchone()
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [REPORT_STATEMENT_TIMEOUT])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [previous])


def _data_version(report):
    if report.kind == ReportKind.ROUND:
        return selectors.round_data_version(report.round)
    return selectors.evaluation_data_version(report.evaluation)


def report_build(*, report_id):
    """Build one report under a claim (the document-run rule: `common.documents`). Returns
    "done" or "skipped".

    Raises ReportBusy when another live worker holds it. The file is written to a temporary path,
    saved to storage, and the row marked done in one conditional update: a user never sees a
    half-written file, and two workers never both finish the same report.
    """
    report = selectors.report_by_id(report_id)

    def build(claim):
        tmp_path = claim.temp_path(f"report.{report.format}.part")
        with (
            replica.replica_reads_if_current(lambda: _data_version(report) == report.data_version) as alias,
            _long_statements(alias),
        ):
            if report.kind == ReportKind.ROUND:
                round = report.round
                # A frozen round's report shows the figures as they were known when it was issued.
                frozen = round.group.freezes_data and round.issued_at is not None
                summary = reports.build_round_report(
                    round, report.format, str(tmp_path), on_progress=claim.beat,
                    known_at=round.issued_at if frozen else None,
                )  # fmt: skip
            else:
                summary = reports.build_evaluation_report(
                    report.evaluation, report.format, str(tmp_path), on_progress=claim.beat
                )

        def on_done():
            if report.kind == ReportKind.ROUND and summary:
                DispatchRound.objects.filter(pk=report.round_id).update(
                    summary=summary, project_count=summary["project_count"]
                )
            # The managers hear of it only once the row says done (after commit).
            transaction.on_commit(lambda: report_ready_enqueue(report_id=report_id))

        target = f"reports/{timezone.localdate():%Y/%m}/{report_id}-{claim.token.rsplit(':', 1)[-1]}.{report.format}"
        return documents.Output(
            files={"file": (tmp_path, target)},
            fields={
                "summary": summary or {},
                "size": tmp_path.stat().st_size,
                "duration_ms": int(claim.seconds() * 1000),
            },
            on_done=on_done,
        )

    return REPORT_RUNS.execute(report_id, build)


def report_ready_enqueue(*, report_id):
    from celery import current_app  # by name: services never import tasks (the tasks import services)

    try:
        current_app.send_task("dispatch.notify_report_ready", args=[report_id], queue=tasks_queue())
    except Exception as exc:  # the report is built; a lost notice is logged, not a failed build
        log.warning("could not queue the ready notice of report %s: %s", report_id, exc)


def report_ready_notify(*, report_id):
    """Tell the report managers in scope that a built round report is ready (inbox, e-mail, the group
    robot): once per report, keyed by its id, however often the task runs. Returns the new notifications."""
    from notifications.choices import Kind
    from notifications.services import notify

    report = selectors.report_by_id(report_id)
    if report.status != ReportStatus.DONE or report.kind != ReportKind.ROUND:
        return []
    round = report.round
    recipients = selectors.report_ready_recipients(report)
    return notify(
        recipients=recipients,
        kind=Kind.REPORT_READY,
        event_key=f"report_ready:{report.pk}",
        title=f"{round.group.name} {round.period_start:%Y-%m-%d}至{round.period_end:%Y-%m-%d} 调度报告"
        f"({report.get_format_display()})已生成",
        body=f"数据版本 {report.data_version[:12]},生成于 {timezone.localtime(report.finished_at):%Y-%m-%d %H:%M}。",
        link=reverse("dispatch:report-download", args=[report.pk]),
    )


def report_mark_failed(*, report_id, error):
    """The task gave up: the row says so (a user can ask again). A row another live worker is
    building is left alone."""
    REPORT_RUNS.mark_failed(report_id, error)


# --- problems and escalation --------------------------------------------------------------------
def escalation_interval():
    """Days an escalated problem has at its new tier before it escalates again (setting, default 7)."""
    return datetime.timedelta(days=getattr(settings, "DISPATCH_ESCALATION_INTERVAL_DAYS", 7))


@transaction.atomic
def problem_escalate(*, problem, user=None, reason="", today=None):
    """Move an unsolved problem one tier up (10 -> N -> 3 -> 1), recording the step."""
    today = today or timezone.localdate()
    problem = Problem.objects.select_for_update().select_related("project").get(pk=problem.pk)
    if user is not None and not (selectors.sees_everything(user) or can(user, Action.COMMENT, problem.project)):
        raise PermissionDenied("无权升级该问题。")
    if problem.status not in ProblemStatus.unresolved():
        raise ValidationError({"status": "问题已解决或已关闭,不能升级。"})
    to_tier = Tier.above(problem.tier)
    if to_tier is None:
        raise ValidationError({"tier": "问题已在最高层级(市项目工作领导小组)。"})
    step = ProblemEscalation(
        problem=problem,
        from_tier=problem.tier,
        to_tier=to_tier,
        deadline=problem.deadline,
        escalated_on=today,
        reason=reason or f"逾期未解决(完成时限 {problem.deadline:%Y-%m-%d})",
        escalated_by=user,
    )
    step.full_clean()
    step.save()
    problem.tier = to_tier
    problem.version += 1  # an edit based on the pre-escalation row gets a conflict (409), not a silent overwrite
    with _audit(user):
        problem.save(update_fields=["tier", "version", "updated_at"])
    return step


def problems_escalate_overdue(*, today=None):
    """Escalate every overdue, unsolved problem one tier, at most one step per interval.
    Safe to run any number of times a day. Returns the escalations made."""
    today = today or timezone.localdate()
    interval = escalation_interval()
    made = []
    for pk in selectors.overdue_problems(today=today).exclude(tier=Tier.CITY).values_list("pk", flat=True):
        with transaction.atomic():
            problem = Problem.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if problem is None or problem.deadline >= today or problem.status not in ProblemStatus.unresolved():
                continue
            last = ProblemEscalation.objects.filter(problem=problem).order_by("-escalated_on").first()
            if last is not None and last.escalated_on > today - interval:
                continue
            if Tier.above(problem.tier) is None:
                continue
            made.append(problem_escalate(problem=problem, today=today))
    return made


# --- warning notices -----------------------------------------------------------------------------
@transaction.atomic
def warning_notice_issue(*, user, reason, region=None, department=None, issued_on=None, round=None, evaluation=None):
    _require_leadership(user)
    notice = WarningNotice(
        region=region,
        department=department,
        reason=(reason or "").strip(),
        issued_on=issued_on or timezone.localdate(),
        issued_by=user,
        round=round,
        evaluation=evaluation,
    )
    if not notice.reason:
        raise ValidationError({"reason": "请填写下发提示单的原因。"})
    if (region is None) == (department is None):
        raise ValidationError({"region": "提示单须发给一个县区或一个市直部门(二选一)。"})
    notice.full_clean()
    with _audit(user):
        notice.save()
    _notice_notify(notice)
    return notice


@transaction.atomic
def warning_notice_acknowledge(*, user, notice):
    """The county or department confirms it received the notice."""
    if not selectors.notice_list(user=user).filter(pk=notice.pk).exists():
        raise PermissionDenied("无权签收该提示单。")
    if notice.acknowledged_at is None:
        notice.acknowledged_at = timezone.now()
        notice.acknowledged_by = user
        with _audit(user):
            notice.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return notice


@transaction.atomic
def warning_notice_follow_up(*, user, notice, rectification, rectification_due, statement="", rectified_on=None):
    """The county or department records its rectification (what, by when, done) and its statement at
    the meeting (表态发言); leadership may record the statement too. Acknowledges the notice."""
    if not selectors.notice_list(user=user).filter(pk=notice.pk).exists():
        raise PermissionDenied("无权签收该提示单。")
    notice = WarningNotice.objects.select_for_update().get(pk=notice.pk)
    notice.rectification = (rectification or "").strip()
    notice.rectification_due = rectification_due
    notice.statement = (statement or "").strip()
    notice.rectified_on = rectified_on
    errors = {}
    if not notice.rectification:
        errors["rectification"] = "请填写整改措施。"
    if rectification_due is None:
        errors["rectification_due"] = "请填写整改时限。"
    elif rectification_due < notice.issued_on:
        errors["rectification_due"] = "整改时限不能早于提示单下发日期。"
    if rectified_on is not None and rectified_on < notice.issued_on:
        errors["rectified_on"] = "整改完成日期不能早于提示单下发日期。"
    if errors:
        raise ValidationError(errors)
    if notice.acknowledged_at is None:
        notice.acknowledged_at, notice.acknowledged_by = timezone.now(), user
    notice.full_clean()
    with _audit(user):
        notice.save()
    return notice


# --- quarterly evaluation ------------------------------------------------------------------------
def previous_quarter(today):
    quarter = (today.month - 1) // 3  # the quarter before today's (0 = last year's 4th)
    return (today.year - 1, 4) if quarter == 0 else (today.year, quarter)


DEFAULT_INDICATORS = [
    # name, point, measure, normalisation, target, weight
    ("开复工项目数", EvaluationPoint.COUNT, EvaluationMeasure.STARTED, Normalisation.BEST, None, "15"),
    ("投资完成率", EvaluationPoint.PROGRESS, EvaluationMeasure.COMPLETION_RATE, Normalisation.BEST, None, "30"),
    ("进度按时审核率", EvaluationPoint.QUALITY, EvaluationMeasure.VERIFIED_ON_TIME, Normalisation.TARGET, "1", "5"),
    ("问题按期解决率", EvaluationPoint.QUALITY, EvaluationMeasure.PROBLEMS_SOLVED, Normalisation.TARGET, "1", "5"),
    ("督办单按时回复率", EvaluationPoint.QUALITY, EvaluationMeasure.ORDERS_ON_TIME, Normalisation.TARGET, "1", "5"),
    ("在建项目不滞后占比", EvaluationPoint.INDICATORS, EvaluationMeasure.ON_TRACK, Normalisation.BEST, None, "15"),
    ("完成率较上季度提高", EvaluationPoint.CHANGE, EvaluationMeasure.RATE_CHANGE, Normalisation.RANGE, None, "15"),
    ("周均现场照片", EvaluationPoint.APPEARANCE, EvaluationMeasure.PHOTOS_PER_WEEK, Normalisation.TARGET, "1", "10"),
]
DEFAULT_HONOURS = [
    # name, kind, places from, to, prize (万元)
    ("流动红旗", HonourKind.RED_FLAG, 1, 1, "0"),
    ("一等奖", HonourKind.AWARD, 1, 1, "50"),
    ("二等奖", HonourKind.AWARD, 2, 3, "30"),
    ("提示单", HonourKind.WARNING, 1, 1, "0"),
]


@transaction.atomic
def evaluation_rules_load_defaults():
    """The default 三比三看 indicators (six points, 100 points in all) and honours, where none exist
    (demo and first setup; administrators edit them afterwards)."""
    if not EvaluationIndicator.objects.exists():
        for order, (name, point, measure, normalisation, target, weight) in enumerate(DEFAULT_INDICATORS):
            EvaluationIndicator.objects.create(
                name=name, point=point, measure=measure, normalisation=normalisation,
                target=Decimal(target) if target else None, weight=Decimal(weight), sort_order=order,
            )  # fmt: skip
    if not HonourRule.objects.exists():
        for order, (name, kind, first, last, prize) in enumerate(DEFAULT_HONOURS):
            HonourRule.objects.create(name=name, kind=kind, place_from=first, place_to=last, prize=Decimal(prize),
                                      sort_order=order)  # fmt: skip


def _indicators():
    # Without the administrator's indicators the ranking is on the completion rate alone (the
    # evaluation as it was); without honour rules, the red flag to the first and a notice to the last.
    return selectors.evaluation_indicators() or [
        EvaluationIndicator(name="投资完成率", point=EvaluationPoint.PROGRESS, measure=EvaluationMeasure.COMPLETION_RATE,
                            weight=Decimal("100"))
    ]  # fmt: skip


def _honour_rules():
    return selectors.honour_rules() or [
        HonourRule(name="流动红旗", kind=HonourKind.RED_FLAG, place_from=1, place_to=1),
        HonourRule(name="提示单", kind=HonourKind.WARNING, place_from=1, place_to=1),
    ]


def _ranked(kind, units, values, indicators):
    """Every unit with a year plan, scored on each indicator (insights.definitions.indicator_share and
    indicator_points) and ranked by the total, then the completion rate, the on-track score, the id."""
    keys = [key for key, (bucket, _, _) in units.items() if bucket.plan]
    rows = []
    for key in keys:
        bucket, construction, on_track = units[key]
        scores = []
        for indicator in indicators:
            by_unit = values[(indicator.measure, indicator.parameter)]
            value = by_unit.get(key)
            share = definitions.indicator_share(
                value, values=[by_unit.get(k) for k in keys], direction=indicator.direction,
                normalisation=indicator.normalisation, target=indicator.target,
            )  # fmt: skip
            scores.append((indicator, value, share, definitions.indicator_points(share, indicator.weight)))
        completion = ratio(bucket.ytd, bucket.plan)
        progress = points(ratio(on_track, construction)) if construction else Decimal(100)
        total = sum((s[3] for s in scores), Decimal("0.00"))
        rows.append((key, bucket, completion, progress, total, scores))
    rows.sort(key=lambda r: (-r[4], -r[2], -r[3], r[0]))
    return rows


def _honours_for(index, count, kind, rules):
    """The rules that apply to the unit at place ``index`` (0 = first) of ``count``."""
    top, bottom = index + 1, count - index
    chosen = []
    for rule in rules:
        if rule.unit_kind and rule.unit_kind != kind:
            continue
        place = bottom if rule.kind == HonourKind.WARNING else top
        if rule.place_from <= place <= rule.place_to:
            chosen.append(rule)
    if any(r.kind != HonourKind.WARNING for r in chosen) or count < 2:
        chosen = [r for r in chosen if r.kind != HonourKind.WARNING]  # no notice to an honoured unit
    return chosen


def _notice_notify(notice):
    """The notice reaches its county's or department's inbox (and the channels they chose)."""
    from notifications.choices import Kind
    from notifications.services import notify

    notify(
        recipients=selectors.notice_recipients(notice),
        kind=Kind.OTHER,
        event_key=f"warning_notice:{notice.pk}",
        title=f"提示单:{notice.recipient}",
        body=notice.reason,
        link=f"{reverse('dispatch:notices')}#notice-{notice.pk}",
    )


def evaluation_run(*, year, quarter, user=None, queue=True):
    """Score and rank counties and departments for the quarter on the administrator's indicators
    (三比三看, figures from insights.definitions), once per quarter: honours and prizes to the first
    places, warning notices (to the units' inboxes) to the last, and the ranking report.
    Returns (evaluation, created)."""
    _require_leadership(user)
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": "季度应为 1-4。"})
    with transaction.atomic():
        if Evaluation.objects.filter(year=year, quarter=quarter).exists():
            return Evaluation.objects.get(year=year, quarter=quarter), False
        units, as_of = reports.evaluation_figures(year=year, quarter=quarter)
        evaluation, created = Evaluation.objects.get_or_create(
            year=year, quarter=quarter, defaults={"period_end": as_of}
        )
        if not created:
            return evaluation, False
        indicators, rules = _indicators(), _honour_rules()
        names = {"region": dict(Region.objects.values_list("pk", "name")),
                 "department": dict(Department.objects.values_list("pk", "name"))}  # fmt: skip
        notices = []
        for kind in (UnitKind.REGION, UnitKind.DEPARTMENT):
            values = reports.evaluation_values(year=year, quarter=quarter, kind=kind, units=units[kind],
                                               indicators=indicators)  # fmt: skip
            ranked = _ranked(kind, units[kind], values, indicators)
            for index, (key, bucket, completion, progress, total, scores) in enumerate(ranked):
                honours = _honours_for(index, len(ranked), kind, rules)
                warned = any(r.kind == HonourKind.WARNING for r in honours)
                entry = EvaluationEntry.objects.create(
                    evaluation=evaluation,
                    unit_kind=kind,
                    region_id=key if kind == UnitKind.REGION else None,
                    department_id=key if kind == UnitKind.DEPARTMENT else None,
                    project_count=bucket.count,
                    annual_plan=bucket.plan,
                    completed=bucket.ytd,
                    completion_rate=completion,
                    progress_score=progress,
                    total_score=total,
                    rank=index + 1,
                    red_flag=any(r.kind == HonourKind.RED_FLAG for r in honours),
                    warned=warned,
                )
                EvaluationScore.objects.bulk_create(
                    EvaluationScore(entry=entry, indicator=indicator if indicator.pk else None, name=indicator.name,
                                    point=indicator.point, measure=indicator.measure, value=value, normalised=share,
                                    weight=indicator.weight, score=score, sort_order=order)
                    for order, (indicator, value, share, score) in enumerate(scores)
                )  # fmt: skip
                EvaluationHonour.objects.bulk_create(
                    EvaluationHonour(entry=entry, rule=rule if rule.pk else None, kind=rule.kind, name=rule.name,
                                     prize=rule.prize or Decimal("0"))
                    for rule in honours
                    if rule.kind != HonourKind.WARNING
                )  # fmt: skip
                if warned:
                    notice = WarningNotice.objects.create(
                        region_id=key if kind == UnitKind.REGION else None,
                        department_id=key if kind == UnitKind.DEPARTMENT else None,
                        reason=f"{evaluation}“三比三看”考评综合得分 {total},投资完成率 {percent(completion)},"
                        f"在{len(ranked)}个{'县区' if kind == UnitKind.REGION else '市直部门'}中排名{'末位' if index == len(ranked) - 1 else f'第{index + 1}位'}"
                        f"({names[kind].get(key, '')}),请签收、报送整改措施,并在调度会上作表态发言。",
                        issued_on=timezone.localdate(),
                        issued_by=user,
                        evaluation=evaluation,
                    )
                    notices.append(notice)
        for notice in notices:
            _notice_notify(notice)
    if queue:
        report_request(user=user, evaluation=evaluation)
    return evaluation, True

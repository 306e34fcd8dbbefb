"""Reads for dispatch. Whatever a user triggers passes the user; scope is decided here, on top of
``projects.access`` (a group's reports are visible to leadership, to the group's report managers and
members, and to the users whose county / department / category the group covers)."""

import hashlib
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from assistance.models import ServiceTask
from common.periods import month_end, reporting_month
from insights import definitions
from investment.choices import ProblemStatus, ProcedureStatus
from investment.models import Problem, ProcedureItem, ProgressEntry
from investment.selectors import amendments_approved_since
from projects.access import (  # noqa: F401 - re-exported
    NOTHING,
    group_q,
    has_role,
    is_report_manager,
    notice_q,
    sees_everything,
    user_roles,
)
from projects.choices import Role
from projects.models import Project, StageChange
from supervision.models import LightRule, MonthlyPlan, SupervisionOrder

from .choices import ReportFormat, ReportKind, ReportStatus
from .models import (
    DispatchGroup,
    DispatchRound,
    Evaluation,
    EvaluationEntry,
    EvaluationIndicator,
    HonourRule,
    ProblemEscalation,
    Report,
    WarningNotice,
)

# Progress that counts in reports: what counties submitted and what reviewers verified.
# Bump when the report layout or its figures change, so that unchanged data is rebuilt once.
BUILDER_VERSION = "6"  # 4: traffic lights and supervision orders; 5: one set of definitions (统计口径); 6: 包保服务


# --- access ---------------------------------------------------------------------------------------
def _visible_ids(queryset, q):
    # Filtering through the M2M joins can repeat rows: select the ids, then the rows.
    return queryset.filter(pk__in=queryset.model.objects.filter(q).values("pk"))


# --- groups and rounds ------------------------------------------------------------------------
def group_list(*, user):
    return _visible_ids(
        DispatchGroup.objects.select_related("category", "department", "region", "periodic_task__crontab"),
        group_q(user),
    )


def group_get(*, user, pk):
    try:
        return group_list(user=user).get(pk=pk)
    except (DispatchGroup.DoesNotExist, ValueError, TypeError):
        raise Http404("调度组不存在。") from None


def round_list(*, user, group=None):
    qs = DispatchRound.objects.filter(group__in=group_list(user=user).values("pk")).select_related("group")
    if group is not None:
        qs = qs.filter(group=group)
    return qs


def round_list_with_reports(*, user, group=None):
    """Rounds with their reports (newest first), for the report centre: three queries."""
    reports = Report.objects.filter(report_q(user)).order_by("-created_at", "-id")
    return round_list(user=user, group=group).prefetch_related(Prefetch("reports", queryset=reports))


def round_get(*, user, pk):
    try:
        return round_list(user=user).get(pk=pk)
    except (DispatchRound.DoesNotExist, ValueError, TypeError):
        raise Http404("调度轮次不存在。") from None


def previous_round(round):
    return (
        DispatchRound.objects.filter(group_id=round.group_id, period_start__lt=round.period_start)
        .order_by("-period_start")
        .first()
    )


def group_by_id(pk):
    return DispatchGroup.objects.get(pk=pk)


def groups_active():
    return DispatchGroup.objects.filter(is_active=True)


def last_round(group):
    return DispatchRound.objects.filter(group=group).order_by("-period_start").first()


def round_exists(*, group, period_start):
    return DispatchRound.objects.filter(group=group, period_start=period_start).exists()


# --- reports --------------------------------------------------------------------------------------
def report_q(user):
    q = Q(kind=ReportKind.ROUND) & group_q(user, prefix="round__group__")
    if is_report_manager(user):
        q |= Q(kind=ReportKind.EVALUATION)
    return q


def report_list(*, user, group=None, round=None, status=None):
    qs = Report.objects.select_related("round__group", "evaluation").filter(
        pk__in=Report.objects.filter(report_q(user)).values("pk")
    )
    if group is not None:
        qs = qs.filter(round__group=group)
    if round is not None:
        qs = qs.filter(round=round)
    if status is not None:
        qs = qs.filter(status=status)
    return qs


def report_get(*, user, pk):
    try:
        return report_list(user=user).get(pk=pk)
    except (Report.DoesNotExist, ValueError, TypeError):
        raise Http404("报告不存在。") from None


def report_sibling(*, user, report, format):
    """The same round / evaluation at the same data version in another format (404 if not ready)."""
    if format == report.format:
        return report
    qs = report_list(user=user).filter(kind=report.kind, data_version=report.data_version, format=format)
    qs = qs.filter(round_id=report.round_id) if report.round_id else qs.filter(evaluation_id=report.evaluation_id)
    sibling = qs.first()
    if sibling is None:
        raise Http404("该格式的报告不存在。")
    return sibling


# What the history compares between two versions of a round's report (keys of Report.summary).
HISTORY_FIGURES = (
    ("project_count", "项目数"),
    ("total_investment", "计划总投资(万元)"),
    ("completed_ytd", "本年累计完成投资(万元)"),
    ("completion_rate", "投资完成率"),
    ("new_starts", "本期新开工项目"),
    ("completions", "本期竣工项目"),
    ("lagging", "滞后项目"),
    ("open_problems", "未解决问题"),
    ("overdue_problems", "逾期问题"),
)


def _figure(summary, key):
    value = summary.get(key)
    return None if value is None else Decimal(str(value))


def report_history(*, user, round):
    """Every built version of the round's report, newest first: its data version, build time, files, and
    what changed since the previous version (the figures that moved, the amendments approved in between).
    Two queries, however many versions."""
    built = report_list(user=user, round=round).filter(status=ReportStatus.DONE).order_by("finished_at", "id")
    versions = {}
    for report in built:
        version = versions.setdefault(
            report.data_version,
            {"data_version": report.data_version, "built_at": report.finished_at, "reports": [], "summary": {}},
        )
        version["reports"].append(report)
        version["summary"] = version["summary"] or report.summary
        version["built_at"] = max(version["built_at"], report.finished_at)
    ordered = sorted(versions.values(), key=lambda v: v["built_at"])
    amendments = []
    if len(ordered) > 1:
        amendments = list(
            amendments_approved_since(
                since=ordered[0]["built_at"],
                until=ordered[-1]["built_at"],
                projects=scope_projects(round.group).values("pk"),
            )
        )
    previous = None
    for version in ordered:
        version["moved"], version["amendments"], version["first"] = [], [], previous is None
        if previous is not None:
            for key, label in HISTORY_FIGURES:
                before, now = _figure(previous["summary"], key), _figure(version["summary"], key)
                if before != now:
                    delta = None if before is None or now is None else now - before
                    version["moved"].append({"key": key, "label": label, "before": before, "now": now, "delta": delta})
            version["amendments"] = [
                a for a in amendments if previous["built_at"] < a.decided_at <= version["built_at"]
            ]
        previous = version
    return list(reversed(ordered))


def period_reports(*, user, month):
    """The latest built report, per round and format, of the rounds whose period ends in ``month``
    (only those the user may download)."""
    qs = report_list(user=user).filter(
        kind=ReportKind.ROUND, status=ReportStatus.DONE, round__period_end__gte=month,
        round__period_end__lte=month_end(month),
    ).order_by("round__group__sort_order", "round__group_id", "round__period_start", "format", "-finished_at", "-id")  # fmt: skip
    latest = {}
    for report in qs:
        latest.setdefault((report.round_id, report.format), report)
    return list(latest.values())


def report_ready_recipients(report):
    """Who hears that a round report is ready: the group's active report managers who may download it
    (the same rule as the report centre)."""
    managers = report.round.group.report_managers.filter(is_active=True).prefetch_related("roles")
    return [u for u in managers if Report.objects.filter(report_q(u), pk=report.pk).exists()]


def report_by_id(pk):
    return Report.objects.select_related("round__group", "evaluation").get(pk=pk)


# --- what a report reads ----------------------------------------------------------------------
def scope_projects(group):
    return Project.objects.filter(group.scope_q())


def procedure_projects(group, *, as_of):
    """The scope's projects with procedure items (审批手续 sheet), one query: items, done, in parallel,
    容缺 open and overdue at ``as_of``, the reference and actual/forecast starts and days saved
    (insights.definitions), county first."""
    items = ProcedureItem.objects.filter(project=OuterRef("pk")).exclude(status=ProcedureStatus.NOT_NEEDED)
    open_deficiency = items.filter(
        accepted_with_deficiency=True, deficiency_made_good_on__isnull=True, deficiency_deadline__isnull=False
    )

    def count(qs):
        counted = qs.order_by().values("project_id").annotate(n=Count("pk")).values("n")[:1]
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    return (
        definitions.annotate_time_saved(scope_projects(group).filter(Exists(items)))
        .annotate(
            item_count=count(items),
            done_count=count(items.filter(status=ProcedureStatus.DONE)),
            deficiency_open=count(open_deficiency),
            deficiency_overdue=count(open_deficiency.filter(deficiency_deadline__lt=as_of)),
            reference_start=definitions.time_saved_reference(),
            actual_or_forecast_start=definitions.time_saved_actual(),
        )
        .order_by("region__sort_order", "region_id", "-total_investment", "id")
    )


def all_projects():
    """Every project (the quarterly evaluation ranks units by all their projects: 统计口径)."""
    return Project.objects.all()


def _digest(*parts):
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def round_data_version(round):
    """A digest of everything the round's report reads: unchanged data, same version, no rebuild."""
    group = round.group
    month = reporting_month(round.period_end)
    projects = scope_projects(group).aggregate(n=Count("id"), t=Max("updated_at"))
    # Every period up to the month: the lights' cost-overrun flag sums since the start, the stale flag
    # looks back across the new year.
    progress = ProgressEntry.objects.filter(group.scope_q("project__"), period__lte=month).aggregate(
        n=Count("id"), t=Max("updated_at")
    )
    problems = Problem.objects.filter(group.scope_q("project__")).aggregate(n=Count("id"), t=Max("updated_at"))
    changes = StageChange.objects.filter(group.scope_q("project__"), changed_on__lte=round.period_end).aggregate(
        n=Count("id"), t=Max("created_at")
    )
    scope = (group.min_total_investment, group.category_id, group.department_id, group.region_id)
    # The lights and orders sections (supervision's data): the orders issued in the period, the
    # projects' monthly plans for the year (MonthlyPlan has no updated time: count, max id and the sum
    # of percentages) and the light thresholds.
    orders = SupervisionOrder.objects.filter(
        group.scope_q("project__"), issued_on__gte=round.period_start, issued_on__lte=round.period_end
    ).aggregate(n=Count("id"), t=Max("updated_at"))
    plans = MonthlyPlan.objects.filter(group.scope_q("project__"), year=month.year).aggregate(
        n=Count("id"), m=Max("id"), s=Sum("cumulative_percent")
    )
    rule = LightRule.current()
    lights = (rule.yellow_behind, rule.red_behind, rule.stale_periods, plans, orders)
    # 包保服务: the scope's service tasks (any change to one moves its updated time).
    service = ServiceTask.objects.filter(group.scope_q("project__")).aggregate(n=Count("id"), t=Max("updated_at"))
    return _digest(BUILDER_VERSION, round.period_start, round.period_end, scope, projects, progress, problems, changes,
                   lights, service)  # fmt: skip


def evaluation_data_version(evaluation):
    entries = EvaluationEntry.objects.filter(evaluation=evaluation).aggregate(n=Count("id"), m=Max("id"))
    # The notices' follow-up (acknowledged, rectification, statement) is part of the quarter's report.
    notices = WarningNotice.objects.filter(evaluation=evaluation).aggregate(
        n=Count("id"), t=Max("events__pgh_created_at")
    )
    return _digest(BUILDER_VERSION, "evaluation-2", evaluation.pk, entries, notices)


def open_problems(group, *, as_of):
    """The group's problems that were open at the end of ``as_of``: raised by then, not solved by then."""
    return Problem.objects.filter(group.scope_q("project__"), created_at__date__lte=as_of).filter(
        Q(status__in=ProblemStatus.unresolved()) | Q(solved_on__gt=as_of)
    )


def stage_changes_between(group, *, after, through):
    return StageChange.objects.filter(group.scope_q("project__"), changed_on__gt=after, changed_on__lte=through)


def problems_solved_between(group, *, after, through):
    return Problem.objects.filter(group.scope_q("project__"), solved_on__gt=after, solved_on__lte=through)


# --- problems, notices, evaluations ---------------------------------------------------------
def overdue_problems(*, today):
    return Problem.objects.filter(status__in=ProblemStatus.unresolved(), deadline__lt=today).order_by("pk")


def escalation_list(*, user):
    return ProblemEscalation.objects.filter(problem_id__in=Problem.objects.restrict(user).values("pk")).order_by(
        "-escalated_on", "-id"
    )


def escalated_problem_list(*, user):
    """Problems in the user's scope that were escalated at least once, with their history."""
    return (
        Problem.objects.restrict(user)
        .filter(escalations__isnull=False)
        .distinct()
        .select_related("project")
        .prefetch_related(Prefetch("escalations", queryset=ProblemEscalation.objects.order_by("escalated_on", "id")))
    )


def problem_get(*, user, pk, action="view"):
    try:
        return Problem.objects.restrict(user, action).select_related("project").get(pk=pk)
    except (Problem.DoesNotExist, ValueError, TypeError):
        raise Http404("问题不存在。") from None


def notice_list(*, user):
    return WarningNotice.objects.filter(notice_q(user)).select_related(
        "region", "department", "issued_by", "round__group", "evaluation"
    )


def notice_get(*, user, pk):
    try:
        return notice_list(user=user).get(pk=pk)
    except (WarningNotice.DoesNotExist, ValueError, TypeError):
        raise Http404("提示单不存在。") from None


def evaluation_list(*, user):
    """Rankings are announced at the meeting: every signed-in user sees them."""
    if not getattr(user, "is_authenticated", False):
        return Evaluation.objects.none()
    return Evaluation.objects.prefetch_related(
        Prefetch("entries", queryset=EvaluationEntry.objects.select_related("region", "department"))
    )


def evaluation_get(*, user, pk):
    try:
        return evaluation_list(user=user).get(pk=pk)
    except (Evaluation.DoesNotExist, ValueError, TypeError):
        raise Http404("考评不存在。") from None


def evaluation_entries(evaluation):
    return EvaluationEntry.objects.filter(evaluation=evaluation).select_related("region", "department")


# --- the quarterly evaluation's rules and figures (三比三看) ----------------------------------------
def evaluation_indicators():
    """The administrator's active indicators, in order."""
    return list(EvaluationIndicator.objects.filter(is_active=True).order_by("sort_order", "id"))


def honour_rules():
    return list(HonourRule.objects.filter(is_active=True).order_by("sort_order", "id"))


def all_orders():
    """Every supervision order (the evaluation scores units by their projects' orders)."""
    return SupervisionOrder.objects.all()


def notice_recipients(notice):
    """The people who answer for a warning notice: the county's staff and reviewers, or the department's."""
    User = get_user_model()
    if notice.region_id:
        q = Q(roles__role__in=[Role.COUNTY_STAFF, Role.COUNTY_REVIEWER], roles__region=notice.region_id)
    else:
        q = Q(roles__role=Role.DEPARTMENT, roles__department=notice.department_id)
    return list(User.objects.filter(q, is_active=True).distinct())


def open_notices(*, user):
    """The user's own notices still waiting: not acknowledged, or rectification not done (the to-do).
    Leadership sees every notice on the notices page, but has none to do."""
    if sees_everything(user):
        return WarningNotice.objects.none()
    return notice_list(user=user).filter(Q(acknowledged_at__isnull=True) | Q(rectified_on__isnull=True))


def evaluation_entries_full(evaluation):
    """The evaluation's entries with their scores and honours (three queries)."""
    return (
        EvaluationEntry.objects.filter(evaluation=evaluation)
        .select_related("region", "department")
        .prefetch_related("scores", "honours")
        .order_by("unit_kind", "rank")
    )


def evaluation_report_rows(*, user, limit=8):
    """The latest quarters with their newest report of each format the user may download (report
    managers and leadership: report_q): [(evaluation, [reports])]. Two queries."""
    if not is_report_manager(user):
        return []
    evaluations = list(Evaluation.objects.order_by("-year", "-quarter")[:limit])
    latest = {}
    for report in report_list(user=user).filter(evaluation__in=evaluations).order_by("-created_at", "-id"):
        latest.setdefault((report.evaluation_id, report.format), report)
    return [
        (e, [latest[(e.pk, f)] for f in (ReportFormat.XLSX, ReportFormat.PDF) if (e.pk, f) in latest])
        for e in evaluations
    ]

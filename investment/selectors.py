"""Reads for progress reporting. Every read a user triggers passes the user: scope is applied here."""

import datetime
from decimal import Decimal

import pghistory.models
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from common.figures import ratio
from common.periods import add_months, month_start, next_month, previous_month
from projects.access import Action, can, region_ids
from projects.choices import Role
from projects.models import Project, Region
from projects.selectors import project_queryset

from .choices import AmendmentStatus, EntryStatus, ProblemStatus, ProcedureStatus
from .models import (
    CountedMonth,
    CountedYear,
    FundingSource,
    PeriodFreeze,
    PhotoComment,
    Problem,
    ProcedureItem,
    ProgressAmendment,
    ProgressEntry,
    ScopeMonth,
    ScopeStart,
    ScopeTotal,
    SitePhoto,
)

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)


# One rule for every figure (dashboard, API, reports, lights): a month counts once its county
# group has verified it. Submitted entries show that a county reported, but are not yet figures.
COUNTED_STATUSES = (EntryStatus.VERIFIED,)
REPORTED_STATUSES = (EntryStatus.SUBMITTED, EntryStatus.VERIFIED)


def effective_amount(prefix=""):
    """The amount reports use: the amended figure when an amendment exists, else the original."""
    return Coalesce(F(f"{prefix}amended_amount"), F(f"{prefix}amount_completed"))


def counted_month_rows(*, known_at=None):
    """The counted figure of every project and month: one row per counted project-month with
    ``project_id``, ``period`` (the month's first day) and ``amount`` (万元: the verified entry's figure,
    at its approved amended figure). ``known_at`` (an aware datetime): the figures as they were known
    at that moment (a frozen round's report rebuilt later); None: as they stand now.

    A CountedMonth queryset (no user: callers scope it with ``.restrict(user)`` or a project filter).
    Served by the index of current rows by period, or, as of a moment, also the closed rows' index.
    """
    rows = CountedMonth.objects.order_by()  # no ordering: sums must not sort or join the projects
    return rows.current() if known_at is None else rows.known_at(known_at)


def counted_year_rows(*, year):
    """Each project's counted investment of ``year`` so far (one row per project with a counted month:
    ``project_id``, ``amount`` in 万元, ``months``, ``last_period``), as it stands now. The same figures
    as summing ``counted_month_rows()`` over the year, read from one row per project: for whole-city
    figures computed fresh (a CountedYear queryset; callers scope it with ``.restrict(user)``)."""
    return CountedYear.objects.filter(year=year).order_by()


def counted_ytd_rows(*, through):
    """Each project's counted investment from January through the month ``through`` (a month start) of
    its year, as it stands now: CountedYear rows annotated with ``completed`` (万元), one per project
    with a counted month that year. The same figures as summing ``counted_month_rows()`` over those months,
    read from the year totals: only a project with a counted month after ``through`` (the month still
    being entered) has those months taken off, by the (project, period) index."""
    year = through.year
    after = (
        CountedMonth.objects.current()
        .filter(project=OuterRef("project_id"), period__gt=through, period__lt=datetime.date(year + 1, 1, 1))
        .order_by()
        .values("project")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return counted_year_rows(year=year).annotate(
        completed=Case(
            When(last_period__lte=through, then=F("amount")),
            default=F("amount") - Coalesce(Subquery(after[:1], output_field=MONEY), Value(ZERO)),
            output_field=MONEY,
        )
    )


def scope_start_totals(*, scope, first, last):
    """开复工 in ``scope`` (a ``projects.access.rollup_scope``) on the days ``first`` through ``last`` of
    one year, from the per-scope start days (ScopeStart: a project once per year, on its first day):
    (projects, total investment). One query of at most a few hundred rows per scope id."""
    kind, keys = scope
    row = ScopeStart.objects.filter(scope=kind, scope_key__in=keys, day__gte=first, day__lte=last).aggregate(
        n=Coalesce(Sum("projects"), Value(0)), total=Coalesce(Sum("total_investment"), Value(ZERO), output_field=MONEY)
    )
    return row["n"], row["total"]


def scope_total_rows(*, scope, dimensions, first=None, last=None):
    """Projects, total investment and year plan per value of each of ``dimensions`` in ``scope`` (a
    ``projects.access.rollup_scope``: kind and ids), from the per-scope totals, added up over the scope's
    ids: rows of (dimension, value, projects, total_investment, annual_plan), and with ``first`` and
    ``last`` (month starts) the counted investment of those months too, in the same query."""
    kind, keys = scope
    fields = ["dimension", "value", "n", "total", "plan"]
    rows = (
        ScopeTotal.objects.filter(scope=kind, scope_key__in=keys, dimension__in=dimensions)
        .order_by()
        .values("dimension", "value")
        .annotate(n=Sum("projects"), total=Sum("total_investment"), plan=Sum("annual_plan"))
    )
    if first is not None:
        months = (
            ScopeMonth.objects.filter(
                scope=kind, scope_key__in=keys, dimension=OuterRef("dimension"), value=OuterRef("value"),
                period__gte=first, period__lte=last,
            )
            .order_by()
            .values("dimension")
            .annotate(amount=Sum("amount"))
            .values("amount")
        )  # fmt: skip
        rows = rows.annotate(done=Coalesce(Subquery(months, output_field=MONEY), Value(ZERO)))
        fields.append("done")
    return rows.values_list(*fields)


def scope_month_rows(*, scope, dimensions, first, last, by_period=False):
    """Counted investment from the month ``first`` through ``last`` (month starts, inclusive) per value of
    each of ``dimensions`` in ``scope``, as it stands now, from the per-scope totals: rows of (dimension,
    value, amount), or (dimension, value, period, amount) with ``by_period``."""
    kind, keys = scope
    fields = ("dimension", "value", "period") if by_period else ("dimension", "value")
    return (
        ScopeMonth.objects.filter(
            scope=kind, scope_key__in=keys, dimension__in=dimensions, period__gte=first, period__lte=last
        )
        .order_by()
        .values_list(*fields)
        .annotate(total=Sum("amount"))
        .values_list(*fields, "total")
    )


def period_is_frozen(*, period) -> bool:
    return PeriodFreeze.objects.filter(period=month_start(period)).exists()


def frozen_periods(*, periods=None) -> set:
    qs = PeriodFreeze.objects.all()
    if periods is not None:
        qs = qs.filter(period__in=list(periods))
    return set(qs.values_list("period", flat=True))


def project_totals(*, user, year, as_of=None, verified_only=False, projects=None):
    """Per project in the user's scope: year-to-date and since-start completed investment (万元),
    whether any month was amended, and whether since-start exceeds the planned total (overrun).

    One query. ``as_of`` (a date) cuts off later months; default: through the end of ``year``.
    ``projects`` narrows to a queryset or list of ids. Returns a Project queryset annotated with
    ``ytd_completed``, ``since_start_completed``, ``has_amendment``, ``overrun``.
    """
    cutoff = month_start(as_of) if as_of else datetime.date(year, 12, 1)
    entry_q = Q(progress_entries__period__lte=cutoff)
    if verified_only:
        entry_q &= Q(progress_entries__status=EntryStatus.VERIFIED)
    year_q = entry_q & Q(progress_entries__period__gte=datetime.date(year, 1, 1))
    amount = effective_amount("progress_entries__")
    qs = Project.objects.restrict(user, Action.VIEW)
    if projects is not None:
        qs = qs.filter(pk__in=projects)
    qs = qs.annotate(
        ytd_completed=Coalesce(Sum(amount, filter=year_q), Value(ZERO), output_field=MONEY),
        since_start_completed=Coalesce(Sum(amount, filter=entry_q), Value(ZERO), output_field=MONEY),
        amended_months=Count("progress_entries", filter=entry_q & Q(progress_entries__amended_amount__isnull=False)),
    ).annotate(
        has_amendment=Case(
            When(amended_months__gt=0, then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        overrun=Case(
            When(since_start_completed__gt=F("total_investment"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )
    return qs


def entry_queryset(*, user, action=Action.VIEW):
    return ProgressEntry.objects.restrict(user, action).select_related("project", "project__region")


def entry_get(*, user, pk, action=Action.VIEW):
    try:
        return entry_queryset(user=user, action=action).get(pk=pk)
    except (ProgressEntry.DoesNotExist, ValueError, TypeError):
        raise Http404("进度记录不存在。") from None


def entries_with_totals(*, user, project=None, period=None, region=None):
    """Entries with running year-to-date and since-start totals (window sums, one query)."""
    qs = entry_queryset(user=user)
    if period is not None:
        qs = qs.filter(period__lte=month_start(period))  # earlier months suffice for the running sums
    if project is not None:
        qs = qs.filter(project=project)
    if region is not None:
        qs = qs.filter(project__region=region)
    amount = effective_amount()
    qs = qs.annotate(
        effective=amount,
        since_start=Window(Sum(amount), partition_by=[F("project_id")], order_by=F("period").asc()),
        ytd=Window(Sum(amount), partition_by=[F("project_id"), ExtractYear("period")], order_by=F("period").asc()),
    ).order_by("project_id", "-period")
    if period is not None:
        # WHERE runs before the window sums: keep the earlier months in SQL and pick the month here.
        return [e for e in qs if e.period == month_start(period)]
    return qs


def amendments_for(*, user, entries):
    """Every amendment of the entries (proposed, approved, rejected), oldest first: the history."""
    return (
        ProgressAmendment.objects.restrict(user)
        .filter(entry__in=entries)
        .select_related("entry", "created_by", "decided_by")
        .order_by("entry_id", "created_at", "id")
    )


def amendment_list(*, user):
    """Every amendment in the user's view scope, newest first."""
    return ProgressAmendment.objects.restrict(user).select_related("entry").order_by("-created_at", "-id")


def pending_amendments_prefetch():
    """Each entry's pending amendment as ``pending_amendments`` (a list of zero or one), one query."""
    return Prefetch(
        "amendments",
        queryset=ProgressAmendment.objects.filter(status=AmendmentStatus.PENDING),
        to_attr="pending_amendments",
    )


def amendment_get(*, user, pk, action=Action.VIEW):
    try:
        return ProgressAmendment.objects.restrict(user, action).select_related("entry", "entry__project").get(pk=pk)
    except (ProgressAmendment.DoesNotExist, ValueError, TypeError):
        raise Http404("修正记录不存在。") from None


def county_reviewers(*, project):
    """The active reviewers of the project's county: whom a submission or an amendment is for."""
    from projects.models import RoleAssignment

    ids = RoleAssignment.objects.filter(role=Role.COUNTY_REVIEWER, region_id=project.region_id).values("user_id")
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def amendments_approved_since(*, since, until=None, projects=None, periods=None):
    """Approved amendments decided after ``since`` (and up to ``until``): what changed in figures
    after a report was issued. ``projects`` (ids or a queryset) and ``periods`` narrow it."""
    qs = ProgressAmendment.objects.filter(status=AmendmentStatus.APPROVED, decided_at__gt=since)
    if until is not None:
        qs = qs.filter(decided_at__lte=until)
    if projects is not None:
        qs = qs.filter(entry__project__in=projects)
    if periods is not None:
        qs = qs.filter(entry__period__in=list(periods))
    return qs.select_related("entry", "entry__project", "entry__project__region", "created_by", "decided_by").order_by(
        "decided_at", "id"
    )


def filing_month(today=None) -> datetime.date:
    """The month county staff are filing now: the month before today's (entries are made after a
    month ends). The one rule for the to-do page, the sheet's and the project page's default month."""
    return previous_month(today or timezone.localdate())


# Projects that report monthly: from landing (site work and purchases start) until in operation.
REPORTING_STAGES = ("landed", "construction", "completed", "operating")

# The sheet's chips and the home page's cards, in this order: one selector counts both.
UNREPORTED = "unreported"
SHEET_STATUSES = (
    (UNREPORTED, "未填报"),
    (EntryStatus.DRAFT, "草稿"),
    (EntryStatus.RETURNED, "被退回"),
    (EntryStatus.SUBMITTED, "待审核"),
    (EntryStatus.VERIFIED, "已审核"),
)


def reporting_projects(*, user, action=Action.VIEW):
    """The projects in the user's scope that must report each month."""
    return Project.objects.restrict(user, action).filter(stage__in=REPORTING_STAGES)


def month_status_counts(*, user, period, region=None):
    """How many reporting projects are in each sheet status for the month (unreported: no entry).
    One query. The home page's cards and the monthly sheet's chips both read this."""
    period = month_start(period)
    qs = reporting_projects(user=user)
    if region is not None:
        qs = qs.filter(region=region)
    # The month's entry joined (at most one per project and month), not looked up once per project.
    rows = (
        qs.alias(month_entry=FilteredRelation("progress_entries", condition=Q(progress_entries__period=period)))
        .annotate(sheet_status=Coalesce(F("month_entry__status"), Value(UNREPORTED)))
        .values("sheet_status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = dict.fromkeys((key for key, _ in SHEET_STATUSES), 0)
    for row in rows:
        counts[row["sheet_status"]] = row["n"]
    return counts


def month_sheet(*, user, region, period, action=Action.VIEW, status=None, projects=None):
    """The county's projects for a month, each with its entry for that month (or None) and
    its since-start total before that month. Three queries whatever the county's size.
    ``status`` keeps one sheet status (see SHEET_STATUSES); ``projects`` narrows to some ids (a row)."""
    period = month_start(period)
    qs = project_queryset(user=user, action=action).filter(region=region, stage__in=REPORTING_STAGES)
    if projects is not None:
        qs = qs.filter(pk__in=projects)
    if status == UNREPORTED:
        qs = qs.exclude(Exists(ProgressEntry.objects.filter(project=OuterRef("pk"), period=period)))
    elif status:
        qs = qs.filter(Exists(ProgressEntry.objects.filter(project=OuterRef("pk"), period=period, status=status)))
    projects = list(
        qs.annotate(
            before_total=Coalesce(
                Sum(effective_amount("progress_entries__"), filter=Q(progress_entries__period__lt=period)),
                Value(ZERO),
                output_field=MONEY,
            )
        ).order_by("-total_investment", "id")
    )
    pending = ProgressAmendment.objects.filter(entry=OuterRef("pk"), status=AmendmentStatus.PENDING)
    entries = {
        e.project_id: e
        for e in ProgressEntry.objects.restrict(user, action)
        .filter(project__in=[p.pk for p in projects], period=period)
        .annotate(
            pending_id=Subquery(pending.values("pk")[:1]),
            pending_old=Subquery(pending.values("old_amount")[:1]),
            pending_new=Subquery(pending.values("new_amount")[:1]),
        )
    }
    for p in projects:
        p.entry = entries.get(p.pk)
        if p.entry is not None:  # the pending amendment's figures, read in the same query
            e = p.entry
            e.pending_amendment = (
                ProgressAmendment(pk=e.pending_id, entry=e, old_amount=e.pending_old, new_amount=e.pending_new)
                if e.pending_id
                else None
            )
    return projects


REVIEW_MONTHS = 3


def add_review_context(*, user, rows, period):
    """What a reviewer weighs beside each row of the sheet: the month's photos, the previous months'
    amounts and the flags (implausible amount, no photo this month, overrun). Two queries."""
    period = month_start(period)
    ids = [p.pk for p in rows]
    earliest = add_months(period, -REVIEW_MONTHS)
    following = next_month(period)
    photos, previous = {}, {}
    for photo in (
        SitePhoto.objects.restrict(user)
        .filter(project__in=ids, taken_on__gte=period, taken_on__lt=following)
        .only("id", "project_id", "kind", "caption", "taken_on")
    ):
        photos.setdefault(photo.project_id, []).append(photo)
    for e in (
        ProgressEntry.objects.restrict(user)
        .filter(project__in=ids, period__gte=earliest, period__lt=period)
        .only("id", "project_id", "period", "amount_completed", "amended_amount", "status")
        .order_by("-period")
    ):
        previous.setdefault(e.project_id, []).append(e)
    for p in rows:
        p.month_photos = photos.get(p.pk, [])
        p.previous_entries = previous.get(p.pk, [])
        flags = []  # keys; the template words them
        if p.entry is not None:
            if p.entry.amount_flag:
                flags.append("implausible")
            if not p.month_photos:
                flags.append("no_photo")
            if p.before_total + p.entry.effective_amount > p.total_investment:
                flags.append("overrun")
        p.flags = flags
    return rows


def photo_list(*, user, project=None):
    qs = (
        SitePhoto.objects.restrict(user)
        .select_related("uploaded_by", "project")
        .prefetch_related(Prefetch("comments", queryset=PhotoComment.objects.select_related("author")))
    )
    if project is not None:
        qs = qs.filter(project=project)
    return qs


def photo_get(*, user, pk, action=Action.VIEW):
    try:
        return SitePhoto.objects.restrict(user, action).select_related("project").get(pk=pk)
    except (SitePhoto.DoesNotExist, ValueError, TypeError):
        raise Http404("照片不存在。") from None


def problem_list(*, user, project=None, status=None):
    qs = Problem.objects.restrict(user).select_related("project", "responsible_department", "responsible_region")
    if project is not None:
        qs = qs.filter(project=project)
    if status:
        qs = qs.filter(status__in=status if isinstance(status, list | tuple) else [status])
    return qs


def problem_get(*, user, pk, action=Action.VIEW):
    try:
        return Problem.objects.restrict(user, action).select_related("project").get(pk=pk)
    except (Problem.DoesNotExist, ValueError, TypeError):
        raise Http404("问题不存在。") from None


def problems_overdue(*, user, on):
    return problem_list(user=user, status=ProblemStatus.unresolved()).filter(deadline__lt=on)


def procedure_list(*, user, project=None):
    qs = ProcedureItem.objects.restrict(user).select_related("project")
    if project is not None:
        qs = qs.filter(project=project)
    return qs


def procedure_get(*, user, pk, action=Action.VIEW):
    try:
        return ProcedureItem.objects.restrict(user, action).select_related("project").get(pk=pk)
    except (ProcedureItem.DoesNotExist, ValueError, TypeError):
        raise Http404("手续不存在。") from None


def procedure_summary(*, items):
    """Share done and days saved (+) or lost (-) against plan for a list of checklist items.

    Items that do not apply are left out. Days saved compares the latest planned and actual
    completion dates of the items done; ``finished`` says whether the whole checklist is done.
    """
    relevant = [i for i in items if i.status != ProcedureStatus.NOT_NEEDED]
    done = [i for i in relevant if i.status == ProcedureStatus.DONE]
    share = ratio(len(done), len(relevant))
    dated = [i for i in done if i.planned_date and i.actual_date]
    days = (max(i.planned_date for i in dated) - max(i.actual_date for i in dated)).days if dated else None
    return {
        "total": len(relevant),
        "done": len(done),
        "share_done": share,
        "days_saved": days,
        "finished": bool(relevant) and len(done) == len(relevant),
        "deficiencies": sum(1 for i in relevant if i.accepted_with_deficiency),
    }


def funding_list(*, user, project=None):
    qs = FundingSource.objects.restrict(user).select_related("project")
    if project is not None:
        qs = qs.filter(project=project)
    return qs


def funding_get(*, user, pk, action=Action.VIEW):
    try:
        return FundingSource.objects.restrict(user, action).select_related("project").get(pk=pk)
    except (FundingSource.DoesNotExist, ValueError, TypeError):
        raise Http404("资金来源不存在。") from None


def funding_totals(*, user, project=None):
    qs = funding_list(user=user, project=project)
    return (
        qs.values("kind")
        .annotate(
            applied=Sum("amount_applied"),
            approved=Sum("amount_approved"),
            in_place=Sum("amount_in_place"),
            projects=Count("project", distinct=True),
        )
        .order_by("kind")
    )


def project_audit(*, user, project, limit=200):
    """Who changed what on the project and everything hanging off it (old and new values)."""
    if not Project.objects.restrict(user).filter(pk=project.pk).exists():
        raise Http404("项目不存在。")
    return pghistory.models.Events.objects.references(project).order_by("-pgh_created_at")[:limit]


AUDIT_CACHE_SECONDS = 300


def _audit_version_sql():
    """The latest event id of every audit table, as one text (each a max over a primary key).
    pghistory records inserts and updates as new events, so a project's audit list changes only when
    one of these moves."""
    import pghistory.models
    from django.apps import apps

    tables = sorted(
        m._meta.db_table
        for m in apps.get_models()
        if issubclass(m, pghistory.models.Event) and m._meta.managed and not m._meta.proxy
    )
    return "concat_ws('|', " + ", ".join(f"coalesce((SELECT max(pgh_id) FROM \"{t}\")::text, '')" for t in tables) + ")"


def _audit_version():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT " + _audit_version_sql())
        return cursor.fetchone()[0]


def _audit_key(version):
    import hashlib

    return hashlib.sha256(version.encode()).hexdigest()[:16]


def project_audit_cached(*, user, project, limit=100):
    """``project_audit`` (the access check included, every time), its events kept in the shared cache
    until any audit event is recorded: pghistory's aggregate query over every audit table costs about
    10 ms to plan alone, and the list is the same for everyone who may see the project."""
    import hashlib

    from django.core.cache import cache

    if not Project.objects.restrict(user).filter(pk=project.pk).exists():
        raise Http404("项目不存在。")
    version = hashlib.sha256(_audit_version().encode()).hexdigest()[:16]
    key = f"investment:audit:{project.pk}:{limit}:{version}"
    events = cache.get(key)
    if events is None:
        events = list(pghistory.models.Events.objects.references(project).order_by("-pgh_created_at")[:limit])
        cache.set(key, events, AUDIT_CACHE_SECONDS)
    return events


def project_section(*, user, project):
    """Everything the project page's progress section shows, read in one statement (common.batch): the
    entries with their running totals, the amendments, procedures, photos and their comments, problems,
    funding, the frozen months, and the audit list's cache version (two more queries when that list is
    not cached yet). ``project`` is the page's project (already read through the user's scope)."""
    from django.core.cache import cache

    from common.batch import Raw, fetch_with, set_prefetched, set_related

    photos = SitePhoto.objects.restrict(user).filter(project=project).select_related("uploaded_by")[:24]
    (in_scope, entries, amendments, procedures, photos, comments, problems, funding, frozen, version) = fetch_with(
        Project.objects.restrict(user).filter(pk=project.pk).values_list("pk", flat=True),
        entries_with_totals(user=user, project=project).select_related(None),
        ProgressAmendment.objects.restrict(user)
        .filter(entry__project=project)
        .select_related("created_by", "decided_by")
        .order_by("entry_id", "created_at", "id"),
        procedure_list(user=user, project=project).select_related(None),
        photos,
        PhotoComment.objects.filter(photo__in=photos.values("pk")).select_related("author"),
        problem_list(user=user, project=project)
        .select_related(None)
        .select_related("responsible_department", "responsible_region"),
        funding_list(user=user, project=project).select_related(None),
        PeriodFreeze.objects.filter(
            period__in=ProgressEntry.objects.restrict(user).filter(project=project).values("period")
        ).values_list("period", flat=True),
        Raw(_audit_version_sql()),
    )
    if not in_scope:
        raise Http404("项目不存在。")
    for rows in (entries, procedures, photos, problems, funding):
        set_related(rows, "project", project)
    by_pk = {e.pk: e for e in entries}
    per_entry = {}
    for a in amendments:
        if a.entry_id in by_pk:
            a.entry = by_pk[a.entry_id]
        per_entry.setdefault(a.entry_id, []).append(a)
    for e in entries:
        e.amendment_list = per_entry.get(e.pk, [])
        e.pending_amendment = next((a for a in e.amendment_list if a.is_pending), None)
    set_prefetched(photos, "comments", comments, "photo_id")
    tops = [i for i in procedures if i.parent_id is None]
    children = {}
    for i in procedures:
        if i.parent_id:
            children.setdefault(i.parent_id, []).append(i)
    for t in tops:
        t.sub_items = children.get(t.pk, [])
    key = f"investment:audit-named:{project.pk}:100:{_audit_key(version)}"
    cached = cache.get(key)
    if cached is None:
        cached = _audit_with_names(project, limit=100)
        cache.set(key, cached, AUDIT_CACHE_SECONDS)
    audit, names = cached
    for e in audit:
        e.who = names.get((e.pgh_context or {}).get("user")) or gettext("系统")
        e.what, e.changes = _describe_event(e)
    return {
        "project": project,
        "entries": entries,
        "photos": photos,
        "problems": problems,
        "procedures": tops,
        "procedure_summary": procedure_summary(items=procedures),
        "funding": funding,
        "audit": audit,
        "amendments": sorted(
            (a for e in entries for a in e.amendment_list), key=lambda a: (a.created_at, a.pk), reverse=True
        ),
        "can_change": _can(user, Action.CHANGE, project),
        "can_verify": _can(user, Action.VERIFY, project),
        "can_comment": _can(user, Action.COMMENT, project) or _can(user, Action.CHANGE, project),
        "frozen": set(frozen),
    }


def _audit_with_names(project, *, limit):
    """(events, {user id: name}) of the project's audit list: what the cache keeps (names included, so
    that a cached list costs no query for its authors)."""
    events = list(pghistory.models.Events.objects.references(project).order_by("-pgh_created_at")[:limit])
    user_ids = {e.pgh_context.get("user") for e in events if e.pgh_context and e.pgh_context.get("user")}
    names = {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=user_ids)} if user_ids else {}
    return events, names


AUDIT_SKIP = {"updated_at", "version", "created_at"}


def _describe_event(event):
    """(model label, [(field label, old, new)]) of an audit event, in the models' own words."""
    try:
        tracked = apps.get_model(event.pgh_model).pgh_tracked_model
    except (LookupError, AttributeError, ValueError):
        return event.pgh_model, []
    # Verbose names are plain strings in the models: translated here, from the catalogue.
    model = gettext(str(tracked._meta.verbose_name))
    label = (gettext("%(model)s新建") if event.pgh_label == "insert" else gettext("%(model)s修改")) % {"model": model}
    changes = []
    for name, values in (event.pgh_diff or {}).items():
        if name in AUDIT_SKIP:
            continue
        try:
            field = tracked._meta.get_field(name.removesuffix("_id"))
            field_label = gettext(str(field.verbose_name))
        except Exception:
            field, field_label = None, name
        old, new = [*values, None, None][:2] if isinstance(values, list) else (None, values)
        changes.append((field_label, _audit_value(field, old), _audit_value(field, new)))
    return label, changes


def _audit_value(field, value):
    """A stored value as users know it: a status's label, yes/no, a time in local time."""
    from django.db import models
    from django.utils.dateparse import parse_datetime
    from django.utils.formats import date_format

    if value is None or field is None:
        return value
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return gettext("是") if value else gettext("否")
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, datetime.UTC)
            return date_format(timezone.localtime(moment), "Y-m-d H:i")
    return value


def _can(user, action, project):
    return can(user, action, project)


def may_enter_region(*, user, region) -> bool:
    """Whether the user may enter progress for the region's projects (its template and import)."""
    ids = region_ids(user, Action.CHANGE)  # None: every region
    return ids is None or region.pk in ids


def regions_for_entry(*, user):
    """Regions whose projects the user may see (for the month page's picker)."""
    ids = region_ids(user, Action.VIEW)
    return Region.objects.all() if ids is None else Region.objects.filter(pk__in=ids)


def entry_reviewers(*, entry):
    """The active county reviewers of the entry's county: whom a submission is for."""
    return county_reviewers(project=entry.project)


def entry_for_month(*, user, project, period):
    """The project's entry for the month, or None (the project already passed its access check)."""
    return entry_queryset(user=user).filter(project=project, period=month_start(period)).first()


def entry_names(*, user, pks):
    """{entry id: "project month"} for messages about several entries."""
    return {e.pk: f"{e.project.name} {e.period:%Y-%m}" for e in entry_queryset(user=user).filter(pk__in=pks)}


# --- weekly site photos (形象调度) ------------------------------------------------------------------
def photo_rule():
    """The administrator's cadence row (WeeklyPhotoRule.current)."""
    from .models import WeeklyPhotoRule

    return WeeklyPhotoRule.current()


def photo_week_projects(projects, *, week, rule):
    """The projects of ``projects`` that owe site photos in the week starting ``week`` (the rule's
    stages and minimum investment), annotated with ``week_photos`` (photos uploaded for that week)
    and ``week_posted`` (at least the rule's number). The one measure behind the county counts, the
    lists and the reminder (insights.definitions.photo_week_counts reads it)."""
    uploaded = (
        SitePhoto.objects.filter(project=OuterRef("pk"), week=week)
        .order_by()
        .values("project")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        projects.filter(rule.projects_q())
        .annotate(week_photos=Coalesce(Subquery(uploaded), Value(0)))
        .annotate(
            week_posted=Case(
                When(week_photos__gte=rule.photos_per_week, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )


def photo_week_list(*, user, week, rule=None, region=None, posted=None):
    """The owing projects in the user's scope with this week's count (the county's to-do list and the
    leader's per-county list), missing ones first."""
    rule = rule or photo_rule()
    projects = Project.objects.restrict(user).select_related("region")
    if region is not None:
        projects = projects.filter(region=region)
    qs = photo_week_projects(projects, week=week, rule=rule).only(
        "id", "name", "total_investment", "region__id", "region__name", "region__name_en", "region__key",
        "region__sort_order",
    )  # fmt: skip
    if posted is not None:
        qs = qs.filter(week_posted=posted)
    return qs.order_by("week_posted", "region__sort_order", "-total_investment", "id")


def gallery_photos(*, user, week=None, region=None, projects=None, sector=None):
    """Site photos in the user's scope for the gallery, newest first, with project, county, uploader
    and comments pre-joined (a fixed number of queries per page). ``projects`` (a Project queryset or
    ids, e.g. a dispatch group's scope or a light) narrows them."""
    qs = (
        SitePhoto.objects.restrict(user)
        .select_related("project", "project__region", "project__sector", "uploaded_by")
        .prefetch_related(
            Prefetch(
                "comments",
                queryset=PhotoComment.objects.select_related("author", "problem").order_by("created_at", "id"),
            )
        )
        .order_by("-created_at", "-id")
    )
    if week is not None:
        qs = qs.filter(week=week)
    if region is not None:
        qs = qs.filter(project__region=region)
    if sector is not None:
        qs = qs.filter(project__sector=sector)
    if projects is not None:
        qs = qs.filter(project__in=projects)
    return qs


def photo_comment_get(*, user, pk):
    """A comment whose photo the user may see (404 otherwise, the words of a missing one)."""
    try:
        return PhotoComment.objects.restrict(user).select_related("photo", "photo__project", "author").get(pk=pk)
    except (PhotoComment.DoesNotExist, ValueError, TypeError):
        raise Http404("批示不存在。") from None


def county_staff(*, region_id):
    """The active staff and reviewers of a county: whom its photo comments and reminders reach."""
    from projects.models import RoleAssignment

    ids = RoleAssignment.objects.filter(role__in=[Role.COUNTY_STAFF, Role.COUNTY_REVIEWER], region_id=region_id).values(
        "user_id"
    )
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"))

import datetime
from decimal import Decimal

from django.core.management import call_command
from django.db.models import Count, F, Sum
from django.utils import timezone

from insights import definitions
from investment import procedure_selectors
from investment.choices import EntryStatus, FundingKind, ProblemStatus
from investment.models import (
    FundingSource,
    PeriodFreeze,
    Problem,
    ProcedureItem,
    ProcedurePlan,
    ProcedureTemplate,
    ProgressEntry,
)
from investment.selectors import procedure_summary
from projects.models import Project


def test_demo_progress_problems_procedures_and_funding():
    call_command("seed_demo", projects=400, no_accounts=True, no_progress_bar=True)
    today = timezone.localdate()
    this_month = today.replace(day=1)
    building = Project.objects.filter(stage__in=["construction", "completed", "operating"])
    assert ProgressEntry.objects.values("project").distinct().count() == building.count()
    last_reported = (this_month - datetime.timedelta(days=1)).replace(day=1)
    old = ProgressEntry.objects.filter(period__lt=last_reported)
    assert old.exists() and not old.exclude(status=EntryStatus.VERIFIED).exists()
    periods = set(ProgressEntry.objects.values_list("period", flat=True))
    assert (
        max(periods) <= this_month
        and len({p for p in periods if p > this_month.replace(year=this_month.year - 2)}) <= 24
    )
    assert PeriodFreeze.objects.filter(period=last_reported).count() == 0
    assert PeriodFreeze.objects.count() == 23
    # No project is over its planned total in the demo (overruns need a reason).
    over = (
        ProgressEntry.objects.values("project", "project__total_investment")
        .annotate(total=Sum("amount_completed"))
        .filter(total__gt=F("project__total_investment"))
    )
    assert not over.exists()
    overdue = Problem.objects.filter(status__in=ProblemStatus.unresolved(), deadline__lt=today)
    assert Problem.objects.exists() and overdue.exists()
    mine = Project.objects.get(name="鞍钢西鞍山铁矿项目")
    items = list(ProcedureItem.objects.filter(project=mine))
    assert sum(1 for i in items if i.parent_id is None) == 16 and sum(1 for i in items if i.parent_id) == 112
    summary = procedure_summary(items=items)
    assert summary["share_done"] == Decimal("1.0000") and summary["days_saved"] > 0 and summary["deficiencies"] == 3
    # The engine: dependencies between the items, 容缺 deadlines, 870 days against the original plan.
    assert ProcedureItem.depends_on.through.objects.filter(from_procedureitem__project=mine).count() > 16
    assert all(i.deficiency_deadline for i in items if i.accepted_with_deficiency)
    saved = definitions.annotate_time_saved(Project.objects.filter(pk=mine.pk)).get()
    assert saved.days_saved == 870 and saved.parallel_items > 1
    assert ProcedureTemplate.objects.values("project_type").distinct().count() == 5
    assert procedure_selectors.open_deficiencies().filter(deficiency_deadline__lt=today).exists()  # overdue 补正
    assert ProcedurePlan.objects.filter(is_baseline=False).exists()  # a later version beside its baseline
    bonds = FundingSource.objects.filter(kind=FundingKind.SPECIAL_BONDS).aggregate(
        n=Count("project"), s=Sum("amount_approved")
    )
    assert bonds == {"n": 15, "s": Decimal("155600.00")}

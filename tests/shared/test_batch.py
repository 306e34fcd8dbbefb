"""common.batch: several querysets in one statement give exactly what each gives alone."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Count, F, Sum, Window

from common.batch import Raw, as_queryset, fetch_together, fetch_with, set_prefetched
from investment.models import ProgressEntry, SitePhoto
from projects.choices import Stage
from projects.models import Project, StageChange
from projects.selectors import project_queryset
from tests.factories import ProjectFactory, UserFactory


def _snapshot(value):
    """Every stored field, annotation and select_related object of a row, with its Python type."""
    if not hasattr(value, "_meta"):
        return (type(value).__name__, value)
    fields = {f.attname: (type(getattr(value, f.attname)).__name__, getattr(value, f.attname))
              for f in value._meta.concrete_fields}  # fmt: skip
    extra = {k: (type(v).__name__, v) for k, v in vars(value).items() if not k.startswith("_") and k not in fields}
    related = {name: _snapshot(obj) for name, obj in value._state.fields_cache.items()}
    return fields, extra, related


@pytest.fixture
def rows(leader):
    steward = UserFactory(username="steward_batch", display_name="王管家")
    projects = [
        ProjectFactory(name="甲", total_investment=Decimal("12345678.91"), annual_plan=Decimal("0.01"), steward=steward,
                       planned_start=datetime.date(2025, 3, 1)),
        ProjectFactory(name="乙'\"<x>", total_investment=Decimal("10.00"), annual_plan=Decimal("3.10")),
    ]  # fmt: skip
    for i, amount in enumerate(["10.05", "0.10", "123456.78"]):
        ProgressEntry.objects.create(project=projects[0], period=datetime.date(2025, i + 1, 1), amount_completed=amount)
        StageChange.objects.create(project=projects[0], to_stage=Stage.PLANNING, changed_on=datetime.date(2025, 1, i + 1),
                                   changed_by=steward, reason=f"原因{i}")  # fmt: skip
    return projects


def test_each_queryset_gives_what_it_gives_alone_in_one_query(leader, rows, django_assert_num_queries):
    querysets = [
        project_queryset(user=leader, thresholds_in_query=True).select_related("steward").order_by("-name"),
        ProgressEntry.objects.filter(project=rows[0])
        .select_related("project__region")
        .annotate(running=Window(Sum("amount_completed"), order_by=F("period").asc()))
        .order_by("-period"),
        StageChange.objects.select_related("changed_by").order_by("-changed_on")[:2],
        Project.objects.order_by("name").values("name", "total_investment", "planned_start", "region__name"),
        Project.objects.order_by("pk").values_list("pk", "annual_plan"),
        ProgressEntry.objects.values("project").annotate(n=Count("id")).values_list("n", flat=True),
        ProgressEntry.pgh_event_model.objects.order_by("pgh_id"),  # JSON and datetime columns
        Project.objects.none(),
        Project.objects.filter(pk__in=[]),
    ]
    alone = [[_snapshot(r) for r in qs] for qs in querysets]
    with django_assert_num_queries(1):
        together = fetch_together(*querysets)
    assert [[_snapshot(r) for r in result] for result in together] == alone
    assert [len(a) for a in alone] == [2, 3, 2, 2, 2, 1, 3, 0, 0]  # the cases are not empty by accident
    entry = together[1][0]
    assert entry.running == Decimal("123466.93") and isinstance(entry.running, Decimal)
    assert entry.project.region.name == "铁东区"


def test_raw_scalars_sit_beside_querysets(rows, django_assert_num_queries):
    with django_assert_num_queries(1):
        names, total = fetch_with(
            Project.objects.order_by("name").values_list("name", flat=True),
            Raw("SELECT sum(total_investment) FROM projects_project WHERE name <> %s", ["乙'\"<x>"]),
        )
    assert names == ["乙'\"<x>", "甲"]
    assert total == Decimal("12345678.91")


def test_prefetch_related_is_refused_rather_than_run_behind_the_batch(rows):
    with pytest.raises(NotImplementedError):
        fetch_together(SitePhoto.objects.prefetch_related("comments"))


def test_read_rows_are_handed_on_without_a_query(rows, django_assert_num_queries):
    (projects,) = fetch_together(Project.objects.order_by("name"))
    with django_assert_num_queries(0):
        qs = as_queryset(Project.objects.all(), projects)
        assert len(qs) == 2 and [p.name for p in qs] == ["乙'\"<x>", "甲"]
        set_prefetched(projects, "stage_changes", [], "project_id")
        assert list(projects[0].stage_changes.all()) == []

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from projects.choices import Stage, StartType
from projects.models import Category, Project, StageChange
from projects.services import project_create, project_stage_change, project_update
from tests.factories import ProjectFactory


def _create(user, region, **overrides):
    data = {
        "name": "新港国际广场",
        "investor": "鞍山新港置业有限公司",
        "region": region,
        "category": Category.objects.get(key="social"),
        "total_investment": Decimal("300000.00"),
        "annual_plan": Decimal("50000.00"),
    }
    data.update(overrides)
    return project_create(user=user, **data)


def test_create_records_the_first_stage(county_user, tiedong):
    project = _create(county_user, tiedong, code="2024-210302-04-01-a1b2c3")
    assert project.code == "2024-210302-04-01-A1B2C3"
    change = StageChange.objects.get(project=project)
    assert (change.from_stage, change.to_stage, change.changed_by) == ("", Stage.PLANNING, county_user)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"total_investment": Decimal("-1")}, "total_investment"),
        ({"annual_plan": Decimal("-0.01")}, "annual_plan"),
        ({"annual_plan": Decimal("300000.01")}, "annual_plan"),
        ({"code": "2024-210302-04-01"}, "code"),
        ({"code": "24-210302-04-01-A1B2C3X"}, "code"),
        ({"code": "2024-21030-204-01-A1B2C3"}, "code"),
        (
            {"planned_start": datetime.date(2025, 5, 1), "planned_completion": datetime.date(2025, 4, 1)},
            "planned_completion",
        ),
        ({"total_investment": Decimal("12.345")}, "total_investment"),
    ],
)
def test_create_refuses_bad_values_with_the_field_named(county_user, tiedong, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        _create(county_user, tiedong, **overrides)
    assert field in excinfo.value.message_dict
    assert not Project.objects.exists()


def test_duplicate_code_is_refused(county_user, tiedong):
    _create(county_user, tiedong, code="2024-210302-04-01-A1B2C3")
    with pytest.raises(ValidationError) as excinfo:
        _create(county_user, tiedong, name="另一个", code="2024-210302-04-01-a1b2c3")
    assert "code" in excinfo.value.message_dict
    assert Project.objects.count() == 1


def test_blank_codes_do_not_collide(county_user, tiedong):
    _create(county_user, tiedong, code="")
    _create(county_user, tiedong, name="二号", code="  ")
    assert Project.objects.filter(code__isnull=True).count() == 2


def test_database_refuses_year_plan_above_total_even_without_the_service(tiedong):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(total_investment=Decimal("100"), annual_plan=Decimal("200"))


def test_county_user_cannot_create_in_another_county(county_user, haicheng):
    with pytest.raises(PermissionDenied):
        _create(county_user, haicheng)
    assert not Project.objects.exists()


def test_county_user_cannot_move_a_project_out_of_their_scope(county_user, haicheng):
    project = ProjectFactory()
    with pytest.raises(PermissionDenied):
        project_update(project=project, user=county_user, region=haicheng)
    project.refresh_from_db()
    assert project.region.key == "tiedong"


def test_stage_cannot_be_changed_through_update(county_user):
    project = ProjectFactory()
    with pytest.raises(ValidationError) as excinfo:
        project_update(project=project, user=county_user, stage=Stage.COMPLETED)
    assert "stage" in excinfo.value.message_dict


def test_stage_history_is_kept_forward(county_user):
    project = ProjectFactory()
    day = datetime.date(2026, 3, 1)
    for stage in (Stage.NEGOTIATING, Stage.SIGNED, Stage.LANDED):
        project_stage_change(project=project, to_stage=stage, user=county_user, changed_on=day)
    change = project_stage_change(
        project=project, to_stage=Stage.CONSTRUCTION, start_type=StartType.NEW, user=county_user, changed_on=day
    )
    project.refresh_from_db()
    assert project.stage == Stage.CONSTRUCTION
    assert project.actual_start == day
    assert change.from_stage == Stage.LANDED and not change.is_backward
    assert list(project.stage_changes.values_list("to_stage", flat=True)) == [
        Stage.NEGOTIATING,
        Stage.SIGNED,
        Stage.LANDED,
        Stage.CONSTRUCTION,
    ]


def test_backward_move_needs_a_reason(county_user):
    project = ProjectFactory(stage=Stage.SIGNED)
    with pytest.raises(ValidationError) as excinfo:
        project_stage_change(project=project, to_stage=Stage.NEGOTIATING, user=county_user, reason="  ")
    assert "reason" in excinfo.value.message_dict
    project.refresh_from_db()
    assert project.stage == Stage.SIGNED
    change = project_stage_change(
        project=project, to_stage=Stage.NEGOTIATING, user=county_user, reason="投资方调整方案,重新洽谈"
    )
    assert change.is_backward
    assert change.changed_by == county_user


def test_database_refuses_a_backward_change_without_reason():
    project = ProjectFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        StageChange.objects.create(
            project=project, from_stage="signed", to_stage="planning", changed_on=datetime.date(2026, 1, 1),
            is_backward=True, reason="",
        )  # fmt: skip


def test_construction_needs_a_start_type(county_user):
    project = ProjectFactory(stage=Stage.LANDED)
    with pytest.raises(ValidationError) as excinfo:
        project_stage_change(project=project, to_stage=Stage.CONSTRUCTION, user=county_user)
    assert "start_type" in excinfo.value.message_dict


def test_completion_before_start_is_refused(county_user):
    project = ProjectFactory(stage=Stage.CONSTRUCTION, start_type=StartType.NEW, actual_start=datetime.date(2026, 6, 1))
    with pytest.raises(ValidationError) as excinfo:
        project_stage_change(
            project=project, to_stage=Stage.COMPLETED, user=county_user, changed_on=datetime.date(2026, 5, 1)
        )
    assert "changed_on" in excinfo.value.message_dict


def test_completion_sets_the_actual_date(county_user):
    project = ProjectFactory(stage=Stage.CONSTRUCTION, start_type=StartType.NEW, actual_start=datetime.date(2025, 6, 1))
    project_stage_change(
        project=project, to_stage=Stage.COMPLETED, user=county_user, changed_on=datetime.date(2026, 5, 1)
    )
    project.refresh_from_db()
    assert project.actual_completion == datetime.date(2026, 5, 1)


def test_same_stage_is_refused(county_user):
    project = ProjectFactory(stage=Stage.SIGNED)
    with pytest.raises(ValidationError):
        project_stage_change(project=project, to_stage=Stage.SIGNED, user=county_user)


def test_other_county_cannot_change_stage(other_county_user):
    project = ProjectFactory(stage=Stage.SIGNED)
    with pytest.raises(PermissionDenied):
        project_stage_change(project=project, to_stage=Stage.LANDED, user=other_county_user)
    assert not StageChange.objects.filter(project=project).exists()


def test_update_is_audited_with_who_and_what(county_user):
    project = _create(county_user, project_region := county_user.roles.get().region)
    assert project_region.key == "tiedong"
    project_update(project=project, user=county_user, total_investment=Decimal("320000.00"))
    events = list(Project.pgh_event_model.objects.filter(pgh_obj=project).order_by("pgh_id"))
    assert [e.pgh_label for e in events] == ["insert", "update"]
    assert events[-1].total_investment == Decimal("320000.00")
    assert events[-1].pgh_context.metadata["user"] == county_user.pk

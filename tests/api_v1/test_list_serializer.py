"""The project list's direct serializer gives exactly the rows of the generic ModelSerializer path."""

import datetime
from decimal import Decimal

from rest_framework import serializers

from projects.api.serializers import ProjectDetailSerializer, ProjectListSerializer
from projects.choices import Stage, StartType
from projects.selectors import project_list
from tests.api_v1.conftest import client_for
from tests.factories import ProjectFactory


class GenericListSerializer(ProjectListSerializer):
    to_representation = serializers.ModelSerializer.to_representation


def test_list_rows_match_the_generic_serializer(leader, haicheng):
    ProjectFactory(total_investment=Decimal("12345.6"), annual_plan=Decimal("0"), sector=None, department=None)
    ProjectFactory(
        region=haicheng,
        stage=Stage.CONSTRUCTION,
        start_type=StartType.NEW,
        total_investment=Decimal("80000"),
        annual_plan=Decimal("999.99"),
        planned_start=datetime.date(2026, 3, 1),
        actual_start=datetime.date(2026, 4, 2),
        planned_completion=datetime.date(2028, 12, 31),
    )
    rows = list(project_list(user=leader).order_by("id"))
    fast = ProjectListSerializer(rows, many=True).data
    generic = GenericListSerializer(rows, many=True).data
    assert len(fast) == 2
    assert [dict(r) for r in fast] == [dict(r) for r in generic]
    assert fast[0]["sector_name"] is None and fast[0]["total_investment"] == "12345.60"
    assert fast[1]["key_level"] == "city" and fast[1]["actual_start"] == "2026-04-02"


def test_detail_keeps_the_full_field_walk(leader):
    project = ProjectFactory(description="说明")
    body = client_for(leader).get(f"/api/v1/projects/{project.pk}/").json()
    assert body["description"] == "说明"
    assert set(ProjectDetailSerializer.Meta.fields) == set(body)


def test_list_api_rows_match_the_generic_serializer(leader, haicheng, django_assert_max_num_queries):
    ProjectFactory(
        total_investment=Decimal("600"), annual_plan=Decimal("100"), sector=None, department=None, actual_start=None
    )
    ProjectFactory(region=haicheng, stage=Stage.CONSTRUCTION, start_type=StartType.RESUMED, annual_plan=Decimal("1.5"))
    client = client_for(leader)
    with django_assert_max_num_queries(5):
        body = client.get("/api/v1/projects/?ordering=id").json()
    rows = list(project_list(user=leader).order_by("id"))
    assert body["count"] == 2
    assert body["results"] == [dict(r) for r in GenericListSerializer(rows, many=True).data]
    filtered = client.get("/api/v1/projects/?stage=construction&stage=planning&search=&ordering=-total_investment")
    assert filtered.json()["count"] == 2

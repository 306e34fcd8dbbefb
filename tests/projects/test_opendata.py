"""The OC4IDS package checked against the facts of the standard (domain.md section 10).

The official review library loads the schema over the network, so the required parts are
written here as a minimal JSON Schema draft 4, with the closed codelists we use.
"""

import datetime
import json
from decimal import Decimal

import jsonschema
import pytest
from django.core.management import call_command
from django.test import override_settings

from projects.choices import Stage
from projects.models import Category, Department, OpenDataPolicy
from tests.factories import ProjectFactory, UserFactory

VALUE = {
    "type": "object",
    "required": ["amount", "currency"],
    "properties": {"amount": {"type": "number"}, "currency": {"enum": ["CNY"]}},
}
DATE_TIME = {"type": "string", "format": "date-time", "pattern": r"T\d{2}:\d{2}:\d{2}.*([+-]\d{2}:\d{2}|Z)$"}
PROJECT = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": {"type": "string", "pattern": r"^oc4ids-[A-Za-z0-9]{6}-"},
        "updated": DATE_TIME,
        "title": {"type": "string"},
        "description": {"type": "string"},
        "status": {
            "enum": [
                "identification",
                "preparation",
                "implementation",
                "completion",
                "maintenance",
                "decommissioning",
                "decommissioned",
                "cancelled",
            ]
        },
        "type": {"enum": ["construction", "rehabilitation", "replacement", "expansion", "decommissioning"]},
        "sector": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "language": {"enum": ["zh"]},
        "budget": {"type": "object", "required": ["amount"], "properties": {"amount": VALUE}},
        "period": {"type": "object", "properties": {"startDate": DATE_TIME, "endDate": DATE_TIME}},
        "completion": {"type": "object", "properties": {"endDate": DATE_TIME}},
        "locations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "description": {"type": "string"},
                    "geometry": {
                        "type": "object",
                        "required": ["type", "coordinates"],
                        "properties": {
                            "type": {"enum": ["Point"]},
                            "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
                        },
                    },
                    "address": {"type": "object"},
                },
            },
        },
        "publicAuthority": {"type": "object", "required": ["name"]},
        "parties": {
            "type": "array",
            "items": {"type": "object", "required": ["id", "name", "roles"]},
        },
        "identifiers": {"type": "array", "items": {"type": "object", "required": ["id", "scheme"]}},
    },
}
PACKAGE = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "required": ["uri", "publisher", "publishedDate", "version", "projects"],
    "properties": {
        "uri": {"type": "string", "format": "uri", "pattern": "^https?://"},
        "publisher": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
        "publishedDate": DATE_TIME,
        "version": {"enum": ["0.9"]},
        "projects": {"type": "array", "minItems": 1, "items": PROJECT},
    },
}
URL = "/api/v1/open-data/projects/"
PERSONAL = ["leader", "steward", "phone", "张", "13800001111"]


def validate(package):
    jsonschema.Draft4Validator(PACKAGE, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER).validate(package)
    ids = [p["id"] for p in package["projects"]]
    assert len(ids) == len(set(ids)), "project ids are unique within a package"


@pytest.fixture
def publish_every_stage(db):
    """The administrator's policy set to publish planned projects too (the default starts at landed)."""
    OpenDataPolicy.objects.update_or_create(pk=1, defaults={"earliest_stage": Stage.PLANNING})


@pytest.fixture
def projects(haicheng, publish_every_stage):
    leader = UserFactory(username="zhang", display_name="张市长", phone="13800001111")
    built = ProjectFactory(
        name="鞍山菱镁新材料产业园",
        code="2024-210302-04-01-A1B2C3",
        description="建设菱镁新材料生产线",
        total_investment=Decimal("125000.50"),
        stage=Stage.COMPLETED,
        start_type="new",
        actual_start=datetime.date(2024, 3, 1),
        actual_completion=datetime.date(2025, 10, 30),
        address="铁东区某路1号",
        longitude=Decimal("123.001234"),
        latitude=Decimal("41.112233"),
        city_leader=leader,
        steward=leader,
    )
    planned = ProjectFactory(
        name="海城文旅综合体",
        region=haicheng,
        category=Category.objects.get(key="social"),
        department=None,
        total_investment=Decimal("800.00"),
        annual_plan=Decimal("200.00"),
        planned_start=datetime.date(2026, 5, 1),
    )
    small = ProjectFactory(name="小型项目", total_investment=Decimal("100.00"), annual_plan=Decimal("10.00"))
    return built, planned, small


def test_api_is_anonymous_and_valid(projects, client):
    response = client.get(URL)
    assert response.status_code == 200
    package = response.json()
    validate(package)
    assert package["uri"] == "http://testserver/api/v1/open-data/projects/"
    assert package["publisher"]["name"] == "鞍山市发展和改革委员会"


def test_projects_carry_the_public_facts(projects, client):
    built, planned, _small = projects
    package = client.get(URL).json()
    by_title = {p["title"]: p for p in package["projects"]}
    assert set(by_title) == {built.name, planned.name}  # key projects only (>= 500 万元)
    record = by_title[built.name]
    assert record["id"] == "oc4ids-as2103-2024-210302-04-01-A1B2C3"
    assert record["status"] == "completion"
    assert record["type"] == "rehabilitation"  # industrial upgrading
    assert record["budget"]["amount"] == {"amount": 1250005000, "currency": "CNY"}  # 万元 x 10,000
    assert record["locations"][0]["geometry"] == {"type": "Point", "coordinates": [123.001234, 41.112233]}
    assert record["period"]["startDate"] == "2024-03-01T00:00:00+08:00"
    assert record["completion"]["endDate"] == "2025-10-30T00:00:00+08:00"
    assert record["publicAuthority"] == {"id": "anshan-dept-gxj", "name": "市工业和信息化局"}
    assert record["parties"] == [{"id": "anshan-dept-gxj", "name": "市工业和信息化局", "roles": ["publicAuthority"]}]
    assert {"id": built.code, "scheme": "CN-TZXM"} in record["identifiers"]
    other = by_title[planned.name]
    assert other["id"] == f"oc4ids-as2103-AS{planned.pk}"
    assert other["status"] == "identification"
    assert other["budget"]["amount"]["amount"] == 8000000
    assert other["publicAuthority"]["name"] == "市发展改革委"  # the category's lead department
    assert "geometry" not in other["locations"][0]
    assert "completion" not in other


@pytest.mark.parametrize(
    ("stage", "status"),
    [
        (Stage.PLANNING, "identification"),
        (Stage.NEGOTIATING, "identification"),
        (Stage.SIGNED, "identification"),
        (Stage.LANDED, "preparation"),
        (Stage.CONSTRUCTION, "implementation"),
        (Stage.COMPLETED, "completion"),
        (Stage.OPERATING, "maintenance"),
    ],
)
def test_status_mapping(stage, status, client, publish_every_stage):
    ProjectFactory(stage=stage, start_type="new" if stage == Stage.CONSTRUCTION else "")
    assert client.get(URL).json()["projects"][0]["status"] == status


def test_no_personal_data_and_no_problems(projects, client):
    from investment.models import Problem

    Problem.objects.create(
        project=projects[0],
        description="征地补偿款未到位",
        kind="land",
        responsible_unit="铁东区政府",
        deadline=datetime.date(2026, 1, 1),
    )
    text = client.get(URL).content.decode()
    for marker in [*PERSONAL, "征地补偿款未到位", "铁东区政府"]:
        assert marker not in text


def test_money_is_a_number_not_a_string(projects, client):
    package = client.get(URL).json()
    for record in package["projects"]:
        assert isinstance(record["budget"]["amount"]["amount"], (int, float))


def test_prefix_setting(projects, client):
    with override_settings(OC4IDS_PREFIX="oc4ids-abc123"):
        ids = [p["id"] for p in client.get(URL).json()["projects"]]
    assert all(i.startswith("oc4ids-abc123-") for i in ids)


def test_default_prefix_is_oc4ids_plus_six_characters(settings):
    prefix = settings.OC4IDS_PREFIX
    assert prefix.startswith("oc4ids-") and len(prefix.removeprefix("oc4ids-")) == 6


def test_command_writes_the_same_package(projects, client, tmp_path):
    target = tmp_path / "oc4ids.json"
    call_command("export_oc4ids", "--output", str(target), "--uri", "https://example.org/oc4ids.json")
    written = json.loads(target.read_text(encoding="utf-8"))
    validate(written)
    served = client.get(URL).json()
    assert written["uri"] == "https://example.org/oc4ids.json"
    assert written["projects"] == served["projects"]
    assert written["publishedDate"] == served["publishedDate"]


def test_command_refuses_an_empty_package(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="at least one project"):
        call_command("export_oc4ids", "--output", str(tmp_path / "x.json"))


def test_query_count_is_fixed(client, django_assert_max_num_queries, publish_every_stage):
    department = Department.objects.get(key="fgw")
    for i in range(30):
        ProjectFactory(name=f"开放项目{i}", department=department if i % 2 else None)
    with django_assert_max_num_queries(4):
        assert len(client.get(URL).json()["projects"]) == 30

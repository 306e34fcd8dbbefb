"""Outside a user's scope an object does not exist, in messages too: no existence oracle.

For every API write operation (found through the schema generator, so a new endpoint is walked
without editing this file) and every request field that names another object (a related field, or
a field named like a foreign key), a county user's request naming another county's real object
gets exactly the answer a made-up id gets. The same for the progress import (codes and ids), a
project's code colliding with another county's project, and order addressees by username.
"""

import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models, transaction
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from investment.excel import progress_import
from investment.models import FundingSource, Problem, ProcedureItem
from projects.access import RestrictedQuerySet
from projects.models import Project
from supervision.models import SupervisionOrder
from tests.api_v1.conftest import client_for
from tests.factories import ProjectFactory
from tests.investment.xlsx_helpers import progress_workbook

MADE_UP = 987654321
FK_MODELS = {}
for _model in apps.get_models():
    for _field in _model._meta.get_fields():
        if isinstance(_field, models.ForeignKey) and _field.concrete:
            FK_MODELS.setdefault(_field.name, set()).add(_field.related_model)


def write_operations():
    """(method, path template, request serializer) for every API write with a body."""
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    for path, path_regex, method, callback in generator.endpoints:
        if method not in ("POST", "PUT", "PATCH"):
            continue
        view = generator.create_view(callback, method)
        view.schema.path, view.schema.path_regex, view.schema.method = path, path_regex, method
        view.schema.path_prefix = "/api/v1/"
        found = view.schema.get_request_serializer()
        for serializer in found.values() if isinstance(found, dict) else [found]:
            if serializer is None:
                continue
            yield method, path, serializer() if isinstance(serializer, type) else serializer


def referenced_model(serializer, name, field):
    """The model a request field names by id, or None when it names nothing (or only public
    reference data: regions, sectors, departments, categories are listed to everyone)."""
    if isinstance(field, serializers.ManyRelatedField):
        field = field.child_relation
    if isinstance(field, serializers.RelatedField) and getattr(field, "queryset", None) is not None:
        model = field.queryset.model
    else:
        meta_model = getattr(getattr(serializer, "Meta", None), "model", None)
        candidates = FK_MODELS.get(name.removesuffix("_id"), set())
        if meta_model is not None:
            own = [
                f
                for f in meta_model._meta.get_fields()
                if f.name == name.removesuffix("_id") and f.is_relation and f.concrete and not f.many_to_many
            ]
            candidates = {own[0].related_model} if own else candidates
        # A name several models use for a key (``parent``: procedure items and template items): the
        # scoped ones are those a request could name across counties.
        candidates = {m for m in candidates if _scoped(m)} if len(candidates) > 1 else candidates
        model = next(iter(candidates)) if len(candidates) == 1 else None
    if model is None:
        return None
    return model if _scoped(model) else None


def _scoped(model):
    return isinstance(model._default_manager.all(), RestrictedQuerySet) or model is get_user_model()


def default_value(field):
    """A plausible value of the field's type, so that the request gets past the other fields."""
    if isinstance(field, serializers.RelatedField):
        first = field.get_queryset().order_by("pk").first() if field.queryset is not None else None
        return first.pk if first is not None else None
    if isinstance(field, serializers.ChoiceField):
        return next(iter(field.choices), "")
    if isinstance(field, serializers.BooleanField):
        return False
    if isinstance(field, (serializers.DecimalField, serializers.FloatField)):
        return "1"
    if isinstance(field, serializers.IntegerField):
        return 1
    if isinstance(field, serializers.DateField):
        return "2026-10-01"
    if isinstance(field, serializers.DictField):
        return {"1": "10"}
    if isinstance(field, (serializers.ListField, serializers.ManyRelatedField)):
        return []
    if isinstance(field, serializers.CharField):
        return "测试"
    return None


@pytest.fixture
def world(tiedong, haicheng, county_user, other_county_user):
    mine = ProjectFactory(region=tiedong, code="2026-210302-04-01-MINE01")
    theirs = ProjectFactory(region=haicheng, code="2026-210381-04-01-THEIR1")
    objects = {}
    for label, project, region in (("mine", mine, tiedong), ("theirs", theirs, haicheng)):
        problem = Problem.objects.create(project=project, description="问题", kind="land", responsible_unit="单位",
                                         responsible_region=region, deadline="2026-12-31")  # fmt: skip
        procedure = ProcedureItem.objects.create(project=project, name="用地规划许可")
        funding = FundingSource.objects.create(project=project, kind="central_budget")
        objects[label] = {Project: project, Problem: problem, ProcedureItem: procedure, FundingSource: funding}
    objects["mine"][get_user_model()] = county_user
    objects["theirs"][get_user_model()] = other_county_user
    return objects


def real_id(world, label, model, field=None):
    found = world[label].get(model)
    if isinstance(field, serializers.CharField) and model is get_user_model() and found is not None:
        return found.username  # a user named by username
    if found is None:  # a model hanging off a project that the fixture did not make: skip nothing silently
        raise AssertionError(f"the fixture has no {model.__name__}: add one to world()")
    return found.pk


def _normalise(response, value):
    try:
        body = response.json()
    except ValueError:
        body = response.content.decode("utf-8", "replace")
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+[+-]\d\d:\d\d", "TIME", str(body))  # updated_at of a write
    return response.status_code, re.sub(rf"\b{value}\b", "ID", text)


def test_every_api_field_naming_an_object_answers_alike_for_another_countys_and_a_made_up_id(world, county_user):
    api = client_for(county_user)
    checked = []
    for method, path, serializer in write_operations():
        fields = {n: f for n, f in serializer.fields.items() if not f.read_only}
        refs = {n: m for n, f in fields.items() if (m := referenced_model(serializer, n, f))}
        if not refs:
            continue
        # The path's own object: one of the user's own (its id is the user's own project's where the
        # route hangs off a project, else the record named by the route).
        own_target = {"records": Project, "funding": FundingSource, "problems": Problem, "procedures": ProcedureItem}
        segment = path.split("/")[3]
        url = path.replace("{pk}", str(real_id(world, "mine", own_target.get(segment, Project)))).replace(
            "{id}", str(world["mine"][Project].pk)
        )
        base = {n: default_value(f) for n, f in fields.items()}
        base.update({n: real_id(world, "mine", m, fields[n]) for n, m in refs.items()})
        for name, model in refs.items():
            theirs = real_id(world, "theirs", model, fields[name])
            made_up = "nobody-at-all" if isinstance(theirs, str) else MADE_UP
            answers = []
            for value in (theirs, made_up):
                body = {**base, name: value}
                with transaction.atomic():  # each request from the same state (a write is undone)
                    response = getattr(api, method.lower())(url, body, format="json")
                    answers.append(_normalise(response, value))
                    transaction.set_rollback(True)
            # Equal answers: both refused alike, or both accepted with the field ignored (a made-up
            # id cannot have been used).
            assert answers[0] == answers[1], f"{method} {path} field {name}: {answers}"
            checked.append((method, path, name))
    # Guards the walk itself: the fields the issue names are among those checked.
    names = {(path, name) for _, path, name in checked}
    assert ("/api/v1/projects/{id}/", "city_leader") in names or ("/api/v1/projects/{pk}/", "city_leader") in names
    assert any(name == "project" and "problems" in path for path, name in names)
    assert any(name == "parent" for _, name in names)
    assert len(checked) >= 20


def test_a_project_code_held_by_another_county_answers_as_an_invalid_code(world, county_user):
    api = client_for(county_user)
    mine = world["mine"][Project]
    url = f"/api/v1/projects/{mine.pk}/"
    taken = api.patch(url, {"code": world["theirs"][Project].code}, format="json")
    malformed = api.patch(url, {"code": "2026-NOT-A-CODE"}, format="json")
    assert taken.status_code == malformed.status_code == 400
    assert taken.json() == malformed.json()
    assert "已存在" not in str(taken.json())
    mine.refresh_from_db()
    assert mine.code == "2026-210302-04-01-MINE01"  # still refused: unchanged


def _import_errors(user, rows):
    headers = ["项目代码", "项目ID", "填报月份", "本月完成投资(万元)"]
    buffer, book, _sheet = progress_workbook(rows, headers)
    book.close()
    result = progress_import(user=user, data=buffer.getvalue(), dry_run=True)
    return [(e["column"], e["message"]) for e in result.as_dict()["errors"]]


def test_the_import_answers_alike_for_another_countys_code_or_id_and_made_up_ones(world, county_user):
    theirs = world["theirs"][Project]
    by_code = _import_errors(county_user, [[theirs.code, None, "2026-10", "1"]])
    made_up_code = _import_errors(county_user, [["2026-210381-04-01-NOPE00", None, "2026-10", "1"]])
    assert [(c, m.replace(theirs.code, "X")) for c, m in by_code] == [
        (c, m.replace("2026-210381-04-01-NOPE00", "X")) for c, m in made_up_code
    ]
    by_id = _import_errors(county_user, [[None, str(theirs.pk), "2026-10", "1"]])
    made_up_id = _import_errors(county_user, [[None, str(MADE_UP), "2026-10", "1"]])
    assert [(c, m.replace(str(theirs.pk), "X")) for c, m in by_id] == [
        (c, m.replace(str(MADE_UP), "X")) for c, m in made_up_id
    ]
    assert by_code and by_id  # refused, not silently skipped


def test_an_order_addressee_answers_alike_for_an_unrelated_real_user_and_a_made_up_name(world, leader, haicheng):
    """An issuer learns nothing about usernames outside the project's people."""
    api = client_for(leader)
    project = world["mine"][Project]
    answers = []
    for username in ("charlie", "nobody-at-all"):
        body = {"project": project.pk, "requirement": "限期办结", "unit_kind": "enterprise", "unit_contact": username}
        response = api.post("/api/v1/supervision-orders/", body, format="json")
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1]
    assert answers[0][0] == 400
    assert not SupervisionOrder.objects.exists()


def test_the_made_up_id_really_is_unused():
    """Guards the tests above: the made-up id names nothing."""
    assert not Project.objects.filter(pk=MADE_UP).exists()
    assert Decimal(MADE_UP) > 0

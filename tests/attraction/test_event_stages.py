"""One entry for every fact (issue 19): a project added to a signing event moves to 签约 on the event's
date, one added to a concentrated start moves to 在建 with its start date and type, as recorded stage
changes, after the user confirms (a step on the page, a flag in the API), exactly once; taking the line
off asks whether to undo the change, with a reason."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from attraction import services
from attraction.choices import SigningEventKind
from attraction.models import SigningEvent, SigningEventProject, StartEvent, StartEventProject
from projects.choices import Stage
from projects.models import StageChange
from tests.api_v1.conftest import client_for
from tests.factories import ProjectFactory

TODAY = timezone.localdate()
HELD = TODAY - datetime.timedelta(days=20)


def stage_rows(project):
    """The project's stage changes, read in SQL (not through the code's helpers)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT from_stage, to_stage, start_type, changed_on, is_backward FROM projects_stagechange "
            "WHERE project_id = %s ORDER BY id",
            [project.pk],
        )
        return cursor.fetchall()


@pytest.fixture
def signing():
    return SigningEvent.objects.create(name="集中签约仪式", kind=SigningEventKind.CEREMONY, held_on=HELD)


@pytest.fixture
def negotiating(tiedong):
    project = ProjectFactory(region=tiedong, stage=Stage.NEGOTIATING, name="洽谈中的项目")
    StageChange.objects.create(project=project, from_stage="", to_stage=Stage.NEGOTIATING, changed_on=HELD)
    return project


def test_a_signing_event_moves_the_project_to_signed_once(county_user, signing, negotiating):
    line = services.signing_line_add(user=county_user, event=signing, project=negotiating, amount="8000",
                                     move_stage=True)  # fmt: skip
    negotiating.refresh_from_db()
    assert negotiating.stage == Stage.SIGNED
    assert stage_rows(negotiating)[1:] == [("negotiating", "signed", "", HELD, False)]
    assert line.stage_change.changed_by == county_user
    # The same project at a second signing event: the fact is recorded already, no second change.
    second = SigningEvent.objects.create(name="产业推介会", kind=SigningEventKind.PROMOTION, held_on=TODAY)
    again = services.signing_line_add(user=county_user, event=second, project=negotiating, amount="1000",
                                      move_stage=True)  # fmt: skip
    assert again.stage_change is None
    # And the same event twice is refused with the project's name.
    with pytest.raises(ValidationError) as refused:
        services.signing_line_add(user=county_user, event=signing, project=negotiating, amount="1", move_stage=True)
    assert "已在该活动中" in refused.value.message_dict["project"][0]
    assert len(stage_rows(negotiating)) == 2


def test_without_the_confirmation_nothing_moves(county_user, signing, negotiating):
    services.signing_line_add(user=county_user, event=signing, project=negotiating, amount="8000")
    negotiating.refresh_from_db()
    assert negotiating.stage == Stage.NEGOTIATING and len(stage_rows(negotiating)) == 1


def test_a_future_event_cannot_move_a_stage_yet(county_user, negotiating):
    later = SigningEvent.objects.create(name="下月签约", kind=SigningEventKind.CEREMONY,
                                        held_on=TODAY + datetime.timedelta(days=5))  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        services.signing_line_add(user=county_user, event=later, project=negotiating, amount="1", move_stage=True)
    assert "活动日期晚于今天" in refused.value.message_dict["move_stage"][0]
    assert not SigningEventProject.objects.filter(event=later).exists()  # nothing half-written


def test_undoing_the_line_records_a_change_back_with_the_reason(county_user, signing, negotiating):
    line = services.signing_line_add(user=county_user, event=signing, project=negotiating, amount="8000",
                                     move_stage=True)  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        services.event_line_remove(user=county_user, line=line, undo_stage=True, reason=" ")
    assert refused.value.message_dict["reason"] == ["撤销阶段变更须说明原因。"]
    services.event_line_remove(user=county_user, line=line, undo_stage=True, reason="签约对象有误")
    negotiating.refresh_from_db()
    assert negotiating.stage == Stage.NEGOTIATING
    rows = stage_rows(negotiating)
    assert [r[:2] for r in rows] == [("", "negotiating"), ("negotiating", "signed"), ("signed", "negotiating")]
    assert rows[-1][4] is True  # a step back, recorded, never deleted
    assert "签约对象有误" in StageChange.objects.order_by("-id").first().reason
    assert not SigningEventProject.objects.exists()


def test_an_undo_is_refused_once_the_project_moved_on(county_user, signing, negotiating):
    from projects.services import project_stage_change

    line = services.signing_line_add(user=county_user, event=signing, project=negotiating, amount="8000",
                                     move_stage=True)  # fmt: skip
    project_stage_change(project=negotiating, to_stage=Stage.LANDED, user=county_user)
    with pytest.raises(ValidationError) as refused:
        services.event_line_remove(user=county_user, line=line, undo_stage=True, reason="有误")
    assert refused.value.message_dict["undo_stage"] == [services.UNDO_MOVED_ON]
    assert SigningEventProject.objects.filter(pk=line.pk).exists()


def test_a_start_event_moves_the_project_under_construction_with_its_date_and_type(county_user, tiedong):
    project = ProjectFactory(region=tiedong, stage=Stage.SIGNED)
    event = StartEvent.objects.create(name="集中开工", held_on=HELD)
    with pytest.raises(ValidationError) as refused:
        services.start_line_add(user=county_user, event=event, project=project, amount="10000", move_stage=True)
    assert "start_type" in refused.value.message_dict
    services.start_line_add(user=county_user, event=event, project=project, amount="10000", start_type="new",
                            move_stage=True)  # fmt: skip
    project.refresh_from_db()
    assert (project.stage, project.start_type, project.actual_start) == (Stage.CONSTRUCTION, "new", HELD)
    assert stage_rows(project) == [("signed", "construction", "new", HELD, False)]
    assert StartEventProject.objects.get().start_type == "new"


def test_the_page_asks_before_moving_the_stage(client, county_user, signing, negotiating):
    client.force_login(county_user)
    url = f"/attraction/events/signing/{signing.pk}/"
    asked = client.post(url, {"project": negotiating.pk, "amount": "8000"})
    body = asked.content.decode()
    assert asked.status_code == 200 and "确认阶段变更" in body and "洽谈(在谈)" in body and "签约" in body
    assert not SigningEventProject.objects.exists()  # nothing until the user chooses
    done = client.post(url, {"project": negotiating.pk, "amount": "8000", "decision": "move"})
    assert done.status_code == 302
    negotiating.refresh_from_db()
    assert negotiating.stage == Stage.SIGNED and len(stage_rows(negotiating)) == 2
    line = SigningEventProject.objects.get()
    # Taking it off asks about the stage change, with a reason.
    remove = f"{url}lines/{line.pk}/remove/"
    page = client.get(remove).content.decode()
    assert "是否同时撤销该阶段变更" in page
    refused = client.post(remove, {"undo_stage": "on", "reason": ""})
    assert refused.status_code == 400 and "撤销阶段变更须说明原因。" in refused.content.decode()
    assert client.post(remove, {"undo_stage": "on", "reason": "录入错误"}).status_code == 302
    negotiating.refresh_from_db()
    assert negotiating.stage == Stage.NEGOTIATING and len(stage_rows(negotiating)) == 3


def test_the_page_can_list_without_moving(client, county_user, signing, negotiating):
    client.force_login(county_user)
    url = f"/attraction/events/signing/{signing.pk}/"
    assert client.post(url, {"project": negotiating.pk, "amount": "8000", "decision": "keep"}).status_code == 302
    negotiating.refresh_from_db()
    assert negotiating.stage == Stage.NEGOTIATING and SigningEventProject.objects.get().stage_change is None


def test_the_api_takes_an_explicit_flag_and_undoes_on_request(county_user, signing, negotiating):
    api = client_for(county_user)
    response = api.post(f"/api/v1/signing-events/{signing.pk}/lines/",
                        {"project": negotiating.pk, "amount": "8000", "move_stage": True}, format="json")  # fmt: skip
    assert response.status_code == 201, response.json()
    assert response.json()["stage_change"] is not None
    negotiating.refresh_from_db()
    assert negotiating.stage == Stage.SIGNED
    line_id = response.json()["id"]
    refused = api.post(f"/api/v1/signing-events/{signing.pk}/lines/{line_id}/remove/",
                       {"undo_stage": True}, format="json")  # fmt: skip
    assert refused.status_code == 400 and "reason" in refused.json()
    done = api.post(f"/api/v1/signing-events/{signing.pk}/lines/{line_id}/remove/",
                    {"undo_stage": True, "reason": "重复录入"}, format="json")  # fmt: skip
    assert done.status_code == 204
    negotiating.refresh_from_db()
    assert negotiating.stage == Stage.NEGOTIATING


def test_another_countys_line_does_not_exist(other_county_user, county_user, signing, negotiating):
    line = services.signing_line_add(user=county_user, event=signing, project=negotiating, amount=Decimal("1"))
    api = client_for(other_county_user)
    response = api.post(f"/api/v1/signing-events/{signing.pk}/lines/{line.pk}/remove/", {}, format="json")
    assert response.status_code == 404
    assert SigningEventProject.objects.filter(pk=line.pk).exists()

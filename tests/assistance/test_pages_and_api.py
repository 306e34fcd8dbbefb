"""Pages and API: the list with its filters (queries do not grow with rows), the task page and its
actions, creating from the project page, the API's 400s naming the field, the dashboard card."""

import pytest

from assistance import services
from assistance.choices import TaskStatus
from assistance.models import ServiceTask
from projects.models import Department

from .conftest import D, on


@pytest.fixture
def many(admin_user, project, haicheng_project, make_task):
    made = []
    for i in range(12):
        made.append(make_task(user=admin_user, project=project if i % 2 else haicheng_project,
                              request_text=f"诉求{i}<script>alert(1)</script>"))  # fmt: skip
    return made


def test_the_list_page_filters_and_keeps_its_queries_flat(client, leader, many, django_assert_max_num_queries):
    client.force_login(leader)
    with django_assert_max_num_queries(12):
        page = client.get("/assistance/")
    assert page.status_code == 200
    assert page.content.decode().count('data-task="') == 12
    more = ServiceTask.objects.get(pk=many[1].pk)  # a 铁东 task, copied ten times
    for _ in range(10):
        more.pk = None
        more.save()
    with django_assert_max_num_queries(12):
        assert client.get("/assistance/").content.decode().count('data-task="') == 22
    tiedong = many[1].project.region_id
    body = client.get(f"/assistance/?region={tiedong}&status=requested").content.decode()
    assert body.count('data-task="') == 16
    assert client.get("/assistance/?status=done").content.decode().count('data-task="') == 0
    assert client.get("/assistance/?status=nonsense&kind=x&region=%EF%BC%91").status_code == 200


def test_the_overdue_filter(client, leader, many):
    from django.utils import timezone

    client.force_login(leader)
    # Requested 29 Sep 2026 with 3 working days: due 9 Oct, overdue on any later day (the page's today).
    body = client.get("/assistance/?overdue=1").content.decode()
    expected = 12 if timezone.localdate() > D(2026, 10, 9) else 0
    assert body.count('data-task="') == expected
    assert client.get("/assistance/?overdue=0").content.decode().count('data-task="') == 12 - expected


def test_create_from_the_project_page_and_act_on_the_page(
    client, county_user, project, kinds, owner, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(county_user)
    detail = client.get(f"/projects/{project.pk}/").content.decode()
    assert f"/assistance/new/{project.pk}/" in detail and 'id="service-tasks"' in detail
    form = client.get(f"/assistance/new/{project.pk}/")
    assert form.status_code == 200
    bad = client.post(f"/assistance/new/{project.pk}/", {"kind": kinds["other"].pk, "request_text": "x",
                                                          "owner_unit": owner.roles.first().department_id,
                                                          "deadline_days": 5})  # fmt: skip
    assert bad.status_code == 400 and "须写明具体事项" in bad.content.decode()
    response = client.post(f"/assistance/new/{project.pk}/", {
        "kind": kinds["utilities"].pk, "request_text": "厂区供电接入", "owner_unit": Department.objects.get(key="gxj").pk,
        "deadline_days": 5,
    })  # fmt: skip
    task = ServiceTask.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/assistance/{task.pk}/"
    page = client.get(f"/assistance/{task.pk}/").content.decode()
    assert "厂区供电接入" in page and 'action="/assistance/' in page
    assert client.post(f"/assistance/{task.pk}/step/", {"step": "refuse", "note": ""}).status_code == 400
    assert client.post(f"/assistance/{task.pk}/step/", {"step": "accept", "note": ""}).status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.ACCEPTED
    today = task.requested_on.isoformat()
    assert client.post(f"/assistance/{task.pk}/contact/", {"kind": "call", "contacted_on": today,
                                                           "participants": "电话", "settled": "确认接入方案"}).status_code == 302  # fmt: skip
    assert client.post(f"/assistance/{task.pk}/finish/", {"result": "已送电"}).status_code == 302
    assert (
        client.post(f"/assistance/{task.pk}/confirm/", {"confirmed_by": "张经理", "satisfied": "0"}).status_code == 302
    )
    task.refresh_from_db()
    assert (task.status, task.satisfied, task.contacts.count()) == (TaskStatus.DONE, False, 1)
    # The project page lists it.
    assert f"/assistance/{task.pk}/" in client.get(f"/projects/{project.pk}/").content.decode()


def test_the_page_converts_a_task_into_a_problem(client, county_user, project, make_task):
    task = make_task(user=county_user, project=project)
    client.force_login(county_user)
    response = client.post(f"/assistance/{task.pk}/convert/", {"target": "problem", "problem_kind": "approvals"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.TRANSFERRED and task.problem is not None
    # County staff may not issue orders: the form says so next to the field.
    other = make_task(user=county_user, project=project)
    refused = client.post(f"/assistance/{other.pk}/convert/", {"target": "order"})
    assert refused.status_code == 400 and "督办单" in refused.content.decode()


def test_user_text_is_data_not_markup(client, leader, many):
    client.force_login(leader)
    page = client.get(f"/assistance/{many[0].pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_api_list_detail_and_actions(monkeypatch, client, county_user, project, kinds, owner):
    client.force_login(county_user)
    bad = client.post("/api/v1/service-tasks/", {"project": project.pk, "kind": kinds["other"].pk,
                                                  "request_text": "x", "owner_unit": 999999}, content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and set(bad.json()) == {"owner_unit"}
    bad = client.post("/api/v1/service-tasks/", {"project": project.pk, "kind": kinds["other"].pk, "request_text": "x",
                                                  "owner_unit": owner.roles.first().department_id},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and set(bad.json()) == {"kind_text"}
    created = client.post("/api/v1/service-tasks/", {
        "project": project.pk, "kind": kinds["financing"].pk, "request_text": "对接银行贷款",
        "owner_unit": owner.roles.first().department_id, "owner_person": owner.pk, "deadline_days": 10,
    }, content_type="application/json")  # fmt: skip
    assert created.status_code == 201, created.content
    task_id = created.json()["id"]
    assert created.json()["events"][0]["action"] == "requested"
    listed = client.get("/api/v1/service-tasks/?status=requested").json()
    assert [r["id"] for r in listed["results"]] == [task_id]
    assert client.get("/api/v1/service-tasks/?status=nope").status_code == 400
    assert client.get("/api/v1/service-tasks/?overdue=maybe").status_code == 400
    assert set(client.get("/api/v1/service-tasks/?kind=abc").json()) == {"kind"}
    refuse = client.post(f"/api/v1/service-tasks/{task_id}/refuse/", {}, content_type="application/json")
    assert refuse.status_code == 400 and set(refuse.json()) == {"reason"}
    client.force_login(owner)
    assert (
        client.post(f"/api/v1/service-tasks/{task_id}/accept/", {}, content_type="application/json").status_code == 200
    )
    finish = client.post(f"/api/v1/service-tasks/{task_id}/finish/", {"result": "已对接两家银行"},
                         content_type="application/json")  # fmt: skip
    assert finish.status_code == 200 and finish.json()["status"] == "done"
    figures = client.get("/api/v1/service-tasks/figures/?by=unit").json()
    assert figures["total"]["requested"] == 1 and figures["total"]["done"] == 1
    assert client.get("/api/v1/service-tasks/figures/?by=nope").status_code == 400
    kinds_list = client.get("/api/v1/service-kinds/").json()
    assert [k["name"] for k in kinds_list][:3] == ["企业注册", "施工图审图", "规划用地两证"]


def test_api_list_queries_do_not_grow(client, leader, many, django_assert_max_num_queries):
    client.force_login(leader)
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/service-tasks/").json()["results"]) == 12


def test_the_dashboard_shows_the_service_card(client, leader, many, monkeypatch, owner):
    on(monkeypatch, D(2026, 10, 9))
    services.task_accept(user=owner, task=many[1])
    services.task_finish(user=owner, task=many[1], result="done")
    client.force_login(leader)
    page = client.get("/dashboard/").content.decode()
    assert 'id="service-tasks"' in page
    assert 'data-figure="service-requested">12<' in page
    assert 'data-figure="service-on-time">1<' in page
    assert 'data-figure="service-average">3.00<' in page

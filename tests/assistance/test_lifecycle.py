"""A service task's life: requested -> accepted -> in progress -> done, or refused with a reason; the
deadline in working days across a weekend and the National Day holiday; the contact log with
attachments; the enterprise's confirmation."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from assistance import services
from assistance.choices import ContactKind, TaskAction, TaskStatus
from assistance.models import ServiceAttachment, ServiceTask
from notifications.models import Notification
from supervision.models import CalendarDay

from .conftest import D, on

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_the_deadline_skips_the_weekend_and_the_national_day_holiday(county_user, project, make_task, owner):
    # Tuesday 29 Sep 2026 + 3 working days: Wed 30 Sep, then 1-7 Oct are off (holiday and weekend),
    # Thu 8 Oct, Fri 9 Oct.
    task = make_task(user=county_user, project=project, owner_person=owner)
    assert task.deadline == D(2026, 10, 9)
    assert task.status == TaskStatus.REQUESTED
    # The owner is told, in the inbox, with the deadline.
    note = Notification.objects.get(recipient=owner, event_key=f"service_task_requested:{task.pk}")
    assert "2026-10-09" in note.body


def test_an_administrators_calendar_day_moves_the_deadline(county_user, project, make_task):
    # Friday 20 Nov 2026 + 2: Monday 23 and Tuesday 24, unless Monday is declared a holiday.
    CalendarDay.objects.create(date=D(2026, 11, 23), is_workday=False, note="临时休假")
    task = make_task(user=county_user, project=project, requested_on=D(2026, 11, 20), deadline_days=2)
    assert task.deadline == D(2026, 11, 25)


def test_the_whole_life_counts_working_days_to_done(monkeypatch, county_user, project, make_task, owner):
    task = make_task(user=county_user, project=project, owner_person=owner)
    on(monkeypatch, D(2026, 9, 30))
    services.task_accept(user=owner, task=task, note="材料齐全")
    services.task_start(user=owner, task=task)
    on(monkeypatch, D(2026, 10, 9))
    task = services.task_finish(user=owner, task=task, result="审图合格书已出具")
    assert task.status == TaskStatus.DONE
    assert (task.accepted_on, task.started_on, task.done_on) == (D(2026, 9, 30), D(2026, 9, 30), D(2026, 10, 9))
    # 30 Sep, 8 Oct, 9 Oct: three working days, on the deadline (on time).
    assert task.working_days_taken == 3
    assert task.done_on <= task.deadline
    actions = list(task.events.order_by("at", "id").values_list("action", "to_status"))
    assert actions == [
        (TaskAction.REQUESTED, TaskStatus.REQUESTED),
        (TaskAction.ACCEPTED, TaskStatus.ACCEPTED),
        (TaskAction.STARTED, TaskStatus.IN_PROGRESS),
        (TaskAction.DONE, TaskStatus.DONE),
    ]
    # The enterprise confirms, once.
    task = services.task_confirm(user=owner, task=task, confirmed_by="张经理", satisfied=True, note="很满意")
    assert (task.confirmed_by, task.confirmed_on, task.satisfied) == ("张经理", D(2026, 10, 9), True)
    with pytest.raises(ValidationError) as error:
        services.task_confirm(user=owner, task=task, confirmed_by="张经理", satisfied=False)
    assert "status" in error.value.message_dict


def test_a_task_done_after_its_deadline_is_late(monkeypatch, county_user, project, make_task, owner):
    task = make_task(user=county_user, project=project, owner_person=owner)
    on(monkeypatch, D(2026, 10, 12))
    services.task_accept(user=owner, task=task)
    task = services.task_finish(user=owner, task=task, result="已办结")
    # 30 Sep, 8, 9, 12 Oct (Saturday 10 Oct 2026 is a make-up working day): five working days.
    assert task.working_days_taken == 5
    assert task.done_on > task.deadline


def test_refusing_needs_a_reason_and_ends_the_task(county_user, project, make_task, owner):
    task = make_task(user=county_user, project=project, owner_person=owner)
    with pytest.raises(ValidationError) as error:
        services.task_refuse(user=owner, task=task, reason="  ")
    assert error.value.message_dict == {"reason": ["不予受理须说明原因。"]}
    task = services.task_refuse(user=owner, task=task, reason="不属于代办范围")
    assert (task.status, task.refusal_reason) == (TaskStatus.REFUSED, "不属于代办范围")
    with pytest.raises(ValidationError) as error:
        services.task_accept(user=owner, task=task)
    assert "不予受理" in error.value.message_dict["status"][0]
    # The one who logged it is told why.
    assert Notification.objects.filter(recipient=county_user, event_key=f"service_task_refused:{task.pk}").exists()


def test_a_step_out_of_order_is_refused_and_changes_nothing(county_user, project, make_task, owner):
    task = make_task(user=county_user, project=project, owner_person=owner)
    with pytest.raises(ValidationError) as error:
        services.task_start(user=owner, task=task)
    assert "status" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.task_finish(user=owner, task=task, result="x")
    task.refresh_from_db()
    assert task.status == TaskStatus.REQUESTED and task.events.count() == 1


def test_bad_requests_name_the_field(county_user, project, kinds, zjj):
    with pytest.raises(ValidationError) as error:
        services.task_request(user=county_user, project=project, kind=kinds["other"], request_text="",
                              owner_unit=None, deadline_days=0)  # fmt: skip
    assert set(error.value.message_dict) == {"kind_text", "request_text", "owner_unit", "deadline_days"}
    assert ServiceTask.objects.count() == 0


def test_the_owner_person_must_belong_to_the_unit_or_the_project(county_user, other_county_user, project, kinds, zjj):
    with pytest.raises(ValidationError) as error:
        services.task_request(user=county_user, project=project, kind=kinds["recruiting"], request_text="招工",
                              owner_unit=zjj, owner_person=other_county_user)  # fmt: skip
    assert "owner_person" in error.value.message_dict


def test_someone_outside_the_project_cannot_log_a_request(other_county_user, project, make_task):
    with pytest.raises(PermissionDenied):
        make_task(user=other_county_user, project=project)


def test_the_contact_log_keeps_visits_with_attachments_checked_by_their_bytes(
    monkeypatch, county_user, project, make_task, owner, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    task = make_task(user=county_user, project=project, owner_person=owner)
    on(monkeypatch, D(2026, 10, 8))
    contact = services.contact_record(
        user=owner, task=task, kind=ContactKind.VISIT, contacted_on=D(2026, 10, 8), participants="管家、企业负责人",
        settled="三日内补齐图纸", attachments=[SimpleUploadedFile("纪要.pdf", PDF)],
    )  # fmt: skip
    attachment = ServiceAttachment.objects.get(contact=contact)
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        "纪要.pdf",
        "application/pdf",
        len(PDF),
    )
    assert task.events.filter(action=TaskAction.CONTACT, note__contains="三日内补齐图纸").exists()
    # A file whose bytes are not an accepted type is refused, naming the field and the file; nothing is saved.
    with pytest.raises(ValidationError) as error:
        services.contact_record(
            user=owner, task=task, kind=ContactKind.CALL, contacted_on=D(2026, 10, 8), participants="电话",
            settled="确认", attachments=[SimpleUploadedFile("evil.pdf", b"MZ\x90\x00not a pdf")],
        )  # fmt: skip
    assert "evil.pdf" in error.value.message_dict["attachments"][0]
    assert task.contacts.count() == 1
    # A date before the request is refused.
    with pytest.raises(ValidationError) as error:
        services.contact_record(user=owner, task=task, kind=ContactKind.CALL, contacted_on=D(2026, 9, 1),
                                participants="x", settled="y")  # fmt: skip
    assert "contacted_on" in error.value.message_dict


def test_a_stranger_cannot_move_the_task(county_user, other_county_user, project, make_task):
    task = make_task(user=county_user, project=project)
    with pytest.raises(PermissionDenied):
        services.task_accept(user=other_county_user, task=task)
    task.refresh_from_db()
    assert task.status == TaskStatus.REQUESTED


def test_the_steward_may_handle_the_task_of_their_project(steward, county_user, project, make_task):
    task = make_task(user=county_user, project=project)
    assert services.task_accept(user=steward, task=task).status == TaskStatus.ACCEPTED


def test_the_deadline_helper_counts_from_the_day_after(db):
    assert services.deadline_for(datetime.date(2026, 11, 27), 1) == D(2026, 11, 30)  # Friday -> Monday

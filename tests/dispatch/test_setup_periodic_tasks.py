from django.core.management import call_command
from django_celery_beat.models import PeriodicTask


def test_command_registers_every_apps_schedules_once():
    call_command("setup_periodic_tasks")
    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert "anshan.heartbeat" in tasks
    assert any(name.startswith("dispatch.") for name in tasks)
    assert any(name.startswith("attraction.") for name in tasks)
    assert any(name.startswith("supervision.") for name in tasks)
    assert any(name.startswith("notifications.") for name in tasks)
    count = PeriodicTask.objects.count()
    call_command("setup_periodic_tasks")
    assert PeriodicTask.objects.count() == count

import pytest
from django.db import IntegrityError, connection, transaction

from common.bulkcopy import NULL, bulk_load, copy_lines
from common.bulkcopy import copy_text as _text
from projects.models import Project, StageChange

CHANGE_COPY = "COPY projects_stagechange (project_id, from_stage, to_stage, start_type, changed_on, reason, is_backward, created_at) FROM STDIN"


def _change(project_id, reason=""):
    return f"{project_id}\t\tplanning\t\t2026-01-05\t{reason}\tf\t2026-01-05 08:00:00+08\n"


def test_a_dangling_key_loaded_in_bulk_is_refused_and_nothing_is_written():
    missing = (Project.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1000
    refused = pytest.raises(
        IntegrityError, match=r"projects_stagechange\.project_id = \d+ has no row in projects_project"
    )
    with refused, transaction.atomic(), connection.cursor() as cursor, bulk_load(cursor, [StageChange._meta.db_table]):
        assert copy_lines(cursor, CHANGE_COPY, iter([_change(missing)])) == 1
    assert not StageChange.objects.exists()


def test_bulk_load_writes_escaped_text_in_blocks():
    from tests.factories import ProjectFactory

    project = ProjectFactory()
    reason = "第一行\n第二行\t制表\\反斜杠"
    with transaction.atomic(), connection.cursor() as cursor, bulk_load(cursor, [StageChange._meta.db_table]):
        # A tiny block size: every line is its own block.
        written = copy_lines(cursor, CHANGE_COPY, (_change(project.pk, _text(reason)) for _ in range(3)), block=1)
    assert written == 3
    assert list(StageChange.objects.filter(project=project).values_list("reason", flat=True)) == [reason] * 3
    assert _text(None) == NULL

import uuid
from decimal import Decimal

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from investment.models import ProgressEntry
from ops import pgtools
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)

FIGURES = {
    "projects": "SELECT count(*), coalesce(sum(total_investment), 0), coalesce(sum(annual_plan), 0) FROM projects_project",
    "progress": "SELECT count(*), coalesce(sum(amount_completed), 0), 0 FROM investment_progressentry",
    "regions": "SELECT count(*), 0, 0 FROM projects_region",
    "history": "SELECT count(*), 0, 0 FROM projects_projectevent",
}


def figures(conninfo):
    with psycopg.connect(**conninfo) as conn:
        return {name: conn.execute(sql).fetchone() for name, sql in FIGURES.items()}


def conninfo(dbname):
    env = pgtools.libpq_env(dbname=dbname)
    return {"host": env.get("PGHOST"), "port": env.get("PGPORT"), "user": env.get("PGUSER"), "dbname": dbname}


@pytest.fixture
def fresh_database():
    name = f"anshan_restore_{uuid.uuid4().hex[:10]}"
    admin = conninfo("postgres")
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restored_into_a_fresh_database_has_the_same_counts_and_sums(tmp_path, fresh_database):
    for i, amount in enumerate(["12345.67", "500.00", "98765.43"]):
        project = ProjectFactory(total_investment=Decimal(amount), annual_plan=Decimal("100.01"))
        ProgressEntry.objects.create(project=project, period=f"2026-0{i + 1}-01", amount_completed=Decimal("33.33"))
    here = figures(conninfo(connection.settings_dict["NAME"]))
    assert here["projects"][0] == 3 and here["progress"][1] == Decimal("99.99")

    dump = tmp_path / "anshan.dump"
    call_command("backup", output=str(dump))
    assert dump.stat().st_size > 0 and not dump.with_name("anshan.dump.partial").exists()
    call_command("restore", str(dump), dbname=fresh_database, interactive=False)

    assert figures(conninfo(fresh_database)) == here


def test_restore_of_a_damaged_file_fails_clearly_and_leaves_the_database_as_it_was(tmp_path, fresh_database):
    ProjectFactory()
    dump = tmp_path / "good.dump"
    call_command("backup", output=str(dump))
    call_command("restore", str(dump), dbname=fresh_database, interactive=False)
    before = figures(conninfo(fresh_database))
    damaged = tmp_path / "damaged.dump"
    damaged.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])

    with pytest.raises(CommandError, match="pg_restore failed"):
        call_command("restore", str(damaged), dbname=fresh_database, interactive=False)

    assert figures(conninfo(fresh_database)) == before


def test_restore_refuses_a_missing_file():
    with pytest.raises(CommandError, match="no such backup file"):
        call_command("restore", "/nonexistent/x.dump", interactive=False)

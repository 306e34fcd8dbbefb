"""pg_dump / pg_restore for the configured database (embedded or external)."""

import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connections

BACKUP_DIR = Path(settings.BASE_DIR) / "var" / "backups"


def pg_binary(name):
    """The client binary: ``PG_BIN_DIR`` if set, else the one pgserver ships (PostgreSQL 16, which reads
    older servers too), else the system's."""
    if os.environ.get("PG_BIN_DIR"):
        return str(Path(os.environ["PG_BIN_DIR"]) / name)
    from common.embedded import postgres_bin

    shipped = postgres_bin(name)
    if shipped.exists():
        return str(shipped)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} not found: install the PostgreSQL client or set PG_BIN_DIR")
    return found


def libpq_env(alias="default", dbname=None):
    """Connection parameters as libpq environment variables (the password never appears in argv)."""
    params = connections[alias].settings_dict
    env = dict(os.environ)
    options = params.get("OPTIONS", {})
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        # A socket directory given as ?host=... in the URL lands in OPTIONS.
        value = params.get(key) or options.get(key.lower())
        if value:
            env[var] = str(value)
    env["PGDATABASE"] = dbname or params["NAME"]
    env["PGCONNECT_TIMEOUT"] = "10"
    return env


def dump(path, *, alias="default", dbname=None):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    subprocess.run(  # noqa: S603 (fixed argv, no shell)
        [pg_binary("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(partial)],
        env=libpq_env(alias, dbname),
        check=True,
        capture_output=True,
        text=True,
    )
    # A dump only gets its final name once complete: a failed run never leaves a file that looks usable.
    partial.rename(path)
    return path


def restore(path, *, alias="default", dbname=None):
    """Restore a custom-format dump, replacing what the target database holds, in one transaction."""
    subprocess.run(  # noqa: S603 (fixed argv, no shell)
        [
            pg_binary("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            libpq_env(alias, dbname)["PGDATABASE"],
            str(path),
        ],
        env=libpq_env(alias, dbname),
        check=True,
        capture_output=True,
        text=True,
    )

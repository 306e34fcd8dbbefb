"""Bulk loading with PostgreSQL COPY, for the demo data set and every app's demo module: COPY text
fields, COPY in big blocks, and a load without a foreign-key check per row (checked once per key)."""

import contextlib

from django.db import IntegrityError

NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value):
    """A value as a COPY text field (escaped; None is NULL). Generated names need no escaping."""
    if value is None:
        return NULL
    return str(value).translate(_COPY_ESCAPES)


def copy_lines(cursor, sql, lines, block=1 << 20):
    """COPY text lines (each ending in a newline) in big blocks; ``lines`` may be a generator, so
    the server inserts one block while the next is built. Returns the number of lines."""
    count = 0
    with cursor.cursor.copy(sql) as copy:
        buffer, size = [], 0
        for line in lines:
            buffer.append(line)
            size += len(line)
            if size >= block:
                copy.write("".join(buffer))
                count += len(buffer)
                buffer, size = [], 0
        if buffer:
            copy.write("".join(buffer))
            count += len(buffer)
    return count


@contextlib.contextmanager
def bulk_load(cursor, tables):
    """Load ``tables`` without a foreign-key check per row, then check each of their foreign keys
    once, over the whole table (one anti-join per key). Per-row checks are deferred to COMMIT by
    Django's constraints: at a million projects the server would queue tens of millions of
    trigger events in memory and run one lookup each. Needs a superuser (session_replication_role,
    for this transaction only); otherwise rows are checked one by one as usual. Call inside
    transaction.atomic()."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    skip = cursor.fetchone()[0]
    if skip:
        cursor.execute("SET LOCAL session_replication_role = replica")
    yield
    if skip:
        cursor.execute("SET LOCAL session_replication_role = origin")
        check_foreign_keys(cursor, tables)


def check_foreign_keys(cursor, tables):
    """Raise IntegrityError if a row of ``tables`` points to a missing row (single-column keys)."""
    cursor.execute(
        """SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, fa.attname, c.conname
           FROM pg_constraint c
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
           JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
           WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 AND c.conrelid = ANY(%s::regclass[])
           ORDER BY 1, 2""",
        [list(tables)],
    )
    for table, column, target, target_column, name in cursor.fetchall():
        cursor.execute(
            f'SELECT t."{column}" FROM {table} t WHERE t."{column}" IS NOT NULL AND NOT EXISTS '
            f'(SELECT 1 FROM {target} r WHERE r."{target_column}" = t."{column}") LIMIT 1'
        )
        missing = cursor.fetchone()
        if missing:
            raise IntegrityError(f"{table}.{column} = {missing[0]} has no row in {target} ({name})")


_text = copy_text  # the name the apps' demo modules used


def indexes_drop(cursor, tables):
    """Drop the plain indexes of ``tables`` (not the primary keys, unique indexes or constraints, which
    keep the rows right) for a bulk load; ``indexes_create`` builds them again, the same: one sorted
    build instead of one insertion per row into every index (a project's row has eighteen, one of
    them a GIN on its search bigrams) for each COPY and each bulk UPDATE in between. Queries in
    between scan the tables. Inside a transaction (on an error the rollback restores them). Returns
    the indexes' definitions."""
    cursor.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
           WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
           ORDER BY 1""",
        [list(tables)],
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _, definition in indexes]


def indexes_create(cursor, definitions):
    """Build the indexes ``indexes_drop`` dropped. The foreign keys checked at commit (Django's are
    deferred) are checked first: PostgreSQL builds no index on a table with checks pending."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    for definition in definitions:
        cursor.execute(definition)

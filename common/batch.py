"""Several querysets read in one SQL statement (one round trip), each giving what it would give alone.

A page made of sections (a project's entries, photos, problems, funding...) costs one query per
section when each is read on its own. ``fetch_together`` sends them as one statement: each queryset's
own SQL (its filters, access restriction, joins, annotations, order and slice, unchanged) becomes an
``ARRAY(SELECT row_to_json(...) FROM (<its SQL>) ...)`` column of a single row, and the rows come back
through the queryset's own iterable (model instances with their ``select_related`` objects and
annotations, dicts for ``values()``, tuples or scalars for ``values_list()``), as the driver would
have delivered them: dates, times and Decimals are rebuilt from the JSON text by each column's field
(numbers are parsed as Decimal, never float).

Not supported (refused): ``prefetch_related`` (it would issue its own queries: read the related rows as
another queryset of the batch instead), and fields JSON cannot carry exactly (binary, durations).
"""

import datetime
import decimal
import json
import uuid

from django import forms
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models.sql.constants import MULTI

_KEEP = {"CharField", "TextField", "SlugField", "EmailField", "URLField", "FileField", "ImageField",
         "FilePathField", "GenericIPAddressField", "IPAddressField", "IntegerField", "BigIntegerField",
         "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField",
         "AutoField", "BigAutoField", "SmallAutoField", "BooleanField", "NullBooleanField", "SearchVectorField"}  # fmt: skip


def _target(field):
    while field.get_internal_type() in ("ForeignKey", "OneToOneField"):
        field = field.target_field
    return field


def _loader(field):
    """A function turning the JSON value of a column of ``field`` into what psycopg returns for it."""
    field = _target(field)
    kind = field.get_internal_type()
    if kind in _KEEP:
        return None
    if kind == "DecimalField":
        return decimal.Decimal
    if kind == "FloatField":
        return float
    if kind == "DateField":
        return datetime.date.fromisoformat
    if kind == "DateTimeField":
        return datetime.datetime.fromisoformat
    if kind == "TimeField":
        return datetime.time.fromisoformat
    if kind == "UUIDField":
        return uuid.UUID
    if kind == "JSONField":
        # Django reads json/jsonb columns as text and decodes them in the field (from_db_value).
        return lambda value: json.dumps(value, ensure_ascii=False)
    if kind == "ArrayField":
        inner = _loader(field.base_field)
        return (lambda value: [None if v is None else inner(v) for v in value]) if inner else None
    raise NotImplementedError(f"fetch_together cannot carry a {kind} column ({field})")


class _Prepared:
    """One queryset's compiled SQL, and a compiler that hands its rows to the queryset's iterable."""

    def __init__(self, queryset, using):
        if queryset._prefetch_related_lookups:
            raise NotImplementedError("fetch_together does not run prefetch_related: add the rows as a queryset")
        self.queryset = queryset._chain()
        self.compiler = self.queryset.query.get_compiler(using=using)
        try:
            self.sql, self.params = self.compiler.as_sql()  # also sets compiler.select, klass_info, ...
        except EmptyResultSet:  # e.g. pk__in=[]: nothing to ask the database
            self.sql, self.params = None, ()
        self.width = len(self.compiler.select)
        self.loaders = [_loader(col.output_field) for col, _sql, _alias in self.compiler.select]

    def rows(self, texts):
        rows = []
        for text in texts:
            data = json.loads(text, parse_float=decimal.Decimal)
            row = []
            for i, load in enumerate(self.loaders):
                value = data[f"c{i}"]
                row.append(value if value is None or load is None else load(value))
            rows.append(row)
        return rows

    def result(self, texts):
        rows = self.rows(texts)
        compiler = self.compiler

        def execute_sql(result_type=MULTI, chunked_fetch=False, chunk_size=None):
            return iter([rows])

        compiler.execute_sql = execute_sql
        query = self.queryset.query
        query.get_compiler = lambda using=None, connection=None, elide_empty=True: compiler
        return list(self.queryset)


def fetch_together(*querysets):
    """The rows of each queryset (a list each), read in one statement on the first queryset's database."""
    return fetch_with(*querysets)


class Raw:
    """A scalar SQL expression of the batch (``SELECT <sql>``), returned as the driver gives it."""

    def __init__(self, sql, params=()):
        self.sql, self.params = sql, list(params)


def fetch_with(*items):
    """``fetch_together`` where some items are ``Raw`` scalars: each item's result, in order."""
    if not items:
        return []
    querysets = [i for i in items if not isinstance(i, Raw)]
    using = querysets[0].db if querysets else "default"
    prepared = {id(qs): _Prepared(qs, using) for qs in querysets}
    columns, params = [], []
    for item in items:
        if isinstance(item, Raw):
            columns.append(f"({item.sql})")
            params.extend(item.params)
            continue
        p = prepared[id(item)]
        if p.sql is None:
            columns.append("ARRAY[]::text[]")
            continue
        names = ", ".join(f"c{i}" for i in range(p.width))
        columns.append(f"ARRAY(SELECT row_to_json(t)::text FROM ({p.sql}) AS t({names}))")
        params.extend(p.params)
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns), params)
        values = cursor.fetchone()
    return [
        value if isinstance(item, Raw) else prepared[id(item)].result(value or [])
        for item, value in zip(items, values, strict=True)
    ]


def set_related(objects, field_name, target):
    """Give each object ``target`` as its ``field_name`` (a foreign key already known, e.g. the page's
    project), as select_related would, without reading it again for every row."""
    for obj in objects:
        type(obj)._meta.get_field(field_name).set_cached_value(obj, target)
    return objects


def set_prefetched(parents, accessor, children, parent_attname):
    """Make ``parent.<accessor>.all()`` answer ``children`` (those whose ``parent_attname`` is the
    parent's pk), as prefetch_related would, from rows read in the same batch."""
    by_parent = {}
    for child in children:
        by_parent.setdefault(getattr(child, parent_attname), []).append(child)
    for parent in parents:
        qs = getattr(parent, accessor).all()
        qs._result_cache = by_parent.get(parent.pk, [])
        qs._prefetch_done = True
        parent._prefetched_objects_cache = {**getattr(parent, "_prefetched_objects_cache", {}), accessor: qs}
    return parents


def as_queryset(queryset, rows):
    """``queryset`` holding ``rows`` (already read, e.g. by a batch) as its result: iterating it, its
    length and truth, and the choices of a form field built on it (``ReadChoiceIterator``) ask nothing."""
    qs = queryset._chain()
    qs._result_cache = list(rows)
    qs._prefetch_done = True
    return qs


class ReadChoiceIterator(forms.models.ModelChoiceIterator):
    """A ModelChoiceField's choices from rows already read (``field.read_rows``, e.g. by a batch) rather
    than by the query Django's own iterator always runs again (``.iterator()``; the field's queryset
    setter also clones the queryset, dropping what it held). Validating a posted value still queries."""

    def _rows(self):
        return getattr(self.field, "read_rows", None)

    def __iter__(self):
        rows = self._rows()
        if rows is None:
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in rows:
            yield self.choice(obj)

    def __len__(self):
        rows = self._rows()
        if rows is None:
            return super().__len__()
        return len(rows) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        rows = self._rows()
        return super().__bool__() if rows is None else bool(rows) or self.field.empty_label is not None

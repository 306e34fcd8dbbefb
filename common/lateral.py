"""A per-row aggregate computed once: ``LEFT JOIN LATERAL (SELECT sum(...), ... WHERE ... = outer.id) ON true``.

A correlated subquery annotation is inlined wherever another annotation refers to it, and PostgreSQL
evaluates each copy separately: the lights referred to a project's since-start sum about eight times
per project (bench/rows.py tier1_report). A lateral join computes the row's aggregates once and every
reference reads its column. The aggregate has no GROUP BY, so it yields exactly one row per outer row
(sums NULL without rows); PostgreSQL then also drops the join from a query that reads none of its
columns (a count, a ``values("pk")``), so adding it costs nothing where it is not used.

Django has no lateral join: ``LateralJoin`` is an entry of the query's ``alias_map`` (the protocol of
``django.db.models.sql.datastructures.Join``: table_name, table_alias, join_type, parent_alias,
as_sql, relabeled_clone) and its columns are ``Col`` expressions, so both follow the query when it is
cloned, relabelled or used as a subquery.
"""

from django.db.models.expressions import Col
from django.db.models.sql.constants import LOUTER


class LateralJoin:
    join_type = LOUTER  # never demoted: the aggregate always yields one row, LEFT or INNER alike
    nullable = True
    filtered_relation = None
    join_field = None

    def __init__(self, table_name, parent_alias, table_alias, query):
        self.table_name = table_name  # a stable name (aliases change when the query is relabelled)
        self.parent_alias = parent_alias
        self.table_alias = table_alias
        self.query = query  # the aggregate's Query, resolved against the outer query

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.query)  # "(SELECT ...)": a subquery
        return f"LEFT JOIN LATERAL {sql} {compiler.quote_name_unless_alias(self.table_alias)} ON TRUE", params

    def relabeled_clone(self, change_map):
        return self.__class__(
            self.table_name,
            change_map.get(self.parent_alias, self.parent_alias),
            change_map.get(self.table_alias, self.table_alias),
            self.query.relabeled_clone(change_map),
        )

    def demote(self):
        return self

    def promote(self):
        return self

    @property
    def identity(self):
        return self.__class__, self.table_name, self.table_alias, id(self.query)

    def __eq__(self, other):
        if not isinstance(other, LateralJoin):
            return NotImplemented
        return self.identity == other.identity

    def __hash__(self):
        return hash(self.identity)


def join_aggregates(queryset, rows, name, **aggregates):
    """``queryset`` left-joined LATERAL to the ``aggregates`` (name: aggregate expression, e.g.
    ``Sum("amount", filter=Q(...))``) of ``rows``, a queryset filtered to the outer row by ``OuterRef``.
    Returns (queryset, {name: column expression}); a column is NULL where a sum has no rows."""
    queryset = queryset._chain()
    outer = queryset.query
    inner = rows.query.chain()
    inner.clear_ordering(force=True)
    inner.clear_select_clause()
    for key, aggregate in aggregates.items():
        inner.add_annotation(aggregate, key, select=True)
    # No GROUP BY (group_by stays None): one row per outer row, whatever the rows.
    inner = inner.resolve_expression(outer)
    parent = outer.get_initial_alias()
    alias, _ = outer.table_alias(name, create=True)
    outer.alias_map[alias] = LateralJoin(name, parent, alias, inner)
    outer.alias_refcount[alias] = 1
    columns = {}
    for key in aggregates:
        target = inner.annotations[key].output_field.clone()
        target.set_attributes_from_name(key)
        target.model = rows.model  # expressions hash their fields by (model, name)
        columns[key] = Col(alias, target)
    return queryset, columns

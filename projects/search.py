"""Project search by name, code or investor that an index can serve at a million rows.

Today's semantics are Django's ``icontains`` on the three columns (``UPPER(col) LIKE UPPER('%text%')``),
a sequential scan. Trigram indexes would need contrib (``pg_trgm``, absent from the embedded server) and
cannot serve the two-character words that are the commonest searches, so this is the pg_bigm idea in core
PostgreSQL: ``Project.search_vector``, a stored generated ``tsvector`` whose lexemes are the character
bigrams of the upper-cased columns, each at its position (the last character of a column alone at the
last position), under a GIN index (``project_search_bigrams``).

A search of one character is a prefix query (``'A':*``: some bigram starts with it, or it ends a
column); of two, the bigram itself; of more, the bigrams in a row (``'AB' <-> 'BC' <-> 'CD'`` for
"abcd": each at the position after the previous one). Each is exactly "the upper-cased column contains
the upper-cased text", so no ``ILIKE`` recheck is needed, and the planner's estimate is the index
statistics' own (an ``ILIKE`` beside it would divide the estimate by ~70 and make frequent words
read every match instead of the first 50 in list order). Columns are two positions apart, so a phrase
never spans two of them.

The lexemes and the query are built as ``tsvector``/``tsquery`` text (quoted lexemes), never with
``to_tsvector``/``to_tsquery``: their parser splits on punctuation and dashes (codes are
``2024-210302-04-01-A1B2C3``), which would lose bigrams. Both SQL functions are created by migration
``projects.0003_project_search_bigrams``; they call only ``pg_catalog`` functions, so restoring a dump
(which runs with an empty ``search_path``) works.
"""

from django.contrib.postgres.search import SearchQueryField, SearchVectorField
from django.db.models import BooleanField, F, Func, Q, TextField, Value

VECTOR_FUNCTION = "projects_search_vector"
QUERY_FUNCTION = "projects_search_query"


def search_vector_expression():
    """What ``Project.search_vector`` stores (a generated column)."""
    return Func(F("name"), F("code"), F("investor"), function=VECTOR_FUNCTION, output_field=SearchVectorField())


def search_q(text):
    """Projects whose name, code or investor contains ``text`` (case-insensitive), as a filter; ``None``
    for an empty search (no filter)."""
    text = text.strip()
    if not text:
        return None
    matches = Func(
        F("search_vector"),
        Func(Value(text, output_field=TextField()), function=QUERY_FUNCTION, output_field=SearchQueryField()),
        template="%(expressions)s",
        arg_joiner=" @@ ",
        output_field=BooleanField(),
    )
    return Q(matches)

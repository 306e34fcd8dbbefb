"""Project search by name, code or investor that an index can serve at a million rows.

Today's semantics are Django's ``icontains`` on the three columns (``UPPER(col) LIKE UPPER('%text%')``),
a sequential scan. Trigram indexes would need contrib (``pg_trgm``, absent from the embedded server) and
cannot serve the two-character words that are the commonest searches, so this is the pg_bigm idea in core
PostgreSQL: ``Project.search_vector``, a stored generated ``tsvector`` whose lexemes are the character
bigrams of the upper-cased columns, each at its position (the last character of a column alone at the
last position), under a GIN index (``project_search_bigrams``).

A search of one character is a prefix query (``'A':*``: some bigram starts with it, or it ends a
column); of two, the bigram itself; of more, every other bigram at its distance (``'AB' <2> 'CD'`` for
"abcd": each at its position after the previous one; ``query_text``, built here). Each is exactly "the upper-cased column contains
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

import itertools

from django.apps import apps
from django.contrib.postgres.search import SearchQueryField, SearchVectorField
from django.db.models import BooleanField, F, Func, Q, TextField, Value
from django.db.models.functions import Cast

VECTOR_FUNCTION = "projects_search_vector"
QUERY_FUNCTION = "projects_search_query"


def search_vector_expression():
    """What ``Project.search_vector`` stores (a generated column)."""
    return Func(F("name"), F("code"), F("investor"), function=VECTOR_FUNCTION, output_field=SearchVectorField())


# A word of three characters or more that this many projects contain is read in the list's order, each
# row tested, instead of through the index: the planner estimates its bigrams as independent (镁制品 is
# 镁制 and 制品, which always come together), expects a few hundred matches, reads every one of the
# thousands through the index and sorts them, where walking the list finds the first page in a few
# hundred rows.
FREQUENT = 200


def _lexeme(pair):
    return "'" + pair.replace("\\", "\\\\").replace("'", "''") + "'"


def query_text(text):
    """The tsquery (as text) for "contains ``text``", upper-cased like the stored bigrams: one character
    is a prefix query, two the bigram; longer text every other bigram at its distance (``'AB' <2> 'CD'``
    is exactly "ABCD": half the posting lists to intersect, which matters for a whole project code
    whose digit pairs are in nearly every row), with the last bigram always included."""
    value = text.upper()
    if len(value) == 1:
        return _lexeme(value) + ":*"
    offsets = list(range(0, len(value) - 1, 2))
    if offsets[-1] != len(value) - 2:
        offsets.append(len(value) - 2)
    parts = [_lexeme(value[offsets[0] : offsets[0] + 2])]
    for previous, offset in itertools.pairwise(offsets):
        parts.append(f" <{offset - previous}> " + _lexeme(value[offset : offset + 2]))
    return "".join(parts)


def search_q(text, *, probe=True):
    """Projects whose name, code or investor contains ``text`` (case-insensitive), as a filter; ``None``
    for an empty search (no filter). With ``probe``, a text of three characters or more first asks the
    index whether at least ``FREQUENT`` projects contain it (one query, stopping there); if so the
    filter is one no index serves, so that the list is walked in its order (see ``FREQUENT``)."""
    text = text.strip()
    if not text:
        return None
    if all(c.isascii() or c.upper() == c for c in text):  # upper-cased here exactly as the database does
        query = Cast(Value(query_text(text), output_field=TextField()), SearchQueryField())
    else:  # letters whose upper case depends on the database's collation: its own function
        query = Func(Value(text, output_field=TextField()), function=QUERY_FUNCTION, output_field=SearchQueryField())
    matches = Func(
        F("search_vector"),
        query,
        template="%(expressions)s",
        arg_joiner=" @@ ",
        output_field=BooleanField(),
    )
    if probe and len(text) >= 3:
        projects = apps.get_model("projects", "Project")  # (models imports this module)
        if projects.objects.filter(matches).values("pk")[:FREQUENT].count() >= FREQUENT:
            return Q(Func(matches, template="(%(expressions)s) IS TRUE", output_field=BooleanField()))
    return Q(matches)

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import AddIndexConcurrently
from django.contrib.postgres.search import SearchVectorField
from django.db import migrations, models

# See projects.search. IMMUTABLE (a generated column's expression must be): upper() and the tsvector and
# tsquery input depend only on the database's collation. Positions: name from 1, code and investor each
# two positions after the previous column's end (a phrase never spans two columns).
CREATE_FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION projects_search_vector(name text, code text, investor text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $body$
    SELECT coalesce(string_agg(
        '''' || replace(replace(substr(f.value, i, 2), '\', '\\'), '''', '''''') || ''':' || (f.start + i),
        ' '), '')::tsvector
    FROM (VALUES (upper(name), 0),
                 (upper(code), coalesce(length(name), 0) + 2),
                 (upper(investor), coalesce(length(name), 0) + coalesce(length(code), 0) + 4)) AS f(value, start),
         generate_series(1, length(f.value)) AS i
$body$;

CREATE OR REPLACE FUNCTION projects_search_query(value text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $body$
    SELECT CASE
        WHEN length(u.value) = 1 THEN
            ('''' || replace(replace(u.value, '\', '\\'), '''', '''''') || ''':*')::tsquery
        ELSE (SELECT string_agg(
                  '''' || replace(replace(substr(u.value, i, 2), '\', '\\'), '''', '''''') || '''', ' <-> '
                  ORDER BY i)
              FROM generate_series(1, length(u.value) - 1) AS i)::tsquery
    END
    FROM upper(value) AS u(value)
$body$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS projects_search_query(text);
DROP FUNCTION IF EXISTS projects_search_vector(text, text, text);
"""


class Migration(migrations.Migration):
    # The index is built concurrently: at a million projects it takes a while and must not block writes.
    # (Adding the stored column rewrites the table once, about 30 s per million projects on our machine.)
    atomic = False

    dependencies = [
        ("projects", "0002_todo_indexes"),
    ]

    operations = [
        migrations.RunSQL(CREATE_FUNCTIONS, DROP_FUNCTIONS),
        migrations.AddField(
            model_name="project",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Func(
                    models.F("name"),
                    models.F("code"),
                    models.F("investor"),
                    function="projects_search_vector",
                    output_field=SearchVectorField(),
                ),
                output_field=SearchVectorField(),
            ),
        ),
        AddIndexConcurrently(
            model_name="project",
            index=GinIndex(fields=["search_vector"], name="project_search_bigrams"),
        ),
        # The new column's statistics (its most common bigrams): without them the planner guesses 0.5% of
        # rows for every word, and reads all matches of a frequent one instead of the first 50 in order.
        migrations.RunSQL("ANALYZE projects_project", migrations.RunSQL.noop),
    ]

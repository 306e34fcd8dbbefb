# 开复工 per scope and day (ScopeStart), kept by triggers on projects and stage changes in the same
# transaction as the write, so that the dashboard's headline count reads a few hundred rows instead of
# every key project under construction. The view below is insights.definitions.started_or_resumed_q
# in SQL; tests/investment/test_scope_starts.py holds the two equal. Each project's counted days are
# stored (ProjectStart): a write takes them out and counts the project again, so no trigger has to
# reconstruct the state before the statement. Per statement, rows passed as arrays (no temporary
# table: see 0012). Bulk loads run without triggers and rebuild (services.counted_months_sync).

from django.db import migrations, models

LOCK = 8300917
FUNCTIONS_SQL = """
-- A key project now building counts in each year in which it started (actual start) or entered
-- construction, once, on the first such day of that year.
CREATE VIEW investment_project_start AS
SELECT p.id, min(x.day) AS day, p.region_id, p.category_id, p.department_id, p.total_investment
FROM projects_project p
CROSS JOIN LATERAL (
    SELECT p.actual_start WHERE p.actual_start IS NOT NULL
    UNION ALL
    SELECT s.changed_on FROM projects_stagechange s WHERE s.project_id = p.id AND s.to_stage = 'construction'
) x(day)
WHERE p.stage IN ('construction', 'completed', 'operating') AND p.total_investment >= investment_scope_threshold()
GROUP BY p.id, date_part('year', x.day);

-- Add (p_sign 1) or take out (-1) stored start days in their four scopes' cells.
CREATE FUNCTION investment_scope_start_add(p_days investment_projectstart[], p_sign integer)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO investment_scopestart AS t (scope, scope_key, day, projects, total_investment)
    SELECT s.scope, s.scope_key, d.day, p_sign * count(*), p_sign * sum(d.total_investment)
    FROM unnest(p_days) d
    CROSS JOIN LATERAL (VALUES ('all', 0::bigint), ('region', d.region_id), ('category', d.category_id),
                               ('department', d.department_id)) s(scope, scope_key)
    WHERE s.scope_key IS NOT NULL
    GROUP BY 1, 2, 3
    ON CONFLICT (scope, scope_key, day) DO UPDATE
    SET projects = t.projects + EXCLUDED.projects, total_investment = t.total_investment + EXCLUDED.total_investment;
$$;

-- Count again the projects p_ids: out with their stored days (investment_projectstart), in with the
-- view's. Idempotent: a project recounted twice is still counted once.
CREATE FUNCTION investment_scope_start_recount(p_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    days investment_projectstart[];
BEGIN
    IF p_ids IS NULL OR cardinality(p_ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(LOCK_ID);
    -- Two statements: the second sees the first's deletions (one statement's parts do not).
    WITH gone AS (DELETE FROM investment_projectstart WHERE project_id = ANY(p_ids) RETURNING *)
    SELECT array_agg(gone::investment_projectstart) INTO days FROM gone;
    PERFORM investment_scope_start_add(days, -1);
    WITH fresh AS (
        INSERT INTO investment_projectstart (project_id, day, region_id, category_id, department_id, total_investment)
        SELECT id, day, region_id, category_id, department_id, total_investment
        FROM investment_project_start WHERE id = ANY(p_ids)
        RETURNING *
    )
    SELECT array_agg(fresh::investment_projectstart) INTO days FROM fresh;
    PERFORM investment_scope_start_add(days, 1);
END;
$$;

CREATE FUNCTION investment_scope_start_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(LOCK_ID);
    DELETE FROM investment_projectstart;
    DELETE FROM investment_scopestart;
    INSERT INTO investment_projectstart (project_id, day, region_id, category_id, department_id, total_investment)
    SELECT id, day, region_id, category_id, department_id, total_investment FROM investment_project_start;
    -- A plain insert (the table is empty): the migration's first rebuild runs before Django adds the
    -- cells' unique constraint, which investment_scope_start_add's ON CONFLICT needs.
    INSERT INTO investment_scopestart (scope, scope_key, day, projects, total_investment)
    SELECT s.scope, s.scope_key, d.day, count(*), sum(d.total_investment)
    FROM investment_projectstart d
    CROSS JOIN LATERAL (VALUES ('all', 0::bigint), ('region', d.region_id), ('category', d.category_id),
                               ('department', d.department_id)) s(scope, scope_key)
    WHERE s.scope_key IS NOT NULL
    GROUP BY 1, 2, 3;
END;
$$;

-- Per statement, the projects whose 开复工 may have changed: inserted or deleted ones, updated ones
-- whose stage, start, total or scope fields changed, and the projects of stage changes written.
CREATE FUNCTION investment_scope_start_project_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM investment_scope_start_recount(ARRAY(SELECT id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM investment_scope_start_recount(ARRAY(SELECT id FROM old_rows));
    ELSE
        PERFORM investment_scope_start_recount(ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (o.stage, o.actual_start, o.total_investment, o.region_id, o.category_id, o.department_id)
                  IS DISTINCT FROM (n.stage, n.actual_start, n.total_investment, n.region_id, n.category_id,
                                    n.department_id)));
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER investment_scope_start_project_insert AFTER INSERT ON projects_project
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION investment_scope_start_project_sync();
CREATE TRIGGER investment_scope_start_project_update AFTER UPDATE ON projects_project
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
EXECUTE FUNCTION investment_scope_start_project_sync();
CREATE TRIGGER investment_scope_start_project_delete AFTER DELETE ON projects_project
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION investment_scope_start_project_sync();

CREATE FUNCTION investment_scope_start_change_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM investment_scope_start_recount(ARRAY(SELECT DISTINCT project_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM investment_scope_start_recount(ARRAY(SELECT DISTINCT project_id FROM old_rows));
    ELSE
        PERFORM investment_scope_start_recount(ARRAY(
            SELECT project_id FROM new_rows UNION SELECT project_id FROM old_rows));
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER investment_scope_start_change_insert AFTER INSERT ON projects_stagechange
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION investment_scope_start_change_sync();
CREATE TRIGGER investment_scope_start_change_update AFTER UPDATE ON projects_stagechange
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
EXECUTE FUNCTION investment_scope_start_change_sync();
CREATE TRIGGER investment_scope_start_change_delete AFTER DELETE ON projects_stagechange
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION investment_scope_start_change_sync();

-- The key projects follow the city threshold an administrator edits.
CREATE FUNCTION investment_scope_start_threshold_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM investment_scope_start_rebuild();
    RETURN NULL;
END;
$$;
CREATE TRIGGER investment_scope_start_threshold_sync
AFTER INSERT OR UPDATE OR DELETE ON projects_keyprojectthreshold
FOR EACH STATEMENT EXECUTE FUNCTION investment_scope_start_threshold_sync();
""".replace("LOCK_ID", str(LOCK))
DROP_SQL = """
DROP TRIGGER IF EXISTS investment_scope_start_threshold_sync ON projects_keyprojectthreshold;
DROP TRIGGER IF EXISTS investment_scope_start_change_insert ON projects_stagechange;
DROP TRIGGER IF EXISTS investment_scope_start_change_update ON projects_stagechange;
DROP TRIGGER IF EXISTS investment_scope_start_change_delete ON projects_stagechange;
DROP TRIGGER IF EXISTS investment_scope_start_project_insert ON projects_project;
DROP TRIGGER IF EXISTS investment_scope_start_project_update ON projects_project;
DROP TRIGGER IF EXISTS investment_scope_start_project_delete ON projects_project;
DROP FUNCTION IF EXISTS investment_scope_start_threshold_sync(), investment_scope_start_change_sync(),
    investment_scope_start_project_sync(), investment_scope_start_rebuild(),
    investment_scope_start_recount(bigint[]), investment_scope_start_add(investment_projectstart[], integer);
DROP VIEW IF EXISTS investment_project_start;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("investment", "0013_dashboard_todo_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProjectStart",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("project_id", models.BigIntegerField(verbose_name="项目")),
                ("day", models.DateField(verbose_name="开复工日期")),
                ("region_id", models.BigIntegerField(null=True, verbose_name="区县")),
                ("category_id", models.BigIntegerField(null=True, verbose_name="类别")),
                ("department_id", models.BigIntegerField(null=True, verbose_name="部门")),
                (
                    "total_investment",
                    models.DecimalField(decimal_places=2, max_digits=20, verbose_name="计划总投资(万元)"),
                ),
            ],
            options={
                "verbose_name": "项目开复工日期",
                "verbose_name_plural": "项目开复工日期",
                "constraints": [models.UniqueConstraint(fields=("project_id", "day"), name="project_start_day")],
            },
        ),
        migrations.CreateModel(
            name="ScopeStart",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("scope", models.CharField(max_length=12, verbose_name="范围")),
                ("scope_key", models.BigIntegerField(verbose_name="范围编号")),
                ("day", models.DateField(verbose_name="开复工日期")),
                ("projects", models.IntegerField(verbose_name="项目数")),
                (
                    "total_investment",
                    models.DecimalField(decimal_places=2, max_digits=20, verbose_name="计划总投资(万元)"),
                ),
            ],
            options={
                "verbose_name": "范围开复工合计",
                "verbose_name_plural": "范围开复工合计",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("scope", "scope_key", "day"),
                        include=("projects", "total_investment"),
                        name="scope_start_cell",
                    )
                ],
            },
        ),
        migrations.RunSQL(FUNCTIONS_SQL, DROP_SQL),
        migrations.RunSQL("SELECT investment_scope_start_rebuild()", migrations.RunSQL.noop),
    ]

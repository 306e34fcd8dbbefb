import importlib

from django.db import migrations

scope_totals = importlib.import_module("investment.migrations.0009_scope_totals")

# The per-statement scope triggers of 0009 passed each statement's rows through temporary tables. Every
# temporary table created (and dropped) holds a lock until the transaction ends, so a transaction that
# ran thousands of statements (a row trigger on the entries writes the counted months one statement per
# entry: a bulk verification, the demo seed) ran out of the lock table ("out of shared memory"). The
# rows now travel as an array of a composite type: no relation is created, the lock count stays flat.
LOCK = scope_totals.LOCK
FUNCTIONS_SQL = """
CREATE TYPE investment_scope_project_delta AS (
    id bigint, region_id bigint, sector_id bigint, category_id bigint, department_id bigint, stage text,
    total_investment numeric, n integer, total numeric, plan numeric, moved boolean);
CREATE TYPE investment_scope_month_delta AS (project_id bigint, period date, n integer, amount numeric);

DROP FUNCTION investment_scope_apply(numeric);
CREATE FUNCTION investment_scope_apply(p_threshold numeric, deltas investment_scope_project_delta[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO investment_scopetotal AS t (scope, scope_key, dimension, value, projects, total_investment, annual_plan)
    SELECT c.scope, c.scope_key, c.dimension, c.value, sum(d.n), sum(d.total), sum(d.plan)
    FROM unnest(deltas) d
    CROSS JOIN LATERAL investment_scope_cells(d.region_id, d.sector_id, d.category_id, d.department_id, d.stage,
                                              d.total_investment >= p_threshold) c
    GROUP BY 1, 2, 3, 4
    ON CONFLICT (scope, scope_key, dimension, value) DO UPDATE
    SET projects = t.projects + EXCLUDED.projects, total_investment = t.total_investment + EXCLUDED.total_investment,
        annual_plan = t.annual_plan + EXCLUDED.annual_plan;
    INSERT INTO investment_scopemonth AS m (scope, scope_key, dimension, value, period, months, amount)
    SELECT c.scope, c.scope_key, c.dimension, c.value, cm.period, sum(d.n), sum(d.n * cm.amount)
    FROM unnest(deltas) d
    JOIN investment_countedmonth cm ON cm.project_id = d.id AND cm.valid_to IS NULL
    CROSS JOIN LATERAL investment_scope_cells(d.region_id, d.sector_id, d.category_id, d.department_id, d.stage,
                                              d.total_investment >= p_threshold) c
    WHERE d.moved
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (scope, scope_key, dimension, value, period) DO UPDATE
    SET months = m.months + EXCLUDED.months, amount = m.amount + EXCLUDED.amount;
    DELETE FROM investment_scopetotal WHERE projects = 0;
    DELETE FROM investment_scopemonth WHERE months = 0;
END;
$$;

CREATE OR REPLACE FUNCTION investment_scope_project_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    threshold numeric := investment_scope_threshold();
    deltas investment_scope_project_delta[];
BEGIN
    IF TG_OP = 'UPDATE' THEN
        -- only the rows whose cells or figures changed; "moved": its counted months move too
        WITH changed AS (
            SELECT o.id, o.region_id AS o_region, o.sector_id AS o_sector, o.category_id AS o_category,
                   o.department_id AS o_department, o.stage AS o_stage, o.total_investment AS o_total,
                   o.annual_plan AS o_plan, n.region_id, n.sector_id, n.category_id, n.department_id, n.stage,
                   n.total_investment, n.annual_plan,
                   (o.region_id IS DISTINCT FROM n.region_id OR o.sector_id IS DISTINCT FROM n.sector_id
                    OR o.category_id IS DISTINCT FROM n.category_id OR o.department_id IS DISTINCT FROM n.department_id
                    OR o.stage IS DISTINCT FROM n.stage
                    OR (o.total_investment >= threshold) IS DISTINCT FROM (n.total_investment >= threshold)) AS moved
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE o.region_id IS DISTINCT FROM n.region_id OR o.sector_id IS DISTINCT FROM n.sector_id
               OR o.category_id IS DISTINCT FROM n.category_id OR o.department_id IS DISTINCT FROM n.department_id
               OR o.stage IS DISTINCT FROM n.stage OR o.total_investment IS DISTINCT FROM n.total_investment
               OR o.annual_plan IS DISTINCT FROM n.annual_plan)
        SELECT array_agg(d) INTO deltas FROM (
            SELECT ROW(id, region_id, sector_id, category_id, department_id, stage, total_investment, 1,
                       coalesce(total_investment, 0), coalesce(annual_plan, 0), moved)::investment_scope_project_delta AS d
            FROM changed
            UNION ALL
            SELECT ROW(id, o_region, o_sector, o_category, o_department, o_stage, o_total, -1,
                       -coalesce(o_total, 0), -coalesce(o_plan, 0), moved)::investment_scope_project_delta
            FROM changed) s;
    ELSIF TG_OP = 'INSERT' THEN  -- a new project has no counted months yet
        SELECT array_agg(ROW(id, region_id, sector_id, category_id, department_id, stage, total_investment, 1,
                             coalesce(total_investment, 0), coalesce(annual_plan, 0), false)::investment_scope_project_delta)
        INTO deltas FROM new_rows;
    ELSE  -- its months leave with it (none left when Django deleted them first)
        SELECT array_agg(ROW(id, region_id, sector_id, category_id, department_id, stage, total_investment, -1,
                             -coalesce(total_investment, 0), -coalesce(annual_plan, 0), true)::investment_scope_project_delta)
        INTO deltas FROM old_rows;
    END IF;
    IF deltas IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(LOCK_ID);
    PERFORM investment_scope_apply(threshold, deltas);
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION investment_scope_month_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    threshold numeric := investment_scope_threshold();
    deltas investment_scope_month_delta[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(ROW(project_id, period, 1, amount)::investment_scope_month_delta) INTO deltas
        FROM new_rows WHERE valid_to IS NULL;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(ROW(project_id, period, -1, -amount)::investment_scope_month_delta) INTO deltas
        FROM old_rows WHERE valid_to IS NULL;
    ELSE
        SELECT array_agg(d) INTO deltas FROM (
            SELECT ROW(project_id, period, -1, -amount)::investment_scope_month_delta AS d
            FROM old_rows WHERE valid_to IS NULL
            UNION ALL
            SELECT ROW(project_id, period, 1, amount)::investment_scope_month_delta FROM new_rows WHERE valid_to IS NULL
        ) s;
    END IF;
    IF deltas IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(LOCK_ID);
    INSERT INTO investment_scopemonth AS m (scope, scope_key, dimension, value, period, months, amount)
    SELECT c.scope, c.scope_key, c.dimension, c.value, d.period, sum(d.n), sum(d.amount)
    FROM unnest(deltas) d
    JOIN projects_project p ON p.id = d.project_id
    CROSS JOIN LATERAL investment_scope_cells(p.region_id, p.sector_id, p.category_id, p.department_id, p.stage,
                                              p.total_investment >= threshold) c
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(d.n) <> 0 OR sum(d.amount) <> 0
    ON CONFLICT (scope, scope_key, dimension, value, period) DO UPDATE
    SET months = m.months + EXCLUDED.months, amount = m.amount + EXCLUDED.amount;
    DELETE FROM investment_scopemonth WHERE months = 0;
    RETURN NULL;
END;
$$;
""".replace("LOCK_ID", str(LOCK))
# Back to 0009's functions: drop every scope function (0009's list misses the new apply), then 0009's text.
REVERSE_SQL = (
    "DROP FUNCTION IF EXISTS investment_scope_apply(numeric, investment_scope_project_delta[]);"
    + scope_totals.DROP_SQL
    + "DROP TYPE investment_scope_project_delta, investment_scope_month_delta;"
    + scope_totals.FUNCTIONS_SQL
)


class Migration(migrations.Migration):
    dependencies = [("investment", "0011_merge_branches_dec")]

    operations = [migrations.RunSQL(FUNCTIONS_SQL, REVERSE_SQL)]

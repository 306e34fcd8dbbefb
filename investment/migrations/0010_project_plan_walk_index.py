from django.db import migrations

# The dashboard's ten most lagging projects (portal.selectors.top_lagging) walk the projects under
# construction by year plan, largest first, and stop early: this index serves that walk. It is on the
# projects table but belongs with the figures kept here (as the triggers of 0009), so it lives here.
INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS project_stage_plan ON projects_project (stage, annual_plan DESC, id)"
    " WHERE annual_plan > 0"
)


class Migration(migrations.Migration):
    dependencies = [("investment", "0009_scope_totals")]

    operations = [migrations.RunSQL(INDEX_SQL, "DROP INDEX IF EXISTS project_stage_plan")]

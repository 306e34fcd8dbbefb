"""The project list as xlsx: same rows and filters as the API list, the one project export
(projects.exports), streamed to a temporary file."""

from ..exports import projects_xlsx_file


def write_projects_xlsx(queryset):
    """Write the (already scoped and filtered) projects to a temporary xlsx file, positioned at 0."""
    return projects_xlsx_file(queryset)

"""Excel in and out of progress reporting: the county's monthly template (template), the import
(importer: validate, preview, then write all or nothing) and the xlsx exports (exports).

Imports parse with python-calamine (fast, Rust); writes go through
common.spreadsheets.StreamingWorkbook (formula-safe text).
"""

from .columns import *  # noqa: F403 - the column names are part of this package's interface
from .columns import TEMPLATE_HEADERS
from .exports import export_progress, export_projects
from .importer import ImportResult, progress_import, read_rows, unknown_project_message, validate_progress_rows
from .template import progress_template

__all__ = [
    "TEMPLATE_HEADERS",
    "ImportResult",
    "export_progress",
    "export_projects",
    "progress_import",
    "progress_template",
    "read_rows",
    "unknown_project_message",
    "validate_progress_rows",
]

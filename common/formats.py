"""Display formats shared by templates (portal's filters) and views that pre-format rows."""

from .figures import hundredths


def wan(value):
    """万元 with thousands separators and two places (the one rounding rule: half up), or a dash."""
    if value in (None, ""):
        return "—"
    return f"{hundredths(value):,}"

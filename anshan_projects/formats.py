"""Display formats shared by templates (portal's filters) and views that pre-format rows."""

from decimal import Decimal

CENTS = Decimal("0.01")


def wan(value):
    """万元 with thousands separators and two places, or a dash."""
    if value in (None, ""):
        return "—"
    return f"{Decimal(value).quantize(CENTS):,}"

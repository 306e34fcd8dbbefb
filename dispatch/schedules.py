"""Default dispatch schedules (domain.md section 6). The dispatch app fills this in."""


def ensure_default_schedules():
    return 0

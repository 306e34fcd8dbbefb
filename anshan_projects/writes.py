"""Small helpers every app's services use, written once: the audit context of a write, the refusal of
fields a service does not write, the size limit of an upload, and finding a region by what a
request names it (key, division code or id)."""

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError


def audit(user):
    """pghistory's context for a write by ``user`` (None: the system): who changed the rows."""
    return pghistory.context(user=user.pk if user is not None else None)


def refuse_unknown(data, fields, verb="修改"):
    """Only the named fields may be written here: any other is a clear error naming it."""
    unknown = set(data) - set(fields)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, f"该字段不能在此{verb}。"))


def megabytes(limit):
    return limit // (1024 * 1024)


def read_limited(upload, field="file", max_bytes=None, *, too_big=None, empty=None):
    """The upload's bytes, refusing anything above the size limit (``UPLOAD_MAX_BYTES``) before reading
    it all, and an empty file. ``too_big`` / ``empty``: the messages, when the caller names the upload."""
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError({field: too_big or f"文件过大({size // 1024} KB),上限为 {megabytes(max_bytes)} MB。"})
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError({field: too_big or f"文件过大,上限为 {megabytes(max_bytes)} MB。"})
    if not data:
        raise ValidationError({field: empty or "文件为空。"})
    return data


def region_named(regions, value):
    """The region of ``regions`` that ``value`` names (its key, division code or id), or None."""
    value = (value or "").strip() if isinstance(value, str) else value
    if not value:
        return None
    for region in regions:
        if value in (region.key, region.division_code, str(region.pk)):
            return region
    return None

"""Small helpers every app's services use, written once: the audit context of a write, the refusal of
fields a service does not write, the size limit of an upload, attachments checked by their bytes, and
finding a region by what a request names it (key, division code or id)."""

import secrets

import filetype
import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

# Attachments (an order's reply, a service contact): what the file's bytes say it is, not its name.
ATTACHMENT_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}


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


def read_attachment(upload, index, field="attachments"):
    """The ``index``-th attachment's bytes and type (by its content), or a clear error naming it."""
    too_big = f"附件 {index}({upload.name})过大,上限为 {megabytes(settings.UPLOAD_MAX_BYTES)} MB。"
    data = read_limited(upload, field, too_big=too_big, empty=f"附件 {index}({upload.name})为空。")
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in ATTACHMENT_TYPES:
        raise ValidationError(
            {field: f"附件 {index}({upload.name})类型不支持:只接受 PDF、JPEG、PNG、WebP、docx、xlsx(按文件内容识别)。"}
        )
    return data, kind.mime


def store_attachment(folder, data, mime, upload):
    """Save checked attachment bytes under an unguessable name in ``folder``: (storage path, the name
    the user gave it, for the download)."""
    token = secrets.token_hex(16)
    extension = ATTACHMENT_TYPES[mime]
    path = default_storage.save(f"{folder}/{token[:2]}/{token}.{extension}", ContentFile(data))
    return path, (getattr(upload, "name", "") or f"附件.{extension}")[:200]

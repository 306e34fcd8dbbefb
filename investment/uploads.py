"""Checks for uploaded files: size, real type by content (magic bytes), zip structure for xlsx,
and the photo pipeline (Pillow verification, EXIF date taken, thumbnails, storage)."""

import datetime
import io
import secrets
import zipfile
from decimal import Decimal, InvalidOperation

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

from common.writes import read_limited  # noqa: F401 - the upload size limit, written once

IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
HEIF_TYPES = {"image/heic", "image/heif"}
VIDEO_TYPES = {"video/mp4": "mp4", "video/webm": "webm"}
THUMBNAIL_SIZE = (480, 480)
EXIF_IFD = 0x8769
EXIF_DATETIME_ORIGINAL = 36867
EXIF_DATETIME = 306
GPS_IFD = 0x8825


def _limit(name, default):
    return getattr(settings, name, default)


def check_xlsx(data: bytes, field="file"):
    """Refuse what is not a genuine, reasonably sized xlsx before any parser opens it (zip bombs included)."""
    kind = filetype.guess(data[:8192])
    if not data.startswith(b"PK\x03\x04") or (kind is not None and kind.extension not in ("xlsx", "zip")):
        raise ValidationError({field: "文件不是 xlsx 格式(请使用下载的模板,另存为 .xlsx)。"})
    max_members = _limit("XLSX_MAX_MEMBERS", 500)
    max_uncompressed = _limit("XLSX_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
    max_ratio = _limit("XLSX_MAX_COMPRESSION_RATIO", 200)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise ValidationError({field: "文件已损坏,无法读取(不是有效的 xlsx)。"}) from None
    if len(members) > max_members:
        raise ValidationError({field: f"文件结构异常(包含 {len(members)} 个部件),已拒绝。"})
    total = sum(m.file_size for m in members)
    if total > max_uncompressed:
        raise ValidationError({field: "文件解压后过大,疑似压缩炸弹,已拒绝。"})
    for m in members:
        if m.compress_size and m.file_size / m.compress_size > max_ratio and m.file_size > 1024 * 1024:
            raise ValidationError({field: "文件压缩比异常,疑似压缩炸弹,已拒绝。"})
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise ValidationError({field: "文件不是 xlsx 格式(缺少工作簿)。"})


def _exif_date(image):
    try:
        exif = image.getexif()
    except Exception:
        return None
    raw = exif.get_ifd(EXIF_IFD).get(EXIF_DATETIME_ORIGINAL) or exif.get(EXIF_DATETIME)
    if not raw:
        return None
    try:
        return datetime.datetime.strptime(str(raw).strip()[:19], "%Y:%m:%d %H:%M:%S").date()
    except ValueError:
        return None


def _register_heif():
    """Let Pillow open HEIC/HEIF (iPhone photos) through pillow-heif, once."""
    global _heif_registered
    if not _heif_registered:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        _heif_registered = True


_heif_registered = False


def _gps_degrees(values, ref):
    """EXIF degrees/minutes/seconds rationals and a N/S/E/W reference -> signed Decimal degrees."""
    try:
        degrees, minutes, seconds = (Decimal(str(float(v))) for v in values)
    except (TypeError, ValueError, ZeroDivisionError, InvalidOperation):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if str(ref).strip().upper() in ("S", "W"):
        value = -value
    return value.quantize(Decimal("0.000001"))


def exif_position(image):
    """(latitude, longitude) as Decimals from the EXIF GPS IFD, or (None, None)."""
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
    except Exception:
        return None, None
    if not gps or 2 not in gps or 4 not in gps:
        return None, None
    lat = _gps_degrees(gps[2], gps.get(1, "N"))
    lon = _gps_degrees(gps[4], gps.get(3, "E"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def inspect_media(data: bytes, field="file"):
    """(kind, content_type, extension, exif_date, image) after checking the content, not the name.

    HEIC/HEIF photos (iPhones) are decoded with pillow-heif and come back as JPEG (content type,
    extension and ``data`` of the image, see ``jpeg_bytes``): browsers other than Safari cannot show them."""
    kind = filetype.guess(data[:8192])
    mime = kind.mime if kind else None
    if mime in IMAGE_TYPES or mime in HEIF_TYPES:
        Image.MAX_IMAGE_PIXELS = _limit("PHOTO_MAX_PIXELS", 60_000_000)
        if mime in HEIF_TYPES:
            _register_heif()
        try:
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, RuntimeError, Image.DecompressionBombError):
            raise ValidationError({field: "图片已损坏或无法识别。"}) from None
        if mime in HEIF_TYPES:
            return "image", "image/jpeg", "jpg", _exif_date(image), image
        return "image", mime, IMAGE_TYPES[mime], _exif_date(image), image
    if mime in VIDEO_TYPES:
        if len(data) > _limit("VIDEO_MAX_BYTES", settings.UPLOAD_MAX_BYTES):
            raise ValidationError({field: "视频过大。"})
        return "video", mime, VIDEO_TYPES[mime], None, None
    raise ValidationError({field: "只接受 JPEG/PNG/WebP/HEIC 照片或 MP4/WebM 视频(按文件内容识别)。"})


def jpeg_bytes(image, quality=88):
    """The image as a JPEG (orientation applied, EXIF date and position kept in the file)."""
    exif = image.getexif()
    upright = ImageOps.exif_transpose(image).convert("RGB")
    exif.pop(0x0112, None)  # orientation: already applied
    buffer = io.BytesIO()
    upright.save(buffer, "JPEG", quality=quality, exif=exif.tobytes())
    return buffer.getvalue()


def store_media(data: bytes, extension: str, image=None):
    """Save the file (and a JPEG thumbnail for images) under random names; return (path, thumbnail path)."""
    token = secrets.token_hex(16)
    prefix = f"progress/media/{token[:2]}/{token}"
    path = default_storage.save(f"{prefix}.{extension}", ContentFile(data))
    thumbnail = ""
    if image is not None:
        thumb = ImageOps.exif_transpose(image).convert("RGB")
        thumb.thumbnail(THUMBNAIL_SIZE)
        buffer = io.BytesIO()
        thumb.save(buffer, "JPEG", quality=80)
        thumbnail = default_storage.save(f"{prefix}_thumb.jpg", ContentFile(buffer.getvalue()))
    return path, thumbnail

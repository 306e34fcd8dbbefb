"""Demo data of the weekly site photos (形象调度), called from investment.demo.seed.

The cadence row covers the largest projects under construction (10 亿元 and more in the demo, so
that the city's few dozen such projects post every week); each posts its photos for this week and
the three before, with EXIF dates and GPS positions near the project; every county misses a few
project-weeks (its k-th project misses week k mod 4, this week for the first), one photo was taken 8 km
away and one before its week (both carry their warning); leaders commented on some, and one
comment became a coordination problem. The images are tiny generated JPEGs (one file each, also
its own thumbnail), so the seed stays fast."""

import datetime
import io
import secrets
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from common.periods import week
from projects.models import Project

from .choices import MediaKind, ProblemKind
from .models import PhotoComment, Problem, SitePhoto, WeeklyPhotoRule
from .services import _photo_warning, distance_m

WEEKS = 4
DEMO_MIN_INVESTMENT = Decimal("100000")  # 10 亿元
CAPTIONS = ["主体结构施工", "钢结构吊装", "设备安装", "厂区道路施工", "办公楼封顶", "外墙装饰"]
COMMENTS = ["进度较快,继续保持", "注意安全文明施工", "加快设备进场,确保按期投产", "请说明施工人员不足的原因"]


def _rational(value):
    """Decimal degrees -> EXIF (degrees, minutes, seconds)."""
    value = abs(float(value))
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return (float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 3))


def site_jpeg(*, color, taken, lat=None, lon=None):
    """A tiny JPEG (48x36) with EXIF DateTimeOriginal and, when given, a GPS position."""
    image = Image.new("RGB", (48, 36), color)
    exif = image.getexif()
    exif.get_ifd(0x8769)[36867] = taken.strftime("%Y:%m:%d 10:%M:00")
    if lat is not None:
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2] = ("N" if lat >= 0 else "S"), _rational(lat)
        gps[3], gps[4] = ("E" if lon >= 0 else "W"), _rational(lon)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=60, exif=exif)
    return buffer.getvalue()


def seed_photos(builder):
    if SitePhoto.objects.exists():
        return 0
    rng, today = builder.rng, builder.today
    rule = WeeklyPhotoRule.objects.order_by("pk").first() or WeeklyPhotoRule()
    rule.min_total_investment = DEMO_MIN_INVESTMENT
    rule.save()
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["leader", "demo_city_01"])}
    leader = users.get("leader") or users.get("demo_city_01")
    staff = {
        u.roles.all()[0].region_id: u
        for u in get_user_model().objects.filter(username__in=["tiedong", "haicheng"]).prefetch_related("roles")
    }
    projects = list(Project.objects.filter(rule.projects_q()).order_by("region__sort_order", "-total_investment", "id"))
    this_week = week(today)[0]
    weeks = [this_week - datetime.timedelta(days=7 * back) for back in range(WEEKS)]
    photos, far_done, old_done = [], False, False
    in_county = {}
    for index, project in enumerate(projects):
        # A few missing weeks in every county: its k-th project misses week k mod 4 (0: this week).
        rank = in_county[project.region_id] = in_county.get(project.region_id, -1) + 1
        for back, week_start in enumerate(weeks):
            if back == rank % WEEKS:
                continue
            for n in range(rule.photos_per_week):
                last_day = min(week_start + datetime.timedelta(days=6), today)
                taken = week_start + datetime.timedelta(days=rng.randrange((last_day - week_start).days + 1))
                lat, lon = project.latitude, project.longitude
                if lat is not None:
                    lat = lat + Decimal(rng.uniform(-0.001, 0.001)).quantize(Decimal("0.000001"))
                    lon = lon + Decimal(rng.uniform(-0.001, 0.001)).quantize(Decimal("0.000001"))
                    if not far_done and week_start == weeks[1]:
                        lat, far_done = lat + Decimal("0.072"), True  # about 8 km north
                if not old_done and week_start == weeks[2] and n == 0 and index % 3 == 1:
                    taken, old_done = week_start - datetime.timedelta(days=9), True
                data = site_jpeg(color=(rng.randrange(256), rng.randrange(256), 160), taken=taken, lat=lat, lon=lon)
                token = secrets.token_hex(16)
                path = default_storage.save(f"progress/media/{token[:2]}/{token}.jpg", ContentFile(data))
                photo = SitePhoto(
                    project=project,
                    kind=MediaKind.IMAGE,
                    file=path,
                    thumbnail=path,
                    content_type="image/jpeg",
                    size=len(data),
                    caption=CAPTIONS[(index + n) % len(CAPTIONS)],
                    taken_on=taken,
                    taken_on_from_exif=True,
                    uploaded_by=staff.get(project.region_id),
                    week=week_start,
                    latitude=lat,
                    longitude=lon,
                )
                if lat is not None and project.latitude is not None:
                    photo.distance_m = round(distance_m(lat, lon, project.latitude, project.longitude))
                photo.warning = _photo_warning(photo, project, rule)
                photos.append(photo)
    SitePhoto.objects.bulk_create(photos)
    # created_at is "now" for all: spread them over their weeks so that newest first reads right.
    for photo in photos:
        photo.created_at = datetime.datetime.combine(photo.taken_on, datetime.time(12), tzinfo=datetime.UTC)
    SitePhoto.objects.bulk_update(photos, ["created_at"])
    comments = []
    if leader is not None:
        for photo in photos[:: max(1, len(photos) // 12)]:
            comments.append(PhotoComment(photo=photo, author=leader, text=COMMENTS[len(comments) % len(COMMENTS)]))
        PhotoComment.objects.bulk_create(comments)
        if comments:
            first = comments[-1]
            problem = Problem.objects.create(
                project=first.photo.project,
                description=f"现场照片批示:{first.text}",
                kind=ProblemKind.OTHER,
                responsible_unit=str(first.photo.project.region),
                responsible_region=first.photo.project.region,
                deadline=today + datetime.timedelta(days=14),
                raised_by=leader,
            )
            PhotoComment.objects.filter(pk=first.pk).update(problem=problem)
    return len(photos)

"""Weekly site photos (形象调度): the cadence and completeness per county, the photo pipeline (HEIC,
EXIF date and GPS, warnings, bad files), comments that notify, comments turned into a problem or an
order, access, and the reminder."""

import datetime
import io
import os
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from common.periods import week
from insights import definitions
from investment import services
from investment.models import PhotoComment, Problem, SitePhoto, WeeklyPhotoRule
from notifications.models import Notification
from projects.choices import Role
from supervision import services as supervision_services
from supervision.models import SupervisionOrder
from tests.factories import ProjectFactory, region, user_with_role

# 铁东区 office area; 0.01 degree of latitude is about 1.1 km.
LAT, LON = Decimal("41.110000"), Decimal("122.990000")


def dms(value):
    value = abs(float(value))
    d = int(value)
    m = int((value - d) * 60)
    return (IFDRational(d, 1), IFDRational(m, 1), IFDRational(round((value - d - m / 60) * 3600 * 1000), 1000))


def photo_bytes(*, taken="2026:01:15 09:30:00", lat=None, lon=None, fmt="JPEG", size=(64, 48)):
    """A generated photo with EXIF DateTimeOriginal and, when given, a GPS position (written by hand
    here, not with the code's helpers)."""
    image = Image.new("RGB", size, (90, 140, 30))
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[36867] = taken
    if lat is not None:
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2], gps[3], gps[4] = "N", dms(lat), "E", dms(lon)
    buffer = io.BytesIO()
    image.save(buffer, fmt, exif=exif.tobytes())
    return buffer.getvalue()


def heic_bytes(**kwargs):
    import pillow_heif

    pillow_heif.register_heif_opener()
    return photo_bytes(fmt="HEIF", **kwargs)


def exif_day(day):
    return f"{day:%Y:%m:%d} 10:00:00"


@pytest.fixture
def this_week():
    return week(timezone.localdate())[0]


@pytest.fixture
def project():
    return ProjectFactory(stage="construction", total_investment=Decimal("20000"), latitude=LAT, longitude=LON)


def upload(user, project, *files, caption="主体施工", taken_on=None):
    return services.photos_upload(
        user=user,
        project=project,
        uploads=[SimpleUploadedFile(name, data) for name, data in files],
        caption=caption,
        taken_on=taken_on,
    )


# --- the pipeline ---------------------------------------------------------------------------------
def test_heic_from_an_iphone_is_decoded_and_stored_as_jpeg(county_user, project, this_week):
    today = timezone.localdate()
    data = heic_bytes(taken=exif_day(today), lat=LAT, lon=LON)
    assert data[4:12] == b"ftypheic"  # a real HEIC container, made by pillow-heif
    (photo,) = upload(county_user, project, ("IMG_0001.HEIC", data))
    photo.refresh_from_db()
    assert photo.content_type == "image/jpeg" and photo.original_type == "image/heic"
    assert photo.file.endswith(".jpg")
    from django.core.files.storage import default_storage

    stored = default_storage.open(photo.file).read()
    assert stored[:2] == b"\xff\xd8"  # JPEG
    assert Image.open(io.BytesIO(stored)).format == "JPEG" and photo.size == len(stored)
    assert photo.taken_on == today and photo.taken_on_from_exif
    assert abs(photo.latitude - LAT) < Decimal("0.00001") and abs(photo.longitude - LON) < Decimal("0.00001")
    assert photo.distance_m is not None and photo.distance_m < 5
    assert photo.week == this_week and photo.warning == ""


def test_exif_date_and_gps_are_read_from_a_jpeg(county_user, project):
    day = timezone.localdate()
    (photo,) = upload(
        county_user, project, ("a.jpg", photo_bytes(taken=exif_day(day), lat=LAT + Decimal("0.005"), lon=LON))
    )
    assert photo.taken_on == day and photo.taken_on_from_exif
    assert abs(photo.latitude - (LAT + Decimal("0.005"))) < Decimal("0.00001")
    # 0.005 degrees of latitude: 556 m on a 6,371 km sphere.
    assert 540 <= photo.distance_m <= 570 and photo.warning == ""


def test_gps_far_from_the_project_is_warned_and_the_distance_is_data(county_user, project):
    day = timezone.localdate()
    far = photo_bytes(taken=exif_day(day), lat=LAT + Decimal("0.03"), lon=LON)  # about 3.3 km north
    (photo,) = upload(county_user, project, ("far.jpg", far))
    assert 3200 <= photo.distance_m <= 3400
    assert "公里" in photo.warning and "超过 2.00 公里" in photo.warning
    rule = WeeklyPhotoRule.current()
    rule.max_distance_km = Decimal("5")
    rule.save()
    (again,) = upload(county_user, project, ("far2.jpg", far))
    assert again.warning == ""  # the administrator's distance decides


def test_a_photo_older_than_the_week_is_warned(county_user, project, this_week):
    old = this_week - datetime.timedelta(days=3)
    (photo,) = upload(county_user, project, ("old.jpg", photo_bytes(taken=exif_day(old))))
    assert photo.taken_on == old and "早于本调度周" in photo.warning


def test_several_photos_at_once_and_a_bad_file_names_itself_and_keeps_nothing(county_user, project, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    day = exif_day(timezone.localdate())
    client = Client()
    client.force_login(county_user)
    url = f"/progress/project/{project.pk}/photos/upload/"
    files = [
        SimpleUploadedFile("one.jpg", photo_bytes(taken=day)),
        SimpleUploadedFile("two.heic", heic_bytes(taken=day)),
        SimpleUploadedFile("notes.jpg", b"not an image at all" * 20),
    ]
    response = client.post(url, {"files": files, "caption": "厂房"})
    assert response.status_code == 400
    assert "notes.jpg" in response.content.decode()
    assert SitePhoto.objects.count() == 0
    # Nothing of the failed batch stays on disk either (the files stored before the bad one are removed).
    assert not [f for _, _, fs in os.walk(tmp_path) for f in fs]
    settings.UPLOAD_MAX_BYTES = 2048
    big = SimpleUploadedFile("huge.jpg", photo_bytes(taken=day, size=(400, 400)) + b"\0" * 4096)
    response = client.post(url, {"files": [big], "caption": "厂房"})
    assert (
        response.status_code == 400 and "huge.jpg" in response.content.decode() and "过大" in response.content.decode()
    )
    settings.UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    response = client.post(
        url,
        {
            "files": [
                SimpleUploadedFile("one.jpg", photo_bytes(taken=day)),
                SimpleUploadedFile("two.heic", heic_bytes(taken=day)),
            ],
            "caption": "厂房",
        },
    )
    assert response.status_code == 302
    assert SitePhoto.objects.filter(project=project).count() == 2
    page = client.get(url).content.decode()
    assert 'type="file"' in page and 'accept="image/*"' in page and " multiple" in page and "capture=" in page


# --- completeness per county against independent SQL ---------------------------------------------
SQL_WEEK = """
SELECT p.region_id,
       count(*) AS owed,
       count(*) FILTER (WHERE coalesce(ph.n, 0) >= %(per)s) AS posted
  FROM projects_project p
  LEFT JOIN (SELECT project_id, count(*) AS n FROM investment_sitephoto WHERE week = %(week)s GROUP BY project_id) ph
         ON ph.project_id = p.id
 WHERE p.stage = 'construction' AND p.total_investment >= %(min)s
 GROUP BY p.region_id
"""


def sql_week(week_start, per, minimum):
    with connection.cursor() as cursor:
        cursor.execute(SQL_WEEK, {"week": week_start, "per": per, "min": minimum})
        return {r: (owed, posted) for r, owed, posted in cursor.fetchall()}


def test_weekly_completeness_per_county_matches_sql(county_user, other_county_user, leader, this_week):
    tiedong, haicheng = region("tiedong"), region("haicheng")
    day = exif_day(timezone.localdate())
    a = ProjectFactory(stage="construction", total_investment=Decimal("8000"), region=tiedong)
    b = ProjectFactory(stage="construction", total_investment=Decimal("9000"), region=tiedong)
    ProjectFactory(stage="construction", total_investment=Decimal("4000"), region=tiedong)  # below the rule
    ProjectFactory(stage="signed", total_investment=Decimal("90000"), region=tiedong)  # not in construction
    c = ProjectFactory(stage="construction", total_investment=Decimal("50000"), region=haicheng)
    ProjectFactory(stage="construction", total_investment=Decimal("6000"), region=haicheng)
    upload(county_user, a, ("1.jpg", photo_bytes(taken=day)), ("2.jpg", photo_bytes(taken=day)))  # posted (2 of 2)
    upload(county_user, b, ("1.jpg", photo_bytes(taken=day)))  # one of two: not posted
    upload(other_county_user, c, ("1.jpg", photo_bytes(taken=day)), ("2.jpg", photo_bytes(taken=day)))
    # last week's photo does not count for this week
    SitePhoto.objects.filter(project=b).update(week=this_week - datetime.timedelta(days=7))

    for per, minimum in ((2, Decimal("5000")), (1, Decimal("5000")), (1, Decimal("8500"))):
        rule = WeeklyPhotoRule.current()
        rule.photos_per_week, rule.min_total_investment = per, minimum
        rule.save()
        expected = sql_week(this_week, per, minimum)
        from projects.models import Project

        got = {
            r["region_id"]: (r["owed"], r["posted"])
            for r in definitions.photo_week_counts(Project.objects.all(), week=this_week)
        }
        assert got == expected, (per, minimum)
        # The leader's page shows the same figures; county staff see only their county.
        client = Client()
        client.force_login(leader)
        page = client.get("/dashboard/photos/week/").content.decode()
        owed = sum(v[0] for v in expected.values())
        posted = sum(v[1] for v in expected.values())
        assert re.search(rf'data-figure="owed">{owed}<', page) and re.search(rf'data-figure="posted">{posted}<', page)
        client.force_login(county_user)
        page = client.get("/dashboard/photos/week/").content.decode()
        assert re.search(rf'data-figure="owed">{expected[tiedong.pk][0]}<', page)
        assert 'data-region="haicheng"' not in page and c.name not in page


def test_the_county_todo_lists_who_has_not_posted(county_user, this_week):
    done = ProjectFactory(stage="construction", total_investment=Decimal("8000"), name="已报项目甲")
    missing = ProjectFactory(stage="construction", total_investment=Decimal("8000"), name="未报项目乙")
    day = exif_day(timezone.localdate())
    upload(county_user, done, ("1.jpg", photo_bytes(taken=day)), ("2.jpg", photo_bytes(taken=day)))
    client = Client()
    client.force_login(county_user)
    page = client.get("/").content.decode()
    section = page[page.index('id="photo-due"') :]
    assert missing.name in section and done.name not in section
    assert f"/progress/project/{missing.pk}/photos/upload/" in section


def test_the_reminder_reaches_counties_that_have_not_posted_once_a_day(
    county_user, county_reviewer, other_county_user, this_week
):
    day = exif_day(timezone.localdate())
    posted = ProjectFactory(stage="construction", region=region("haicheng"))
    upload(other_county_user, posted, ("1.jpg", photo_bytes(taken=day)), ("2.jpg", photo_bytes(taken=day)))
    ProjectFactory(stage="construction", region=region("tiedong"))  # owes, has not posted
    from investment.tasks import remind_site_photos

    assert remind_site_photos() == 2  # tiedong's staff and reviewer
    assert remind_site_photos() == 0  # idempotent
    told = Notification.objects.filter(event_key__startswith=f"photo_due:{this_week:%Y-%m-%d}")
    assert set(told.values_list("recipient__username", flat=True)) == {"alice", "reviewer"}
    assert "1 个项目" in told.first().body
    assert not Notification.objects.filter(recipient=other_county_user).exists()
    from investment.periodic import PERIODIC_TASKS

    assert ("investment.remind_site_photos") in [name for _, name, _ in PERIODIC_TASKS]


# --- comments, conversions, access ------------------------------------------------------------------
def test_a_comment_notifies_the_uploader_and_the_county_once(
    county_user, county_colleague, county_reviewer, leader, other_county_user, project
):
    (photo,) = upload(county_user, project, ("1.jpg", photo_bytes()), taken_on=None)
    comment = services.photo_comment_create(user=leader, photo=photo, text="注意<b>安全</b>")
    told = Notification.objects.filter(event_key=f"photo_comment:{comment.pk}")
    assert set(told.values_list("recipient__username", flat=True)) == {"alice", "bob", "reviewer"}
    assert told.filter(recipient=county_user).get().body.endswith("注意<b>安全</b>")
    assert not Notification.objects.filter(recipient__in=[leader, other_county_user]).exists()
    client = Client()
    client.force_login(leader)
    page = client.get("/dashboard/photos/").content.decode()
    assert "注意&lt;b&gt;安全&lt;/b&gt;" in page and "注意<b>安全</b>" not in page  # user text is data


def test_a_comment_becomes_a_problem_in_one_step(county_user, leader, project):
    (photo,) = upload(county_user, project, ("1.jpg", photo_bytes()))
    comment = services.photo_comment_create(user=leader, photo=photo, text="施工人员不足,请协调")
    client = Client()
    client.force_login(leader)
    deadline = timezone.localdate() + datetime.timedelta(days=10)
    response = client.post(
        f"/progress/photo-comments/{comment.pk}/problem/",
        {
            "kind": "other",
            "responsible_unit": "铁东区政府",
            "deadline": deadline.isoformat(),
            "next": "/dashboard/photos/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/dashboard/photos/"
    problem = Problem.objects.get()
    assert problem.project == project and "施工人员不足" in problem.description and problem.deadline == deadline
    assert problem.raised_by == leader and problem.responsible_region == project.region
    assert PhotoComment.objects.get().problem == problem
    client.post(
        f"/progress/photo-comments/{comment.pk}/problem/",
        {"kind": "other", "responsible_unit": "铁东区政府", "deadline": deadline.isoformat()},
    )
    assert Problem.objects.count() == 1  # a second conversion is refused


def test_a_comment_becomes_a_supervision_order_in_one_step(county_user, leader, project):
    (photo,) = upload(county_user, project, ("1.jpg", photo_bytes()))
    comment = services.photo_comment_create(user=leader, photo=photo, text="加快进度")
    client = Client()
    client.force_login(leader)
    response = client.post(f"/supervision/photo-comments/{comment.pk}/order/", {"unit": "region"})
    assert response.status_code == 302
    order = SupervisionOrder.objects.get()
    assert order.project == project and "加快进度" in order.requirement and order.unit_region == project.region
    assert PhotoComment.objects.get().order_number == order.number
    with pytest.raises(ValidationError, match="已转为督办单"):
        supervision_services.order_from_photo_comment(
            user=leader, comment=PhotoComment.objects.get(), unit_kind="region", unit_region=project.region
        )
    assert SupervisionOrder.objects.count() == 1


def test_county_staff_see_only_their_countys_photos(county_user, other_county_user, project):
    (photo,) = upload(county_user, project, ("1.jpg", photo_bytes()))
    comment = PhotoComment.objects.create(photo=photo, author=county_user, text="自查")
    outsider = Client()
    outsider.force_login(other_county_user)
    assert photo.caption not in outsider.get("/dashboard/photos/").content.decode()
    assert outsider.get(f"/progress/photos/{photo.pk}/thumbnail/").status_code == 404
    assert outsider.get(f"/progress/project/{project.pk}/photos/upload/").status_code == 404
    missing = outsider.post(f"/progress/photo-comments/{comment.pk}/problem/", {"kind": "other"})
    absent = outsider.post("/progress/photo-comments/999999/problem/", {"kind": "other"})
    assert missing.status_code == absent.status_code == 404
    assert outsider.post(f"/supervision/photo-comments/{comment.pk}/order/", {"unit": "region"}).status_code == 404
    insider = Client()
    insider.force_login(county_user)
    assert photo.caption in insider.get("/dashboard/photos/").content.decode()


def test_gallery_filters_and_query_count_do_not_grow(county_user, leader, project, django_assert_max_num_queries):
    other = ProjectFactory(stage="construction", region=region("haicheng"), sector=None)
    for p in (project, other):
        upload(
            county_user if p is project else user_with_role("hc", Role.COUNTY_STAFF, region=p.region),
            p,
            ("1.jpg", photo_bytes()),
        )
    client = Client()
    client.force_login(leader)
    page = client.get("/dashboard/photos/?region=tiedong").content.decode()
    assert project.name in page and other.name not in page
    page = client.get(f"/dashboard/photos/?sector={project.sector_id}").content.decode()
    assert project.name in page and other.name not in page
    from supervision import selectors as supervision_selectors

    lit = supervision_selectors.project_lights(user=leader, period=supervision_selectors.current_period())
    light = lit.get(pk=project.pk).light
    page = client.get(f"/dashboard/photos/?light={light}").content.decode()
    assert project.name in page
    other_light = "green" if light != "green" else "red"
    assert project.name not in client.get(f"/dashboard/photos/?light={other_light}").content.decode()
    with django_assert_max_num_queries(20) as few:
        client.get("/dashboard/photos/")
    for i in range(8):
        (photo,) = upload(county_user, project, (f"{i}.jpg", photo_bytes()))
        services.photo_comment_create(user=leader, photo=photo, text=f"批示{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/dashboard/photos/")
    assert response.content.decode().count('class="comment"') == 8


# --- the demo -------------------------------------------------------------------------------------
def test_the_demo_shows_every_mechanism_of_the_site_photos():
    from django.core.management import call_command

    from projects.models import Project

    call_command("seed_demo", projects=400, no_accounts=True, no_progress_bar=True)
    rule = WeeklyPhotoRule.current()
    this_week = week(timezone.localdate())[0]
    photos = SitePhoto.objects.all()
    assert photos.exists() and not photos.exclude(taken_on_from_exif=True).exists()
    assert not photos.filter(latitude__isnull=True).exists()
    weeks = sorted(set(photos.values_list("week", flat=True)))
    assert len(weeks) == 4 and weeks[-1] == this_week
    # A few missing weeks in every county that owes photos, and most weeks posted.
    by_week = {w: sql_week(w, rule.photos_per_week, rule.min_total_investment) for w in weeks}
    counties = set().union(*by_week.values())
    assert counties
    for county in counties:
        missing = sum(by_week[w][county][0] - by_week[w][county][1] for w in weeks if county in by_week[w])
        owed = sum(by_week[w][county][0] for w in weeks if county in by_week[w])
        assert 0 < missing < owed
    counts = definitions.photo_week_counts(Project.objects.all(), week=this_week)
    assert sum(r["missing"] for r in counts) >= len(counties)  # this week: each county's first project
    assert photos.filter(warning__contains="公里").count() == 1
    assert photos.filter(warning__contains="早于本调度周").count() >= 1
    assert PhotoComment.objects.count() >= 3
    converted = PhotoComment.objects.get(problem__isnull=False)
    assert converted.problem.project_id == converted.photo.project_id


def test_the_photo_pages_are_complete_in_english(county_user, leader, project):
    from tests.portal.test_english import _user_text, chinese_left

    (photo,) = upload(county_user, project, ("1.jpg", photo_bytes()), caption="site")
    services.photo_comment_create(user=leader, photo=photo, text="ok")
    pages = {
        leader: ["/dashboard/photos/", "/dashboard/photos/week/"],
        county_user: [f"/progress/project/{project.pk}/photos/upload/", "/dashboard/photos/week/"],
    }
    for user, urls in pages.items():
        client = Client()
        client.force_login(user)
        client.cookies["django_language"] = "en"
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200
            main = response.content.decode().split("<main", 1)[-1].split("</main>", 1)[0]
            left = chinese_left(main, _user_text())
            assert left == [], (url, left)


def test_gallery_by_dispatch_group_and_the_week_page_query_count(
    county_user, leader, project, django_assert_max_num_queries
):
    from dispatch.models import DispatchGroup

    small = ProjectFactory(stage="construction", total_investment=Decimal("6000"))
    for p in (project, small):
        upload(county_user, p, ("1.jpg", photo_bytes()))
    group = DispatchGroup.objects.create(
        key="big", name="大项目组", tier="city", cadence="monthly", min_total_investment=Decimal("15000")
    )
    client = Client()
    client.force_login(leader)
    page = client.get(f"/dashboard/photos/?group={group.pk}").content.decode()
    assert project.name in page and small.name not in page
    this = week(timezone.localdate())[0]
    page = client.get(f"/dashboard/photos/?week={this:%Y-%m-%d}").content.decode()
    assert project.name in page and small.name in page
    last = this - datetime.timedelta(days=7)
    assert project.name not in client.get(f"/dashboard/photos/?week={last:%Y-%m-%d}").content.decode()
    with django_assert_max_num_queries(20) as few:
        client.get("/dashboard/photos/week/")
    for _ in range(10):
        ProjectFactory(stage="construction", region=region("haicheng"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/dashboard/photos/week/").status_code == 200

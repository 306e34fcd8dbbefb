"""Browser walk of the weekly site photos (形象调度) on a 390 px phone and a desktop: county staff
upload two photos at once (a JPEG and an iPhone HEIC) from the upload page, whose file input opens
the camera and takes several files; a leader reads the gallery, which fits the phone's width with
its labels, and comments. Screenshots: UPDATE_SCREENSHOTS=1 writes them to docs/screenshots/."""

import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from investment.models import PhotoComment, SitePhoto
from projects.choices import Role, Stage
from tests.factories import ProjectFactory, region, user_with_role

from .test_flow import MOBILE, sign_in, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DESKTOP = {"width": 1366, "height": 900}


def _photo(fmt):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (120, 160, 200))
    ImageDraw.Draw(image).rectangle((40, 60, 280, 200), fill=(200, 120, 60))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = f"{timezone.localdate():%Y:%m:%d} 09:00:00"
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    buffer = io.BytesIO()
    image.save(buffer, fmt, exif=exif.tobytes())
    return buffer.getvalue()


@pytest.fixture
def site(transactional_db):
    return {
        "county": user_with_role("county_photos", Role.COUNTY_STAFF, region=region("tiedong")),
        "leader": user_with_role("leader_photos", Role.LEADERSHIP),
        "project": ProjectFactory(
            name="鞍山钢铁深加工产业园(形象调度)", stage=Stage.CONSTRUCTION, total_investment=Decimal("60000")
        ),
    }


def _fits(page, width):
    """Nothing wider than the screen: no sideways scrolling on the phone."""
    return page.evaluate("document.documentElement.scrollWidth") <= width + 1


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "phone"])
def test_county_staff_upload_from_the_camera_and_a_leader_comments_in_the_gallery(
    browser, live_server, site, screenshots, viewport
):
    phone = viewport is MOBILE
    suffix = "phone" if phone else "desktop"
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport=viewport, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    errors = watch_console(page)
    sign_in(page, base, "county_photos")
    project = site["project"]

    # The to-do names the project still owing this week's photos and leads to the upload page.
    page.goto(f"{base}/")
    page.locator("#photo-due").get_by_role("link", name=project.name).click()
    expect(page.get_by_role("heading", name="上传现场照片")).to_be_visible()
    files = page.locator("input[type=file]")
    assert files.get_attribute("accept") == "image/*"
    assert files.get_attribute("multiple") is not None and files.get_attribute("capture") is not None
    files.set_input_files(
        [
            {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": _photo("JPEG")},
            {"name": "IMG_0002.HEIC", "mimeType": "image/heic", "buffer": _photo("HEIF")},
        ]
    )
    page.get_by_label("说明").fill("主厂房钢结构吊装")
    assert _fits(page, viewport["width"])
    page.screenshot(path=str(screenshots / f"photos-upload-{suffix}.png"), full_page=True)
    page.get_by_role("button", name="上传").click()
    expect(page.locator(".messages")).to_contain_text("已上传 2 张照片")
    assert SitePhoto.objects.filter(project=project).count() == 2
    assert set(SitePhoto.objects.values_list("content_type", flat=True)) == {"image/jpeg"}
    expect(page.locator(".gallery figure")).to_have_count(2)
    # Every value on the phone carries its label.
    expect(page.locator(".gallery figure").first.locator("dt").first).to_have_text("拍摄日期")
    assert _fits(page, viewport["width"])
    context.close()

    context = browser.new_context(locale="zh-CN", viewport=viewport, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    errors += watch_console(page)
    sign_in(page, base, "leader_photos")
    page.goto(f"{base}/dashboard/photos/")
    cards = page.locator("#gallery figure")
    expect(cards).to_have_count(2)
    labels = cards.first.locator("dt").all_inner_texts()
    assert labels == ["县区", "产业", "拍摄日期", "调度周", "上传人"]
    box = cards.first.bounding_box()
    if phone:
        assert box["width"] > viewport["width"] * 0.8  # one column
    else:
        assert box["width"] < viewport["width"] / 2  # several columns side by side
    assert _fits(page, viewport["width"])
    cards.first.get_by_placeholder("批示").fill("加快施工进度")
    cards.first.get_by_role("button", name="批示").click()
    expect(page.locator("#gallery .comment").first).to_contain_text("加快施工进度")
    assert PhotoComment.objects.filter(text="加快施工进度").count() == 1
    assert re.search(r"/dashboard/photos/", page.url)
    page.screenshot(path=str(screenshots / f"photos-gallery-{suffix}.png"), full_page=True)
    assert _fits(page, viewport["width"])
    assert not errors, errors
    context.close()

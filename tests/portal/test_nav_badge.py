from notifications.services import notify


def test_unread_count_shows_in_the_header(client, county_user, django_capture_on_commit_callbacks):
    client.force_login(county_user)
    assert 'class="badge"' not in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        notify(
            recipients=[county_user],
            kind="entry_due",
            event_key="test:1",
            title="请填报",
            body="本月进度",
            link="/progress/",
        )
    html = client.get("/").content.decode()
    assert '<span class="badge"' in html
    assert ">1</span>" in html

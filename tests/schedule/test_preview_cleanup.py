"""Plan-import previews left on disk (neither confirmed nor cancelled) are removed after a day by the sweep."""
import io
import os
import time

from supervision.reminders import scheduler
from supervision.schedule.importers import preview_dir, remove_stale_previews
from tests.helpers import login, make_user
from tests.schedule import builders


def _upload(client) -> str:
    data = builders.xlsx_merged(builders.blocks_2021())
    resp = client.post("/schedule/import", data={"year": "2021", "file": (io.BytesIO(data), "计划表.xlsx")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    return resp.headers["Location"]


def _age(folder: str, token: str, hours: float) -> None:
    then = time.time() - hours * 3600
    for ext in (".bin", ".json"):
        os.utime(os.path.join(folder, token + ext), (then, then))


def test_abandoned_previews_older_than_a_day_are_removed_fresh_ones_stay(app, client, ctx):
    admin = make_user("admin")
    assert login(client, admin.username).status_code == 302
    old_url, fresh_url = _upload(client), _upload(client)
    old, fresh = old_url.rstrip("/").split("/")[-1], fresh_url.rstrip("/").split("/")[-1]
    folder = preview_dir()
    _age(folder, old, 25)
    _age(folder, fresh, 23)
    assert remove_stale_previews() == [old + ".bin", old + ".json"]
    assert sorted(os.listdir(folder)) == [fresh + ".bin", fresh + ".json"]
    assert client.get(old_url).status_code == 404
    assert client.get(fresh_url).status_code == 200


def test_the_reminder_sweep_runs_the_cleanup(app, client, ctx, monkeypatch):
    admin = make_user("admin")
    assert login(client, admin.username).status_code == 302
    token = _upload(client).rstrip("/").split("/")[-1]
    _age(preview_dir(), token, 48)
    monkeypatch.setattr(scheduler, "_app", app)
    scheduler.sweep_job()
    assert os.listdir(preview_dir()) == []


def test_no_folder_yet_is_nothing_to_do(app, ctx):
    assert remove_stale_previews() == []


def test_no_preview_is_stored_below_the_disk_floor(app, client, ctx):
    app.config.update(UPLOAD_MIN_FREE_BYTES=500 * 1024 * 1024, UPLOAD_FREE_BYTES_OVERRIDE=100 * 1024 * 1024)
    admin = make_user("admin")
    assert login(client, admin.username).status_code == 302
    data = builders.xlsx_merged(builders.blocks_2021())
    resp = client.post("/schedule/import", data={"year": "2021", "file": (io.BytesIO(data), "计划表.xlsx")},
                       content_type="multipart/form-data")
    assert resp.status_code == 200 and "磁盘剩余空间不足" in resp.get_data(as_text=True)
    assert not os.listdir(preview_dir())

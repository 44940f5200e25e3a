"""Upload limits: per reply, per letter, per unit per day, a free-disk-space floor; files of a save that rolls
back are removed, files of a deletion that rolls back stay."""
import io
import os

import pytest

from supervision import uploads
from supervision.extensions import db
from supervision.rectification import operations, queries
from supervision.rectification.models import REPLY_OWNER, Reply
from supervision.uploads import Attachment, UploadError
from tests.helpers import login, make_user

from .conftest import PDF_BYTES, make_letter, png_bytes, upload

MB = 1024 * 1024


def _files_on_disk(app) -> list[str]:
    out = []
    for root, _, names in os.walk(app.config["UPLOAD_DIR"]):
        out += [os.path.join(root, n) for n in names]
    return out


def _pdf(size: int) -> bytes:
    return PDF_BYTES + b"%" + b"0" * (size - len(PDF_BYTES) - 1)


@pytest.fixture
def world(ctx, unit, unit_user):
    admin = make_user("admin")
    return make_letter(admin, unit), unit_user


def test_reply_file_count_quota(app, world):
    app.config["UPLOAD_REPLY_MAX_FILES"] = 3
    letter, user = world
    item = letter.items[0]
    operations.save_reply_draft(letter, item.id, user, "已整改", files=[upload(png_bytes(), f"{i}.png") for i in range(2)])
    db.session.commit()
    with pytest.raises(UploadError) as exc:
        operations.save_reply_draft(letter, item.id, user, "已整改",
                                 files=[upload(png_bytes(), f"x{i}.png") for i in range(2)])
    assert "本条答复最多 3 个附件，已有 2 个，本次又选了 2 个" in str(exc.value)
    db.session.rollback()
    assert db.session.query(Attachment).count() == 2 and len(_files_on_disk(app)) == 2


def test_reply_size_quota_and_letter_quota(app, world):
    app.config.update(UPLOAD_REPLY_MAX_BYTES=3 * MB, UPLOAD_LETTER_MAX_BYTES=5 * MB)
    letter, user = world
    first, second = letter.items
    operations.save_reply_draft(letter, first.id, user, "已整改", files=[upload(_pdf(2 * MB), "a.pdf")])
    db.session.commit()
    with pytest.raises(UploadError) as exc:
        operations.save_reply_draft(letter, first.id, user, "已整改", files=[upload(_pdf(2 * MB), "b.pdf")])
    assert "本条答复的附件合计不能超过 3.0 MB，已用 2.0 MB" in str(exc.value)
    db.session.rollback()
    operations.save_reply_draft(letter, second.id, user, "已整改", files=[upload(_pdf(2 * MB), "c.pdf")])
    db.session.commit()
    # The letter as a whole: 4 MB used, 2 more would pass 5 MB, though the second reply alone has room.
    with pytest.raises(UploadError) as exc:
        operations.save_report_draft(letter, user, "整改报告", upload(_pdf(2 * MB), "报告.pdf"))
    assert "的整改材料的附件合计不能超过 5.0 MB，已用 4.0 MB" in str(exc.value)
    assert letter.number in str(exc.value)


def test_unit_daily_quota_counts_every_upload_of_the_units_users(app, ctx, world, unit):
    app.config.update(UPLOAD_UNIT_DAILY_BYTES=3 * MB)
    letter, user = world
    colleague = make_user("unit", unit=unit)
    operations.save_reply_draft(letter, letter.items[0].id, user, "已整改", files=[upload(_pdf(2 * MB), "a.pdf")])
    db.session.commit()
    with pytest.raises(UploadError) as exc:
        operations.save_self_inspection(colleague, queries.timeutil.today().year, "自查", "计划",
                                     [(upload(_pdf(2 * MB), "自查.pdf"), "自查报告")])
    assert "本单位今天上传的附件的附件合计不能超过 3.0 MB，已用 2.0 MB，本次 2.0 MB" in str(exc.value)


def test_disk_floor_refuses_every_upload_with_the_numbers(app, client, world):
    letter, user = world
    app.config.update(UPLOAD_MIN_FREE_BYTES=500 * MB, UPLOAD_FREE_BYTES_OVERRIDE=400 * MB)
    item = letter.items[0]
    login(client, user.username)
    r = client.post(f"/rectification/letters/{letter.id}/problems/{item.id}/reply",
                    data={f"p{item.id}-text": "已整改", f"p{item.id}-files": (io.BytesIO(png_bytes()), "照片.png")},
                    content_type="multipart/form-data")
    body = r.get_data(as_text=True)
    assert r.status_code == 400 and "磁盘剩余空间不足" in body and "剩余 400.0 MB" in body and "500.0 MB" in body
    assert db.session.query(Reply).count() == 0 and not _files_on_disk(app)
    app.config["UPLOAD_FREE_BYTES_OVERRIDE"] = 600 * MB
    r = client.post(f"/rectification/letters/{letter.id}/problems/{item.id}/reply",
                    data={f"p{item.id}-text": "已整改", f"p{item.id}-files": (io.BytesIO(png_bytes()), "照片.png")},
                    content_type="multipart/form-data")
    assert r.status_code == 302 and len(_files_on_disk(app)) == 1


def test_disk_floor_measures_the_upload_folder(app, ctx, monkeypatch):
    app.config["UPLOAD_FREE_BYTES_OVERRIDE"] = None
    seen = []

    def fake_usage(path):
        seen.append(path)
        return type("U", (), {"free": 100 * MB})()

    monkeypatch.setattr(uploads.shutil, "disk_usage", fake_usage)
    with pytest.raises(UploadError):
        uploads.check_disk_space(1)
    assert seen == [app.config["UPLOAD_DIR"]]


def test_a_failed_save_removes_the_files_it_wrote(app, client, world, monkeypatch):
    letter, user = world
    item = letter.items[0]

    def fail(*a, **kw):
        raise operations.RectificationError("审计日志写入失败（模拟）")

    monkeypatch.setattr(operations, "_record", fail)  # fails after the files are on disk
    login(client, user.username)
    r = client.post(f"/rectification/letters/{letter.id}/problems/{item.id}/reply",
                    data={f"p{item.id}-text": "已整改",
                          f"p{item.id}-files": [(io.BytesIO(png_bytes()), "1.png"), (io.BytesIO(PDF_BYTES), "2.pdf")]},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "模拟" in r.get_data(as_text=True)
    assert db.session.query(Attachment).count() == 0
    assert _files_on_disk(app) == []


def test_a_deletion_rolled_back_keeps_the_file_and_a_committed_one_removes_it(app, world):
    letter, user = world
    reply = operations.save_reply_draft(letter, letter.items[0].id, user, "已整改", files=[upload(png_bytes(), "1.png")])
    db.session.commit()
    att = db.session.query(Attachment).filter_by(owner_type=REPLY_OWNER).one()
    path = att.path()
    operations.delete_reply_attachment(reply, att.id, user)
    db.session.rollback()
    assert os.path.exists(path) and db.session.query(Attachment).count() == 1
    reply = db.session.get(Reply, reply.id)
    operations.delete_reply_attachment(reply, att.id, user)
    db.session.commit()
    assert not os.path.exists(path) and db.session.query(Attachment).count() == 0

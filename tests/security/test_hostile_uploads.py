"""Hostile uploads through the real forms: disguised executables, oversized files, path-traversal names,
and zip bombs in .docx/.xlsx (attachments and the plan import) — each refused (or stored safely) with a
Chinese message, quickly, without expanding the bomb in memory, and with nothing written."""
import functools
import io
import os
import re
import time
import tracemalloc
import zipfile
from urllib.parse import unquote

import pytest
from werkzeug.datastructures import FileStorage

from supervision.extensions import db
from supervision.uploads import Attachment, UploadError, check_upload
from tests.helpers import login, login_as, make_unit, make_user
from tests.rectification.conftest import PDF_BYTES, make_letter, png_bytes

from .conftest import assert_unchanged, snapshot

LIMIT = 64 * 1024


@pytest.fixture
def app_config():
    return {"UPLOAD_MAX_BYTES": LIMIT}


@pytest.fixture
def reply_target(app):
    """A delivered letter and its unit's user, logged in; returns (client, url, field name, item id)."""
    with app.app_context():
        admin = make_user("admin")
        unit = make_unit("鲁山县瀼河乡人民政府", kind="乡镇")
        user = make_user("unit", unit=unit)
        letter = make_letter(admin, unit)
        item = letter.items[0].id
        letter_id, username = letter.id, user.username
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client, f"/rectification/letters/{letter_id}/problems/{item}/reply", f"p{item}", letter_id


def _post_reply(target, data: bytes, name: str):
    client, url, prefix, _ = target
    return client.post(url, data={f"{prefix}-text": "已整改", f"{prefix}-files": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


# --- executables and size -------------------------------------------------------------------------

EXECUTABLES = {
    "整改报告.pdf": b"MZ\x90\x00" + b"\x00" * 200,
    "照片.jpg": b"\x7fELF\x02\x01\x01" + b"\x00" * 200,
    "说明.docx": b"#!/bin/sh\nrm -rf /\n",
    "台账.xlsx": b"\xcf\xfa\xed\xfe" + b"\x00" * 200,
}


@pytest.mark.parametrize("name", sorted(EXECUTABLES))
def test_disguised_executable_is_refused_and_nothing_stored(app, reply_target, name):
    before = snapshot(app)
    resp = _post_reply(reply_target, EXECUTABLES[name], name)
    assert resp.status_code == 400
    assert "不能上传" in resp.get_data(as_text=True)
    assert_unchanged(before, snapshot(app), name)


def test_oversized_file_is_refused_with_the_limit_in_chinese(app, reply_target):
    before = snapshot(app)
    big = PDF_BYTES + b"%" + b"x" * (LIMIT + 10)
    resp = _post_reply(reply_target, big, "扫描件.pdf")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "超过大小上限" in html and "64.0 KB" in html
    assert_unchanged(before, snapshot(app), "oversized")


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_whole_request_over_max_content_length_is_refused(app, reply_target):
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    before = snapshot(app)
    resp = _post_reply(reply_target, PDF_BYTES + b"x" * (3 * 1024 * 1024), "大文件.pdf")
    assert resp.status_code == 413
    assert "上传内容过大" in resp.get_data(as_text=True)
    assert_unchanged(before, snapshot(app), "413")
    import gc

    resp.request.input_stream.close()
    del resp
    gc.collect()  # the test client's spooled request body (a temporary file) is reclaimed here


# --- names ----------------------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../../etc/passwd.pdf",
    "/etc/passwd.pdf",
    "..\\..\\windows\\system32\\evil.pdf",
    "C:\\Users\\admin\\evil.pdf",
    "evil\x00.exe.pdf",
    'evil";\r\nX-Injected: 1.pdf',
    "....//....//secret.pdf",
    "..",
]


def test_path_traversal_names_are_stored_inside_the_upload_dir_and_served_safely(app, reply_target):
    client = reply_target[0]
    for name in HOSTILE_NAMES:
        resp = _post_reply(reply_target, PDF_BYTES, name)
        assert resp.status_code == 302, (name, resp.status_code)
    base = os.path.realpath(app.config["UPLOAD_DIR"])
    with app.app_context():
        atts = db.session.query(Attachment).filter_by(owner_type="rect_reply").order_by(Attachment.id).all()
        assert len(atts) == len(HOSTILE_NAMES)
        rows = [(a.id, a.original_name, a.stored_name, a.path()) for a in atts]
    for att_id, original, stored, path in rows:
        assert os.path.realpath(path).startswith(base + os.sep) and os.path.exists(path)
        assert re.fullmatch(r"\d{4}/\d{2}/[0-9a-f]{32}\.pdf", stored), stored
        assert not any(c in original for c in "/\\\x00\r\n\"") and not original.startswith("."), original
        resp = client.get(f"/rectification/attachments/{att_id}?download=1")
        cd = resp.headers["Content-Disposition"]
        resp.close()
        assert resp.status_code == 200
        assert cd.startswith("attachment;")
        assert not any(c in cd for c in "\r\n\x00\\"), cd
        shown = unquote(cd.split("filename*=UTF-8''")[-1]) if "filename*=" in cd else cd
        assert "/" not in shown and ".." not in shown.replace("...", ""), cd
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
    # Nothing was written outside the upload folder (e.g. next to it, where ../ would lead).
    parent = os.path.dirname(base)
    assert not os.path.exists(os.path.join(parent, "etc")) and not os.path.exists(os.path.join(parent, "secret.pdf"))


# --- zip bombs ------------------------------------------------------------------------------------

BOMB_MB = 64


def _stream_member(zf: zipfile.ZipFile, name: str, head: bytes, chunk: bytes, total: int, tail: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(2021, 3, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info, "w", force_zip64=True) as fh:
        fh.write(head)
        written = len(head)
        while written < total:
            fh.write(chunk)
            written += len(chunk)
        fh.write(tail)


@functools.lru_cache(maxsize=None)
def _bomb(kind: str, where: str = "body") -> bytes:
    """A small valid-looking .docx/.xlsx whose body (or [Content_Types].xml) expands to BOMB_MB megabytes."""
    ct_main = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml" if kind == "docx"
               else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
    content_types = (f'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                     f'content-types"><Override PartName="/x" ContentType="{ct_main}"/></Types>').encode()
    total = BOMB_MB * 1024 * 1024
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        if where == "content_types":
            _stream_member(zf, "[Content_Types].xml", content_types[:-8], b"<!--" + b" " * 4088 + b"-->", total,
                           b"</Types>")
        else:
            zf.writestr("[Content_Types].xml", content_types)
        zf.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                                   'package/2006/relationships"/>')
        if kind == "docx":
            _stream_member(zf, "word/document.xml", b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.'
                           b'openxmlformats.org/wordprocessingml/2006/main"><w:body>',
                           b"<w:p><w:r><w:t>A</w:t></w:r></w:p>" * 128, total, b"</w:body></w:document>")
        else:
            zf.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
                                           'spreadsheetml/2006/main"><sheets/></workbook>')
            _stream_member(zf, "xl/worksheets/sheet1.xml", b'<?xml version="1.0"?><worksheet><sheetData>',
                           b'<row><c t="inlineStr"><is><t>A</t></is></c></row>' * 64, total,
                           b"</sheetData></worksheet>")
    return buf.getvalue()


def _measured(fn):
    """Run fn, returning (result or exception, seconds, peak MB of Python allocations)."""
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        out = fn()
    except Exception as exc:  # noqa: BLE001 - the caller checks what came back
        out = exc
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    tracemalloc.stop()
    return out, elapsed, peak


@pytest.mark.parametrize("kind,where", [("docx", "body"), ("xlsx", "body"), ("docx", "content_types")])
def test_zip_bomb_attachment_is_refused_quickly_without_expanding(app, reply_target, kind, where):
    data = _bomb(kind, where)
    assert len(data) < 2 * 1024 * 1024  # small on the wire
    app.config["UPLOAD_MAX_BYTES"] = 5 * 1024 * 1024
    with app.test_request_context():
        out, elapsed, peak = _measured(lambda: check_upload(FileStorage(io.BytesIO(data), f"整改材料.{kind}")))
    assert isinstance(out, UploadError), out
    assert "压缩" in str(out), str(out)
    assert elapsed < 2 and peak < 30, (elapsed, peak)
    before = snapshot(app)
    resp = _post_reply(reply_target, data, f"整改材料.{kind}")
    assert resp.status_code == 400 and "压缩" in resp.get_data(as_text=True)
    assert_unchanged(before, snapshot(app), "zip bomb attachment")


@pytest.mark.parametrize("kind", ["xlsx", "docx"])
def test_zip_bomb_plan_import_is_refused_quickly_without_expanding(app, kind):
    from supervision.schedule.importers import PlanFileError, read_plan
    from supervision.schedule.models import Slot

    data = _bomb(kind)
    out, elapsed, peak = _measured(lambda: read_plan(f"计划表.{kind}", data))
    assert isinstance(out, PlanFileError), out
    assert "压缩" in str(out), str(out)
    assert elapsed < 2 and peak < 30, (elapsed, peak)
    client = app.test_client()
    login_as(client, "admin")
    resp = client.post("/schedule/import", data={"year": "2021", "file": (io.BytesIO(data), f"计划表.{kind}")},
                       content_type="multipart/form-data")
    assert resp.status_code == 200 and "压缩" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Slot).count() == 0
    assert not os.listdir(os.path.join(app.config["DATA_DIR"], "schedule_imports")) \
        if os.path.exists(os.path.join(app.config["DATA_DIR"], "schedule_imports")) else True


def test_ordinary_office_files_still_pass(app, reply_target):
    import docx
    import openpyxl

    d = docx.Document()
    d.add_paragraph("整改报告" * 200)
    b1 = io.BytesIO()
    d.save(b1)
    wb = openpyxl.Workbook()
    for i in range(2000):
        wb.active.append([f"单位{i}", "问题", "已整改"])
    b2 = io.BytesIO()
    wb.save(b2)
    assert _post_reply(reply_target, b1.getvalue(), "报告.docx").status_code == 302
    assert _post_reply(reply_target, b2.getvalue(), "台账.xlsx").status_code == 302
    assert _post_reply(reply_target, png_bytes(), "照片.png").status_code == 302

"""Attachments: type decided from content, executables refused whatever their name, size limit, serving."""
import io
import os
import zipfile

import pytest
from werkzeug.datastructures import FileStorage

from supervision import uploads
from supervision.extensions import db
from supervision.uploads import UploadError, check_upload, sanitize_filename, save_upload, send_attachment, sniff

def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (2, 2), "blue").save(buf, "PNG")
    return buf.getvalue()


PNG = _png()


def _fs(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def _jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "JPEG")
    return buf.getvalue()


def _docx() -> bytes:
    import docx

    doc = docx.Document()
    doc.add_paragraph("整改报告")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _xlsx() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "台账"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_exe_renamed_jpg_is_refused(ctx):
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
    with pytest.raises(UploadError) as exc:
        check_upload(_fs(exe, "现场照片.jpg"))
    assert "可执行程序" in str(exc.value) and "现场照片.jpg" in str(exc.value)


@pytest.mark.parametrize("data", [b"\x7fELF\x02\x01\x01" + b"\x00" * 50, b"#!/bin/sh\nrm -rf /\n",
                                  b"\xcf\xfa\xed\xfe" + b"\x00" * 50])
def test_other_programs_are_refused_whatever_their_name(data):
    with pytest.raises(UploadError):
        sniff(data, "scan.pdf")


def test_text_pretending_to_be_a_pdf_is_refused():
    with pytest.raises(UploadError):
        sniff(b"<html><script>alert(1)</script></html>", "report.pdf")


def test_kinds_are_decided_from_content_not_name(ctx):
    assert sniff(PNG, "photo.jpg").mime == "image/png"
    assert sniff(_jpeg(), "x").mime == "image/jpeg"
    assert sniff(b"%PDF-1.7\n%...\n", "扫描件").ext == "pdf"
    assert sniff(_docx(), "report.xlsx").ext == "docx"
    assert sniff(_xlsx(), "ledger.docx").ext == "xlsx"
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "旧报告.doc").ext == "doc"


def test_plain_zip_and_macro_documents_are_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("evil.exe", b"MZ")
    with pytest.raises(UploadError):
        sniff(buf.getvalue(), "photos.docx")
    macro = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_docx())) as src, zipfile.ZipFile(macro, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
        dst.writestr("word/vbaProject.bin", b"\x00")
    with pytest.raises(UploadError) as exc:
        sniff(macro.getvalue(), "report.docx")
    assert "宏" in str(exc.value)


def test_broken_image_is_refused():
    with pytest.raises(UploadError):
        sniff(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "a.png")


def test_empty_file_is_refused():
    with pytest.raises(UploadError):
        sniff(b"", "a.png")


@pytest.fixture
def app_config():
    return {"UPLOAD_MAX_BYTES": 1024}


def test_oversized_file_is_refused(ctx):
    big = b"%PDF-1.4\n" + b"0" * 2000
    with pytest.raises(UploadError) as exc:
        check_upload(_fs(big, "big.pdf"))
    assert "超过大小上限" in str(exc.value) and "1.0 KB" in str(exc.value)


def test_saved_under_generated_name_with_hash(ctx):
    att = save_upload(_fs(PNG, "../../etc/现场照片.JPG"), "problem", 7)
    db.session.commit()
    assert att.original_name == "现场照片.JPG"
    assert att.download_name == "现场照片.png"
    assert "现场" not in att.stored_name and att.stored_name.endswith(".png")
    path = att.path()
    assert path.startswith(os.path.realpath(ctx.config["UPLOAD_DIR"]))
    with open(path, "rb") as fh:
        assert fh.read() == PNG
    import hashlib

    assert att.sha256 == hashlib.sha256(PNG).hexdigest() and att.size == len(PNG)
    assert uploads.attachments_for("problem", 7) == [att]


def test_send_attachment_sets_type_and_disposition(ctx):
    img = save_upload(_fs(PNG, "照片.png"), "problem", 1)
    doc = save_upload(_fs(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "报告.doc"), "problem", 1)
    db.session.commit()
    with ctx.test_request_context():
        r1 = send_attachment(img)
        r2 = send_attachment(doc)
        assert r1.headers["Content-Type"] == "image/png"
        assert r1.headers["Content-Disposition"].startswith("inline")
        assert r1.headers["X-Content-Type-Options"] == "nosniff"
        assert r2.headers["Content-Type"] == "application/msword"
        assert r2.headers["Content-Disposition"].startswith("attachment")
        assert "filename*=UTF-8''" in r2.headers["Content-Disposition"]
        r1.close()
        r2.close()


def test_sanitize_filename():
    assert sanitize_filename("C:\\Users\\张三\\整改 报告.pdf") == "整改 报告.pdf"
    assert sanitize_filename("a\x00b\n.pdf") == "ab.pdf"
    assert sanitize_filename("..") == "附件"
    assert len(sanitize_filename("长" * 300 + ".pdf")) <= 120

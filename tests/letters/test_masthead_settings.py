"""The 版头 and 版记 settings of a letter type (issue 16): off by default, saved with a clear message when incomplete,
audit-logged field by field, previewed on the type's page; a letter takes them at issue and keeps them — changing
the type never alters an issued letter's PDF, Word copy or content."""
import io
import os
import zipfile
from datetime import date

import pytest

from supervision import audit
from supervision.audit import AuditEntry
from supervision.extensions import db
from supervision.letters import operations, queries
from supervision.letters.errors import LetterError
from supervision.letters.models import Letter, LetterType
from tests.helpers import login_as

from .conftest import make_visit
from .test_issue import pdf_text

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/share/fonts/truetype/arphic/uming.ttc"),
                                reason="apt-get install fonts-arphic-uming")
D2026 = date(2026, 3, 2)
ON = {"masthead_enabled": True, "masthead_text": "鲁山县司法局文件", "colophon_enabled": True,
      "copy_to": "鲁山县人民政府办公室、平顶山市司法局", "printer": ""}


def _docx_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("word/document.xml")


def _issue(admin, unit, day=D2026):
    letter = operations.draft_letter(make_visit(unit), admin)
    db.session.commit()
    return operations.issue_letter(letter.id, admin, issue_date=day)


def test_off_by_default(ctx, admin, rang_unit):
    lt = operations.ensure_default_type()
    db.session.commit()
    assert not lt.masthead_enabled and not lt.colophon_enabled
    letter = _issue(admin, rang_unit)
    content = queries.content_of(letter)
    assert content.masthead == "" and content.colophon is False and content.copy_line() == ""
    text = pdf_text(queries.letter_pdf(letter))
    assert "印发" not in text and "抄送" not in text and "文件" not in text


def test_an_issued_letter_keeps_the_settings_it_was_issued_with(ctx, client, admin, rang_unit):
    lt = operations.ensure_default_type()
    plain = _issue(admin, rang_unit)  # issued before the type printed a 版头
    operations.update_type(lt, {"name": lt.name, "issuing_authority": "鲁山县司法局", **ON})
    db.session.commit()
    dressed = _issue(admin, rang_unit)
    content = queries.content_of(dressed)
    assert content.masthead == "鲁山县司法局文件" and content.colophon
    assert content.printer == "鲁山县司法局" and content.print_date == D2026  # 印发机关 = 署名, 印发日期 = 成文日期
    text = pdf_text(queries.letter_pdf(dressed))
    assert "鲁山县司法局文件" in text and "抄送：鲁山县人民政府办公室、平顶山市司法局。" in text and "2026年3月2日印发" in text

    login_as(client, "admin")
    served = {lid: (client.get(f"/letters/{lid}.pdf").data, _docx_xml(client.get(f"/letters/{lid}.docx").data))
              for lid in (plain.id, dressed.id)}
    assert b"FF0000" in served[dressed.id][1] and b"FF0000" not in served[plain.id][1]
    # the type changes every setting, then turns both off: nothing served for an issued letter changes
    operations.update_type(lt, {"name": lt.name, "masthead_enabled": True, "masthead_text": "某某县司法局文件",
                             "colophon_enabled": True, "copy_to": "某某县人民政府", "printer": "某某县司法局办公室"})
    db.session.commit()
    for lid, (pdf, xml) in served.items():
        assert client.get(f"/letters/{lid}.pdf").data == pdf
        assert _docx_xml(client.get(f"/letters/{lid}.docx").data) == xml
    operations.update_type(lt, {"name": lt.name, "masthead_enabled": False, "colophon_enabled": False})
    db.session.commit()
    for lid, (pdf, xml) in served.items():
        assert client.get(f"/letters/{lid}.pdf").data == pdf
        assert _docx_xml(client.get(f"/letters/{lid}.docx").data) == xml
    assert queries.content_of(db.session.get(Letter, dressed.id)).masthead == "鲁山县司法局文件"
    # …while a draft reads the settings now
    draft = operations.draft_letter(make_visit(rang_unit), admin)
    db.session.commit()
    assert queries.content_of(draft).masthead == "" and not queries.content_of(draft).colophon


def test_changes_are_audit_logged_in_chinese(ctx, admin):
    lt = operations.ensure_default_type()
    db.session.commit()
    operations.update_type(lt, {"name": lt.name, **ON})
    db.session.commit()
    entry = (db.session.query(AuditEntry).filter_by(record_type="letter_type", record_id=lt.id, action="update")
             .order_by(AuditEntry.id.desc()).first())
    shown = [f"{c.field}：{c.old} → {c.new}" for c in audit.changes(entry)]
    assert "印制版头：否 → 是" in shown and "发文机关标志：（空） → 鲁山县司法局文件" in shown
    assert "印制版记：否 → 是" in shown and "抄送机关：（空） → 鲁山县人民政府办公室、平顶山市司法局" in shown


def test_a_masthead_needs_its_mark(ctx, admin):
    lt = operations.ensure_default_type()
    db.session.commit()
    with pytest.raises(LetterError, match="发文机关标志"):
        operations.update_type(lt, {"name": lt.name, "masthead_enabled": True, "masthead_text": "  "})
    db.session.rollback()
    with pytest.raises(LetterError, match="发文机关标志"):  # the stored text may be empty too
        operations.update_type(lt, {"name": lt.name, "masthead_enabled": True})
    db.session.rollback()


def test_the_type_page_previews_and_saves_them(ctx, client, admin):
    lt = operations.ensure_default_type()
    db.session.commit()
    type_id = lt.id
    login_as(client, "admin")
    page = client.get(f"/letters/types/{type_id}/edit").get_data(as_text=True)
    assert "印制版头" in page and "印制版记" in page and 'id="masthead-preview"' not in page  # off: nothing to show
    form = {"name": lt.name, "prefix": "", "reply_period_days": "", "sort_order": "0", "active": "y",
            "request_template": "", "issuing_authority": "鲁山县司法局", "masthead_enabled": "y",
            "masthead_text": "鲁山县司法局文件", "colophon_enabled": "y", "copy_to": "平顶山市司法局", "printer": "",
            "preview": "1"}
    page = client.post(f"/letters/types/{type_id}/edit", data=form).get_data(as_text=True)
    assert 'id="masthead-preview"' in page and 'id="masthead-mark"' in page and "鲁山县司法局文件" in page
    assert "抄送：平顶山市司法局。" in page and "印发" in page and 'id="colophon-preview"' in page
    db.session.expire_all()
    assert not db.session.get(LetterType, type_id).masthead_enabled  # a preview saves nothing
    page = client.post(f"/letters/types/{type_id}/edit", data={**form, "masthead_text": ""}).get_data(as_text=True)
    assert "请填写发文机关标志" in page
    del form["preview"]
    assert client.post(f"/letters/types/{type_id}/edit", data=form).status_code == 302
    db.session.expire_all()
    saved = db.session.get(LetterType, type_id)
    assert saved.masthead_enabled and saved.masthead_text == "鲁山县司法局文件" and saved.colophon_enabled
    assert saved.copy_to == "平顶山市司法局" and saved.printer == ""

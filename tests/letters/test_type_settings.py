"""Settings of a letter type (issue 16): its 发文机关署名 and its request paragraph, with a preview; an issued
letter never changes when they do."""
import io
import os
import zipfile
from datetime import date

import pytest

from supervision.extensions import db
from supervision.directory.operations import update_profile
from supervision.letters import operations, queries
from supervision.letters.models import Letter, LetterType
from tests.helpers import login_as

from .conftest import make_visit
from .test_issue import pdf_text

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/share/fonts/truetype/arphic/uming.ttc"),
                                reason="apt-get install fonts-arphic-uming")
D2021 = date(2021, 9, 1)
D2026 = date(2026, 3, 2)


def _main(html: str) -> str:
    """The page's own content (the site footer names the profile's 发文机关 as it is now)."""
    return html[html.index("<main"):html.index("</main>")]


def _docx_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("word/document.xml")


def test_the_type_sets_the_signature_and_an_issued_letter_never_changes(ctx, client, admin, rang_unit):
    lt = operations.ensure_default_type()
    old = operations.draft_letter(make_visit(rang_unit), admin)
    db.session.commit()
    old = operations.issue_letter(old.id, admin, issue_date=D2021)
    assert queries.content_of(old).authority == "鲁山县法治政府建设领导小组办公室"  # the profile's, as in 2021

    operations.update_type(lt, {"name": lt.name, "issuing_authority": "鲁山县司法局"})
    db.session.commit()
    new = operations.draft_letter(make_visit(rang_unit), admin)
    db.session.commit()
    new = operations.issue_letter(new.id, admin, issue_date=D2026)
    assert queries.content_of(new).authority == "鲁山县司法局"
    assert "鲁山县司法局" in pdf_text(queries.letter_pdf(new))

    # Everything served for the issued letters, then the settings change: nothing served changes.
    login_as(client, "admin")
    before = {lid: (client.get(f"/letters/{lid}.pdf").data, _docx_xml(client.get(f"/letters/{lid}.docx").data),
                    _main(client.get(f"/letters/{lid}").get_data(as_text=True))) for lid in (old.id, new.id)}
    operations.update_type(lt, {"name": lt.name, "issuing_authority": "某某县司法局",
                             "request_template": "请于{days}日内函告{place}。"})
    update_profile({"issuing_authority": "某某县法治政府建设领导小组办公室", "reply_address": "新大楼101"})
    db.session.commit()
    for lid, (pdf, xml, page) in before.items():
        assert client.get(f"/letters/{lid}.pdf").data == pdf
        assert _docx_xml(client.get(f"/letters/{lid}.docx").data) == xml
        assert _main(client.get(f"/letters/{lid}").get_data(as_text=True)) == page
    assert "鲁山县司法局" in pdf_text(before[new.id][0]) and "某某" not in pdf_text(before[new.id][0])
    # …while a draft reads the settings now
    draft = operations.draft_letter(make_visit(rang_unit), admin)
    db.session.commit()
    content = queries.content_of(draft)
    assert content.authority == "某某县司法局" and content.request.startswith("请于30日内函告")


def test_the_draft_page_suggests_the_signature_by_the_date(ctx, admin, rang_unit):
    # Profile default: 领导小组办公室. A letter dated 2026 and later is advised to sign as 鲁山县司法局 (条例第六条)…
    hint = queries.authority_hint("鲁山县法治政府建设领导小组办公室", D2026)
    assert "鲁山县司法局" in hint and "第六条" in hint
    # …a 2021 letter keeps the 2021 署名 without advice, and a type set to the 司法局 is not nagged in 2026.
    assert queries.authority_hint("鲁山县法治政府建设领导小组办公室", D2021) == ""
    assert queries.authority_hint("鲁山县司法局", D2026) == ""
    assert "领导小组办公室" in queries.authority_hint("鲁山县司法局", D2021)


def test_draft_page_shows_the_advice(app, ctx, client, admin, rang_unit, monkeypatch):
    from supervision import timeutil

    draft = operations.draft_letter(make_visit(rang_unit), admin)
    db.session.commit()
    login_as(client, "admin")
    monkeypatch.setattr(timeutil, "today", lambda: D2026)
    page = client.get(f"/letters/{draft.id}").get_data(as_text=True)
    assert 'id="authority-hint"' in page and "建议署名为“鲁山县司法局”" in page
    lt = operations.ensure_default_type()
    operations.update_type(lt, {"name": lt.name, "issuing_authority": "鲁山县司法局"})
    db.session.commit()
    page = client.get(f"/letters/{draft.id}").get_data(as_text=True)
    assert 'id="authority-hint"' not in page


def test_default_request_paragraph_drops_template_three_slips_unless_the_type_keeps_them(ctx, admin, rang_unit):
    from supervision.letters.text import TEMPLATE_THREE_REQUEST

    draft = operations.draft_letter(make_visit(rang_unit), admin)
    db.session.commit()
    request = queries.content_of(draft).request
    assert request.startswith("请你单位接到本行政执法监督意见书后") and "并于30日内将" in request
    assert "本通知" not in request and "之内前" not in request
    lt = draft.letter_type
    operations.update_type(lt, {"name": lt.name, "request_template": TEMPLATE_THREE_REQUEST})
    db.session.commit()
    request = queries.content_of(draft).request
    assert "接到本通知后" in request and "于30日之内前" in request


def test_type_edit_page_previews_the_request_paragraph(ctx, client, admin):
    lt = operations.ensure_default_type()
    db.session.commit()
    type_id = lt.id
    login_as(client, "admin")
    page = client.get(f"/letters/types/{type_id}/edit").get_data(as_text=True)
    assert 'id="request-preview"' in page
    assert ("请你单位接到本行政执法监督意见书后进行研究，制定具体措施、进一步完善制度，并于30日内将相关情况书面报送至"
            "鲁山县司法局行政执法协调监督室（司法大楼504）。") in page
    # 预览 renders what was typed and saves nothing
    form = {"name": "行政执法监督意见书", "prefix": "", "reply_period_days": "15", "sort_order": "0", "active": "y",
            "request_template": "请于{days}日内将整改情况报送{place}，并抄报本{name}所列事项。",
            "issuing_authority": "", "preview": "1"}
    page = client.post(f"/letters/types/{type_id}/edit", data=form).get_data(as_text=True)
    assert "请于15日内将整改情况报送鲁山县司法局行政执法协调监督室（司法大楼504），并抄报本行政执法监督意见书所列事项。" in page
    db.session.expire_all()
    assert db.session.get(LetterType, type_id).request_template == ""
    # a bad placeholder: a clear message, no preview, nothing saved
    page = client.post(f"/letters/types/{type_id}/edit",
                       data={**form, "request_template": "请于{day}日内报送。"}).get_data(as_text=True)
    assert "占位符" in page and 'id="request-preview"' not in page
    # saving stores the template and the 署名
    del form["preview"]
    form["issuing_authority"] = "鲁山县司法局"
    assert client.post(f"/letters/types/{type_id}/edit", data=form).status_code == 302
    db.session.expire_all()
    saved = db.session.get(LetterType, type_id)
    assert saved.issuing_authority == "鲁山县司法局" and "{name}" in saved.request_template


def test_new_type_form_suggests_the_signature_by_today(ctx, client, monkeypatch):
    from supervision import timeutil

    login_as(client, "admin")
    monkeypatch.setattr(timeutil, "today", lambda: D2026)
    assert 'value="鲁山县司法局"' in client.get("/letters/types/new").get_data(as_text=True)
    monkeypatch.setattr(timeutil, "today", lambda: D2021)
    assert 'value="鲁山县法治政府建设领导小组办公室"' in client.get("/letters/types/new").get_data(as_text=True)
    page = client.get("/letters/types").get_data(as_text=True)
    assert "发文机关署名" in page

"""Text cleaned on its way to paper: what Word and WPS paste in, removed or made Chinese, when a draft is saved; a
character the font still cannot print is refused by naming the finding, not the font file."""
import os
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from supervision.audit import AuditEntry
from supervision.extensions import db
from supervision.fonts import MissingGlyphs
from supervision.letters import operations
from supervision.letters.models import Letter, LetterFile
from supervision.letters.papertext import normalise

from .conftest import LETTER, make_visit

PASTED = Path(__file__).resolve().parent.parent / "data" / "pasted-from-word.txt"
UMING = "/usr/share/fonts/truetype/arphic/uming.ttc"
ODD = "\u200b\u200c\u200d\ufeff\u00ad\u00a0\r\t\uf0b7\uf06c\uf0d8\uf0a7•▪●"


def test_text_pasted_from_word_comes_out_clean():
    raw = PASTED.read_bytes().decode("utf-8")
    assert "\uf0b7" in raw and "\u00ad" in raw and "\r\n" in raw  # the file is as pasted (CRLF kept)
    clean = normalise(raw)
    assert clean.split("\n") == [
        "执法人员未按规定着装，部分人员佩戴饰物；",
        "“行政处罚决定书”未载明救济途径和期限；",
        "经查阅2022年案卷，发现部分案卷缺少送达回证。（详见附件）",
        "培训计划未以红头文件印发，全年培训仅8学时",
        "执法记录仪配备不足：全乡仅2台",
    ]
    assert not set(clean) & set(ODD + "\u3000")
    assert all(unicodedata.category(c) != "Co" for c in clean)  # no private-use glyphs
    assert normalise(clean) == clean  # idempotent


@pytest.mark.parametrize("raw, clean", [
    ("\uf06c\t未公示", "未公示"), ("\uf0d8 未公示", "未公示"), ("\uf0a7未公示", "未公示"), ("· 未公示", "未公示"),
    ("未公示(详见附件)", "未公示（详见附件）"), ("是否整改?未见", "是否整改？未见"), ("未整改!请", "未整改！请"),
    ("共3.5万元", "共3.5万元"), ("Word 2016 文档", "Word 2016 文档"), ("未公示;未备案", "未公示；未备案"),
    ("未公示\u3000\u3000\n未备案 ", "未公示\n未备案"), ("执法\u00a0\u00a0人员", "执法人员"), ("", ""), (None, ""),
])
def test_normalise_cases(raw, clean):
    assert normalise(raw) == clean


def test_saving_a_draft_cleans_its_text(admin, rang_unit):
    visit = make_visit(rang_unit, [("\ufeff•\t未公示权责清单\u200b", LETTER), ("未报送备案", LETTER)])
    letter = operations.draft_letter(visit, admin)
    db.session.commit()
    assert [i.text for i in letter.items] == ["未公示权责清单", "未报送备案"]  # drafted from the visit: cleaned
    first, second = letter.items
    operations.update_draft(letter, {"case_name": "张某某\u00ad无证经营\u3000", "case_number": "鲁瀼罚决字〔2021〕第3号\u200b",
                                  "items": {first.id: (1, "\uf0b7\t执法人员未按规定着装,部分人员佩戴饰物\r\n"),
                                            second.id: (2, "未报送\u00a0备案")}}, admin)
    db.session.commit()
    db.session.expire_all()
    letter = db.session.get(Letter, letter.id)
    assert letter.case_name == "张某某无证经营" and letter.case_number == "鲁瀼罚决字〔2021〕第3号"
    assert [i.text for i in letter.items] == ["执法人员未按规定着装，部分人员佩戴饰物", "未报送备案"]


@pytest.mark.skipif(not os.path.exists(UMING), reason="apt-get install fonts-arphic-uming")
def test_a_character_the_font_lacks_is_refused_by_naming_the_finding(admin, rang_unit):
    letter = operations.draft_letter(make_visit(rang_unit, [("未公示权责清单", LETTER), ("未报送备案", LETTER)]), admin)
    db.session.commit()
    second = letter.items[1]
    operations.update_draft(letter, {"items": {second.id: (2, "对当事人\U00020000某某的处罚未报送备案")}}, admin)
    db.session.commit()
    with pytest.raises(MissingGlyphs) as exc:
        operations.issue_letter(letter.id, admin, issue_date=date(2021, 9, 1))
    message = str(exc.value)
    assert "第二个问题（二是对当事人" in message
    assert "“\U00020000”（U+20000）" in message and "当事人\U00020000某某" in message  # the character in its context
    for hidden in ("instance", "FONT_PATHS", ".ttc", "/usr/share", "apt-get"):
        assert hidden not in message  # the font's files are the system administrator's business
    db.session.expire_all()
    assert db.session.get(Letter, letter.id).is_draft and db.session.query(LetterFile).count() == 0
    assert db.session.query(AuditEntry).filter_by(action="issue").count() == 0


def test_letter_type_wording_is_cleaned_when_saved(ctx):
    lt = operations.create_type({"name": "\ufeff行政执法监督通知书\u200b", "prefix": "鲁政行监字\u00a0",
                              "request_template": "请于{days}日内报送{place}.\r\n", "sort_order": 1, "active": True})
    db.session.commit()
    assert (lt.name, lt.prefix, lt.request_template) == ("行政执法监督通知书", "鲁政行监字", "请于{days}日内报送{place}.")
    operations.update_type(lt, {"name": "行政执法监督通知书\u00ad", "request_template": "请于{days}日内,报送{place}。"})
    assert lt.name == "行政执法监督通知书" and lt.request_template == "请于{days}日内，报送{place}。"

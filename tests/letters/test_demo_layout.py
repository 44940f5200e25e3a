"""Every letter the demo (`flask --app wsgi demo`) creates, as served, meets the pagination rules of
test_layout.py: the letters a person first sees are laid out right, not only the generated ones."""
import os

import pytest

from supervision import demo
from supervision.extensions import db
from supervision.letters import queries
from supervision.letters.models import Letter
from supervision.letters.text import paper_date
from tests.letters.test_layout import assert_paginated

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/share/fonts/truetype/arphic/uming.ttc"),
                                reason="apt-get install fonts-arphic-uming")


def test_every_demo_letter_is_paginated_by_the_rules(ctx):
    lines = []
    demo.load(lines.append)
    letters = db.session.query(Letter).order_by(Letter.id).all()
    assert len(letters) >= 3, "\n".join(lines)
    assert any(len(letter.items) > 1 for letter in letters)
    for letter in letters:
        content = queries.content_of(letter)
        pdf = queries.letter_pdf(letter)  # the stored PDF of an issued letter, the preview of a draft
        signature = [t for t in (content.authority, paper_date(content.date) if content.date else "") if t]
        # A draft's preview puts 「（草稿　签发时编号）」 where the number will be (the full-width space is not read back).
        head = tuple(t for t in (content.number or "（草稿签发时编号）", content.addressee_text()) if t)
        try:
            assert_paginated(pdf, signature=tuple(signature), head=head,
                             signature_lines=len(signature) + bool(content.contact))
        except AssertionError as exc:
            raise AssertionError(f"{letter.display_name}: {exc}") from exc

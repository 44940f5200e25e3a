"""Panels this part adds to the role dashboard."""
from sqlalchemy import func

from ..extensions import db
from ..policy import can
from ..visits.queries import awaiting_letter_keys
from . import access as _access  # noqa: F401  (the rules asked below)
from . import queries
from .models import Letter, LetterStatus


def panels(user):
    """Return a list of (template_name, context_dict) shown on user's dashboard, in order."""
    if can("letters.inbox", user=user):
        unread = queries.unread_count(user.unit_id)
        unsigned = (db.session.query(func.count(Letter.id))
                    .filter(Letter.unit_id == user.unit_id, Letter.status == LetterStatus.issued.value,
                            Letter.receipt_date.is_(None)).scalar() or 0)
        if not (unread or unsigned):
            return []
        return [("letters/_panel_unit.html", {"unread": unread, "unsigned": unsigned})]
    drafts = db.session.query(func.count(Letter.id)).filter(Letter.status == LetterStatus.draft.value).scalar() or 0
    unsigned = (db.session.query(func.count(Letter.id))
                .filter(Letter.status == LetterStatus.issued.value, Letter.receipt_date.is_(None)).scalar() or 0)
    awaiting = 0
    if can("letters.draft", user=user):
        # The same anti-join as the visits panel's list, run once per request (visits.service).
        awaiting = len({visit_id for _, visit_id in awaiting_letter_keys()})
    if not (drafts or unsigned or awaiting):
        return []
    return [("letters/_panel_staff.html", {"drafts": drafts, "unsigned": unsigned, "awaiting": awaiting})]

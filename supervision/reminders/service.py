"""Sending messages to users: in the app always, by other channels where configured."""
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..timeutil import utcnow
from .models import Notification


def notify(recipient, title: str, body: str = "", link: str = "", key: str | None = None) -> Notification | None:
    """Put a message in recipient's inbox. With a key, a second call with the same key is a no-op (returns None).

    Runs inside the caller's transaction (a savepoint guards the unique key); the caller commits.
    """
    note = Notification(recipient_id=recipient.id, title=title[:200], body=body, link=link[:300], key=key)
    if key is None:
        db.session.add(note)
        db.session.flush()
        return note
    try:
        with db.session.begin_nested():
            db.session.add(note)
    except IntegrityError:
        return None
    return note


def unread_count(user) -> int:
    return db.session.query(Notification).filter_by(recipient_id=user.id, read_at=None).count()


def mark_read(note: Notification) -> None:
    if note.read_at is None:
        note.read_at = utcnow()

"""Panels this part adds to the role dashboard."""
from flask import url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import Role, User
from ..extensions import db
from ..policy import can
from . import access  # noqa: F401  (declares the rules asked below)
from . import queries
from .models import Visit, VisitStatus


def panels(user):
    """Return a list of (template_name, context_dict) shown on user's dashboard, in order."""
    out = []
    if can("visits.create", user=user):  # those who record visits see their drafts
        # The first 10 drafts the user may see, chosen from the drafts' keys alone (drafts are few at any scale:
        # a visit is a draft while being recorded), then loaded with their units and problems. Asking the
        # database for them ordered by date made SQLite walk ten years of visits by date (its statistics see
        # status as two values of equal weight) instead of seeking the drafts and sorting them.
        q = select(Visit.id, Visit.visit_date).where(Visit.status == VisitStatus.draft.value)
        if user.role != Role.admin.value:
            q = q.where(or_(Visit.created_by_id == user.id, Visit.inspectors.any(User.id == user.id)))
        first = [vid for vid, _ in sorted(db.session.execute(q), key=lambda r: (r[1], r[0]))[:10]]
        drafts = (db.session.query(Visit).filter(Visit.id.in_(first)).order_by(Visit.visit_date, Visit.id)
                  .options(joinedload(Visit.unit), selectinload(Visit.problems)).all()) if first else []
        if drafts or user.role == Role.inspector.value:
            out.append(("visits/_panel_visits.html", {
                "title": "未提交的检查记录" if user.role == Role.admin.value else "我的检查记录草稿",
                "visits": drafts, "empty": "没有未提交的检查记录。", "edit": True,
                "more_url": url_for("visits.index", status="draft")}))
    if user.role == Role.admin.value:
        shown, total = queries.awaiting_letter_panel(limit=10)
        out.append(("visits/_panel_problems.html", {
            "title": "待下达意见书的问题", "problems": shown, "total": total,
            "more_url": url_for("visits.problems", status="awaiting_letter")}))
    if user.role in (Role.admin.value, Role.leader.value):
        recent = (db.session.query(Visit).filter(Visit.status == VisitStatus.submitted.value)
                  .order_by(Visit.submitted_at.desc(), Visit.id.desc()).limit(8)
                  .options(joinedload(Visit.unit), selectinload(Visit.problems)).all())
        out.append(("visits/_panel_visits.html", {
            "title": "最近提交的检查记录", "visits": recent, "empty": "还没有提交的检查记录。", "edit": False,
            "more_url": url_for("visits.index", status="submitted")}))
    if user.role == Role.unit.value and user.unit_id:
        mine = (queries.visible_visits(user).order_by(Visit.visit_date.desc()).limit(8)
                .options(joinedload(Visit.unit), selectinload(Visit.problems)).all())
        out.append(("visits/_panel_visits.html", {
            "title": "本单位接受的监督检查", "visits": mine, "empty": "暂无检查记录。", "edit": False,
            "more_url": url_for("visits.unit_history", unit_id=user.unit_id)}))
    return out

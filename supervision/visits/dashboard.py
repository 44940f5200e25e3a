"""Panels this part adds to the role dashboard."""
from flask import url_for
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import Role
from ..extensions import db
from . import service
from .models import Visit, VisitStatus


def panels(user):
    """Return a list of (template_name, context_dict) shown on user's dashboard, in order."""
    out = []
    if user.role in service.INSPECTOR_ROLES:
        drafts = [v for v in db.session.query(Visit).filter(Visit.status == VisitStatus.draft.value)
                  .order_by(Visit.visit_date).all()
                  if user.role == Role.admin.value or v.created_by_id == user.id
                  or any(u.id == user.id for u in v.inspectors)]
        if drafts or user.role == Role.inspector.value:
            out.append(("visits/_panel_visits.html", {
                "title": "未提交的检查记录" if user.role == Role.admin.value else "我的检查记录草稿",
                "visits": drafts[:10], "empty": "没有未提交的检查记录。", "edit": True,
                "more_url": url_for("visits.index", status="draft")}))
    if user.role == Role.admin.value:
        shown, total = service.awaiting_letter_panel(limit=10)
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
        mine = (service.visible_visits(user).order_by(Visit.visit_date.desc()).limit(8)
                .options(joinedload(Visit.unit), selectinload(Visit.problems)).all())
        out.append(("visits/_panel_visits.html", {
            "title": "本单位接受的监督检查", "visits": mine, "empty": "暂无检查记录。", "edit": False,
            "more_url": url_for("visits.unit_history", unit_id=user.unit_id)}))
    return out

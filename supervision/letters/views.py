"""Pages of letters: list, draft, edit, issue, void, delivery, downloads, batch print, register, types,
and the unit's inbox. Thin: load, check access, call the service, commit once, redirect."""
from __future__ import annotations

import io
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.access import ALL_ROLES, STAFF, roles_required
from ..accounts.models import Role
from ..directory.models import Unit
from .. import search
from ..extensions import db
from ..fonts import FontError
from ..timeutil import today
from ..web import int_arg, int_value
from . import service
from .forms import (DeliveryForm, DraftForm, LetterEditForm, LetterTypeForm, PrintRangeForm, VoidForm, parse_items)
from .models import Letter, LetterProblem, LetterStatus, LetterType
from .text import TEMPLATE_THREE_REQUEST, suggested_authority

bp = Blueprint("letters", __name__, url_prefix="/letters")


@bp.app_template_filter("deadline_cn")
def deadline_cn(deadline, receipt_date=None) -> str:
    """A deadline on any page: the date, or 待定（2027年工作日历未录入） for a received letter still waiting for it."""
    from .deadline import deadline_text

    return deadline_text(deadline, receipt_date)

EDITORS = (Role.admin, Role.inspector)


def _download(data: bytes, filename: str, mimetype: str, inline: bool = False) -> Response:
    resp = Response(data, mimetype=mimetype)
    disposition = "inline" if inline else "attachment"
    resp.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _file_stem(letter: Letter) -> str:
    return f"{letter.number or '草稿' + str(letter.id)}_{letter.unit.name}"


# --- lists ----------------------------------------------------------------------------------------

@bp.route("/")
@roles_required(*STAFF)
def index():
    status = request.args.get("status", "")
    year = int_arg("year")
    unit_id = int_arg("unit")
    term = search.clean(request.args.get("q"))
    types = service.letter_types()
    db.session.commit()  # the default type may just have been created: the 起草 form posts its id (and a commit
    #                      later would expire every row loaded below)
    q = select(Letter)
    if year:
        q = q.where(Letter.year == year)
    if unit_id:
        q = q.where(Letter.unit_id == unit_id)
    if term:
        q = q.where(service.letter_search_condition(term))
    shown = (selectinload(Letter.unit), selectinload(Letter.letter_type), selectinload(Letter.items))
    # Drafts waiting for the 监督室 first (few: all of them, on the first page), then the numbered letters newest
    # first, a page at a time (an index walk on issue_date, not a sort of ten years of letters).
    draft = Letter.status == LetterStatus.draft.value
    drafts = []
    if status == LetterStatus.draft.value:
        numbered = q.where(draft).order_by(Letter.id.desc())
    else:
        numbered = q.where(~draft) if not status else q.where(Letter.status == status)
        numbered = numbered.order_by(Letter.issue_date.desc(), Letter.id.desc())
    page = db.paginate(numbered.options(*shown), page=int_arg("page") or 1, per_page=50, error_out=False)
    if not status and page.page == 1:
        drafts = list(db.session.scalars(q.where(draft).order_by(Letter.id.desc()).options(*shown)))
    awaiting = service.visits_awaiting_letter() if current_user.role in ("admin", "inspector") else []
    units = db.session.execute(select(Unit.id, Unit.name).order_by(Unit.kind, Unit.name)).all()
    return render_template("letters/index.html", letters=drafts + list(page.items), page=page, awaiting=awaiting,
                           units=units, years=service.letter_years(), statuses=LetterStatus,
                           f={"status": status, "year": year, "unit": unit_id, "q": term}, draft_form=DraftForm(), types=types)


@bp.route("/inbox")
@roles_required(Role.unit)
def unit_inbox():
    letters = service.unit_letters(current_user.unit_id)
    return render_template("letters/inbox.html", letters=letters)


# --- drafting -------------------------------------------------------------------------------------

@bp.route("/draft/<int:visit_id>", methods=["POST"])
@roles_required(*EDITORS)
def draft_from_visit(visit_id):
    from ..visits.models import Visit

    visit = db.session.get(Visit, visit_id)
    if visit is None:
        abort(404)
    lt = None
    type_id = int_value(request.form.get("letter_type_id"))
    if type_id:
        lt = db.session.get(LetterType, type_id)
        if lt is None or not lt.active:
            flash("所选文书类型不存在或已停用。", "danger")
            return redirect(url_for(".index"))
    try:
        letter = service.draft_letter(visit, current_user, lt)
        db.session.commit()
    except service.LetterError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        existing = service.live_letter_for_visit(visit.id)
        return redirect(url_for(".show", letter_id=existing.id) if existing else url_for(".index"))
    flash(f"已起草{letter.title}（{visit.unit.name}，{len(letter.items)}个问题），请核对后提交监督室签发。", "success")
    return redirect(url_for(".edit", letter_id=letter.id))


@bp.route("/<int:letter_id>")
@roles_required(*ALL_ROLES)
def show(letter_id):
    letter = service.get_letter_for(current_user, letter_id)
    if service.mark_seen(letter, current_user):
        db.session.commit()
    content = service.content_of(letter)
    stored = service.stored_file(letter, with_data=False) if not letter.is_draft else None
    other_drafts = []
    if letter.is_draft:
        other_drafts = (db.session.query(Letter).filter(Letter.unit_id == letter.unit_id, Letter.id != letter.id,
                                                        Letter.status == LetterStatus.draft.value).all())
    history = []
    if current_user.role != Role.unit.value:
        from ..audit import AuditEntry

        history = (db.session.query(AuditEntry).filter_by(record_type="letter", record_id=letter.id)
                   .order_by(AuditEntry.at).all())
    rect_status = None
    if letter.is_issued:
        from ..rectification.queries import letter_state

        rect_status = letter_state(letter)
    return render_template("letters/show.html", letter=letter, content=content, stored=stored, rect_status=rect_status,
                           can_edit=service.can_edit(current_user, letter), other_drafts=other_drafts,
                           void_form=VoidForm(), delivery_form=DeliveryForm(), history=history,
                           replaced_by=letter.replaced_by if letter.is_voided else None,
                           date_warning=(service.rest_day_warning(content.date)
                                         if letter.is_draft and content.date else ""),
                           authority_warning=(service.authority_hint(content.authority, content.date)
                                              if letter.is_draft else ""))


@bp.route("/<int:letter_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(letter_id):
    letter = service.get_letter_for(current_user, letter_id)
    if not service.can_edit(current_user, letter):
        flash("这份意见书已签发或作废，或您不是该次检查的检查组成员，不能修改。", "warning")
        return redirect(url_for(".show", letter_id=letter.id))
    form = LetterEditForm(obj=letter)
    form.letter_type_id.choices = [(t.id, t.name) for t in service.letter_types()]
    error = None
    status = 200
    if form.validate_on_submit():
        try:
            service.update_draft(letter, {
                "letter_type_id": form.letter_type_id.data, "case_name": form.case_name.data or "",
                "case_number": form.case_number.data or "", "period_days": form.period_days.data,
                "items": parse_items(request.form)}, current_user,
                expected_version=request.form.get("version", -1, int))
            db.session.commit()
            flash("草稿已保存。", "success")
            return redirect(url_for(".show", letter_id=letter.id))
        except service.LetterConflict as exc:
            db.session.rollback()
            error, status = str(exc), 409  # the form keeps what was typed and now carries the current version
        except service.LetterError as exc:
            db.session.rollback()
            error = str(exc)
    waiting = service.unassigned_problems(unit_id=letter.unit_id)
    other_drafts = (db.session.query(Letter).filter(Letter.unit_id == letter.unit_id, Letter.id != letter.id,
                                                    Letter.status == LetterStatus.draft.value).all())
    return render_template("letters/edit.html", letter=letter, form=form, error=error, waiting=waiting,
                           other_drafts=other_drafts, status=status,
                           posted=parse_items(request.form) if request.method == "POST" else {}), status


def _item_of(letter: Letter, item_id: int) -> LetterProblem:
    item = db.session.get(LetterProblem, item_id)
    if item is None or item.letter_id != letter.id:
        abort(404)
    return item


@bp.route("/<int:letter_id>/items/<int:item_id>/move", methods=["POST"])
@roles_required(*EDITORS)
def move_problem(letter_id, item_id):
    letter = service.get_letter_for(current_user, letter_id)
    item = _item_of(letter, item_id)
    target = db.session.get(Letter, int_value(request.form.get("target_id")) or 0)
    if target is None:
        flash("请选择要移入的意见书草稿。", "danger")
        return redirect(url_for(".edit", letter_id=letter.id))
    try:
        service.move_problem(item, target, current_user)
        db.session.commit()
        flash(f"问题已移入草稿 #{target.id}。", "success")
    except service.LetterError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return redirect(url_for(".edit", letter_id=letter.id))


@bp.route("/<int:letter_id>/items/<int:item_id>/remove", methods=["POST"])
@roles_required(*EDITORS)
def remove_problem(letter_id, item_id):
    letter = service.get_letter_for(current_user, letter_id)
    item = _item_of(letter, item_id)
    try:
        service.remove_problem(item, current_user)
        db.session.commit()
        flash("问题已移出这份草稿，等待写入其他意见书。", "success")
    except service.LetterError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return redirect(url_for(".edit", letter_id=letter.id))


@bp.route("/<int:letter_id>/add-problem", methods=["POST"])
@roles_required(*EDITORS)
def add_problem(letter_id):
    from ..visits.models import Problem

    letter = service.get_letter_for(current_user, letter_id)
    problem = db.session.get(Problem, int_value(request.form.get("problem_id")) or 0)
    if problem is None:
        abort(404)
    try:
        service.add_problem(letter, problem, current_user)
        db.session.commit()
        flash("问题已加入草稿。", "success")
    except service.LetterError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return redirect(url_for(".edit", letter_id=letter.id))


@bp.route("/<int:letter_id>/delete", methods=["POST"])
@roles_required(*EDITORS)
def delete(letter_id):
    letter = service.get_letter_for(current_user, letter_id)
    try:
        service.delete_draft(letter, current_user)
        db.session.commit()
        flash("草稿已删除，其中的问题可写入其他意见书。", "success")
    except service.LetterError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for(".show", letter_id=letter_id))
    return redirect(url_for(".index"))


# --- issuing, voiding, delivery -------------------------------------------------------------------

@bp.route("/<int:letter_id>/issue", methods=["POST"])
@roles_required(Role.admin)
def issue(letter_id):
    service.get_letter_for(current_user, letter_id)
    try:
        letter = service.issue_letter(letter_id, current_user)
    except service.LetterError as exc:
        flash(str(exc), "warning")
        return redirect(url_for(".show", letter_id=letter_id))
    except FontError as exc:
        flash(f"未签发：{exc}", "danger")
        return redirect(url_for(".show", letter_id=letter_id))
    flash(f"已签发 {letter.number}，{letter.unit.name}已可在“我的意见书”中看到。", "success")
    if service.rest_day_warning(letter.issue_date):
        flash(service.rest_day_warning(letter.issue_date) + "如成文日期有误，可作废后起草更正件。", "warning")
    return redirect(url_for(".show", letter_id=letter.id))


@bp.route("/<int:letter_id>/void", methods=["POST"])
@roles_required(Role.admin)
def void(letter_id):
    letter = service.get_letter_for(current_user, letter_id)
    form = VoidForm()
    if not form.validate_on_submit():
        flash("作废未完成：" + "；".join(e for errs in form.errors.values() for e in errs), "danger")
        return redirect(url_for(".show", letter_id=letter.id))
    try:
        service.void_letter(letter, form.reason.data, current_user)
        db.session.commit()
        flash(f"{letter.number} 已作废，文号不再使用。如需更正，请起草更正件。", "success")
    except service.LetterError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return redirect(url_for(".show", letter_id=letter.id))


@bp.route("/<int:letter_id>/correct", methods=["POST"])
@roles_required(Role.admin)
def correct(letter_id):
    voided = service.get_letter_for(current_user, letter_id)
    try:
        letter = service.draft_correction(voided, current_user)
        db.session.commit()
    except service.LetterError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for(".show", letter_id=voided.id))
    flash(f"已起草更正件，替代 {voided.number}。", "success")
    return redirect(url_for(".edit", letter_id=letter.id))


@bp.route("/<int:letter_id>/sign", methods=["POST"])
@roles_required(Role.unit)
def sign(letter_id):
    letter = service.get_letter_for(current_user, letter_id)
    try:
        service.record_receipt(letter, current_user)
        db.session.commit()
        flash(f"已签收。整改期限：{letter.deadline_note}。", "success")
    except service.LetterError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return redirect(url_for(".show", letter_id=letter.id))


@bp.route("/<int:letter_id>/delivery", methods=["POST"])
@roles_required(Role.admin)
def delivery(letter_id):
    letter = service.get_letter_for(current_user, letter_id)
    form = DeliveryForm()
    if not form.validate_on_submit():
        flash("送达日期无效：请填写如 2021-09-01 的日期。", "danger")
        return redirect(url_for(".show", letter_id=letter.id))
    try:
        service.record_delivery(letter, form.day.data, current_user)
        db.session.commit()
        flash(f"已登记送达。整改期限：{letter.deadline_note}。", "success")
    except service.LetterError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return redirect(url_for(".show", letter_id=letter.id))


# --- documents ------------------------------------------------------------------------------------

@bp.route("/<int:letter_id>.pdf")
@roles_required(*ALL_ROLES)
def pdf(letter_id):
    letter = service.get_letter_for(current_user, letter_id)
    try:
        data = service.letter_pdf(letter)
    except (service.LetterError, FontError) as exc:
        flash(str(exc), "danger")
        return redirect(url_for(".show", letter_id=letter.id))
    return _download(data, _file_stem(letter) + ".pdf", "application/pdf", inline=request.args.get("inline") == "1")


@bp.route("/<int:letter_id>.docx")
@roles_required(*STAFF)
def docx(letter_id):
    letter = service.get_letter_for(current_user, letter_id)
    return _download(service.letter_docx(letter), _file_stem(letter) + ".docx",
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document")


def _chunks_of(fh, size: int = 64 * 1024):
    """Stream an open temporary file; it is closed (and so removed) once sent or when the client goes away."""
    with fh:
        while chunk := fh.read(size):
            yield chunk


@bp.route("/print")
@roles_required(*STAFF)
def print_range():
    form = PrintRangeForm(request.args)
    if request.args and form.validate():
        try:
            out, count = service.combined_pdf_file(form.start.data, form.end.data)
        except (service.LetterError, FontError) as exc:
            flash(str(exc), "warning")
        else:
            name = f"意见书_{form.start.data.isoformat()}_{form.end.data.isoformat()}_{count}份.pdf"
            return _download(_chunks_of(out), name, "application/pdf")
    elif not request.args:
        form.start.data = today().replace(month=1, day=1)
        form.end.data = today()
    return render_template("letters/print.html", form=form, limit=service.print_limit())


@bp.route("/register")
@roles_required(*STAFF)
def register():
    year = int_arg("year")
    unit_id = int_arg("unit")
    type_id = int_arg("type")
    term = search.clean(request.args.get("q"))
    if request.args.get("format") == "xlsx":
        title = f"{year or ''}{'年' if year else ''}行政执法监督文书发文登记"
        if term:
            title += f"（{search.label(term)}）"
        buf = io.BytesIO()
        service.register_xlsx(buf, year, unit_id, type_id, title=title, term=term)
        return _download(buf.getvalue(), f"发文登记{year or ''}.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    page = db.paginate(service.register_query(year, unit_id, type_id, term), page=int_arg("page") or 1, per_page=100,
                       error_out=False)
    years = service.letter_years()
    units = db.session.execute(select(Unit.id, Unit.name).order_by(Unit.kind, Unit.name)).all()
    return render_template("letters/register.html", letters=page.items, page=page, years=years, units=units,
                           types=service.letter_types(active_only=False),
                           f={"year": year, "unit": unit_id, "type": type_id, "q": term})


# --- letter types ---------------------------------------------------------------------------------

@bp.route("/types")
@roles_required(Role.admin)
def types():
    rows = service.letter_types(active_only=False)
    db.session.commit()  # the default type may just have been created
    return render_template("letters/types.html", types=rows)


@bp.route("/types/new", methods=["GET", "POST"])
@bp.route("/types/<int:type_id>/edit", methods=["GET", "POST"])
@roles_required(Role.admin)
def type_form(type_id=None):
    lt = db.session.get(LetterType, type_id) if type_id else None
    if type_id and lt is None:
        abort(404)
    form = LetterTypeForm(obj=lt)
    if lt is None and request.method == "GET":
        # A new type starts with the 署名 《行政执法监督条例》 suggests for letters dated today.
        from .. import timeutil

        form.issuing_authority.data = suggested_authority(timeutil.today())
    error = None
    preview_only = "preview" in request.form
    if form.validate_on_submit():
        data = {"name": form.name.data, "prefix": form.prefix.data or "",
                "reply_period_days": form.reply_period_days.data or None,
                "request_template": form.request_template.data or "", "sort_order": form.sort_order.data or 0,
                "issuing_authority": form.issuing_authority.data or "", "active": bool(form.active.data)}
        try:
            if preview_only:  # 预览: the paragraph as typed, nothing saved
                service.check_type_template(data["request_template"])
            else:
                if lt is None:
                    service.create_type(data)
                else:
                    service.update_type(lt, data)
                db.session.commit()
                flash("文书类型已保存。", "success")
                return redirect(url_for(".types"))
        except service.LetterError as exc:
            db.session.rollback()
            error = str(exc)
    preview = ""
    if not error:
        preview = service.request_preview(form.request_template.data or "", lt, name=form.name.data or "",
                                          period=form.reply_period_days.data if form.reply_period_days.data else None)
    return render_template("letters/type_form.html", form=form, lt=lt, error=error, preview=preview,
                           template_three=TEMPLATE_THREE_REQUEST)


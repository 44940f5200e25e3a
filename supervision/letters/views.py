"""Pages of letters: list, draft, edit, issue, void, delivery, downloads, batch print, register, types,
and the unit's inbox. Thin: load, check the rule (access.py), call operations or queries, redirect — the request
commits once (web), and a view that catches a refused write rolls back what it flushed."""
from __future__ import annotations

import io
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import search, timeutil
from ..audit import AuditEntry
from ..directory.models import Unit
from ..extensions import db
from ..fonts import FontError
from ..policy import allows, can, require
from ..timeutil import today
from ..visits.models import Problem, Visit
from ..web import int_arg, int_value
from . import access as _access  # noqa: F401  (the rules the routes name)
from . import extras, masthead, operations, queries
from .deadline import deadline_text
from .errors import LetterConflict, LetterError
from .forms import (DeliveryForm, DraftForm, LetterEditForm, LetterTypeForm, PrintRangeForm, VoidForm, parse_items)
from .models import Letter, LetterProblem, LetterStatus, LetterType
from .text import TEMPLATE_THREE_REQUEST, suggested_authority

bp = Blueprint("letters", __name__, url_prefix="/letters")


@bp.app_template_filter("deadline_cn")
def deadline_cn(deadline, receipt_date=None) -> str:
    """A deadline on any page: the date, or 待定（2027年工作日历未录入） for a received letter still waiting for it."""
    return deadline_text(deadline, receipt_date)


def _download(data: bytes, filename: str, mimetype: str, inline: bool = False) -> Response:
    resp = Response(data, mimetype=mimetype)
    disposition = "inline" if inline else "attachment"
    resp.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _file_stem(letter: Letter) -> str:
    return f"{letter.number or '草稿' + str(letter.id)}_{letter.unit.name}"


def _letter(letter_id: int) -> Letter:
    """The letter, or 404 — also for one outside the user's reach (a unit sees only its own issued letters)."""
    letter = db.session.get(Letter, letter_id)
    if letter is None:
        abort(404)
    require("letters.view", letter)
    return letter


# --- lists ----------------------------------------------------------------------------------------

@bp.route("/")
@allows("letters.view_list")
def index():
    status = request.args.get("status", "")
    year = int_arg("year")
    unit_id = int_arg("unit")
    term = search.clean(request.args.get("q"))
    types = queries.letter_types(with_default=True)  # the default unsaved until the first draft stores it
    shown = (selectinload(Letter.unit), selectinload(Letter.letter_type), selectinload(Letter.items))
    draft = Letter.status == LetterStatus.draft.value

    def listed():
        # Drafts waiting for the 监督室 first (few: all of them, on the first page), then the numbered letters
        # newest first, a page at a time (an index walk on issue_date, not a sort of ten years of letters).
        q = select(Letter)
        if year:
            q = q.where(Letter.year == year)
        if unit_id:
            q = q.where(Letter.unit_id == unit_id)
        if term:
            q = q.where(queries.letter_search_condition(term))
        if status == LetterStatus.draft.value:
            return q, q.where(draft).order_by(Letter.id.desc())
        numbered = q.where(~draft) if not status else q.where(Letter.status == status)
        return q, numbered.order_by(Letter.issue_date.desc(), Letter.id.desc())

    q, numbered = listed()
    drafts = []
    if term:  # searched: the total counted up to search.CAP
        page = search.paginate(numbered.options(*shown), page=int_arg("page") or 1, per_page=50,
                               count_stmt=lambda: listed()[1])
    else:
        page = db.paginate(numbered.options(*shown), page=int_arg("page") or 1, per_page=50, error_out=False)
    if not status and page.page == 1:
        drafts = list(db.session.scalars(q.where(draft).order_by(Letter.id.desc()).options(*shown)))
    awaiting = queries.visits_awaiting_letter() if can("letters.draft") else []
    units = db.session.execute(select(Unit.id, Unit.name).order_by(Unit.kind, Unit.name)).all()
    return render_template("letters/index.html", letters=drafts + list(page.items), page=page, awaiting=awaiting,
                           units=units, years=queries.letter_years(), statuses=LetterStatus,
                           f={"status": status, "year": year, "unit": unit_id, "q": term}, draft_form=DraftForm(), types=types)


@bp.route("/inbox")
@allows("letters.inbox")
def unit_inbox():
    letters = queries.unit_letters(current_user.unit_id)
    return render_template("letters/inbox.html", letters=letters)


# --- drafting -------------------------------------------------------------------------------------

@bp.route("/draft/<int:visit_id>", methods=["POST"])
@allows("letters.draft")
def draft_from_visit(visit_id):
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
        letter = operations.draft_letter(visit, current_user, lt)
    except LetterError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        existing = queries.live_letter_for_visit(visit.id)
        return redirect(url_for(".show", letter_id=existing.id) if existing else url_for(".index"))
    flash(f"已起草{letter.title}（{visit.unit.name}，{len(letter.items)}个问题），请核对后提交监督室签发。", "success")
    return redirect(url_for(".edit", letter_id=letter.id))


@bp.route("/<int:letter_id>")
@allows("letters.view")
def show(letter_id):
    letter = _letter(letter_id)
    operations.mark_seen(letter, current_user)  # in a transaction of its own: this request only reads
    content = queries.content_of(letter)
    stored = queries.stored_file(letter, with_data=False) if not letter.is_draft else None
    other_drafts = []
    if letter.is_draft:
        other_drafts = (db.session.query(Letter).filter(Letter.unit_id == letter.unit_id, Letter.id != letter.id,
                                                        Letter.status == LetterStatus.draft.value).all())
    history = []
    if can("letters.see_internal", letter):
        history = (db.session.query(AuditEntry).filter_by(record_type="letter", record_id=letter.id)
                   .order_by(AuditEntry.at).all())
    rect_status = extras.state_of(letter) if letter.is_issued else None  # registered by rectification
    return render_template("letters/show.html", letter=letter, content=content, stored=stored, rect_status=rect_status,
                           other_drafts=other_drafts,
                           void_form=VoidForm(), delivery_form=DeliveryForm(), history=history,
                           replaced_by=letter.replaced_by if letter.is_voided else None,
                           date_warning=(queries.rest_day_warning(content.date)
                                         if letter.is_draft and content.date else ""),
                           authority_warning=(queries.authority_hint(content.authority, content.date)
                                              if letter.is_draft else ""))


@bp.route("/<int:letter_id>/edit", methods=["GET", "POST"])
@allows("letters.edit")
def edit(letter_id):
    letter = _letter(letter_id)
    if not can("letters.edit", letter):
        flash("这份意见书已签发或作废，或您不是该次检查的检查组成员，不能修改。", "warning")
        return redirect(url_for(".show", letter_id=letter.id))
    form = LetterEditForm(obj=letter)
    form.letter_type_id.choices = [(t.id, t.name) for t in queries.letter_types()]
    error = None
    status = 200
    if form.validate_on_submit():
        try:
            operations.update_draft(letter, {
                "letter_type_id": form.letter_type_id.data, "case_name": form.case_name.data or "",
                "case_number": form.case_number.data or "", "period_days": form.period_days.data,
                "items": parse_items(request.form)}, current_user,
                expected_version=request.form.get("version", -1, int))
            flash("草稿已保存。", "success")
            return redirect(url_for(".show", letter_id=letter.id))
        except LetterConflict as exc:
            db.session.rollback()
            error, status = str(exc), 409  # the form keeps what was typed and now carries the current version
        except LetterError as exc:
            db.session.rollback()
            error = str(exc)
    waiting = queries.unassigned_problems(unit_id=letter.unit_id)
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
@allows("letters.edit")
def move_problem(letter_id, item_id):
    letter = _letter(letter_id)
    item = _item_of(letter, item_id)
    target = db.session.get(Letter, int_value(request.form.get("target_id")) or 0)
    if target is None:
        flash("请选择要移入的意见书草稿。", "danger")
        return redirect(url_for(".edit", letter_id=letter.id))
    try:
        operations.move_problem(item, target, current_user)
        flash(f"问题已移入草稿 #{target.id}。", "success")
    except LetterError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return redirect(url_for(".edit", letter_id=letter.id))


@bp.route("/<int:letter_id>/items/<int:item_id>/remove", methods=["POST"])
@allows("letters.edit")
def remove_problem(letter_id, item_id):
    letter = _letter(letter_id)
    item = _item_of(letter, item_id)
    try:
        operations.remove_problem(item, current_user)
        flash("问题已移出这份草稿，等待写入其他意见书。", "success")
    except LetterError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return redirect(url_for(".edit", letter_id=letter.id))


@bp.route("/<int:letter_id>/add-problem", methods=["POST"])
@allows("letters.edit")
def add_problem(letter_id):
    letter = _letter(letter_id)
    problem = db.session.get(Problem, int_value(request.form.get("problem_id")) or 0)
    if problem is None:
        abort(404)
    try:
        operations.add_problem(letter, problem, current_user)
        flash("问题已加入草稿。", "success")
    except LetterError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return redirect(url_for(".edit", letter_id=letter.id))


@bp.route("/<int:letter_id>/delete", methods=["POST"])
@allows("letters.edit")
def delete(letter_id):
    letter = _letter(letter_id)
    try:
        operations.delete_draft(letter, current_user)
        flash("草稿已删除，其中的问题可写入其他意见书。", "success")
    except LetterError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for(".show", letter_id=letter_id))
    return redirect(url_for(".index"))


# --- issuing, voiding, delivery -------------------------------------------------------------------

@bp.route("/<int:letter_id>/issue", methods=["POST"])
@allows("letters.issue")
def issue(letter_id):
    _letter(letter_id)
    try:
        letter = operations.issue_letter(letter_id, current_user)
    except LetterError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return redirect(url_for(".show", letter_id=letter_id))
    except FontError as exc:
        db.session.rollback()
        flash(f"未签发：{exc}", "danger")
        return redirect(url_for(".show", letter_id=letter_id))
    flash(f"已签发 {letter.number}，{letter.unit.name}已可在“我的意见书”中看到。", "success")
    if queries.rest_day_warning(letter.issue_date):
        flash(queries.rest_day_warning(letter.issue_date) + "如成文日期有误，可作废后起草更正件。", "warning")
    return redirect(url_for(".show", letter_id=letter.id))


@bp.route("/<int:letter_id>/void", methods=["POST"])
@allows("letters.void")
def void(letter_id):
    letter = _letter(letter_id)
    form = VoidForm()
    if not form.validate_on_submit():
        flash("作废未完成：" + "；".join(e for errs in form.errors.values() for e in errs), "danger")
        return redirect(url_for(".show", letter_id=letter.id))
    try:
        operations.void_letter(letter, form.reason.data, current_user)
        flash(f"{letter.number} 已作废，文号不再使用。如需更正，请起草更正件。", "success")
    except LetterError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return redirect(url_for(".show", letter_id=letter.id))


@bp.route("/<int:letter_id>/correct", methods=["POST"])
@allows("letters.correct")
def correct(letter_id):
    voided = _letter(letter_id)
    try:
        letter = operations.draft_correction(voided, current_user)
    except LetterError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for(".show", letter_id=voided.id))
    flash(f"已起草更正件，替代 {voided.number}。", "success")
    return redirect(url_for(".edit", letter_id=letter.id))


@bp.route("/<int:letter_id>/sign", methods=["POST"])
@allows("letters.receive")
def sign(letter_id):
    letter = _letter(letter_id)
    try:
        operations.record_receipt(letter, current_user)
        flash(f"已签收。整改期限：{letter.deadline_note}。", "success")
    except LetterError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return redirect(url_for(".show", letter_id=letter.id))


@bp.route("/<int:letter_id>/delivery", methods=["POST"])
@allows("letters.deliver")
def delivery(letter_id):
    letter = _letter(letter_id)
    form = DeliveryForm()
    if not form.validate_on_submit():
        flash("送达日期无效：请填写如 2021-09-01 的日期。", "danger")
        return redirect(url_for(".show", letter_id=letter.id))
    try:
        operations.record_delivery(letter, form.day.data, current_user)
        flash(f"已登记送达。整改期限：{letter.deadline_note}。", "success")
    except LetterError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return redirect(url_for(".show", letter_id=letter.id))


# --- documents ------------------------------------------------------------------------------------

@bp.route("/<int:letter_id>.pdf")
@allows("letters.view")
def pdf(letter_id):
    letter = _letter(letter_id)
    try:
        data = queries.letter_pdf(letter)
    except (LetterError, FontError) as exc:
        flash(str(exc), "danger")
        return redirect(url_for(".show", letter_id=letter.id))
    return _download(data, _file_stem(letter) + ".pdf", "application/pdf", inline=request.args.get("inline") == "1")


@bp.route("/<int:letter_id>.docx")
@allows("letters.see_internal")
def docx(letter_id):
    letter = _letter(letter_id)
    return _download(queries.letter_docx(letter), _file_stem(letter) + ".docx",
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document")


def _chunks_of(fh, size: int = 64 * 1024):
    """Stream an open temporary file; it is closed (and so removed) once sent or when the client goes away."""
    with fh:
        while chunk := fh.read(size):
            yield chunk


@bp.route("/print")
@allows("letters.view_list")
def print_range():
    form = PrintRangeForm(request.args)
    if request.args and form.validate():
        try:
            out, count = queries.combined_pdf_file(form.start.data, form.end.data)
        except (LetterError, FontError) as exc:
            flash(str(exc), "warning")
        else:
            name = f"意见书_{form.start.data.isoformat()}_{form.end.data.isoformat()}_{count}份.pdf"
            return _download(_chunks_of(out), name, "application/pdf")
    elif not request.args:
        form.start.data = today().replace(month=1, day=1)
        form.end.data = today()
    return render_template("letters/print.html", form=form, limit=queries.print_limit())


@bp.route("/register")
@allows("letters.view_list")
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
        queries.register_xlsx(buf, year, unit_id, type_id, title=title, term=term)
        return _download(buf.getvalue(), f"发文登记{year or ''}.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if term:  # searched: the total counted up to search.CAP
        page = search.paginate(queries.register_query(year, unit_id, type_id, term), page=int_arg("page") or 1,
                               per_page=100, count_stmt=lambda: queries.register_query(year, unit_id, type_id, term))
    else:
        page = db.paginate(queries.register_query(year, unit_id, type_id, term), page=int_arg("page") or 1,
                           per_page=100, error_out=False)
    years = queries.letter_years()
    units = db.session.execute(select(Unit.id, Unit.name).order_by(Unit.kind, Unit.name)).all()
    return render_template("letters/register.html", letters=page.items, page=page, years=years, units=units,
                           types=queries.letter_types(active_only=False),
                           f={"year": year, "unit": unit_id, "type": type_id, "q": term})


# --- letter types ---------------------------------------------------------------------------------

@bp.route("/types")
@allows("letters.manage_types")
def types():
    rows = queries.letter_types(active_only=False, with_default=True)  # the default unsaved until first used
    return render_template("letters/types.html", types=rows)


@bp.route("/types/new", methods=["GET", "POST"])
@bp.route("/types/<int:type_id>/edit", methods=["GET", "POST"])
@allows("letters.manage_types")
def type_form(type_id=None):
    lt = db.session.get(LetterType, type_id) if type_id else None
    if type_id and lt is None:
        abort(404)
    form = LetterTypeForm(obj=lt)
    if lt is None and request.method == "GET":
        # A new type starts with the 署名 《行政执法监督条例》 suggests for letters dated today.
        form.issuing_authority.data = suggested_authority(timeutil.today())
        if request.args.get("default"):  # the default type, shown unsaved until first stored: saved from here
            form.name.data = queries.DEFAULT_TYPE_NAME
    error = None
    preview_only = "preview" in request.form
    if form.validate_on_submit():
        data = {"name": form.name.data, "prefix": form.prefix.data or "",
                "reply_period_days": form.reply_period_days.data or None,
                "request_template": form.request_template.data or "", "sort_order": form.sort_order.data or 0,
                "issuing_authority": form.issuing_authority.data or "", "active": bool(form.active.data),
                **masthead.form_data(form)}
        try:
            if preview_only:  # 预览: the paragraph as typed, nothing saved
                operations.check_type_template(data["request_template"])
                masthead.check(data, LetterError)
            else:
                if lt is None:
                    operations.create_type(data)
                else:
                    operations.update_type(lt, data)
                flash("文书类型已保存。", "success")
                return redirect(url_for(".types"))
        except LetterError as exc:
            db.session.rollback()
            error = str(exc)
    preview = ""
    if not error:
        preview = queries.request_preview(form.request_template.data or "", lt, name=form.name.data or "",
                                          period=form.reply_period_days.data if form.reply_period_days.data else None)
    return render_template("letters/type_form.html", form=form, lt=lt, error=error, preview=preview,
                           template_three=TEMPLATE_THREE_REQUEST, masthead=masthead.preview_for(form, lt))


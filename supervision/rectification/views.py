"""Pages of rectification: the unit's portal, the letter's rectification page (replies, report, review,
on-site checks, extensions, paper replies), attachments, 自查, the 整改台账 and its export, statistics.
Thin: load, check access (access.py's rules), call the operations, redirect; the request commits once
(web.finish_request_transaction)."""
from __future__ import annotations

import io
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import outputs, search
from ..accounts.models import User
from ..directory.models import Unit
from ..extensions import db
from ..letters.models import Letter
from ..letters.queries import letter_years
from ..policy import allows, can, require
from ..timeutil import to_local, today, utcnow
from ..uploads import ACCEPT_ATTR, ALLOWED_DESCRIPTION, Attachment, UploadError, attachments_for, \
    attachments_for_many, check_upload, send_attachment
from ..visits.queries import eligible_inspectors, item_keys
from ..web import int_arg, keep_writes
from . import access  # noqa: F401  (declares the rules the routes name)
from . import exports as rect_exports
from . import ledger as ledger_mod
from . import operations, queries
from .dashboard import statistics
from .operations import RectificationError
from .forms import (ExtensionDecisionForm, ExtensionRequestForm, NoteForm, PaperReplyForm, ReplyForm, ReportForm,
                    ReturnForm, SelfInspectionForm, SiteCheckForm, SiteResultForm)
from .models import REPLY_OWNER, SELF_OWNER, SUBMISSION_OWNER, Extension, Reply, SelfInspection

bp = Blueprint("rectification", __name__, url_prefix="/rectification")


def _get(model, record_id: int):
    record = db.session.get(model, record_id)
    if record is None:
        abort(404)
    return record


def _letter(letter_id: int) -> Letter:
    """An issued (or voided) letter the user may see, else 404 (a unit user: only its own unit's)."""
    letter = _get(Letter, letter_id)
    require("rectification.view", letter)
    return letter


def _reply(reply_id: int) -> Reply:
    reply = _get(Reply, reply_id)
    require("rectification.view", reply.letter)
    return reply


def _extension(ext_id: int) -> Extension:
    ext = _get(Extension, ext_id)
    require("rectification.view", ext.letter)
    return ext


def _self_inspection(si_id: int) -> SelfInspection:
    si = _get(SelfInspection, si_id)
    require("rectification.self_view", si)
    return si


def _files(name: str) -> list:
    """Check every uploaded file of a field before anything is changed (UploadError if one is refused)."""
    return [check_upload(f) for f in request.files.getlist(name) if f and f.filename]


def _one_file(name: str):
    files = _files(name)
    return files[0] if files else None


def _back(letter_id: int, anchor: str = ""):
    return redirect(url_for(".letter", letter_id=letter_id) + (f"#{anchor}" if anchor else ""))


# --- portal and letter page -----------------------------------------------------------------------

@bp.route("/")
@allows("rectification.index")
def index():
    if can("rectification.unit_portal"):
        return redirect(url_for(".unit_letters"))
    return redirect(url_for(".ledger"))


@bp.route("/mine")
@allows("rectification.unit_portal")
def unit_letters():
    rows = queries.unit_letters(current_user.unit_id)
    year = today().year
    si = queries.self_inspection_of(current_user.unit_id, year)
    return render_template("rectification/unit_letters.html", rows=rows, si=si, year=year,
                           due=queries.self_inspection_due(year))


def _render_letter(letter, status_code: int = 200, report_form: ReportForm | None = None,
                   reply_forms: dict | None = None):
    status = queries.letter_state(letter)
    reply_ids = [r.id for p in status.problems for r in p.rounds] + [p.draft.id for p in status.problems if p.draft]
    sub_ids = [s.id for s in status.submissions]
    draft_sub = queries.draft_submission(letter)
    if draft_sub is not None:
        sub_ids.append(draft_sub.id)
    forms = {}
    for p in status.problems:
        if reply_forms and p.problem.id in reply_forms:
            forms[p.problem.id] = reply_forms[p.problem.id]
        else:
            # A new round after a return starts from the previous answer, for the unit to edit.
            start = p.draft or p.latest
            forms[p.problem.id] = ReplyForm(formdata=None, text=start.text if start else "",
                                         measures=start.measures if start else "", prefix=f"p{p.problem.id}")
    if report_form is None:
        report_form = ReportForm(formdata=None, report_text=draft_sub.report_text if draft_sub
                                 else queries.previous_report_text(letter))
    is_unit = not can("rectification.office_record")
    can_reply = can("rectification.reply", letter) and letter.is_issued and letter.received and not status.closed
    site_form = SiteCheckForm(formdata=None, visit_date=today())
    site_form.inspector_ids.choices = [(u.id, f"{u.name}（{u.office.name if u.office else u.role_label}）")
                                       for u in eligible_inspectors()] if can("rectification.review") else []
    return render_template(
        "rectification/letter.html", letter=letter, status=status, forms=forms, report_form=report_form,
        draft_sub=draft_sub, can_reply=can_reply, is_unit=is_unit, editing=can_reply and not status.under_review,
        reply_atts=attachments_for_many(REPLY_OWNER, reply_ids),
        sub_atts=attachments_for_many(SUBMISSION_OWNER, sub_ids),
        note_form=NoteForm(formdata=None), return_form=ReturnForm(formdata=None), site_form=site_form,
        result_form=SiteResultForm(formdata=None), ext_form=ExtensionRequestForm(formdata=None),
        decide_form=ExtensionDecisionForm(formdata=None),
        history=queries.letter_history(letter, for_unit=is_unit), accept=ACCEPT_ATTR, allowed=ALLOWED_DESCRIPTION,
        can_site_result=lambda r: queries.can_record_site_result(current_user, r),
        users={u.id: u for u in db.session.query(User).filter(User.id.in_(
            [x for x in [status.closed_by_id] if x])).all()},
    ), status_code


@bp.route("/letters/<int:letter_id>")
@allows("rectification.view")
def letter(letter_id):
    letter = _letter(letter_id)
    return _render_letter(letter)


@bp.route("/letters/<int:letter_id>/problems/<int:problem_id>/reply", methods=["POST"])
@allows("rectification.reply")
def save_reply(letter_id, problem_id):
    letter = _letter(letter_id)
    form = ReplyForm(prefix=f"p{problem_id}")
    if not form.validate():
        flash("；".join(e for errs in form.errors.values() for e in errs), "danger")
        return _render_letter(letter, 400, reply_forms={problem_id: form})
    try:
        files = _files(f"p{problem_id}-files")
        operations.save_reply_draft(letter, problem_id, current_user, form.text.data, form.measures.data, files)
    except (RectificationError, UploadError) as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return _render_letter(letter, 400, reply_forms={problem_id: form})
    flash("答复草稿已保存。所有问题都答复后，请在页面下方填写整改报告并报送。", "success")
    return _back(letter.id, f"problem-{problem_id}")


@bp.route("/letters/<int:letter_id>/items/<int:problem_id>/reply", methods=["GET", "POST"])
@allows("rectification.reply")
def save_reply_by_old_address(letter_id, problem_id):
    """The address this form had before problems were called items (bookmarks, sent links): a form posted
    there goes on to the new address (308 keeps the method and the fields), a visit to the problem on the
    letter's page. Only for someone who may see the letter (another unit's number is a 404 here too)."""
    letter = _letter(letter_id)
    if problem_id not in {p.id for p in letter.items}:
        abort(404)
    if request.method == "POST":
        return redirect(url_for(".save_reply", letter_id=letter_id, problem_id=problem_id), 308)
    return _back(letter_id, f"problem-{problem_id}")


def _answer_forms(letter) -> tuple[dict, ReportForm, list[str]]:
    """The whole reply page's posted fields as forms (one per problem, and the report), with their errors."""
    forms = {problem.id: ReplyForm(prefix=f"p{problem.id}") for problem in letter.items}
    report_form = ReportForm()
    errors = []
    for problem in letter.items:
        if not forms[problem.id].validate():
            errors += [f"问题{problem.position}：{e}" for errs in forms[problem.id].errors.values() for e in errs]
    if not report_form.validate():
        errors += [e for errs in report_form.errors.values() for e in errs]
    return forms, report_form, errors


def _posted_answers(letter, forms: dict) -> dict[int, tuple[str, str]]:
    return {problem.id: (forms[problem.id].text.data or "", forms[problem.id].measures.data or "")
            for problem in letter.items if f"p{problem.id}-text" in request.form or f"p{problem.id}-measures" in request.form}


def _posted_report(report_form: ReportForm) -> str | None:
    return report_form.report_text.data if "report_text" in request.form else None


@bp.route("/letters/<int:letter_id>/answers", methods=["POST"])
@allows("rectification.reply")
def save_answers(letter_id):
    """The unit's reply page as one form: every problem's answer, the files, the report — saved together
    (action=save) or saved and submitted (action=submit)."""
    letter = _letter(letter_id)
    forms, report_form, errors = _answer_forms(letter)
    if errors:
        flash("；".join(errors), "danger")
        return _render_letter(letter, 400, report_form=report_form, reply_forms=forms)
    submit = request.form.get("action") == "submit"
    answers, report_text = _posted_answers(letter, forms), _posted_report(report_form)
    try:
        files = {problem.id: _files(f"p{problem.id}-files") for problem in letter.items}
        scan = _one_file("scan")
    except UploadError as exc:
        flash(f"{exc} 其他内容未保存，请重新选择文件后再保存。", "danger")
        return _render_letter(letter, 400, report_form=report_form, reply_forms=forms)
    try:
        operations.save_answers(letter, current_user, answers, report_text, files, scan)
        if submit:
            sub = operations.submit_report(letter, current_user)
    except RectificationError as exc:
        db.session.rollback()
        message = str(exc)
        if submit:
            # Not submitted; what was typed is still kept as the draft.
            try:
                operations.save_answers(letter, current_user, answers, report_text, files, scan)
                keep_writes()  # the answer is an error (not submitted), but the draft is kept
                message += "（未报送；已填写的内容已保存为草稿。）"
            except RectificationError:
                db.session.rollback()
        flash(message, "danger")
        return _render_letter(letter, 400, report_form=report_form, reply_forms=forms)
    if submit:
        late = f"本次报送超过整改期限{sub.days_late}日，已标记为迟报。" if sub.late else ""
        flash(f"整改情况已报送监督室审核。{late}", "warning" if late else "success")
        return _back(letter.id)
    flash("已保存。所有问题都答复、整改报告填写完毕后，请点“报送”。", "success")
    return _back(letter.id, "answers")


@bp.route("/letters/<int:letter_id>/draft", methods=["POST"])
@allows("rectification.reply")
def save_draft(letter_id):
    """The reply page's autosave (its script only): every text field of the page at once; files are left to
    the page's own 保存. Answers JSON for the script."""
    letter = _letter(letter_id)
    forms, report_form, errors = _answer_forms(letter)
    if errors:
        return {"ok": False, "message": "；".join(errors)}, 400
    try:
        written = operations.save_answers(letter, current_user, _posted_answers(letter, forms),
                                          _posted_report(report_form))
    except RectificationError as exc:
        db.session.rollback()
        return {"ok": False, "message": str(exc)}, 409
    return {"ok": True, "written": written, "saved_at": f"{to_local(utcnow()):%H:%M:%S}"}


@bp.route("/replies/<int:reply_id>/attachments/<int:att_id>/delete", methods=["POST"])
@allows("rectification.reply")
def delete_reply_attachment(reply_id, att_id):
    reply = _reply(reply_id)
    try:
        operations.delete_reply_attachment(reply, att_id, current_user)
        flash("附件已删除。", "success")
    except RectificationError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return _back(reply.letter_id, f"problem-{reply.letter_problem_id}")


@bp.route("/letters/<int:letter_id>/report", methods=["POST"])
@allows("rectification.reply")
def save_report(letter_id):
    letter = _letter(letter_id)
    form = ReportForm()
    if not form.validate():
        flash("；".join(e for errs in form.errors.values() for e in errs), "danger")
        return _render_letter(letter, 400, report_form=form)
    submit = request.form.get("action") == "submit"
    try:
        scan = _one_file("scan")
        if submit:
            # Refuse before saving anything when a review is in progress or the letter is closed.
            operations.check_can_submit(letter, queries.letter_state(letter))
        operations.save_report_draft(letter, current_user, form.report_text.data, scan)
        if submit:
            sub = operations.submit_report(letter, current_user)
    except (RectificationError, UploadError) as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return _render_letter(letter, 400, report_form=form)
    if submit:
        late = f"本次报送超过整改期限{sub.days_late}日，已标记为迟报。" if sub.late else ""
        flash(f"整改情况已报送监督室审核。{late}", "warning" if late else "success")
    else:
        flash("整改报告草稿已保存。", "success")
    return _back(letter.id, "report")


# --- review (监督室) --------------------------------------------------------------------------------

@bp.route("/replies/<int:reply_id>/accept", methods=["POST"])
@allows("rectification.review")
def accept(reply_id):
    reply = _reply(reply_id)
    form = NoteForm()
    try:
        operations.accept_problem(reply, current_user, form.note.data or "")
    except RectificationError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return _back(reply.letter_id, f"problem-{reply.letter_problem_id}")
    status = queries.letter_state(reply.letter)
    flash(f"第{reply.problem.position}个问题已通过。" + ("所有问题均已通过，本件已办结。" if status.closed else ""), "success")
    return _back(reply.letter_id, f"problem-{reply.letter_problem_id}")


@bp.route("/letters/<int:letter_id>/accept-batch", methods=["POST"])
@allows("rectification.review")
def accept_batch(letter_id):
    letter = _letter(letter_id)
    form = NoteForm()
    ids = [int(v) for v in request.form.getlist("reply_ids") if v.isdigit()]
    try:
        if not form.validate():
            raise RectificationError("审核意见不超过1000字。")
        accepted = operations.accept_problems(letter, ids, current_user, form.note.data or "")
    except RectificationError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return _back(letter.id, "batch-review")
    status = queries.letter_state(letter)
    flash("第" + "、".join(str(r.problem.position) for r in accepted) + "个问题已通过。"
          + ("所有问题均已通过，本件已办结。" if status.closed else ""), "success")
    return _back(letter.id)


@bp.route("/replies/<int:reply_id>/return", methods=["POST"])
@allows("rectification.review")
def return_reply(reply_id):
    reply = _reply(reply_id)
    form = ReturnForm()
    try:
        if not form.validate():
            raise RectificationError("；".join(e for errs in form.errors.values() for e in errs))
        operations.return_problem(reply, current_user, form.reason.data)
        flash(f"第{reply.problem.position}个问题已退回，单位将看到退回理由。", "success")
    except RectificationError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return _back(reply.letter_id, f"problem-{reply.letter_problem_id}")


@bp.route("/replies/<int:reply_id>/site-check", methods=["POST"])
@allows("rectification.review")
def site_check(reply_id):
    reply = _reply(reply_id)
    form = SiteCheckForm()
    try:
        if not form.validate():
            raise RectificationError("；".join(e for errs in form.errors.values() for e in errs))
        inspectors = db.session.query(User).filter(User.id.in_(form.inspector_ids.data)).all()
        if len(inspectors) != len(set(form.inspector_ids.data)):
            raise RectificationError("所选检查人员不存在。")
        operations.order_site_check(reply, current_user, inspectors, form.visit_date.data, form.note.data or "")
        flash("已安排实地查验，并为检查人员建立了回头看检查记录。", "success")
    except RectificationError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return _back(reply.letter_id, f"problem-{reply.letter_problem_id}")


@bp.route("/replies/<int:reply_id>/site-result", methods=["POST"])
@allows("rectification.record_site_result")
def site_result(reply_id):
    reply = _reply(reply_id)
    form = SiteResultForm()
    try:
        if not form.validate():
            raise RectificationError("；".join(e for errs in form.errors.values() for e in errs))
        operations.record_site_result(reply, current_user, form.result.data == "passed", form.note.data or "")
        flash("查验结果已登记。", "success")
    except RectificationError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return _back(reply.letter_id, f"problem-{reply.letter_problem_id}")


@bp.route("/letters/<int:letter_id>/paper-reply", methods=["GET", "POST"])
@allows("rectification.record_paper_reply")
def paper_reply(letter_id):
    letter = _letter(letter_id)
    status = queries.letter_state(letter)
    todo = [p for p in status.problems if p.state.needs_reply]
    form = PaperReplyForm()
    texts = {p.problem.id: (request.form.get(f"text-{p.problem.id}", p.draft.text if p.draft else ""),
                         request.form.get(f"measures-{p.problem.id}", p.draft.measures if p.draft else ""))
             for p in todo}
    if request.method == "POST":
        if form.validate():
            try:
                scan = _one_file("scan")
                operations.record_paper_reply(letter, current_user, form.received_on.data, form.report_text.data,
                                           scan, texts)
                flash("已代录纸质整改答复，等待审核。", "success")
                return _back(letter.id)
            except (RectificationError, UploadError) as exc:
                db.session.rollback()
                flash(str(exc), "danger")
        else:
            flash("；".join(e for errs in form.errors.values() for e in errs), "danger")
    return render_template("rectification/paper_reply.html", letter=letter, status=status, todo=todo, form=form,
                           texts=texts, accept=ACCEPT_ATTR), 200 if request.method == "GET" else 400


# --- extensions -----------------------------------------------------------------------------------

@bp.route("/letters/<int:letter_id>/extension", methods=["POST"])
@allows("rectification.reply")
def request_extension(letter_id):
    letter = _letter(letter_id)
    form = ExtensionRequestForm()
    try:
        if not form.validate():
            raise RectificationError("；".join(e for errs in form.errors.values() for e in errs))
        operations.request_extension(letter, current_user, form.new_date.data, form.reason.data)
        flash("延期申请已提交，等待监督室审批。", "success")
    except RectificationError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return _back(letter.id, "deadline")


@bp.route("/extensions/<int:ext_id>/decide", methods=["POST"])
@allows("rectification.decide_extension")
def decide_extension(ext_id):
    ext = _extension(ext_id)
    form = ExtensionDecisionForm()
    try:
        if not form.validate():
            raise RectificationError("；".join(e for errs in form.errors.values() for e in errs))
        operations.decide_extension(ext, current_user, form.decision.data == "approve", form.new_date.data,
                                 form.note.data or "")
        flash("延期申请已审批。", "success")
    except RectificationError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return _back(ext.letter_id, "deadline")


# --- attachments ----------------------------------------------------------------------------------

@bp.route("/attachments/<int:att_id>")
@allows("rectification.attachment")
def attachment(att_id):
    att = db.session.get(Attachment, att_id)
    if att is None or att.owner_type not in (REPLY_OWNER, SUBMISSION_OWNER, SELF_OWNER):
        abort(404)
    if att.owner_type == SELF_OWNER:
        # A draft's files are the unit's own until it submits them (as the draft itself).
        _self_inspection(att.owner_id)
    else:
        letter = queries.attachment_owner_letter(att)
        if letter is None:
            abort(404)
        require("rectification.view", letter)
    return send_attachment(att, download=request.args.get("download") == "1")


# --- 自查 -----------------------------------------------------------------------------------------

@bp.route("/self-inspection", methods=["GET", "POST"])
@allows("rectification.unit_portal")
def my_self_inspection():
    year = int_arg("year") or today().year
    si = queries.self_inspection_of(current_user.unit_id, year)
    form = SelfInspectionForm(obj=si) if request.method == "GET" else SelfInspectionForm()
    if request.method == "POST":
        if form.validate():
            try:
                files = [(f, "自查报告") for f in _files("report_files")] + \
                        [(f, "工作计划") for f in _files("plan_files")]
                si = operations.save_self_inspection(current_user, year, form.report_text.data, form.plan_text.data,
                                                  files)
                if request.form.get("action") == "submit":
                    operations.submit_self_inspection(si, current_user)
                flash("自查材料已报送监督室。" if request.form.get("action") == "submit" else "已保存草稿。", "success")
                return redirect(url_for(".my_self_inspection", year=year))
            except (RectificationError, UploadError) as exc:
                db.session.rollback()
                flash(str(exc), "danger")
                si = queries.self_inspection_of(current_user.unit_id, year)
        else:
            flash("；".join(e for errs in form.errors.values() for e in errs), "danger")
    atts = attachments_for(SELF_OWNER, si.id) if si else []
    return render_template("rectification/self_form.html", form=form, si=si, year=year, atts=atts,
                           due=queries.self_inspection_due(year), accept=ACCEPT_ATTR, allowed=ALLOWED_DESCRIPTION,
                           editable=year == today().year, this_year=today().year)


@bp.route("/self-inspections")
@allows("rectification.self_overview")
def self_inspections():
    year = int_arg("year") or today().year
    rows = queries.self_inspection_overview(year)
    years = sorted({today().year, year} | {y for (y,) in db.session.query(SelfInspection.year).distinct()},
                   reverse=True)
    return render_template("rectification/self_overview.html", rows=rows, year=year, years=years,
                           due=queries.self_inspection_due(year),
                           done=sum(1 for r in rows if r.submitted))


@bp.route("/self-inspections/<int:si_id>")
@allows("rectification.self_view")
def self_inspection(si_id):
    si = _self_inspection(si_id)  # the office sees what was submitted, not the unit's working draft
    return render_template("rectification/self_show.html", si=si, atts=attachments_for(SELF_OWNER, si.id))


# --- ledger and statistics ------------------------------------------------------------------------

def _ledger_filter() -> ledger_mod.LedgerFilter:
    status = request.args.get("status", "")
    if status not in dict(ledger_mod.STATUS_CHOICES):
        status = ""
    return ledger_mod.LedgerFilter(year=int_arg("year"), unit_id=int_arg("unit"),
                                   item_key=request.args.get("item", "")[:40], status=status,
                                   q=search.clean(request.args.get("q")))


@bp.route("/ledger")
@allows("rectification.ledger")
def ledger():
    flt = _ledger_filter()
    if outputs.requested() == outputs.PRINT:  # the print view: this page's filter object, every row
        return rect_exports.ledger_print(flt)
    page = ledger_mod.ledger_page(flt, page=int_arg("page") or 1)
    # The filter's dropdown lists every unit (3,000 at province scale): plain (id, name) rows, not ORM objects.
    units = db.session.execute(select(Unit.id, Unit.name).order_by(Unit.kind, Unit.name)).all()
    years = letter_years()
    return render_template("rectification/ledger.html", page=page, f=flt, units=units, years=years,
                           item_keys=item_keys(), statuses=ledger_mod.STATUS_CHOICES)


@bp.route("/ledger.xlsx")
@allows("rectification.ledger")
def ledger_export():
    flt = _ledger_filter()
    buf = io.BytesIO()
    ledger_mod.write_xlsx(flt, buf)
    name = f"{flt.year or ''}{'年' if flt.year else ''}整改台账_{today():%Y%m%d}.xlsx"
    resp = Response(buf.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/stats")
@allows("rectification.stats")
def stats():
    year = int_arg("year") or today().year
    data = statistics(year)
    if outputs.requested() == outputs.XLSX:
        return rect_exports.stats_xlsx(data)
    years = sorted({today().year, year, *letter_years()}, reverse=True)
    return render_template("rectification/stats.html", stats=data, years=years)

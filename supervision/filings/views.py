"""Pages of the filing registers: the unit's 备案报送 (phone-first), the office's registers, review, paper and
missing filings, the yearly 清理, the statistics and the settings. Thin: load, check the rule, call operations
or queries, redirect — the request commits once (web); a refused write answers 422 and is rolled back."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import timeutil
from ..directory.models import Unit
from ..extensions import db
from ..policy import allows, require
from ..uploads import UploadError, attachments_for_many, send_attachment, Attachment
from ..web import int_arg, int_value
from . import access as _access  # noqa: F401  (the rules the routes name)
from . import labels as _labels  # noqa: F401  (this part's audit labels)
from . import operations, queries
from .errors import FilingError
from .models import (EVENT_ACTIONS, NormativeDecision, NormativeFiling, NormativeStatus, PartyKind, PenaltyDecision, PenaltyFiling,
                     PenaltyStatus, Validity)

bp = Blueprint("filings", __name__, url_prefix="/filings")


@bp.context_processor
def _names() -> dict:
    return {"actions": EVENT_ACTIONS}

OWNERS = {"penalty": PenaltyFiling, "normative": NormativeFiling}
PENALTY_OWNERS = [m for m, _ in operations.PENALTY_MATERIALS] + [operations.PAPER_SCAN[0]]
NORMATIVE_OWNERS = [m for m, _ in operations.NORMATIVE_MATERIALS]


def _get(model, filing_id: int):
    filing = db.session.get(model, filing_id)
    if filing is None:
        abort(404)
    require("filings.view", filing)
    return filing


def _materials(filing, owners) -> list:
    found = {o: attachments_for_many(o, [filing.id])[filing.id] for o in owners}
    return [(o, operations.MATERIAL_LABELS[o], found[o]) for o in owners if found[o] or o in dict(
        operations.PENALTY_MATERIALS + operations.NORMATIVE_MATERIALS)]


def _files(names, kinds=None) -> dict:
    """The posted materials, each checked (UploadError names the material)."""
    out = {}
    for owner in names:
        label = operations.MATERIAL_LABELS[owner]
        if kinds is None:
            out[owner] = operations.check_material(request.files.get(owner), label)
        else:
            out[owner] = operations.check_material(request.files.get(owner), label, kinds)
    return out


def _shown(values: dict) -> dict:
    """What a refused form shows back: an ID number typed into a visible field is masked, never echoed."""
    return {k: operations.mask_ids_in(v) if isinstance(v, str) else v for k, v in values.items()}


def _refused(exc) -> dict:
    if isinstance(exc, FilingError):
        return exc.errors
    return {"": str(exc)}


def _filter() -> queries.RegisterFilter:
    return queries.RegisterFilter(year=int_arg("year"), unit_id=int_arg("unit_id"),
                                  status=(request.args.get("status") or "").strip(),
                                  q=(request.args.get("q") or "").strip())


def _units():
    return db.session.execute(select(Unit.id, Unit.name, Unit.active).order_by(Unit.name)).all()


# --- the unit ---------------------------------------------------------------------------------------------------

@bp.get("/mine")
@allows("filings.mine")
def mine():
    flt = queries.RegisterFilter()
    penalties = db.session.scalars(queries.penalty_register_query(flt, unit_id=current_user.unit_id).limit(200)).all()
    normatives = db.session.scalars(
        queries.normative_register_query(flt, unit_id=current_user.unit_id).limit(200)).all()
    return render_template("filings/mine.html", penalties=queries.penalty_rows(penalties),
                           normatives=queries.normative_rows(normatives), settings=queries.settings())


def _penalty_form_values(f: PenaltyFiling | None) -> dict:
    if f is None:
        return {"party_kind": PartyKind.person.value}
    return {"decision_number": f.decision_number, "party_kind": f.party_kind, "party_name": f.party_name,
            "cause": f.cause, "penalty": f.penalty, "decision_date": f.decision_date.isoformat(), "party_id": ""}


def _penalty_form(filing, values, errors, status=200):
    materials = _materials(filing, [m for m, _ in operations.PENALTY_MATERIALS]) if filing is not None else [
        (o, label, []) for o, label in operations.PENALTY_MATERIALS]
    history = queries.history(filing) if filing is not None else []
    return render_template("filings/penalty_form.html", filing=filing, values=values, errors=errors,
                           materials=materials, party_kinds=PartyKind, history=history,
                           today=timeutil.today().isoformat(), settings=queries.settings()), status


def _save_penalty(filing):
    values = {k: request.form.get(k, "") for k in
              ("decision_number", "party_kind", "party_name", "party_id", "cause", "penalty", "decision_date")}
    submit = request.form.get("action") == "submit"
    unit_id = int_value(request.form.get("unit_id"))
    try:
        files = _files([m for m, _ in operations.PENALTY_MATERIALS])
        filing = operations.save_penalty(filing, values, files, current_user, submit=submit, unit_id=unit_id)
    except (FilingError, UploadError) as exc:
        db.session.rollback()
        filing = db.session.get(PenaltyFiling, filing.id) if filing is not None and filing.id else None
        return _penalty_form(filing, _shown(values), _refused(exc), 422)
    flash("已报送，等待监督室登记审查。" if submit else "已保存草稿，上传齐三项材料后即可报送。", "success")
    return redirect(url_for("filings.penalty", filing_id=filing.id))


@bp.route("/penalty/new", methods=["GET", "POST"])
@allows("filings.mine")
def penalty_new():
    if request.method == "POST":
        return _save_penalty(None)
    return _penalty_form(None, _penalty_form_values(None), {})


@bp.route("/penalty/<int:filing_id>/edit", methods=["GET", "POST"])
@allows("filings.mine")
def penalty_edit(filing_id):
    filing = _get(PenaltyFiling, filing_id)
    require("filings.file", filing)
    if not filing.editable_by_unit:
        flash(f"这份备案{filing.status_label}，不能再修改。", "warning")
        return redirect(url_for("filings.penalty", filing_id=filing.id))
    if request.method == "POST":
        return _save_penalty(filing)
    return _penalty_form(filing, _penalty_form_values(filing), {})


@bp.get("/penalty/<int:filing_id>")
@allows("filings.view")
def penalty(filing_id):
    filing = _get(PenaltyFiling, filing_id)
    return _penalty_page(filing, {}, {})


def _penalty_page(filing, values, errors, status=200):
    return render_template("filings/penalty_show.html", f=filing,
                           timeliness=queries.penalty_timeliness(filing),
                           deadline=_deadline_or_none(queries.penalty_deadline, filing.decision_date),
                           materials=_materials(filing, PENALTY_OWNERS), history=queries.history(filing),
                           decisions=PenaltyDecision, values=values, errors=errors), status


def _deadline_or_none(fn, day):
    from .. import workcal

    try:
        return fn(day)
    except workcal.UnknownYear:
        return None


@bp.get("/file/<int:att_id>")
@allows("filings.view")
def attachment(att_id):
    att = db.session.get(Attachment, att_id)
    if att is None:
        abort(404)
    if att.owner_type in PENALTY_OWNERS:
        _get(PenaltyFiling, att.owner_id)
    elif att.owner_type in NORMATIVE_OWNERS:
        _get(NormativeFiling, att.owner_id)
    else:
        abort(404)
    return send_attachment(att)


# --- 规范性文件: the unit -------------------------------------------------------------------------------------------

def _normative_values(f: NormativeFiling | None) -> dict:
    if f is None:
        return {}
    return {"title": f.title, "doc_number": f.doc_number, "published_on": f.published_on.isoformat(),
            "effective_on": f.effective_on.isoformat() if f.effective_on else ""}


def _normative_form(filing, values, errors, status=200):
    materials = _materials(filing, NORMATIVE_OWNERS) if filing is not None else [
        (o, label, []) for o, label in operations.NORMATIVE_MATERIALS]
    return render_template("filings/normative_form.html", filing=filing, values=values, errors=errors,
                           materials=materials, today=timeutil.today().isoformat(),
                           settings=queries.settings()), status


def _save_normative(filing):
    values = {k: request.form.get(k, "") for k in ("title", "doc_number", "published_on", "effective_on")}
    submit = request.form.get("action") == "submit"
    try:
        files = _files(NORMATIVE_OWNERS, operations.NORMATIVE_KINDS)
        filing = operations.save_normative(filing, values, files, current_user, submit=submit,
                                           unit_id=int_value(request.form.get("unit_id")))
    except (FilingError, UploadError) as exc:
        db.session.rollback()
        filing = db.session.get(NormativeFiling, filing.id) if filing is not None and filing.id else None
        return _normative_form(filing, _shown(values), _refused(exc), 422)
    flash("已报送，等待监督室登记审查。" if submit else "已保存草稿。", "success")
    return redirect(url_for("filings.normative", doc_id=filing.id))


@bp.route("/normative/new", methods=["GET", "POST"])
@allows("filings.mine")
def normative_new():
    if request.method == "POST":
        return _save_normative(None)
    return _normative_form(None, {}, {})


@bp.route("/normative/<int:doc_id>/edit", methods=["GET", "POST"])
@allows("filings.mine")
def normative_edit(doc_id):
    filing = _get(NormativeFiling, doc_id)
    require("filings.file", filing)
    if not filing.editable_by_unit:
        flash(f"这份备案{filing.status_label}，不能再修改。", "warning")
        return redirect(url_for("filings.normative", doc_id=filing.id))
    if request.method == "POST":
        return _save_normative(filing)
    return _normative_form(filing, _normative_values(filing), {})


@bp.get("/normative/<int:doc_id>")
@allows("filings.view")
def normative(doc_id):
    return _normative_page(_get(NormativeFiling, doc_id), {}, {})


def _normative_page(filing, values, errors, status=200):
    return render_template("filings/normative_show.html", f=filing,
                           timeliness=queries.normative_timeliness(filing),
                           deadline=_deadline_or_none(queries.normative_deadline, filing.published_on),
                           materials=_materials(filing, NORMATIVE_OWNERS), history=queries.history(filing),
                           decisions=NormativeDecision, validities=Validity, values=values, errors=errors,
                           today=timeutil.today().isoformat()), status


# --- the office: registers ------------------------------------------------------------------------------------

@bp.get("/penalties")
@allows("filings.register")
def penalties():
    flt = _filter()
    page = db.paginate(queries.penalty_register_query(flt), page=int_arg("page") or 1,
                       per_page=queries.PER_PAGE, error_out=False, count=True)
    units = _units()
    return render_template("filings/penalties.html", page=page, rows=queries.penalty_rows(page.items), f=flt,
                           units=units, unit_names={u.id: u.name for u in units}, statuses=PenaltyStatus, years=queries.filing_years())


@bp.get("/normatives")
@allows("filings.register")
def normatives():
    flt = _filter()
    page = db.paginate(queries.normative_register_query(flt), page=int_arg("page") or 1,
                       per_page=queries.PER_PAGE, error_out=False)
    units = _units()
    return render_template("filings/normatives.html", page=page, rows=queries.normative_rows(page.items), f=flt,
                           units=units, unit_names={u.id: u.name for u in units}, statuses=NormativeStatus,
                           years=queries.filing_years())


@bp.get("/stats")
@allows("filings.register")
def stats():
    """Per unit of one year, 50 units a page (by name): the units' summaries only are computed."""
    year = int_arg("year") or timeutil.today().year
    ids = queries.units_with_filings(year)
    page = db.paginate(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.name), page=int_arg("page") or 1,
                       per_page=queries.PER_PAGE, error_out=False)
    summary = queries.yearly_summary(year, unit_ids=[u.id for u in page.items])
    return render_template("filings/stats.html", year=year, years=queries.filing_years(), summary=summary,
                           units=page.items, page=page)


# --- the office: actions --------------------------------------------------------------------------------------

def _register(model, record_id: int, endpoint: str, **arg):
    filing = _get(model, record_id)
    try:
        filing = operations.register(filing, current_user)
    except FilingError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for(endpoint, **arg)), 303
    flash(f"已登记，备案号 {filing.number}。", "success")
    return redirect(url_for(endpoint, **arg))


@bp.post("/penalty/<int:filing_id>/register")
@allows("filings.manage")
def penalty_register(filing_id):
    return _register(PenaltyFiling, filing_id, "filings.penalty", filing_id=filing_id)


@bp.post("/normative/<int:doc_id>/register")
@allows("filings.manage")
def normative_register(doc_id):
    return _register(NormativeFiling, doc_id, "filings.normative", doc_id=doc_id)


@bp.post("/penalty/<int:filing_id>/decide")
@allows("filings.manage")
def penalty_decide(filing_id):
    filing = _get(PenaltyFiling, filing_id)
    values = {k: request.form.get(k, "") for k in ("decision", "legality", "appropriateness", "reason")}
    try:
        operations.decide_penalty(filing, values["decision"], current_user, legality=values["legality"],
                                  appropriateness=values["appropriateness"], reason=values["reason"])
    except FilingError as exc:
        db.session.rollback()
        return _penalty_page(db.session.get(PenaltyFiling, filing_id), _shown(values), exc.errors, 422)
    if filing.letter_id:
        flash("已提出纠正意见，意见书草稿已生成，请核对后签发。", "success")
        return redirect(url_for("letters.edit", letter_id=filing.letter_id))
    flash(f"审查结论：{filing.status_label}。", "success")
    return redirect(url_for("filings.penalty", filing_id=filing.id))


@bp.post("/normative/<int:doc_id>/decide")
@allows("filings.manage")
def normative_decide(doc_id):
    filing = _get(NormativeFiling, doc_id)
    values = {k: request.form.get(k, "") for k in ("decision", "reason", "to_letter")}
    try:
        operations.decide_normative(filing, values["decision"], current_user, reason=values["reason"],
                                    to_letter=bool(values["to_letter"]))
    except FilingError as exc:
        db.session.rollback()
        return _normative_page(db.session.get(NormativeFiling, doc_id), _shown(values), exc.errors, 422)
    if filing.letter_id:
        flash("意见书草稿已生成，请核对后签发。", "success")
        return redirect(url_for("letters.edit", letter_id=filing.letter_id))
    flash(f"审查结论：{filing.status_label}。", "success")
    return redirect(url_for("filings.normative", doc_id=filing.id))


@bp.post("/normative/<int:doc_id>/validity")
@allows("filings.manage")
def normative_validity(doc_id):
    filing = _get(NormativeFiling, doc_id)
    values = {k: request.form.get(k, "") for k in ("validity", "validity_on", "validity_note")}
    try:
        operations.mark_validity(filing, values["validity"], values["validity_on"], current_user,
                                 note=values["validity_note"])
    except FilingError as exc:
        db.session.rollback()
        return _normative_page(db.session.get(NormativeFiling, doc_id), _shown(values), exc.errors, 422)
    flash(f"已登记清理结论：{filing.validity_label}。", "success")
    return redirect(url_for("filings.normative", doc_id=filing.id))


@bp.route("/penalty/paper", methods=["GET", "POST"])
@allows("filings.manage")
def penalty_paper():
    values, errors, status = {"party_kind": PartyKind.person.value}, {}, 200
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("unit_id", "decision_number", "party_kind", "party_name",
                                                        "party_id", "cause", "penalty", "decision_date", "filed_on")}
        try:
            scan = operations.check_material(request.files.get(operations.PAPER_SCAN[0]), operations.PAPER_SCAN[1])
            filing = operations.record_paper_penalty(int_value(values["unit_id"]), values, scan, current_user,
                                                     received_on=values["filed_on"])
        except (FilingError, UploadError) as exc:
            db.session.rollback()
            errors, status, values = _refused(exc), 422, _shown(values)
        else:
            flash(f"已登记纸质备案，备案号 {filing.number}。", "success")
            return redirect(url_for("filings.penalty", filing_id=filing.id))
    return render_template("filings/penalty_office_form.html", mode="paper", values=values, errors=errors,
                           units=_units(), party_kinds=PartyKind, today=timeutil.today().isoformat()), status


@bp.route("/penalty/missing", methods=["GET", "POST"])
@allows("filings.manage")
def penalty_missing():
    values, errors, status = {"party_kind": PartyKind.person.value}, {}, 200
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("unit_id", "decision_number", "party_kind", "party_name",
                                                        "party_id", "cause", "penalty", "decision_date", "note")}
        try:
            filing = operations.record_missing_penalty(int_value(values["unit_id"]), values, current_user,
                                                       note=values["note"])
        except FilingError as exc:
            db.session.rollback()
            errors, status, values = exc.errors, 422, _shown(values)
        else:
            flash("已登记为未备案。", "success")
            return redirect(url_for("filings.penalty", filing_id=filing.id))
    return render_template("filings/penalty_office_form.html", mode="missing", values=values, errors=errors,
                           units=_units(), party_kinds=PartyKind, today=timeutil.today().isoformat()), status


@bp.route("/settings", methods=["GET", "POST"])
@allows("filings.settings")
def settings():
    s = queries.settings()
    values, errors, status = {"penalty_days": s.penalty_days, "normative_days": s.normative_days}, {}, 200
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("penalty_days", "normative_days")}
        try:
            operations.update_settings(values, current_user)
        except FilingError as exc:
            db.session.rollback()
            errors, status = exc.errors, 422
        else:
            flash("备案期限设置已保存。", "success")
            return redirect(url_for("filings.settings"))
    return render_template("filings/settings.html", values=values, errors=errors, rule=queries.RULE_EXPLANATION,
                           example=queries.rule_example(s.penalty_days)), status

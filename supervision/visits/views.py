"""Pages of visits: list, new, edit (draft), amend (submitted), visit page, unit history, problems,
statistics, catalogue versions, attachments. Thin: load, check access (visits/access.py), call operations or
queries; the request commits once (supervision.web)."""
import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..policy import allows, can, require
from ..directory.models import Unit
from .. import search
from ..extensions import db
from ..timeutil import today
from ..uploads import (ACCEPT_ATTR, ALLOWED_DESCRIPTION, Attachment, attachments_for_many, human_size, max_bytes,
                       send_attachment)
from ..web import int_arg, int_value, keep_writes
from .. import outputs
from ..schedule.models import Slot
from . import access  # noqa: F401  (declares the rules asked below)
from . import exports, operations, queries
from .forms import CatalogueForm, NewVisitForm, parse_catalogue_items, parse_date, parse_visit_form
from . import extras
from .models import (CheckCatalogue, Disposition, Method, Problem, ProblemState, Rating, Visit, VisitKind,
                     VisitStatus)

bp = Blueprint("visits", __name__, url_prefix="/visits")

PER_PAGE = 50


def _visit_or_404(visit_id: int) -> Visit:
    """The visit if the current user may see it ("visits.view"), else 404 (its existence is not revealed)."""
    visit = db.session.get(Visit, visit_id) or abort(404)
    require("visits.view", visit)
    return visit


def _page_arg() -> int:
    page = int_arg("page") or 1
    return page if page > 0 else 1


def _unit_rows():
    """(id, name, active) of every unit for a filter's <option>s — rows, not ORM objects (3,000 of them)."""
    return db.session.execute(select(Unit.id, Unit.name, Unit.active).order_by(Unit.kind, Unit.name)).all()


@bp.route("/")
@allows("visits.view_list")
def index():
    flt = queries.VisitFilter(year=int_arg("year"), unit_id=int_arg("unit"), kind=request.args.get("kind", ""),
                              status=request.args.get("status", ""), q=search.clean(request.args.get("q")))
    if fmt := outputs.requested():  # the export and the print view: this page's filter object, every row
        return exports.visits_output(current_user, flt, fmt)
    if flt.q:  # searched: the total counted up to search.CAP
        pagination = search.paginate(queries.visits_select(current_user, flt), page=_page_arg(), per_page=PER_PAGE,
                                     count_stmt=lambda: queries.visits_select(current_user, flt))
    else:
        pagination = db.paginate(queries.visits_select(current_user, flt), page=_page_arg(), per_page=PER_PAGE,
                                 error_out=False)
    return render_template("visits/index.html", pagination=pagination, visits=pagination.items,
                           counts=queries.problem_counts(v.id for v in pagination.items),
                           my_drafts=queries.drafts_of(current_user), units=_unit_rows(),
                           years=queries.visit_years(), kinds=VisitKind, statuses=VisitStatus,
                           f={"year": flt.year, "unit": flt.unit_id, "kind": flt.kind, "status": flt.status, "q": flt.q})


def _unit_choices():
    units = db.session.query(Unit).filter(Unit.active.is_(True)).order_by(Unit.kind, Unit.name).all()
    return [(0, "请选择")] + [(u.id, u.name) for u in units]


@bp.route("/new", methods=["GET", "POST"])
@allows("visits.create")
def new():
    form = NewVisitForm()
    form.unit_id.choices = _unit_choices()
    slot = None
    slot_arg = request.values.get("slot_id") or request.args.get("slot")
    if slot_arg:
        slot_id = int_value(slot_arg)
        slot = db.session.get(Slot, slot_id) if slot_id else None
        if slot is None:
            abort(404)
    follow_up_of = None
    fu_arg = request.values.get("follow_up_of")
    if fu_arg:
        fu_id = int_value(fu_arg)
        follow_up_of = db.session.get(Problem, fu_id) if fu_id else None
        if follow_up_of is None:
            abort(404)
    if request.method == "GET":
        if slot is not None:
            form.kind.data = VisitKind.routine.value
            form.slot_id.data = str(slot.id)
            unit_arg = int_arg("unit")
            units = [u for u in slot.units if u.id == unit_arg] or list(slot.units)
            if units:
                form.unit_id.data = units[0].id
                existing = queries.open_visit_for_slot(slot.id, units[0].id)
                if existing is not None:
                    return redirect(url_for(".edit" if existing.is_draft else ".show", visit_id=existing.id))
            td = today()
            form.visit_date.data = (td if slot.start_date <= td <= slot.end_date else slot.start_date).isoformat()
        elif follow_up_of is not None:
            form.kind.data = VisitKind.follow_up.value
            form.unit_id.data = follow_up_of.visit.unit_id
            form.follow_up_of.data = str(follow_up_of.id)
            form.visit_date.data = today().isoformat()
        else:
            form.visit_date.data = today().isoformat()
            if int_arg("unit"):
                form.unit_id.data = int_arg("unit")
    date_warning = ""
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
        visit_date = parse_date(form.visit_date.data)
        try:
            if visit_date is None:
                raise operations.VisitInvalid({"visit_date": "检查日期无效，应写成 2021-04-09 这样。"})
            visit = operations.create_visit(kind=form.kind.data, unit=unit, visit_date=visit_date,
                                         user=current_user, slot=slot, subject=form.subject.data or "",
                                         follow_up_of=follow_up_of, check_date=not form.confirm_date.data)
        except operations.VisitInvalid as exc:
            db.session.rollback()
            for name, msg in exc.errors.items():
                if name == "date_warning":
                    date_warning = msg
                    continue
                field = getattr(form, name, None)
                if field is not None and name:
                    field.errors = list(field.errors) + [msg]
                else:
                    flash(msg, "danger")
        except operations.VisitError as exc:
            db.session.rollback()
            flash(str(exc), "warning")
            if slot is not None and unit is not None:
                existing = queries.open_visit_for_slot(slot.id, unit.id)
                if existing is not None:
                    return redirect(url_for(".show", visit_id=existing.id))
        else:
            flash("已新建检查记录草稿，请逐项填写。", "success")
            return redirect(url_for(".edit", visit_id=visit.id))
    return render_template("visits/new.html", form=form, slot=slot, follow_up_of=follow_up_of,
                           date_warning=date_warning)


def _form_context(visit: Visit, data=None, errors=None, mode="edit", reason=""):
    """What visits/form.html needs, from the saved visit or from what was just posted."""
    problem_ids = [p.id for p in visit.problems]
    atts = attachments_for_many(operations.PROBLEM_OWNER, problem_ids)
    if data is None:
        values = {
            "visit_date": visit.visit_date.isoformat(), "subject": visit.subject,
            "inspector_ids": [u.id for u in visit.inspectors], "methods": visit.method_codes,
            "case_files": visit.case_files,
            "test_takers": "" if visit.test_takers is None else str(visit.test_takers),
            "test_average": "" if visit.test_average is None else str(visit.test_average),
            "test_lowest": "" if visit.test_lowest is None else str(visit.test_lowest),
            "summary": visit.summary,
        }
        ratings = {r.item_id: (r.rating, r.note) for r in visit.ratings}
        rows = {item.id: [] for item in visit.catalogue.items}
        for p in visit.problems:
            rows.setdefault(p.item_id, []).append({
                "key": str(p.id), "id": p.id, "item_id": p.item_id, "subpoint_id": p.subpoint_id,
                "description": p.description, "evidence": p.evidence, "case_file": p.case_file,
                "disposition": p.disposition, "fix_action": p.fix_action, "remove": False,
                "delete_att": [], "attachments": atts.get(p.id, [])})
    else:
        values = {
            "visit_date": data.visit_date_raw, "subject": data.subject, "inspector_ids": data.inspector_ids,
            "methods": data.methods, "case_files": data.case_files, "test_takers": data.test_takers,
            "test_average": data.test_average, "test_lowest": data.test_lowest, "summary": data.summary,
        }
        ratings = dict(data.ratings)
        rows = {item.id: [] for item in visit.catalogue.items}
        for p in data.problems:
            if p.is_blank():
                continue
            rows.setdefault(p.item_id, []).append({
                "key": p.key, "id": p.id, "item_id": p.item_id, "subpoint_id": p.subpoint_id,
                "description": p.description, "evidence": p.evidence, "case_file": p.case_file,
                "disposition": p.disposition, "fix_action": p.fix_action, "remove": p.remove,
                "delete_att": p.delete_attachment_ids, "attachments": atts.get(p.id, []) if p.id else []})
    inspectors = queries.eligible_inspectors()
    for u in visit.inspectors:
        if u not in inspectors:
            inspectors.append(u)
    return dict(visit=visit, values=values, ratings=ratings, rows=rows, errors=errors or {}, mode=mode,
                reason=reason, inspectors=inspectors, methods=Method, rating_scale=Rating,
                dispositions=Disposition, accept=ACCEPT_ATTR, allowed=ALLOWED_DESCRIPTION,
                max_size=human_size(int(max_bytes())),
                fresh_key=lambda item_id: f"b{item_id}x{uuid.uuid4().hex[:6]}",
                item_panels=extras.item_panels(visit))


def _posted_version():
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        return -1


@bp.route("/<int:visit_id>/edit", methods=["GET", "POST"])
@allows("visits.edit")
def edit(visit_id):
    visit = _visit_or_404(visit_id)
    if not visit.is_draft:
        flash("检查记录已提交，如需更改请使用“修改已提交记录”。", "info")
        return redirect(url_for(".show", visit_id=visit.id))
    require("visits.edit", visit, missing=403)  # only the visit's inspectors (and admins); the service refuses the same
    if request.method == "GET":
        return render_template("visits/form.html", **_form_context(visit))
    data = parse_visit_form(request.form, request.files)
    action = request.form.get("action", "save")
    try:
        operations.save_draft(visit, data, current_user, expected_version=_posted_version())
    except operations.VisitConflict as exc:
        db.session.rollback()
        visit = db.session.get(Visit, visit_id)
        ctx = _form_context(visit, data, {"": str(exc)})
        ctx["conflict"] = True
        return render_template("visits/form.html", **ctx), 409
    except operations.VisitInvalid as exc:
        db.session.rollback()
        visit = db.session.get(Visit, visit_id)
        return render_template("visits/form.html", **_form_context(visit, data, exc.errors)), 422
    except operations.VisitError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return redirect(url_for(".show", visit_id=visit_id))
    if action != "submit":
        flash("草稿已保存。", "success")
        return redirect(url_for(".edit", visit_id=visit.id))
    try:
        with db.session.begin_nested():  # a refused submission undoes only itself
            operations.submit_visit(visit, current_user)
    except operations.VisitInvalid as exc:
        keep_writes()  # the draft was saved; only its submission is refused (answered 422)
        db.session.expire_all()
        visit = db.session.get(Visit, visit_id)
        flash("草稿已保存，但还不能提交：" + exc.errors.get("", "请补全标出的内容。"), "warning")
        return render_template("visits/form.html", **_form_context(visit, errors=exc.errors)), 422
    flash("检查记录已提交。" + ("需下达意见书的问题已进入待起草清单。"
                              if any(p.needs_letter for p in visit.problems) else ""), "success")
    return redirect(url_for(".show", visit_id=visit.id))


@bp.route("/<int:visit_id>/amend", methods=["GET", "POST"])
@allows("visits.amend")
def amend(visit_id):
    visit = _visit_or_404(visit_id)
    if not can("visits.amend", visit):
        if visit.is_draft:
            return redirect(url_for(".edit", visit_id=visit.id))
        abort(403)
    if request.method == "GET":
        return render_template("visits/form.html", **_form_context(visit, mode="amend"))
    data = parse_visit_form(request.form, request.files)
    reason = request.form.get("reason", "")
    try:
        operations.amend_visit(visit, data, current_user, reason, expected_version=_posted_version())
    except operations.VisitConflict as exc:
        db.session.rollback()
        visit = db.session.get(Visit, visit_id)
        ctx = _form_context(visit, data, {"": str(exc)}, mode="amend", reason=reason)
        ctx["conflict"] = True
        return render_template("visits/form.html", **ctx), 409
    except operations.VisitError as exc:
        db.session.rollback()
        visit = db.session.get(Visit, visit_id)
        errors = exc.errors if isinstance(exc, operations.VisitInvalid) else {"": str(exc)}
        return render_template("visits/form.html",
                               **_form_context(visit, data, errors, mode="amend", reason=reason)), 422
    flash("修改已保存，并已连同修改理由和原内容记入审计日志。", "success")
    return redirect(url_for(".show", visit_id=visit.id))


@bp.route("/<int:visit_id>/delete", methods=["POST"])
@allows("visits.delete")
def delete(visit_id):
    visit = _visit_or_404(visit_id)
    require("visits.delete", visit, missing=403)
    try:
        operations.delete_draft(visit, current_user)
    except operations.VisitError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return redirect(url_for(".show", visit_id=visit_id))
    flash("草稿已删除。", "success")
    return redirect(url_for(".index"))


@bp.route("/<int:visit_id>")
@allows("visits.view")
def show(visit_id):
    visit = _visit_or_404(visit_id)
    atts = attachments_for_many(operations.PROBLEM_OWNER, [p.id for p in visit.problems])
    history = queries.visit_history(visit) if can("visits.view_history") else []
    return render_template("visits/show.html", visit=visit, atts=atts, history=history,
                           problem_state=queries.problem_state)


@bp.route("/unit/<int:unit_id>")
@allows("visits.view_unit")
def unit_history(unit_id):
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    require("visits.view_unit", unit)
    visits = queries.unit_visits(current_user, unit.id)
    return render_template("visits/unit_history.html", unit=unit, visits=visits,
                           counts=queries.problem_counts(v.id for v in visits))


@bp.route("/mine")
@allows("visits.my_unit")
def my_unit():
    return redirect(url_for(".unit_history", unit_id=current_user.unit_id))


@bp.route("/problems")
@allows("visits.view_list")
def problems():
    flt = queries.ProblemFilter(year=int_arg("year"), unit_id=int_arg("unit"),
                                item_key=request.args.get("item", ""),
                                disposition=request.args.get("disposition", ""),
                                status=request.args.get("status", ""), q=search.clean(request.args.get("q")))
    if fmt := outputs.requested():  # the export and the print view: this page's filter object, every row
        return exports.problems_output(current_user, flt, fmt)
    if flt.q:  # searched: the total counted up to search.CAP
        pagination = search.paginate(queries.visible_problems(current_user, flt), page=_page_arg(),
                                     per_page=PER_PAGE, count_stmt=lambda: queries.visible_problems(current_user, flt))
    else:
        pagination = db.paginate(queries.visible_problems(current_user, flt), page=_page_arg(), per_page=PER_PAGE,
                                 error_out=False, count=False)
        pagination.total = queries.count_visible_problems(current_user, flt)
    return render_template("visits/problems.html", pagination=pagination, rows=pagination.items, f=flt,
                           units=_unit_rows(), years=queries.visit_years(), item_keys=queries.item_keys(),
                           dispositions=Disposition, states=ProblemState,
                           problem_state=queries.problem_state)


@bp.route("/stats")
@allows("visits.view_list")
def stats():
    years = queries.visit_years()
    year = int_arg("year") or (years[0] if years else today().year)
    data = queries.year_statistics(year)
    if outputs.requested() == outputs.XLSX:
        return exports.stats_xlsx(data)
    return render_template("visits/stats.html", stats=data, years=sorted(set(years) | {year}, reverse=True),
                           chart=queries.bar_chart(data), rchart=queries.rating_chart(data), ratings=Rating)


@bp.route("/attachments/<int:att_id>")
@allows("visits.view")
def attachment(att_id):
    att = db.session.get(Attachment, att_id)
    if att is None or att.owner_type != operations.PROBLEM_OWNER:
        abort(404)
    problem = db.session.get(Problem, att.owner_id)
    if problem is None:
        abort(404)
    require("visits.view", problem.visit)  # 404 outside the user's reach
    return send_attachment(att, download=request.args.get("download") == "1")


# ---------------------------------------------------------------- catalogue


@bp.route("/catalogue")
@allows("visits.view_list")
def catalogue_list():
    """The catalogue versions. Reads only: before there is one (the first visit, the demo or the setup command
    saves the 2021 catalogue) the page says so."""
    counts = dict(db.session.query(Visit.catalogue_id, db.func.count(Visit.id)).group_by(Visit.catalogue_id).all())
    return render_template("visits/catalogue_list.html", catalogues=queries.catalogues(), counts=counts)


@bp.route("/catalogue/<int:cat_id>")
@allows("visits.view_list")
def catalogue_show(cat_id):
    cat = db.session.get(CheckCatalogue, cat_id) or abort(404)
    return render_template("visits/catalogue_show.html", cat=cat)


@bp.route("/catalogue/<int:cat_id>/edit", methods=["GET", "POST"])
@allows("visits.edit_catalogue")
def catalogue_edit(cat_id):
    """Edit a copy of a catalogue version; saving creates a new version, the old one stays as it was."""
    base = db.session.get(CheckCatalogue, cat_id) or abort(404)
    form = CatalogueForm()
    errors = {}
    if request.method == "GET":
        form.year.data = max(base.year, today().year)
        items = [{"key": i.key, "name": i.name, "criteria": i.criteria,
                  "subpoints": "\n".join(f"{s.name}：{s.criteria}" if s.criteria else s.name for s in i.subpoints)}
                 for i in base.items]
    else:
        parsed = parse_catalogue_items(request.form)
        items = [{"key": i.key, "name": i.name, "criteria": i.criteria,
                  "subpoints": request.form.get(f"item-{n}-subpoints", "")} for n, i in enumerate(parsed, start=1)]
        if form.validate_on_submit():
            try:
                cat = operations.create_catalogue_version(form.year.data, parsed, user=current_user,
                                                       note=form.note.data or "", based_on=base)
            except operations.VisitInvalid as exc:
                db.session.rollback()
                errors = exc.errors
            else:
                flash(f"已保存为新版本：{cat.label}。已有检查记录仍按原版本显示。", "success")
                return redirect(url_for(".catalogue_show", cat_id=cat.id))
    items = [i for i in items if i["name"].strip() or i["criteria"].strip() or i["subpoints"].strip()]
    items.append({"key": "", "name": "", "criteria": "", "subpoints": ""})
    return render_template("visits/catalogue_edit.html", form=form, base=base, items=items, errors=errors)

"""Pages of the 年度考核: years, scheme, progress, indicator (materials, ratings, history), results, a unit's
breakdown, 加减分, 异议, the leader's page, and the unit's own 考核 pages. Thin: load, check access, call the
operations, redirect; the request commits once (web.finish_request_transaction)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..accounts.models import User
from ..directory.models import Office, Unit
from ..extensions import db
from ..fonts import MissingGlyphs
from ..policy import allows, can, require
from ..timeutil import today
from ..uploads import ACCEPT_ATTR, ALLOWED_DESCRIPTION, Attachment, UploadError, attachments_for_many, \
    send_attachment
from ..web import int_arg, int_value
from . import access  # noqa: F401  (declares the rules the routes name)
from . import operations as ops
from . import analysis, bulletin, feedback, queries, scheme_xlsx, scoring, summary_xlsx
from .models import (Adjustment, AssessYear, Category, Component, Grade, Indicator, Material, Method, Objection,
                     ObjectionStatus, RatingValue, UnitYear, YearStatus)

bp = Blueprint("assessment", __name__, url_prefix="/assessment")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(year: int) -> AssessYear:
    y = queries.year_row(year)
    if y is None:
        abort(404)
    return y


def _refused(exc) -> None:
    db.session.rollback()
    flash(str(exc), "danger")


def _back(endpoint: str, **values):
    return redirect(url_for(endpoint, **values))


def _context(y: AssessYear) -> dict:
    return {"y": y, "Category": Category, "Component": Component, "Method": Method, "RatingValue": RatingValue,
            "Grade": Grade, "YearStatus": YearStatus}


# ---- years and the scheme ----------------------------------------------------------------------------------------

@bp.route("/")
@allows("assessment.view")
def index():
    return render_template("assessment/index.html", years=queries.years(), this_year=today().year)


@bp.route("/new", methods=["POST"])
@allows("assessment.manage")
def new_year():
    year = int_value(request.form.get("year"), 2000, 2100)
    if year is None:
        flash("请填写 2000 至 2100 之间的年度。", "danger")
        return _back("assessment.index")
    try:
        y = ops.ensure_year(year, current_user)
        if request.form.get("copy"):
            src = queries.previous_year(y)
            if src is None:
                raise ops.AssessmentError("没有上一年度的考核方案可以复制。")
            ops.copy_scheme(y, src, current_user)
    except ops.AssessmentError as exc:
        _refused(exc)
        return _back("assessment.index")
    flash(f"已建立{year}年度考核。", "success")
    return _back("assessment.year", year=year)


@bp.route("/<int:year>")
@allows("assessment.view")
def year(year):
    y = _year(year)
    summary = queries.scheme_summary(y)
    open_objections = sum(1 for o in queries.objections(y) if o.status == ObjectionStatus.open.value)
    return render_template("assessment/year.html", summary=summary, open_objections=open_objections,
                           **_context(y))


@bp.route("/<int:year>/scheme")
@allows("assessment.view")
def scheme(year):
    y = _year(year)
    reviewers = list(db.session.scalars(select(User).where(User.role.in_(["admin", "inspector"]),
                                                           User.active.is_(True)).order_by(User.username)))
    offices = list(db.session.scalars(select(Office).order_by(Office.sort_order, Office.id)))
    return render_template("assessment/scheme.html", summary=queries.scheme_summary(y), reviewers=reviewers,
                           offices=offices, **_context(y))


@bp.route("/<int:year>/scheme.xlsx")
@allows("assessment.view")
def scheme_export(year):
    y = _year(year)
    name = quote(f"{y.year}年度依法行政考核细则.xlsx")
    return Response(scheme_xlsx.export(y), mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


@bp.route("/<int:year>/scheme/import", methods=["POST"])
@allows("assessment.manage")
def scheme_import(year):
    y = _year(year)
    f = request.files.get("file")
    if f is None or not f.filename:
        flash("请选择考核细则 Excel 文件。", "danger")
        return _back("assessment.scheme", year=year)
    try:
        rows, stated = scheme_xlsx.parse(f.read())
        ops.replace_scheme(y, rows, current_user, reason=request.form.get("reason", ""), stated_total=stated)
    except (ops.AssessmentError, scheme_xlsx.SchemeFileError) as exc:
        _refused(exc)
        return _back("assessment.scheme", year=year)
    flash(f"考核方案已导入，共 {len(rows)} 项三级指标。", "success")
    return _back("assessment.scheme", year=year)


@bp.route("/indicator/<int:ind_id>/assign", methods=["POST"])
@allows("assessment.manage")
def assign(ind_id):
    ind = db.session.get(Indicator, ind_id) or abort(404)
    reviewer_id = int_value(request.form.get("reviewer_id"))
    office_id = int_value(request.form.get("office_id"))
    try:
        ops.assign(ind, reviewer_id, office_id, current_user)
    except ops.AssessmentError as exc:
        _refused(exc)
    return _back("assessment.scheme", year=ind.year_row.year)


def _decimal(name: str) -> Decimal | None:
    try:
        v = Decimal((request.form.get(name) or "").strip())
    except InvalidOperation:
        return None
    return v if v.is_finite() else None


@bp.route("/<int:year>/settings", methods=["POST"])
@allows("assessment.manage")
def settings(year):
    y = _year(year)
    values, errors = {}, []
    for name, label in (("bonus_min", "每项最少加分"), ("bonus_max", "每项最多加分"), ("bonus_cap", "加分上限"),
                        ("penalty_per_case", "每项减分"), ("penalty_cap", "减分上限")):
        v = _decimal(name)
        if v is None or v < 0 or v > 100:
            errors.append(f"{label}应为 0 至 100 的数字")
        else:
            values[name] = v
    days = int_value(request.form.get("objection_days"), 1, 60)
    if days is None:
        errors.append("异议期限应为 1 至 60 个工作日")
    else:
        values["objection_days"] = days
    deadline_text = (request.form.get("materials_deadline") or "").strip()
    if deadline_text:
        try:
            values["materials_deadline"] = date.fromisoformat(deadline_text)
        except ValueError:
            errors.append("材料报送截止日期应为有效日期")
    else:
        values["materials_deadline"] = None
    grading = {}
    for cat in Category:
        mode = request.form.get(f"{cat.value}-mode", "threshold")
        rule = scoring.GradeRule(mode="quota" if mode == "quota" else "threshold")
        for g in ("excellent", "good", "pass"):
            v = _decimal(f"{cat.value}-{g}")
            if v is None or v < 0 or v > 200:
                errors.append(f"{cat.label}的{Grade.label_of(g)}分数线应为数字")
            else:
                rule.thresholds[g] = v
        q = _decimal(f"{cat.value}-quota")
        if q is None or q < 0 or q > 100:
            errors.append(f"{cat.label}的优秀比例应为 0 至 100")
        else:
            rule.excellent_quota = q
        grading[cat.value] = rule.to_dict()
    if errors:
        flash("设置未保存：" + "；".join(errors) + "。", "danger")
        return _back("assessment.year", year=year)
    try:
        ops.set_settings(y, current_user, grading=grading, **values)
    except ops.AssessmentError as exc:
        _refused(exc)
        return _back("assessment.year", year=year)
    flash("考核设置已保存。", "success")
    return _back("assessment.year", year=year)


_STEPS = {
    "start": (ops.start_scoring, "评分已开始，考核方案已锁定。"),
    "feedback": (ops.start_feedback, "已开始问题反馈，各单位可查看本单位得分并提出异议。"),
    "review": (ops.start_review, "已进入复核。"),
    "confirm": (ops.confirm, "考核结果已审定，本年度已锁定。"),
    "publish": (ops.publish, "通报已发布。"),
}


@bp.route("/<int:year>/step/<step>", methods=["POST"])
@allows("assessment.manage")
def step(year, step):
    y = _year(year)
    if step not in _STEPS:
        abort(404)
    fn, message = _STEPS[step]
    try:
        fn(y, current_user)
    except ops.AssessmentError as exc:
        _refused(exc)
        return _back("assessment.year", year=year)
    flash(message, "success")
    return _back("assessment.year", year=year)


@bp.route("/<int:year>/compute", methods=["POST"])
@allows("assessment.manage")
def compute(year):
    """The 汇总: each unit's 日常工作情况评价 worked out again from the records, then every score, grade and rank."""
    y = _year(year)
    try:
        ops.refresh_daily(y, current_user)
        ops.compute(y, current_user)
    except ops.AssessmentError as exc:
        _refused(exc)
        return _back("assessment.year", year=year)
    flash("考核汇总已完成。", "success")
    return _back("assessment.results", year=year)


@bp.route("/<int:year>/daily", methods=["POST"])
@allows("assessment.manage")
def daily(year):
    """日常工作情况评价 of every assessed unit worked out from the app's own records (the rules on the 日常评价 page)."""
    y = _year(year)
    try:
        n = ops.refresh_daily(y, current_user)
    except ops.AssessmentError as exc:
        _refused(exc)
        return _back("assessment.year", year=year)
    flash(f"已按日常监督记录重新计算日常工作情况评价，{n} 个单位的得分有变化。", "success")
    return _back("assessment.year", year=year)


# ---- outputs: 汇总表, 通报, 反馈单 -------------------------------------------------------------------------------

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _download(data: bytes, name: str, mimetype: str) -> Response:
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


def _results(year: int, with_lines: bool = True):
    results = queries.year_results(year, with_lines=with_lines)
    if results is None:
        abort(404)
    return results


@bp.route("/<int:year>/summary.xlsx")
@allows("assessment.view")
def summary_export(year):
    results = _results(year, with_lines=False)
    return _download(summary_xlsx.summary_workbook(results), f"{year}年度依法行政考核结果汇总表.xlsx", XLSX)


@bp.route("/<int:year>/bulletin.docx")
@allows("assessment.view")
def bulletin_export(year):
    results = _results(year, with_lines=False)
    suffix = "" if results.confirmed_on else "（草稿）"
    return _download(bulletin.bulletin_docx(results), f"{year}年度依法行政考核情况通报{suffix}.docx", DOCX)


def _feedback(y: AssessYear, uy: UnitYear, fmt: str) -> Response:
    results = _results(y.year)
    name = f"{y.year}年度依法行政考核结果反馈单（{uy.unit.name}）"
    if fmt == "pdf":
        try:
            data = feedback.feedback_pdf(results, uy.unit_id, deadline=y.feedback_until)
        except MissingGlyphs as exc:
            flash(f"反馈单无法生成PDF：{exc}", "danger")
            return redirect(request.referrer or url_for("assessment.index"))
        return _download(data, name + ".pdf", "application/pdf")
    return _download(feedback.feedback_docx(results, uy.unit_id, deadline=y.feedback_until), name + ".docx", DOCX)


@bp.route("/result/<int:uy_id>/feedback.pdf")
@allows("assessment.view")
def feedback_pdf(uy_id):
    uy = db.session.get(UnitYear, uy_id) or abort(404)
    return _feedback(db.session.get(AssessYear, uy.year_id), uy, "pdf")


@bp.route("/result/<int:uy_id>/feedback.docx")
@allows("assessment.view")
def feedback_docx(uy_id):
    uy = db.session.get(UnitYear, uy_id) or abort(404)
    return _feedback(db.session.get(AssessYear, uy.year_id), uy, "docx")


# ---- progress, indicator, ratings -------------------------------------------------------------------------------

@bp.route("/<int:year>/progress")
@allows("assessment.view")
def progress(year):
    y = _year(year)
    return render_template("assessment/progress.html", reviewers=queries.progress_by_reviewer(y),
                           units=queries.progress_by_unit(y), **_context(y))


@bp.route("/indicator/<int:ind_id>")
@allows("assessment.view")
def indicator(ind_id):
    ind = db.session.get(Indicator, ind_id) or abort(404)
    y = ind.year_row
    rows = queries.indicator_page(y, ind)
    atts = attachments_for_many("assess_material", [m.id for r in rows for m in r["materials"]])
    return render_template("assessment/indicator.html", ind=ind, rows=rows, atts=atts,
                           may_rate=can("assessment.rate", ind) and y.reached(YearStatus.scoring.value)
                           and not y.locked, **_context(y))


@bp.route("/indicator/<int:ind_id>/rate", methods=["POST"])
@allows("assessment.rate")
def rate(ind_id):
    ind = db.session.get(Indicator, ind_id) or abort(404)
    require("assessment.rate", ind)
    unit_id = int_value(request.form.get("unit_id")) or abort(404)
    version = int_value(request.form.get("version"), 0)
    try:
        ops.rate(ind, unit_id, request.form.get("rating", ""), request.form.get("reason", ""), current_user,
                 expected_version=version, percent=request.form.get("percent"))
    except ops.AssessmentError as exc:
        _refused(exc)
        return redirect(url_for("assessment.indicator", ind_id=ind_id) + f"#u{unit_id}")
    flash("评定已保存。", "success")
    return redirect(url_for("assessment.indicator", ind_id=ind_id) + f"#u{unit_id}")


# ---- results -----------------------------------------------------------------------------------------------------

@bp.route("/<int:year>/results")
@allows("assessment.view")
def results(year):
    """One category's ranking, a page at a time (a county has ~30 乡镇 but a province thousands of units)."""
    y = _year(year)
    category = request.args.get("cat", Category.township.value)
    if category not in {c.value for c in Category}:
        category = Category.township.value
    page = int_arg("page") or 1
    rows, count = queries.results_page(y, category, page)
    pages = max(1, -(-count // queries.PER_PAGE))
    return render_template("assessment/results.html", rows=rows, count=count, category=category, page=page,
                           pages=pages, **_context(y))


@bp.route("/result/<int:uy_id>")
@allows("assessment.view")
def unit_result(uy_id):
    uy = db.session.get(UnitYear, uy_id) or abort(404)
    y = db.session.get(AssessYear, uy.year_id)
    return render_template("assessment/unit.html", r=queries.unit_result(y, uy.unit_id), uy=uy,
                           objections=queries.objections(y, uy.unit_id), mine=False, **_context(y))


@bp.route("/<int:year>/adjustments")
@allows("assessment.view")
def adjustments(year):
    y = _year(year)
    units = list(db.session.scalars(select(Unit).join(UnitYear, UnitYear.unit_id == Unit.id)
                                    .where(UnitYear.year_id == y.id).order_by(Unit.kind, Unit.name)))
    items = queries.adjustments(y)
    return render_template("assessment/adjustments.html", items=items, units=units, accept=ACCEPT_ATTR,
                           allowed=ALLOWED_DESCRIPTION,
                           atts=attachments_for_many("assess_adjustment", [a.id for a in items]), **_context(y))


@bp.route("/<int:year>/adjustments", methods=["POST"])
@allows("assessment.manage")
def add_adjustment(year):
    y = _year(year)
    unit_id = int_value(request.form.get("unit_id"))
    if unit_id is None:
        flash("请选择单位。", "danger")
        return _back("assessment.adjustments", year=year)
    try:
        ops.add_adjustment(y, unit_id, request.form.get("points", ""), request.form.get("reason", ""),
                           bool(request.form.get("bars_excellent")), request.files.get("evidence"), current_user)
    except (ops.AssessmentError, UploadError) as exc:
        _refused(exc)
        return _back("assessment.adjustments", year=year)
    flash("加减分已登记。", "success")
    return _back("assessment.adjustments", year=year)


@bp.route("/adjustment/<int:adj_id>/delete", methods=["POST"])
@allows("assessment.manage")
def delete_adjustment(adj_id):
    a = db.session.get(Adjustment, adj_id) or abort(404)
    year = db.session.get(AssessYear, a.year_id).year
    try:
        ops.delete_adjustment(a, current_user)
    except ops.AssessmentError as exc:
        _refused(exc)
        return _back("assessment.adjustments", year=year)
    flash("加减分已删除。", "success")
    return _back("assessment.adjustments", year=year)


@bp.route("/<int:year>/objections")
@allows("assessment.view")
def objections(year):
    y = _year(year)
    return render_template("assessment/objections.html", items=queries.objections(y), **_context(y))


@bp.route("/objection/<int:obj_id>/answer", methods=["POST"])
@allows("assessment.manage")
def answer(obj_id):
    o = db.session.get(Objection, obj_id) or abort(404)
    year = db.session.get(AssessYear, o.year_id).year
    try:
        ops.answer_objection(o, request.form.get("answer", ""), current_user)
    except ops.AssessmentError as exc:
        _refused(exc)
        return _back("assessment.objections", year=year)
    flash("复核意见已记录。", "success")
    return _back("assessment.objections", year=year)


@bp.route("/<int:year>/correct", methods=["POST"])
@allows("assessment.manage")
def correct(year):
    y = _year(year)
    unit_id = int_value(request.form.get("unit_id")) or abort(404)
    ind_id = int_value(request.form.get("indicator_id"))
    ratings = {ind_id: (request.form.get("rating", ""), request.form.get("reason", ""))} if ind_id else None
    try:
        done = ops.correct(y, unit_id, request.form.get("reason", ""), current_user, ratings=ratings)
    except ops.AssessmentError as exc:
        _refused(exc)
        return _back("assessment.results", year=year)
    flash(f"更正已完成，{len(done)} 个单位的结果有变化，原结果已留存。", "success")
    return _back("assessment.results", year=year)


@bp.route("/leader")
@allows("assessment.leader")
def leader():
    """The leader's read-only page: the chosen year (default: the latest computed one)."""
    computed = [y for y in queries.years() if y.computed_at is not None]
    year = int_arg("year")
    y = next((c for c in computed if c.year == year), computed[0] if computed else None)
    if y is None:
        return render_template("assessment/leader.html", y=None, computed=[])
    return render_template("assessment/leader.html", dist=queries.distribution(y), top=queries.top_ranked(y),
                           weakest=queries.weakest_indicators(y), yoy=queries.year_on_year(), computed=computed,
                           charts=analysis.charts(queries.year_results(y.year, with_lines=False)),
                           **_context(y))


@bp.route("/file/<int:att_id>")
@allows("assessment.file")
def file(att_id):
    """A material or evidence file: staff see any; a unit only its own materials."""
    att = db.session.get(Attachment, att_id)
    if att is None or att.owner_type not in ("assess_material", "assess_adjustment"):
        abort(404)
    if current_user.role == "unit":
        m = db.session.get(Material, att.owner_id) if att.owner_type == "assess_material" else None
        if m is None or m.unit_id != current_user.unit_id:
            abort(404)
    return send_attachment(att, download=request.args.get("download") == "1")


# ---- the unit's own pages ----------------------------------------------------------------------------------------

@bp.route("/my")
@allows("assessment.my_unit")
def my_years():
    rows = db.session.execute(select(AssessYear, UnitYear).join(UnitYear, UnitYear.year_id == AssessYear.id)
                              .where(UnitYear.unit_id == current_user.unit_id)
                              .order_by(AssessYear.year.desc())).all()
    return render_template("assessment/my_years.html", rows=rows, YearStatus=YearStatus, Grade=Grade)


def _my(year: int) -> tuple[AssessYear, UnitYear]:
    y = _year(year)
    uy = db.session.scalar(select(UnitYear).where(UnitYear.year_id == y.id,
                                                  UnitYear.unit_id == current_user.unit_id))
    if uy is None:
        abort(404)
    return y, uy


@bp.route("/my/<int:year>")
@allows("assessment.my_unit")
def my_year(year):
    y, uy = _my(year)
    inds = [i for i in y.indicators if uy.category in i.category_list and i.method != Method.computed.value]
    mats = queries.unit_materials(y, uy.unit_id)
    atts = attachments_for_many("assess_material", [m.id for ms in mats.values() for m in ms])
    sees = can("assessment.see_own_result", uy)
    return render_template("assessment/my_year.html", uy=uy, inds=inds, mats=mats, atts=atts,
                           r=queries.unit_result(y, uy.unit_id) if sees else None, sees=sees,
                           objections=queries.objections(y, uy.unit_id), accept=ACCEPT_ATTR,
                           allowed=ALLOWED_DESCRIPTION, **_context(y))


@bp.route("/my/<int:year>/feedback.pdf")
@allows("assessment.my_unit")
def my_feedback_pdf(year):
    y, uy = _my(year)
    require("assessment.see_own_result", uy)
    return _feedback(y, uy, "pdf")


@bp.route("/my/<int:year>/feedback.docx")
@allows("assessment.my_unit")
def my_feedback_docx(year):
    y, uy = _my(year)
    require("assessment.see_own_result", uy)
    return _feedback(y, uy, "docx")


@bp.route("/my/<int:year>/material/<int:ind_id>", methods=["POST"])
@allows("assessment.my_unit")
def my_material(year, ind_id):
    y, uy = _my(year)
    ind = db.session.get(Indicator, ind_id)
    if ind is None or ind.year_id != y.id:
        abort(404)
    try:
        ops.submit_material(ind, uy.unit_id, request.form.get("comment", ""), request.files.getlist("files"),
                            current_user)
    except (ops.AssessmentError, UploadError) as exc:
        _refused(exc)
        return redirect(url_for("assessment.my_year", year=year) + f"#i{ind_id}")
    flash("材料已报送。", "success")
    return redirect(url_for("assessment.my_year", year=year) + f"#i{ind_id}")


@bp.route("/my/<int:year>/objection", methods=["POST"])
@allows("assessment.my_unit")
def my_objection(year):
    y, uy = _my(year)
    ind_id = int_value(request.form.get("indicator_id"))
    try:
        ops.file_objection(y, uy.unit_id, request.form.get("text", ""), current_user, indicator_id=ind_id)
    except ops.AssessmentError as exc:
        _refused(exc)
        return _back("assessment.my_year", year=year)
    flash("异议已提交，请等待复核。", "success")
    return _back("assessment.my_year", year=year)

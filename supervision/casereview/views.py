"""Pages of 案卷评查: campaigns, their results and exports, the standard, scoring a case, and the units'
案卷报送. Thin: load, check access (casereview/access.py), call operations or queries; the request commits once."""
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from ..accounts.models import Role, User
from ..directory.models import Unit
from ..extensions import db
from ..policy import allows, require
from ..uploads import (Attachment, UploadError, attachments_for, attachments_for_many, check_upload,
                       send_attachment)
from ..visits import catalogue_data
from ..visits.queries import item_keys
from ..timeutil import today
from ..web import int_arg
from . import access  # noqa: F401  (declares the rules asked below)
from . import exports, operations, queries
from .forms import parse_campaign_form, parse_case_form, parse_review_form
from .models import Campaign, CampaignUnit, CaseFile, CaseStandard, Dimension

bp = Blueprint("casereview", __name__, url_prefix="/casereview")

PER_PAGE = 50


def _campaign_or_404(campaign_id: int, rule: str = "casereview.view") -> Campaign:
    camp = db.session.get(Campaign, campaign_id) or abort(404)
    require(rule, camp)
    return camp


def _case_or_404(case_id: int) -> CaseFile:
    case = db.session.get(CaseFile, case_id) or abort(404)
    require("casereview.view_case", case)
    return case


@bp.route("/")
@allows("casereview.view_list")
def index():
    campaigns = db.session.execute(queries.campaigns_select(current_user)).scalars().all()
    return render_template("casereview/index.html", campaigns=campaigns,
                           counts=queries.campaign_counts(c.id for c in campaigns))


def _form_choices():
    units = db.session.execute(select(Unit.id, Unit.name).where(Unit.active.is_(True))
                               .order_by(Unit.kind, Unit.name)).all()
    reviewers = db.session.query(User).filter(User.active.is_(True), User.role == Role.inspector.value) \
        .order_by(User.id).all()
    return units, reviewers


@bp.route("/new", methods=["GET", "POST"])
@allows("casereview.manage")
def new():
    units, reviewers = _form_choices()
    errors, form = {}, request.form
    if request.method == "POST":
        data, errors = parse_campaign_form(request.form)
        if not errors:
            try:
                camp = operations.create_campaign(data, current_user)
            except operations.CaseReviewInvalid as exc:
                errors = exc.errors
            else:
                flash(f"已新建案卷评查“{camp.name}”，抽查单位{len(camp.units)}个。", "success")
                return redirect(url_for("casereview.campaign", campaign_id=camp.id))
    return render_template("casereview/new.html", units=units, reviewers=reviewers, errors=errors, form=form,
                           standard=queries.latest_standard() or operations.shipped_standard(),
                           today=today()), (422 if errors else 200)


@bp.route("/<int:campaign_id>")
@allows("casereview.view_list")
def campaign(campaign_id: int):
    camp = _campaign_or_404(campaign_id)
    unit_id = int_arg("unit")
    page = max(int_arg("page") or 1, 1)
    total = queries.case_count(camp.id, unit_id)
    rows = queries.case_rows(camp.id, unit_id, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return render_template("casereview/campaign.html", camp=camp, results=queries.unit_results(camp.id),
                           top=queries.top_deductions(camp.id), rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), unit_id=unit_id, catalogue=_catalogue_items())


@bp.route("/<int:campaign_id>/mapping", methods=["GET", "POST"])
@allows("casereview.manage")
def mapping(campaign_id: int):
    camp = _campaign_or_404(campaign_id)
    catalogue = _catalogue_items()
    errors = {}
    if request.method == "POST":
        wanted = {d.value: request.form.get(f"map-{d.value}", "") for d in Dimension}
        try:
            operations.set_mapping(camp, wanted, current_user, catalogue)
        except operations.CaseReviewInvalid as exc:
            errors = exc.errors
        else:
            flash("已保存问题归入的检查项目。", "success")
            return redirect(url_for("casereview.campaign", campaign_id=camp.id))
    return render_template("casereview/mapping.html", camp=camp, catalogue=catalogue, dims=Dimension,
                           errors=errors), (422 if errors else 200)


def _catalogue_items() -> dict[str, str]:
    """key → name of the check items (the latest name of each; the shipped catalogue's before any exists)."""
    return dict(item_keys()) or {key: name for key, name, *_rest in catalogue_data.ITEMS}


@bp.route("/<int:campaign_id>/units/<int:cu_id>/record", methods=["POST"])
@allows("casereview.manage")
def record(campaign_id: int, cu_id: int):
    camp = _campaign_or_404(campaign_id)
    cu = db.session.get(CampaignUnit, cu_id)
    if cu is None or cu.campaign_id != camp.id:
        abort(404)
    try:
        visit = operations.record_problems(cu, current_user)
    except operations.CaseReviewError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("casereview.campaign", campaign_id=camp.id)), 303
    flash(f"已将{cu.unit.name}的评查结果转为检查记录（问题{len(visit.problems)}个），可在检查记录中起草意见书。",
          "success")
    return redirect(url_for("visits.show", visit_id=visit.id))


@bp.route("/<int:campaign_id>/close", methods=["POST"])
@allows("casereview.manage")
def close(campaign_id: int):
    camp = _campaign_or_404(campaign_id)
    try:
        operations.close_campaign(camp, current_user)
    except operations.CaseReviewError as exc:
        flash(str(exc), "danger")
    else:
        flash("评查已结束。", "success")
    return redirect(url_for("casereview.campaign", campaign_id=camp.id))


@bp.route("/<int:campaign_id>/results.xlsx")
@allows("casereview.view_list")
def results_xlsx(campaign_id: int):
    camp = _campaign_or_404(campaign_id)
    return send_file(io.BytesIO(exports.results_xlsx(camp)), as_attachment=True,
                     download_name=f"{camp.name}评查结果.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/<int:campaign_id>/report.docx")
@allows("casereview.view_list")
def report_docx(campaign_id: int):
    camp = _campaign_or_404(campaign_id)
    return send_file(io.BytesIO(exports.report_docx(camp)), as_attachment=True,
                     download_name=f"{camp.name}评查情况报告.docx",
                     mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@bp.route("/case/<int:case_id>", methods=["GET", "POST"])
@allows("casereview.view_case")
def case(case_id: int):
    case_file = _case_or_404(case_id)
    camp = case_file.campaign
    errors, conflict, posted = {}, None, None
    if request.method == "POST":
        require("casereview.score", camp)
        entries, note, expected = parse_review_form(request.form, camp.standard)
        posted = request.form
        try:
            operations.save_review(case_file, entries, current_user, note=note, expected_version=expected)
        except operations.CaseReviewConflict as exc:
            conflict = str(exc)
        except operations.CaseReviewInvalid as exc:
            errors = exc.errors
        except operations.CaseReviewError as exc:
            errors = {"": str(exc)}
        else:
            flash(f"已保存{case_file.number}的评查结果。", "success")
            return redirect(url_for("casereview.case", case_id=case_file.id))
    cu = next((c for c in camp.units if c.unit_id == case_file.unit_id), None)
    return render_template("casereview/case.html", case=case_file, camp=camp, row=queries.case_score(case_file),
                           deductions={d.item_id: d for d in case_file.deductions}, errors=errors,
                           conflict=conflict, posted=posted, frozen=cu is not None and cu.visit_id is not None,
                           files=attachments_for(operations.CASE_FILE_OWNER, case_file.id)), \
        (409 if conflict else 422 if errors else 200)


@bp.route("/case/<int:case_id>/file/<int:att_id>")
@allows("casereview.view_case")
def case_attachment(case_id: int, att_id: int):
    case_file = _case_or_404(case_id)
    att = db.session.get(Attachment, att_id)
    if att is None or att.owner_type != operations.CASE_FILE_OWNER or att.owner_id != case_file.id:
        abort(404)
    return send_attachment(att)


@bp.route("/standard")
@allows("casereview.standard")
def standard():
    std_id = int_arg("version_id")
    std = db.session.get(CaseStandard, std_id) if std_id else (queries.latest_standard()
                                                                 or operations.shipped_standard())
    if std is None:
        abort(404)
    versions = db.session.query(CaseStandard).order_by(CaseStandard.version.desc()).all()
    return render_template("casereview/standard.html", std=std, versions=versions, dims=Dimension)


@bp.route("/standard/<int:std_id>/export")
@allows("casereview.standard")
def standard_export(std_id: int):
    std = db.session.get(CaseStandard, std_id) or abort(404)
    return send_file(io.BytesIO(operations.standard_xlsx(std)), as_attachment=True,
                     download_name=f"案卷评查标准{std.label}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/standard/import", methods=["POST"])
@allows("casereview.manage")
def standard_import():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("请选择要导入的 .xlsx 表格。", "danger")
        return redirect(url_for("casereview.standard"))
    try:
        std = operations.import_standard(upload.read(), current_user, note=request.form.get("note", ""))
    except operations.CaseReviewInvalid as exc:
        flash("导入未保存：" + str(exc), "danger")
        return redirect(url_for("casereview.standard"))
    flash(f"已导入案卷评查标准{std.label}，此后新建的评查使用此版本；已有评查仍按原版本。", "success")
    return redirect(url_for("casereview.standard", version_id=std.id))


# --- 案卷报送 (units) ---------------------------------------------------------------------------

@bp.route("/my")
@allows("casereview.my_unit")
def my_index():
    return render_template("casereview/my_index.html", rows=queries.campaigns_of_unit(current_user.unit_id))


@bp.route("/my/<int:campaign_id>", methods=["GET", "POST"])
@allows("casereview.my_unit")
def my_campaign(campaign_id: int):
    camp = _campaign_or_404(campaign_id, "casereview.unit_campaign")
    unit = db.session.get(Unit, current_user.unit_id)
    errors = {}
    if request.method == "POST":
        data = parse_case_form(request.form)
        checked = None
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            try:
                checked = check_upload(upload)
            except UploadError as exc:
                errors["file"] = str(exc)
        if not errors:
            try:
                case_file = operations.add_case(camp, unit, data, current_user, file=checked)
            except operations.CaseReviewInvalid as exc:
                errors = exc.errors
            except operations.CaseReviewError as exc:
                errors = {"": str(exc)}
            else:
                flash(f"已报送案卷{case_file.number}。", "success")
                return redirect(url_for("casereview.my_campaign", campaign_id=camp.id))
    rows = queries.case_rows(camp.id, unit.id)
    return render_template("casereview/my_campaign.html", camp=camp, unit=unit, rows=rows, errors=errors,
                           form=request.form if errors else {},
                           files=attachments_for_many(operations.CASE_FILE_OWNER, [r.case.id for r in rows])), \
        (422 if errors else 200)


@bp.route("/my/case/<int:case_id>/delete", methods=["POST"])
@allows("casereview.my_unit")
def my_case_delete(case_id: int):
    case_file = _case_or_404(case_id)
    camp_id = case_file.campaign_id
    try:
        operations.delete_case(case_file, current_user)
    except operations.CaseReviewError as exc:
        flash(str(exc), "danger")
    else:
        flash("已撤回该案卷。", "success")
    return redirect(url_for("casereview.my_campaign", campaign_id=camp_id))

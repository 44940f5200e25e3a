"""Admin pages for the 受监督单位 directory and the organisation profile."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from ..policy import allows
from ..extensions import db
from . import access  # noqa: F401  (declares the rules asked below)
from . import operations, queries
from .forms import ProfileForm, UnitForm
from .models import Unit
from ..web import page_arg

bp = Blueprint("directory", __name__)


UNITS_PER_PAGE = 100  # a county's plan has ~55 units: one page; a province's 3,000 are paged


@bp.route("/units")
@allows("directory.view_units")
def units():
    """The directory, 50 units a page (a province has ~3,000), searchable by name.

    The heading's 乡镇/县直 counts are of the whole directory (active units, or all with ?inactive=1),
    counted in the database; the search narrows the list and its total only.
    """
    show_inactive = request.args.get("inactive") == "1"
    q = request.args.get("q", "").strip()[:100]
    stmt = select(Unit).order_by(Unit.kind.desc(), Unit.id)
    counted = select(Unit.kind, func.count()).group_by(Unit.kind)
    if not show_inactive:
        stmt = stmt.where(Unit.active.is_(True))
        counted = counted.where(Unit.active.is_(True))
    if q:
        stmt = stmt.where(Unit.name.icontains(q, autoescape=True))
    page = db.paginate(stmt, page=page_arg(), per_page=UNITS_PER_PAGE,
                       max_per_page=UNITS_PER_PAGE, error_out=False)
    if not page.items and page.page > 1 and page.total:  # past the end: the last page
        page = db.paginate(stmt, page=page.pages, per_page=UNITS_PER_PAGE, max_per_page=UNITS_PER_PAGE,
                           error_out=False)
    counts = {"乡镇": 0, "县直": 0}
    counts.update(dict(db.session.execute(counted).all()))
    args = {k: v for k, v in (("inactive", "1" if show_inactive else ""), ("q", q)) if v}
    return render_template("directory/units.html", page=page, units=page.items, show_inactive=show_inactive,
                           counts=counts, q=q, args=args, offices=queries.offices())


def _form_data(form: UnitForm) -> dict:
    return {
        "name": form.name.data.strip(),
        "kind": form.kind.data,
        "contact_person": (form.contact_person.data or "").strip(),
        "phone": (form.phone.data or "").strip(),
        "email": (form.email.data or "").strip(),
        "note": (form.note.data or "").strip(),
    }


@bp.route("/units/new", methods=["GET", "POST"])
@allows("directory.manage_units")
def unit_new():
    form = UnitForm()
    if form.validate_on_submit():
        try:
            unit = operations.create_unit(_form_data(form))
        except operations.DirectoryError as exc:
            db.session.rollback()  # answered 200 with the form: nothing of the refused change may be committed
            form.name.errors.append(str(exc))
        else:
            flash(f"已新增受监督单位 {unit.name}。", "success")
            return redirect(url_for("directory.units"))
    return render_template("directory/unit_form.html", form=form, unit=None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@allows("directory.manage_units")
def unit_edit(unit_id):
    unit = db.session.get(Unit, unit_id) or abort(404)
    form = UnitForm(obj=unit)
    if form.validate_on_submit():
        try:
            operations.update_unit(unit, _form_data(form))
        except operations.DirectoryError as exc:
            db.session.rollback()  # answered 200 with the form: nothing of the refused change may be committed
            form.name.errors.append(str(exc))
        else:
            flash("已保存。", "success")
            return redirect(url_for("directory.units"))
    return render_template("directory/unit_form.html", form=form, unit=unit)


@bp.route("/units/<int:unit_id>/active", methods=["POST"])
@allows("directory.manage_units")
def unit_set_active(unit_id):
    unit = db.session.get(Unit, unit_id) or abort(404)
    active = request.form.get("active") == "1"
    operations.set_unit_active(unit, active)
    flash(f"已{'启用' if active else '停用'} {unit.name}。停用的单位保留全部记录。", "success")
    # A deactivated unit is shown among the deactivated ones; the search the admin found it by is kept.
    return redirect(url_for("directory.units", inactive="1" if not active else None, q=request.args.get("q") or None))


@bp.route("/profile", methods=["GET", "POST"])
@allows("directory.edit_profile")
def profile():
    prof = queries.profile()  # the stored one, or the defaults unsaved (a GET writes nothing)
    form = ProfileForm(obj=prof)
    if form.validate_on_submit():
        data = {f: (getattr(form, f).data.strip() if isinstance(getattr(form, f).data, str) else getattr(form, f).data)
                for f in operations.PROFILE_FIELDS}
        operations.update_profile(data)
        flash("机关信息已保存。已签发的意见书不受影响。", "success")
        return redirect(url_for("directory.profile"))
    return render_template("directory/profile.html", form=form, offices=queries.offices())

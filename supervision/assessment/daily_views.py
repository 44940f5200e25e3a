"""日常评价 pages: every unit's daily score for a year and how each was reached, one unit's explanation (a unit sees
only its own), and the admin's settings of the rules. Thin: parse, call daily.py, render."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from .. import timeutil
from ..directory.models import Unit
from ..extensions import db
from ..policy import allows, can, require
from ..web import int_arg
from . import daily
from . import daily_access as _access  # noqa: F401  (declares the rules these pages name)

bp = Blueprint("assessment_daily", __name__, url_prefix="/assessment/daily")

PER_PAGE = 50
KIND_LABELS = {"乡镇": "乡镇（街道）", "县直": "县直部门"}


def _year() -> int:
    return int_arg("year") or timeutil.today().year


def _years(year: int) -> list[int]:
    this = timeutil.today().year
    return sorted({*range(this - 4, this + 1), year}, reverse=True)


@bp.route("/")
@allows("assessment_daily.view_all")
def index():
    year = _year()
    kind = request.args.get("kind", "")
    kind = kind if kind in KIND_LABELS else ""
    q = select(Unit.id, Unit.name, Unit.kind).where(Unit.active.is_(True)).order_by(Unit.kind, Unit.name)
    if kind:
        q = q.where(Unit.kind == kind)
    units = db.session.execute(q).all()
    order = request.args.get("order", "")
    pages = max(1, -(-len(units) // PER_PAGE))
    page = min(int_arg("page") or 1, pages)
    if order == "score":  # every unit's score is needed to sort (at 3,000 units: seconds, see bench/README.md)
        results = daily.evaluate(year, [u.id for u in units])
        units = sorted(units, key=lambda u: (-results[u.id].percent, u.name))
        shown = units[(page - 1) * PER_PAGE: page * PER_PAGE]
    else:  # the page's units only
        shown = units[(page - 1) * PER_PAGE: page * PER_PAGE]
        results = daily.evaluate(year, [u.id for u in shown])
    settings = [s for s in daily.settings_for(year) if s.enabled and s.weight > 0]
    return render_template("assessment_daily/index.html", year=year, years=_years(year), kind=kind,
                           kinds=KIND_LABELS, order=order, units=shown, results=results, settings=settings,
                           page=page, pages=pages, total=len(units))


def _unit_page(unit: Unit, year: int):
    result = daily.evaluate(year, [unit.id])[unit.id]
    return render_template("assessment_daily/unit.html", year=year, years=_years(year), unit=unit,
                           kind_label=KIND_LABELS.get(unit.kind, unit.kind), result=result,
                           explanations=daily.rule_explanations())


@bp.route("/unit/<int:unit_id>")
@allows("assessment_daily.view_unit")
def unit(unit_id: int):
    record = db.session.get(Unit, unit_id)
    if record is None:
        abort(404)
    require("assessment_daily.view_unit", record)
    return _unit_page(record, _year())


@bp.route("/mine")
@allows("assessment_daily.mine")
def mine():
    record = db.session.get(Unit, current_user.unit_id) if current_user.unit_id else None
    if record is None:
        abort(404)
    return _unit_page(record, _year())


@bp.route("/settings")
@allows("assessment_daily.view_all")
def settings():
    year = _year()
    return render_template("assessment_daily/settings.html", year=year, years=_years(year), form=FlaskForm(),
                           settings=daily.settings_for(year), values=None, errors=[],
                           editable=can("assessment_daily.edit_settings"))


@bp.route("/settings", methods=["POST"])
@allows("assessment_daily.edit_settings")
def save_settings():
    year = _year()
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    values = {}
    for code, rule in daily.DAILY_RULES.items():
        v = {"enabled": request.form.get(f"{code}-enabled") == "1", "weight": request.form.get(f"{code}-weight", "")}
        for p in rule.params:
            v[p.key] = request.form.get(f"{code}-{p.key}", "")
        values[code] = v
    try:
        daily.save_settings(year, values, current_user)
    except daily.DailySettingsError as exc:
        return render_template("assessment_daily/settings.html", year=year, years=_years(year), form=form,
                               settings=daily.settings_for(year), values=values, errors=exc.errors,
                               editable=True), 400
    flash(f"已保存{year}年度日常工作情况评价规则。", "success")
    return redirect(url_for("assessment_daily.settings", year=year))

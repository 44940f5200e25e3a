"""The 线索移交 and 过错责任追究 registers: one page with both lists, a form for each (admin), read by the leader."""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..directory.models import Unit
from ..extensions import db
from ..policy import allows
from ..web import int_value
from . import access  # noqa: F401  (declares the rules asked below)
from . import operations
from .models import DEFAULT_RECIPIENT, Clue, FaultCase

bp = Blueprint("referrals", __name__, url_prefix="/referrals")


def _date(form, name, bad):
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        bad.append(name)
        return None


def _units():
    return db.session.execute(select(Unit.id, Unit.name).order_by(Unit.kind, Unit.name)).all()


@bp.route("/")
@allows("referrals.view")
def index():
    clues = db.session.query(Clue).order_by(Clue.handed_on.desc(), Clue.id.desc()).all()
    faults = db.session.query(FaultCase).order_by(FaultCase.decided_on.desc(), FaultCase.id.desc()).all()
    return render_template("referrals/index.html", clues=clues, faults=faults)


@bp.route("/clue/new", methods=["GET", "POST"])
@allows("referrals.edit")
def clue_new():
    return _clue_form(None)


@bp.route("/clue/<int:clue_id>", methods=["GET", "POST"])
@allows("referrals.edit")
def clue_edit(clue_id: int):
    return _clue_form(db.session.get(Clue, clue_id) or abort(404))


def _clue_form(row):
    errors, form = {}, request.form
    if request.method == "POST":
        bad = []
        data = operations.ClueInput(unit_id=int_value(form.get("unit_id")), matter=form.get("matter", ""),
                                    handed_on=_date(form, "handed_on", bad), recipient=form.get("recipient", ""),
                                    reply=form.get("reply", ""), replied_on=_date(form, "replied_on", bad),
                                    bad_dates=tuple(bad))
        try:
            operations.save_clue(row, data, current_user, expected_version=int_value(form.get("version")))
        except operations.ReferralInvalid as exc:
            errors = exc.errors
        except operations.ReferralError as exc:
            errors = {"": str(exc)}
        else:
            flash("已保存移交线索。", "success")
            return redirect(url_for("referrals.index"))
    elif row is not None:
        form = {"unit_id": str(row.unit_id or ""), "matter": row.matter, "handed_on": row.handed_on.isoformat(),
                "recipient": row.recipient, "reply": row.reply,
                "replied_on": row.replied_on.isoformat() if row.replied_on else ""}
    else:
        form = {"recipient": DEFAULT_RECIPIENT}
    return render_template("referrals/clue_form.html", row=row, form=form, errors=errors, units=_units()), \
        (422 if errors else 200)


@bp.route("/fault/new", methods=["GET", "POST"])
@allows("referrals.edit")
def fault_new():
    return _fault_form(None)


@bp.route("/fault/<int:fault_id>", methods=["GET", "POST"])
@allows("referrals.edit")
def fault_edit(fault_id: int):
    return _fault_form(db.session.get(FaultCase, fault_id) or abort(404))


def _fault_form(row):
    errors, form = {}, request.form
    if request.method == "POST":
        bad = []
        data = operations.FaultInput(unit_id=int_value(form.get("unit_id")), person=form.get("person", ""),
                                     matter=form.get("matter", ""), decision=form.get("decision", ""),
                                     decided_on=_date(form, "decided_on", bad), bad_dates=tuple(bad))
        try:
            operations.save_fault(row, data, current_user, expected_version=int_value(form.get("version")))
        except operations.ReferralInvalid as exc:
            errors = exc.errors
        except operations.ReferralError as exc:
            errors = {"": str(exc)}
        else:
            flash("已保存过错责任追究记录。", "success")
            return redirect(url_for("referrals.index"))
    elif row is not None:
        form = {"unit_id": str(row.unit_id), "person": row.person, "matter": row.matter, "decision": row.decision,
                "decided_on": row.decided_on.isoformat()}
    else:
        form = {}
    return render_template("referrals/fault_form.html", row=row, form=form, errors=errors, units=_units()), \
        (422 if errors else 200)

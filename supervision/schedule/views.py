"""Schedule pages: year grid, print view, export, import (preview then confirm), slot assignment, my weeks, feed."""
import json
import os
import re
import secrets
from datetime import timedelta
from functools import wraps

from flask import (Blueprint, Response, abort, flash, make_response, redirect, render_template,
                   request, url_for)
from flask_login import current_user
from sqlalchemy import select

from ..policy import ALL_ROLES, allows
from ..accounts.models import User
from ..directory.models import Office, Unit
from ..directory.queries import offices
from ..extensions import db
from .. import workcal
from ..timeutil import cn_date, today, utcnow
from ..uploads import UploadError, check_disk_space
from ..web import int_arg, int_value
from . import access  # noqa: F401  (declares the rules asked below)
from . import exports, operations, queries
from .forms import AssignForm, DatesForm, UploadForm
from .importers import preview_dir
from .models import Slot

bp = Blueprint("schedule", __name__, url_prefix="/schedule")

TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


# ---------------------------------------------------------------------------------------------- helpers

def _year_arg() -> int:
    year = int_arg("year")
    if year:
        return year
    years = queries.years_with_slots()
    this = today().year
    if this in years or not years:
        return this
    return max(y for y in years if y <= this) if any(y <= this for y in years) else min(years)


def _slot_or_404(slot_id: int) -> Slot:
    return db.session.get(Slot, slot_id) or abort(404)


def _grid(year: int):
    slots, units = queries.year_plan(year)
    statuses = queries.slot_statuses(slots, units=units)
    cals = queries.week_calendars(slots)
    by_key = {(s.month, s.week): s for s in slots}
    months = sorted({s.month for s in slots})
    max_week = max([4] + [s.week for s in slots])
    rows = []
    for m in months:
        cells = []
        n_mondays = len(queries.mondays(year, m))
        for w in range(1, max_week + 1):
            slot = by_key.get((m, w))
            rule = queries.week_dates(year, m, w) if w <= n_mondays else None
            cells.append({"week": w, "slot": slot, "rule": rule})
        rows.append((m, cells))
    return slots, units, statuses, cals, rows, max_week


# ---------------------------------------------------------------------------------------------- year views

@bp.route("/")
@allows("schedule.view_plan")
def year():
    y = _year_arg()
    slots, units, statuses, cals, rows, max_week = _grid(y)
    unknown = queries.calendar_unknown_years([y])
    years = sorted(set(queries.years_with_slots()) | {today().year, y})
    return render_template("schedule/year.html", year=y, years=years, slots=slots, units=units, statuses=statuses,
                           cals=cals, rows=rows, max_week=max_week, unknown_years=unknown, today=today(),
                           counts=_counts(slots, units))


def _counts(slots, units) -> dict:
    """Weeks, and unit places by kind, from year_plan's rows."""
    kinds = {"乡镇": 0, "县直": 0}
    for s in slots:
        for u in units[s.id]:
            kinds[u.kind] = kinds.get(u.kind, 0) + 1
    return {"slots": len(slots), "units": sum(kinds.values()), **kinds}


@bp.route("/print")
@allows("schedule.view_plan")
def print_year():
    y = _year_arg()
    slots, units = queries.year_plan(y)
    return render_template("schedule/print.html", year=y, slots=slots, units=units, cals=queries.week_calendars(slots),
                           counts=_counts(slots, units), unknown_years=queries.calendar_unknown_years([y]))


@bp.route("/export.xlsx")
@allows("schedule.view_plan")
def export_xlsx():
    y = _year_arg()
    data = exports.export_xlsx(y)
    from urllib.parse import quote

    name = f"{y}年依法行政日常监督分组计划表.xlsx"
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=schedule-{y}.xlsx; "
                                                    f"filename*=UTF-8''{quote(name)}"})


@bp.route("/rotate", methods=["POST"])
@allows("schedule.manage")
def rotate():
    y = int_value(request.form.get("year"), 2000, 2100) or today().year
    try:
        n = operations.rotate_offices(y)
    except queries.ScheduleError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("schedule.year", year=y))
    flash(f"已按三个科室轮换，填补了{n}周的分工；已有的分工未改动。" if n else "各周都已有分工，未改动。", "success")
    return redirect(url_for("schedule.year", year=y))


# ---------------------------------------------------------------------------------------------- import

def _import_dir() -> str:
    return preview_dir()


class _Finished(Exception):
    """The preview was already confirmed or cancelled: Back or a second click shows the outcome, not a 404."""

    def __init__(self, meta: dict):
        self.meta = meta


def _stored(token: str):
    if not TOKEN_RE.match(token):
        abort(404)
    base = os.path.join(_import_dir(), token)
    try:
        with open(base + ".json", encoding="utf-8") as fh:
            meta = json.load(fh)
        if meta.get("finished"):
            raise _Finished(meta)
        with open(base + ".bin", "rb") as fh:
            data = fh.read()
    except (OSError, ValueError):
        abort(404)
    return meta, data


def _finish_stored(token: str, meta: dict, outcome: str) -> None:
    """Drop the stored file and leave a small note of the outcome in its place (swept with the stale previews)."""
    base = os.path.join(_import_dir(), token)
    try:
        with open(base + ".tmp", "w", encoding="utf-8") as fh:
            json.dump({"finished": outcome, "year": meta["year"], "filename": meta.get("filename", ""),
                       "at": utcnow().isoformat()}, fh, ensure_ascii=False)
        os.replace(base + ".tmp", base + ".json")
    except OSError:
        pass
    try:
        os.remove(base + ".bin")
    except OSError:
        pass


def _finished_page(exc: _Finished):
    if exc.meta.get("finished") == "imported":
        flash(f"该计划表已导入（{exc.meta['year']}年），无需再次确认。以下是导入后的计划。", "info")
    else:
        flash("该次导入已取消，计划未改动。如需导入，请重新上传计划表。", "info")
    return redirect(url_for("schedule.year", year=exc.meta["year"]))


@bp.errorhandler(_Finished)
def _on_finished(exc):
    return _finished_page(exc)


@bp.route("/import", methods=["GET", "POST"])
@allows("schedule.manage")
def import_upload():
    form = UploadForm()
    if request.method == "GET":
        form.year.data = today().year
    file_error = ""
    year_mismatch = False
    if form.validate_on_submit():
        upload = form.file.data
        try:
            data = upload.read()
        finally:
            upload.close()  # a large upload is spooled to a temporary file
        filename = os.path.basename(upload.filename or "计划表")
        preview = queries.import_plan(filename, data, form.year.data)
        if not preview.file_error:
            try:
                check_disk_space(len(data))
            except UploadError as exc:
                preview.file_error = str(exc)
        if not preview.file_error and preview.year_mismatch and not form.force_year.data:
            preview.file_error = (preview.year_mismatch + "请核对计划年份后重新上传；如确要按"
                                  f"{form.year.data}年导入，请勾选“{form.force_year.label.text}”后再上传。")
            year_mismatch = True
        if preview.file_error:
            file_error = preview.file_error  # nothing stored, nothing written
        else:
            token = secrets.token_hex(16)
            base = os.path.join(_import_dir(), token)
            with open(base + ".bin", "wb") as fh:
                fh.write(data)
            with open(base + ".json", "w", encoding="utf-8") as fh:
                json.dump({"year": form.year.data, "filename": filename, "user_id": current_user.id,
                           "at": utcnow().isoformat(), "year_confirmed": bool(preview.year_mismatch)},
                          fh, ensure_ascii=False)
            return redirect(url_for("schedule.import_preview", token=token))
    return render_template("schedule/import.html", form=form, file_error=file_error,
                           year_mismatch=year_mismatch or bool(form.force_year.data))


def _decisions_from(form, preview) -> dict:
    units = {}
    for u in preview.unknown:
        choice = form.get(f"unit_{u.key}", "")
        if choice == "create" or re.fullmatch(r"map:\d+", choice):
            units[u.name] = choice
    visited = {}
    for vr in preview.visited_removals:
        choice = form.get(f"visited_{vr.unit.id}", "keep")
        visited[vr.unit.id] = "drop" if choice == "drop" else "keep"
    return {"units": units, "visited": visited}


@bp.route("/import/<token>")
@allows("schedule.manage")
def import_preview(token):
    meta, data = _stored(token)
    preview = queries.import_plan(meta["filename"], data, meta["year"])
    return render_template("schedule/preview.html", preview=preview, token=token, meta=meta,
                           map_options=_map_options() if preview.unknown else "",
                           unknown_years=queries.calendar_unknown_years([meta["year"]]))


def _map_options():
    """The <option>s "对应到" every unit (value map:<id>), built once from light rows and repeated in each unknown
    name's <select>: a Jinja loop over 3,000 units per name costs seconds at province scale. Names escaped."""
    from markupsafe import Markup, escape

    rows = db.session.execute(select(Unit.id, Unit.name, Unit.kind).order_by(Unit.kind, Unit.name))
    return Markup("".join(f'<option value="map:{uid}">{escape(name)}（{escape(kind)}）</option>'
                          for uid, name, kind in rows))


@bp.route("/import/<token>/confirm", methods=["POST"])
@allows("schedule.manage")
def import_confirm(token):
    meta, data = _stored(token)
    preview = queries.import_plan(meta["filename"], data, meta["year"])
    decisions = _decisions_from(request.form, preview)
    # Read again with the decisions, so mapped names count as the units they stand for.
    preview = queries.import_plan(meta["filename"], data, meta["year"], decisions)
    if preview.year_mismatch and not meta.get("year_confirmed"):
        flash(preview.year_mismatch + "未导入，请重新上传并确认年份。", "danger")
        return redirect(url_for("schedule.import_preview", token=token))
    try:
        summary = operations.commit_import(preview, decisions)
    except queries.ScheduleError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("schedule.import_preview", token=token))
    _finish_stored(token, meta, "imported")
    flash(f"已导入{summary['year']}年计划：{summary['slots']}周、{summary['units']}家单位（乡镇{summary['乡镇']}家、"
          f"县直{summary['县直']}家）；新建{summary['created']}周，调整{summary['moved']}周，变更{summary['changed']}周，"
          f"删除{summary['removed']}周。", "success")
    return redirect(url_for("schedule.year", year=summary["year"]))


@bp.route("/import/<token>/cancel", methods=["POST"])
@allows("schedule.manage")
def import_cancel(token):
    meta, _ = _stored(token)
    _finish_stored(token, meta, "cancelled")
    flash("已取消导入，计划未改动。", "info")
    return redirect(url_for("schedule.year", year=meta["year"]))


# ---------------------------------------------------------------------------------------------- one slot

def _assign_form(slot: Slot) -> AssignForm:
    form = AssignForm(prefix="assign")
    form.lead_office_id.choices = [(0, "（未定）")] + [(o.id, o.name) for o in offices()]
    people = db.session.scalars(select(User).where(User.role == "inspector", User.active.is_(True))
                                .order_by(User.office_id, User.id)).all()
    form.inspector_ids.choices = [(u.id, f"{u.name}（{u.office.name if u.office else '未定科室'}）") for u in people]
    if request.method == "GET":
        form.lead_office_id.data = slot.lead_office_id or 0
        form.inspector_ids.data = [u.id for u in slot.inspectors]
    return form


@bp.route("/slot/<int:slot_id>")
@allows("schedule.view_plan")
def slot(slot_id):
    s = queries.slot_with_units(slot_id) or abort(404)
    dates_form = DatesForm(prefix="dates")
    dates_form.start_date.data, dates_form.end_date.data = s.start_date, s.end_date
    dates_form.note.data = s.override_note
    days = []
    cur = s.start_date
    while cur <= s.end_date:
        days.append((cur, workcal.describe(cur)))
        cur += timedelta(days=1)
    visits = queries.visits_for_slots([s.id])
    return render_template("schedule/slot.html", slot=s, status=queries.slot_status(s),
                           cal=queries.week_calendars([s])[s.id], days=days, visits=visits,
                           assign_form=_assign_form(s), dates_form=dates_form,
                           rule=queries.week_dates(s.year, s.month, s.week))


@bp.route("/slot/<int:slot_id>/assign", methods=["POST"])
@allows("schedule.manage")
def slot_assign(slot_id):
    s = _slot_or_404(slot_id)
    form = _assign_form(s)
    office = db.session.get(Office, form.lead_office_id.data) if form.lead_office_id.data else None
    people = [db.session.get(User, i) for i in (form.inspector_ids.data or [])]
    try:
        operations.assign_slot(s, office, [p for p in people if p is not None])
    except queries.ScheduleError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("schedule.slot", slot_id=s.id))
    flash(f"已保存{s.label}的分工。", "success")
    return redirect(url_for("schedule.slot", slot_id=s.id))


@bp.route("/slot/<int:slot_id>/dates", methods=["POST"])
@allows("schedule.manage")
def slot_dates(slot_id):
    s = _slot_or_404(slot_id)
    form = DatesForm(prefix="dates")
    if not form.validate():
        for errs in form.errors.values():
            for e in errs:
                flash(e if isinstance(e, str) else "日期格式不对。", "danger")
        return redirect(url_for("schedule.slot", slot_id=s.id))
    try:
        operations.override_slot_dates(s, form.start_date.data, form.end_date.data, form.note.data or "")
    except queries.ScheduleError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("schedule.slot", slot_id=s.id))
    flash("已调整该周日期。", "success")
    return redirect(url_for("schedule.slot", slot_id=s.id))


@bp.route("/slot/<int:slot_id>/dates/reset", methods=["POST"])
@allows("schedule.manage")
def slot_dates_reset(slot_id):
    s = _slot_or_404(slot_id)
    operations.reset_slot_dates(s)
    flash("已恢复按规则计算的日期。", "success")
    return redirect(url_for("schedule.slot", slot_id=s.id))


# ---------------------------------------------------------------------------------------------- my weeks, feed

@bp.route("/mine")
@allows("schedule.own_weeks")
def my_weeks():
    return _my_weeks_page()


def _my_weeks_page(feed_url: str | None = None):
    """My weeks; feed_url only right after a new feed address is made (only its hash is stored)."""
    years = queries.inspector_years(current_user)
    year = request.args.get("year", type=int)
    if year not in years:
        # This year when it has weeks, else the latest year that has (newest first, as the weeks are listed).
        year = today().year if today().year in years else (years[0] if years else None)
    slots = queries.slots_for_inspector(current_user, year, newest_first=True) if year is not None else []
    resp = make_response(render_template(
        "schedule/mine.html", slots=slots, statuses=queries.slot_statuses(slots), cals=queries.week_calendars(slots),
        years=years, year=year,
        has_feed=queries.has_feed_token(current_user), feed_url=feed_url, today=today(),
        unknown_years=queries.calendar_unknown_years([s.year for s in slots] + [today().year])))
    if feed_url:
        resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/mine/feed", methods=["POST"])
@allows("schedule.own_weeks")
def feed_reset():
    token = operations.new_feed_token(current_user)
    flash("已生成新的日历订阅地址；旧地址（如有）已失效。", "success")
    return _my_weeks_page(url_for("schedule.feed", token=token, _external=True))


def feed_token_auth(view):
    """The secret in the address is the credential: calendar clients cannot log in.

    Every role may hold one (the token, not the session, decides), so allowed_roles names them all.
    """

    @wraps(view)
    def wrapped(token):
        user = queries.user_by_feed_token(token)
        if user is None:
            return Response("订阅地址无效或已重置。", status=401, mimetype="text/plain")
        return view(user)

    wrapped.allowed_roles = frozenset(r.value for r in ALL_ROLES)
    return wrapped


@bp.route("/feed/<token>.ics")
@feed_token_auth
def feed(user):
    body = exports.ics_for(user, host=request.host.split(":")[0] or "supervision")
    return Response(body, mimetype="text/calendar", headers={"Content-Disposition": "inline; filename=schedule.ics",
                                                             "Cache-Control": "private, max-age=900"})


@bp.app_template_filter("cn_range")
def cn_range(slot_or_pair) -> str:
    """2021年3月1日—3月5日 for a slot (or a (start, end) pair)."""
    start, end = (slot_or_pair.start_date, slot_or_pair.end_date) if hasattr(slot_or_pair, "start_date") \
        else slot_or_pair
    if start.year != end.year:
        return f"{cn_date(start)}—{cn_date(end)}"
    return f"{cn_date(start)}—{end.month}月{end.day}日"

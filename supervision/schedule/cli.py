"""`flask schedule import PATH --year YYYY [--dry-run] [--create-units] [--force-year]` and `flask schedule show --year YYYY [--json]`."""
import json
import sys

import click
from flask.cli import AppGroup

from ..extensions import db


def register(app):
    app.cli.add_command(schedule_group)


@click.group("schedule", cls=AppGroup)
def schedule_group():
    """日常监督分组计划表."""


def _print_summary(preview) -> None:
    c = preview.counts()
    click.echo(f"{preview.filename}：{preview.year}年 {c['slots']}周，{c['units']}家单位（乡镇{c['乡镇']}家，县直{c['县直']}家）")
    for p in preview.warnings:
        click.echo(f"  提示：{p}")
    for ch in preview.changes:
        if ch.kind != "unchanged":
            label = {"created": "新建", "moved": "调整", "changed": "变更", "removed": "删除"}[ch.kind]
            click.echo(f"  {label}：{ch.label}" + (f"（{ch.note}）" if ch.note else ""))
    for vr in preview.visited_removals:
        click.echo(f"  保留：{vr.unit.name} 不在新表中，但{vr.slot.label}已有{vr.visits}条检查记录，仍留在原周。")


@schedule_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--year", type=int, required=True, help="计划年份")
@click.option("--dry-run", is_flag=True, help="只检查并显示摘要，不写入")
@click.option("--create-units", is_flag=True, help="名录中没有的单位直接新建（类别按名称判断）")
@click.option("--force-year", is_flag=True, help="文件标题或文件名中的年份与 --year 不同时，仍按 --year 导入")
def import_command(path, year, dry_run, create_units, force_year):
    """Load a plan table (.xlsx/.csv/.docx) as the year's schedule."""
    from . import operations, queries

    with open(path, "rb") as fh:
        data = fh.read()
    import os

    preview = queries.import_plan(os.path.basename(path), data, year)
    if preview.file_error:
        click.echo(f"错误：{preview.file_error}", err=True)
        sys.exit(1)
    if preview.year_mismatch and not force_year:
        click.echo(f"错误：{preview.year_mismatch}未写入。请核对 --year；如确要按{year}年导入，加 --force-year。",
                   err=True)
        sys.exit(1)
    errors = [str(p) for p in preview.errors]
    if not create_units:
        for u in preview.unknown:
            near = "、".join(x.name for x in u.suggestions[:3])
            errors.append(f"{u.where}：“{u.name}”不在单位名录中" + (f"（相近：{near}）" if near else "")
                          + "；加 --create-units 新建，或在网页导入时对应到已有单位。")
    _print_summary(preview)
    if errors:
        click.echo(f"共{len(errors)}处错误，未写入：", err=True)
        for e in errors:
            click.echo(f"  {e}", err=True)
        sys.exit(1)
    if dry_run:
        click.echo("试运行：检查通过，未写入。")
        return
    decisions = {"units": {u.name: "create" for u in preview.unknown}}
    try:
        summary = operations.commit_import(preview, decisions)
        db.session.commit()
    except queries.ScheduleError as exc:
        db.session.rollback()
        click.echo(f"错误：{exc}", err=True)
        sys.exit(1)
    click.echo(f"已导入：新建{summary['created']}周，调整{summary['moved']}周，变更{summary['changed']}周，删除{summary['removed']}周。")


@schedule_group.command("show")
@click.option("--year", type=int, required=True)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def show_command(year, as_json):
    """Print each slot's month, week, dates and units."""
    from . import operations, queries

    slots = queries.slots_for_year(year)
    statuses = queries.slot_statuses(slots)
    if as_json:
        out = [{"id": s.id, "year": s.year, "month": s.month, "week": s.week, "label": s.label,
                "start_date": s.start_date.isoformat(), "end_date": s.end_date.isoformat(),
                "dates_overridden": s.dates_overridden, "units": [u.name for u in s.units],
                "lead_office": s.lead_office.name if s.lead_office else None,
                "inspectors": [u.name for u in s.inspectors], "status": statuses[s.id].value} for s in slots]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    if not slots:
        click.echo(f"{year}年尚无计划。")
        return
    cals = queries.week_calendars(slots)
    for s in slots:
        cal = cals[s.id]
        note = f"  [{cal.message}]" if cal.message else ""
        click.echo(f"{s.month_label}{s.week_label}  {s.start_date.isoformat()}..{s.end_date.isoformat()}  "
                   f"{'、'.join(u.name for u in s.units)}{note}")

"""Command-line commands of this part (registered by supervision.cli)."""
import click
from flask import Flask
from flask.cli import with_appcontext


@click.group("ledger")
def ledger_group():
    """整改台账."""


@ledger_group.command("export")
@click.option("--year", type=int, help="意见书签发年度；不填则导出全部")
@click.option("--unit", "unit_name", help="只导出该单位（名称）")
@click.option("--status", default="", help="只导出该状态：unsigned/in_progress/submitted/returned/site_check/closed/overdue")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, writable=True), help="输出的 .xlsx 文件")
@with_appcontext
def export_command(year, unit_name, status, out_path):
    """Write the 整改台账 (every problem of every issued letter) to an .xlsx file."""
    from ..directory.models import Unit
    from ..extensions import db
    from .ledger import STATUS_CHOICES, LedgerFilter, write_xlsx

    if not out_path.lower().endswith(".xlsx"):
        raise click.BadParameter("输出文件应以 .xlsx 结尾。", param_hint="--out")
    if status and status not in dict(STATUS_CHOICES):
        raise click.BadParameter(f"没有“{status}”这种状态。", param_hint="--status")
    unit_id = None
    if unit_name:
        unit = db.session.query(Unit).filter_by(name=unit_name).first()
        if unit is None:
            raise click.ClickException(f"没有名为“{unit_name}”的受监督单位。")
        unit_id = unit.id
    n = write_xlsx(LedgerFilter(year=year, unit_id=unit_id, status=status), out_path)
    click.echo(f"已导出整改台账：{n} 个问题 → {out_path}")


@ledger_group.command("standing")
@click.option("--rebuild", is_flag=True, help="按事实重新生成整改状态索引（修复后）")
@with_appcontext
def standing_command(rebuild):
    """Compare the stored states of the open letters with what their facts say (exit 1 if they differ);
    --rebuild rewrites them from the facts."""
    from ..extensions import db
    from . import standing

    if rebuild:
        n = standing.rebuild(db.session.connection())
        db.session.commit()
        click.echo(f"已按事实重新生成整改状态索引：未办结意见书 {n} 份。")
        return
    diffs = standing.differences()
    if diffs:
        for line in diffs:
            click.echo(line)
        raise click.ClickException(f"整改状态索引有 {len(diffs)} 处与事实不符；"
                                   "请运行 flask --app wsgi ledger standing --rebuild 重新生成。")
    click.echo("整改状态索引与事实一致。")


def register(app: Flask) -> None:
    app.cli.add_command(ledger_group)

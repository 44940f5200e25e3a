"""Command-line commands of the 考核 (registered by supervision.cli):

    flask --app wsgi assessment import-scheme FILE --year Y [--reason R]
    flask --app wsgi assessment compute --year Y
    flask --app wsgi assessment export --year Y --out FILE

`export` writes the 考核结果汇总表. Until the outputs' summary workbook is wired in, it writes a plain table of
its own (per category, ranked: component scores, 加减分, total, grade)."""
import sys

import click
from flask.cli import AppGroup

from ..extensions import db


def register(app):
    app.cli.add_command(assessment_group)


assessment_group = AppGroup("assessment", help="年度依法行政考核。")


@assessment_group.command("import-scheme")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--year", type=int, required=True)
@click.option("--reason", default="", help="评分开始后修改方案的理由")
def import_scheme(path, year, reason):
    """Import the 考核细则 .xlsx of YEAR (序号、指标、分值、评分标准、适用对象、所属部分、评分方式)."""
    from . import operations as ops
    from . import scheme_xlsx

    with open(path, "rb") as fh:
        data = fh.read()
    try:
        rows, stated = scheme_xlsx.parse(data)
        y = ops.ensure_year(year)
        ops.replace_scheme(y, rows, reason=reason, stated_total=stated)
    except ops.SchemeInvalid as exc:
        db.session.rollback()
        click.echo("考核方案未导入，以下各行有误：", err=True)
        for e in exc.errors:
            click.echo(f"  {e}", err=True)
        sys.exit(1)
    except (ops.AssessmentError, scheme_xlsx.SchemeFileError) as exc:
        db.session.rollback()
        click.echo(f"考核方案未导入：{exc}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"{year}年度考核方案已导入：{len(rows)} 项三级指标（第{y.scheme_version}版）。")


@assessment_group.command("compute")
@click.option("--year", type=int, required=True)
def compute(year):
    """Score every assessed unit of YEAR (the 汇总): grades and ranks per category."""
    from . import operations as ops

    y = ops.get_year(year)
    if y is None:
        click.echo(f"没有{year}年度考核。", err=True)
        sys.exit(1)
    try:
        ops.refresh_daily(y)
        ops.compute(y)
    except ops.AssessmentError as exc:
        db.session.rollback()
        click.echo(f"未汇总：{exc}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"{year}年度考核已汇总。")


@assessment_group.command("export")
@click.option("--year", type=int, required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True)
def export(year, out):
    """Write YEAR's 考核结果汇总表 (.xlsx) to OUT."""
    from . import queries
    from .summary_xlsx import summary_workbook

    results = queries.year_results(year, with_lines=False)
    if results is None:
        click.echo(f"{year}年度考核尚未汇总。", err=True)
        sys.exit(1)
    with open(out, "wb") as fh:
        fh.write(summary_workbook(results))
    click.echo(f"已导出 {len(results.units)} 个单位的考核结果：{out}")

"""Command-line commands of this part (registered by supervision.cli)."""
import click

from ..extensions import db


def register(app):
    """Add this part's commands to app.cli."""
    app.cli.add_command(visits_group)


@click.group("visits")
def visits_group():
    """监督检查记录。"""


@visits_group.command("seed-catalogue")
def seed_catalogue():
    """Seed the check-item catalogue from 鲁法政办〔2021〕4号 if none exists."""
    from .operations import ensure_default_catalogue

    cat = ensure_default_catalogue()
    db.session.commit()
    click.echo(f"检查内容目录：{cat.label}，{len(cat.items)} 项。")


@visits_group.command("stats")
@click.option("--year", type=int, required=True)
def stats_command(year):
    """Print problems per check item and ratings per item of YEAR's submitted visits."""
    from .models import Rating
    from .queries import year_statistics

    data = year_statistics(year)
    click.echo(f"{year}年：检查记录 {data['visits']} 份，单位 {data['units']} 家，问题 {data['problems']} 个"
               f"（立行立改 {data['fixed']}，需下达意见书 {data['letter']}）")
    for s in data["items"]:
        ratings = " ".join(f"{r.label}{s.ratings[r.value]}" for r in Rating)
        click.echo(f"  {s.name}：问题 {s.problems}；{ratings}")

"""Command-line commands: create-user, demo, calendar; each part adds its own group."""
import sys
from datetime import date

import click
from flask import Flask
from flask.cli import with_appcontext

from .backup import backup_command, restore_command
from .extensions import db


def register(app: Flask) -> None:
    from .assessment import cli as assessment_cli
    from .letters import cli as letters_cli
    from .rectification import cli as rectification_cli
    from .reminders import cli as reminders_cli
    from .schedule import cli as schedule_cli
    from .visits import cli as visits_cli

    app.cli.add_command(create_user_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(calendar_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(derived_group)
    for part in (schedule_cli, visits_cli, letters_cli, rectification_cli, reminders_cli, assessment_cli):
        part.register(app)


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "inspector", "unit", "leader"]), required=True)
@click.option("--unit", "unit_name", help="受监督单位名称（role=unit 时必填）")
@click.option("--office", "office_name", help="所属科室（role=inspector 时必填）")
@click.option("--name", "display_name", default="", help="姓名")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（一行）")
@with_appcontext
def create_user_command(username, role, unit_name, office_name, display_name, password_stdin):
    """Create a user; the password is asked at the prompt or read from stdin."""
    from .accounts.operations import AccountError, create_user

    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    try:
        user = create_user(username=username, role=role, password=password, unit_name=unit_name,
                           office_name=office_name, display_name=display_name, must_change=False)
        db.session.commit()
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"已创建用户 {user.username}（{user.role_label}）")


@click.group("derived")
def derived_group():
    """存储的派生数据（整改状态索引、问题的“已纳入意见书”标记、意见书的问题数）."""


@derived_group.command("check")
@click.option("--rebuild", is_flag=True, help="按事实重新计算并保存全部存储的派生数据（修复后）")
@with_appcontext
def derived_check_command(rebuild):
    """Compare every stored derived value with what its facts say (exit 1 if any differs); --rebuild stores them
    all again from the facts, then checks."""
    from . import derived

    if rebuild:
        derived.rebuild_all()
        db.session.commit()
        click.echo("已按事实重新生成全部存储的派生数据：" + "、".join(v.label for v in derived.registered().values()) + "。")
    lines = derived.describe(derived.check_all())
    db.session.rollback()
    if lines:
        for line in lines:
            click.echo(line)
        raise click.ClickException("存储的派生数据与事实不符；请运行 flask --app wsgi derived check --rebuild 重新生成。")
    click.echo("存储的派生数据与事实一致：" + "、".join(v.label for v in derived.registered().values()) + "。")


@click.command("demo")
@with_appcontext
def demo_command():
    """Bring the database up to date and load demo data (idempotent); print the demo logins."""
    from flask_migrate import upgrade

    from . import demo

    upgrade()
    demo.load(click.echo)


@click.group("calendar")
def calendar_group():
    """China's working calendar."""


@calendar_group.command("workday")
@click.argument("day")
@with_appcontext
def calendar_workday(day):
    """Print whether DAY (YYYY-MM-DD) is a working day and why."""
    from . import workcal

    try:
        d = date.fromisoformat(day)
    except ValueError:
        raise click.BadParameter(f"“{day}”不是日期，应写成 2021-10-01 这样。") from None
    click.echo(workcal.describe(d))
    try:
        workcal.day_info(d)
    except workcal.UnknownYear:
        sys.exit(3)


@calendar_group.command("import-notice")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--year", type=click.IntRange(2000, 2100), help="通知的年份（与标题中的年份须一致；标题缺失时必填）")
@click.option("--source", default="", help="依据，如 国办发明电〔2026〕×号")
@click.option("--dry-run", is_flag=True, help="只显示读出的内容和逐月日历，不写入")
@with_appcontext
def calendar_import_notice(file, year, source, dry_run):
    """Enter a year from the text of 国务院办公厅关于20XX年部分节假日安排的通知 (FILE, UTF-8)."""
    from . import holiday_notice

    try:
        with open(file, encoding="utf-8-sig") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        click.echo(f"{file} 不是 UTF-8 编码的文本文件。", err=True)
        sys.exit(2)
    try:
        notice = holiday_notice.parse_notice(text, year)
    except holiday_notice.NoticeError as exc:
        click.echo(f"通知没有录入：{exc}", err=True)
        sys.exit(1)
    click.echo(f"{notice.year}年：放假{len(notice.holidays)}天，调休上班{len(notice.workdays)}天。")
    for line in notice.explanations:
        click.echo(line)
    click.echo("")
    click.echo(holiday_notice.month_text(notice.year, notice.holidays, notice.workdays))
    if dry_run:
        click.echo("")
        click.echo("试运行：没有写入。")
        return
    said = holiday_notice.enter_notice(notice, source.strip())
    db.session.commit()
    click.echo("")
    click.echo(f"已录入{notice.year}年的节假日安排。" + "".join(said))


@calendar_group.command("deadline")
@click.option("--from", "start", required=True, help="签收（送达）日期，如 2021-09-01")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 365), help="期限天数")
def calendar_deadline(start, days):
    """Print the deadline of a period of DAYS days after --from, and how it was reached."""
    from . import workcal
    from .letters.deadline import compute_deadline

    try:
        d = date.fromisoformat(start)
    except ValueError:
        raise click.BadParameter(f"“{start}”不是日期，应写成 2021-09-01 这样。", param_hint="--from") from None
    try:
        result = compute_deadline(d, days)
    except workcal.UnknownYear as exc:
        click.echo(f"无法计算期限：{exc}", err=True)
        sys.exit(3)
    click.echo(f"期限届满日：{result.due.isoformat()}")
    click.echo(result.explanation)

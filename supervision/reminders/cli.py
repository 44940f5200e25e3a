"""Command-line commands of this part (registered by supervision.cli).

  flask --app wsgi reminders run-due [--now 2021-04-02T09:00] [--no-deliver]   one sweep, prints what it sent
  flask --app wsgi reminders deliver [--now ...]                              send/retry due e-mails and webhooks
  flask --app wsgi scheduler [--sweep-seconds 300] [--deliver-seconds 60]     the one scheduler process
"""
import logging
import sys
from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from ..timeutil import TZ


def register(app):
    """Add this part's commands to app.cli."""
    app.cli.add_command(reminders_group)
    app.cli.add_command(scheduler_command)


def _parse_now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "T"))
    except ValueError:
        raise click.BadParameter(f"“{value}”不是时间，应写成 2021-04-02T09:00 这样（北京时间）。",
                                 param_hint="--now") from None
    return moment.replace(tzinfo=TZ) if moment.tzinfo is None else moment.astimezone(TZ)


@click.group("reminders")
def reminders_group():
    """Reminders: run a sweep, send queued messages."""


@reminders_group.command("run-due")
@click.option("--now", "now_text", metavar="YYYY-MM-DDTHH:MM", help="以这个时刻（北京时间）为“现在”扫描，默认当前时间")
@click.option("--no-deliver", is_flag=True, help="只写入站内消息，不发送邮件和推送")
@with_appcontext
def run_due_command(now_text, no_deliver):
    """Run one sweep as of --now and print the reminders it sent."""
    from .jobs import run_due_reminders

    result = run_due_reminders(_parse_now(now_text), deliver=not no_deliver)
    for item in result.sent:
        click.echo(f"已发送 {item.line}")
    for line in result.skipped:
        click.echo(f"已跳过 {line}")
    for outcome in result.deliveries:
        click.echo(outcome.line)
    for line in result.errors:
        click.echo(f"注意：{line}", err=True)
    click.echo(result.summary())
    if now_text is None:  # the scheduler's sweep does the same; a rehearsal (--now) leaves files alone
        from .scheduler import clean_stale_previews

        removed = clean_stale_previews()
        if removed:
            click.echo(f"已清理过期的计划导入预览 {len(removed)} 个文件")


@reminders_group.command("deliver")
@click.option("--now", "now_text", metavar="YYYY-MM-DDTHH:MM", help="以这个时刻（北京时间）为“现在”")
@with_appcontext
def deliver_command(now_text):
    """Send e-mails and webhook calls that are due, retrying failures whose backoff has passed."""
    from .jobs import deliver_pending

    outcomes = deliver_pending(_parse_now(now_text))
    for outcome in outcomes:
        click.echo(outcome.line)
    click.echo(f"外发 {len(outcomes)} 次")


@click.command("scheduler")
@click.option("--sweep-seconds", type=click.IntRange(1, 24 * 3600), envvar="REMINDER_SWEEP_SECONDS",
              help="提醒扫描间隔（秒），默认取配置 REMINDER_SWEEP_SECONDS（300）")
@click.option("--deliver-seconds", type=click.IntRange(1, 24 * 3600), envvar="REMINDER_DELIVER_SECONDS",
              help="外发与失败重试间隔（秒），默认取配置 REMINDER_DELIVER_SECONDS（60）")
@with_appcontext
def scheduler_command(sweep_seconds, deliver_seconds):
    """Run the one scheduler process (reminder sweep and delivery retries) until stopped.

    Run exactly one per database, beside the web server (e.g. a second systemd service); web workers never
    start a scheduler.
    """
    from . import scheduler

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()
    sweep = sweep_seconds or int(app.config.get("REMINDER_SWEEP_SECONDS", 300))
    deliver = deliver_seconds or int(app.config.get("REMINDER_DELIVER_SECONDS", 60))
    sys.exit(scheduler.run(app, sweep, deliver, echo=lambda s: click.echo(s, err=True)))

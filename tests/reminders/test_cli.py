"""`flask reminders run-due --now …`: the tests' time machine, and the way for sites that prefer cron."""
from datetime import date

from .factories import make_slot, make_unit, make_user, notes


def test_run_due_prints_what_it_sent_and_a_rerun_sends_nothing(ctx, runner):
    make_slot(date(2021, 4, 5), [make_unit("鲁山县下汤镇人民政府", kind="乡镇")],
              [make_user("inspector", display_name="张检查")])

    first = runner.invoke(args=["reminders", "run-due", "--now", "2021-04-02T09:00"])
    assert first.exit_code == 0, first.output
    assert "已发送 [检查组：检查周前最后一个工作日] 张检查：检查提醒：4月5日—4月9日（4月第1周）监督检查鲁山县下汤镇人民政府" \
        in first.output
    assert "新发 1 条" in first.output

    second = runner.invoke(args=["reminders", "run-due", "--now", "2021-04-02T09:00"])
    assert second.exit_code == 0 and "已发送" not in second.output and "此前已发 1 条" in second.output
    assert len(notes("group-before")) == 1


def test_run_due_rejects_a_time_it_cannot_read(ctx, runner):
    result = runner.invoke(args=["reminders", "run-due", "--now", "下周五"])
    assert result.exit_code == 2
    assert "应写成 2021-04-02T09:00 这样" in result.output


def test_deliver_command_reports_nothing_to_send(ctx, runner):
    result = runner.invoke(args=["reminders", "deliver"])
    assert result.exit_code == 0 and "外发 0 次" in result.output

"""The admin's reminder settings form. Times, dates and offsets are checked by operations.validate_settings,
so the page, the CLI and the sweep share one set of rules and one wording of the errors."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import Length, Optional

from .operations import SECURITY_CHOICES


class SettingsForm(FlaskForm):
    smtp_host = StringField("邮件服务器（SMTP）", validators=[Optional(), Length(max=200)],
                            description="留空则不发邮件。例如 smtp.example.gov.cn 或 10.0.0.25")
    smtp_port = StringField("端口", validators=[Optional()], description="常用：25（不加密）、587（STARTTLS）、465（SSL）")
    smtp_security = SelectField("加密方式", choices=list(SECURITY_CHOICES.items()))
    smtp_user = StringField("登录用户名", validators=[Optional(), Length(max=200)], description="服务器不要求登录时留空")
    smtp_password = PasswordField("登录密码", validators=[Optional(), Length(max=200)],
                                  description="留空则保持原密码不变")
    clear_password = BooleanField("清除已保存的密码")
    smtp_sender = StringField("发件人", validators=[Optional(), Length(max=200)],
                              description="如 监督室 <jiandu@example.gov.cn>")
    webhook_url = StringField("消息推送地址（Webhook）", validators=[Optional(), Length(max=300)],
                              description="留空则不推送。系统向该地址 POST JSON：title、body、link、recipient 等")
    webhook_token = StringField("推送令牌", validators=[Optional(), Length(max=200)],
                                description="填写后以 Authorization: Bearer 令牌 发送")
    site_url = StringField("系统访问地址", validators=[Optional(), Length(max=200)],
                           description="邮件和推送中的链接使用，如 http://10.1.2.3:8080")
    group_notice_time = StringField("检查组周前提醒时间", description="检查周前最后一个工作日的几点，如 09:00")
    group_monday_time = StringField("检查周当天提醒时间", description="检查周第一个工作日早上，如 08:30")
    unit_notice_enabled = BooleanField("向受监督单位发送检查周通知")
    unit_notice_days = StringField("单位检查周通知提前天数", validators=[Optional()],
                                    description="逢节假日、周末提前到之前最后一个工作日")
    unit_notice_time = StringField("单位检查周通知时间")
    deadline_offsets = StringField("整改期限提前提醒天数", description="逗号分隔，如 7,3,1；期限届满次日另有逾期提醒")
    deadline_time = StringField("整改期限提醒时间")
    office_time = StringField("监督室提醒时间", description="逾期、未签收、待审提醒")
    overdue_repeat_days = StringField("逾期重复提醒间隔天数", validators=[Optional()])
    unsigned_workdays = StringField("签发后未签收提醒（工作日）", validators=[Optional()])
    review_workdays = StringField("整改报告待审提醒（工作日）", validators=[Optional()])
    selfcheck_notice_date = StringField("每年自查提醒日期（月-日）", description="默认 03-01，提醒各单位3月底前完成自查")
    plan_notice_date = StringField("每年计划与日历提醒日期（月-日）", description="默认 01-01（顺延到第一个工作日）")
    yearly_time = StringField("年度提醒时间")
    catch_up_hours = StringField("停机补发时限（小时）", validators=[Optional()],
                                  description="系统停机恢复后，补发这么多小时内到期的提醒，每条只发一次")

    def fill(self, settings) -> None:
        for name, f in self._fields.items():
            if name in ("csrf_token", "smtp_password", "clear_password"):
                continue
            f.data = getattr(settings, name)

    def values(self) -> dict:
        return {name: f.data for name, f in self._fields.items() if name != "csrf_token"}

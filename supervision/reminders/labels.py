"""What the audit log shows for reminders (消息, 外发, 提醒设置) in Chinese."""
from ..audit import register_labels
from .models import DeliveryStatus
from .rules import SETTING_LABELS
from .operations import INT_FIELDS

SETTINGS_FIELDS = dict(SETTING_LABELS) | {name: spec[2] for name, spec in INT_FIELDS.items()} | {
    "smtp_host": "SMTP 服务器", "smtp_security": "SMTP 加密方式", "smtp_user": "SMTP 用户名",
    "smtp_password": "SMTP 密码", "smtp_sender": "发件人", "webhook_url": "消息推送地址",
    "webhook_token": "消息推送令牌", "site_url": "系统访问地址", "unit_notice_enabled": "单位检查周通知",
}


def _setting_names(value):
    if isinstance(value, str):
        return SETTINGS_FIELDS.get(value)
    return None


register_labels(
    record_types={"notification": "消息", "notification_delivery": "消息外发", "reminder_skip": "跳过的提醒",
                  "reminder_settings": "提醒设置"},
    actions={"retry": "重新发送", "test": "发送测试消息"},
)
register_labels("reminder_settings", fields=SETTINGS_FIELDS, values={"*": _setting_names})
register_labels("notification_delivery", fields={"status": "发送状态"}, values={"status": DeliveryStatus})

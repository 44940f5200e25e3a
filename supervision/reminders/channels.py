"""The channels besides the app itself: e-mail by SMTP and a generic JSON webhook.

Each sender either returns (the message was accepted) or raises ChannelError with a Chinese message saying
what went wrong; `permanent` marks errors that retrying cannot fix (no address, refused recipient).
"""
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr

APP_NAME = "依法行政日常监督系统"


class ChannelError(Exception):
    """A message could not be handed over. `connection` = the server was unreachable (skip the rest of this pass)."""

    def __init__(self, message: str, *, permanent: bool = False, connection: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.connection = connection


def build_email(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A UTF-8 text message; Chinese subject and sender name are encoded per RFC 2047 by the email package."""
    msg = EmailMessage()
    name, addr = parseaddr(sender)
    msg["From"] = formataddr((name or APP_NAME, addr or sender))
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=(addr or sender).rpartition("@")[2] or None)
    msg.set_content(body, charset="utf-8")
    return msg


def send_email(settings, to: str, subject: str, body: str, timeout: float = 10) -> None:
    """Send one message through the configured SMTP server (plain, STARTTLS or SSL; login if a user is set)."""
    if not to:
        raise ChannelError("收件人没有填写电子邮箱，无法发送邮件。", permanent=True)
    msg = build_email(settings.smtp_sender, to, subject, body)
    host, port, security = settings.smtp_host, int(settings.smtp_port or 25), settings.smtp_security
    try:
        if security == "ssl":
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise ChannelError(f"无法连接邮件服务器 {host}:{port}：{exc}", connection=True) from exc
    try:
        with smtp:
            if security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            refused = smtp.send_message(msg)
    except smtplib.SMTPAuthenticationError as exc:
        raise ChannelError(f"邮件服务器拒绝登录（用户名或密码错误）：{exc.smtp_code} {_text(exc.smtp_error)}") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise ChannelError(f"邮件服务器拒收收件人 {to}：{exc.recipients}", permanent=True) from exc
    except smtplib.SMTPResponseException as exc:
        raise ChannelError(f"邮件服务器返回错误：{exc.smtp_code} {_text(exc.smtp_error)}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise ChannelError(f"发送邮件时出错：{exc}", connection=isinstance(exc, OSError)) from exc
    if refused:
        raise ChannelError(f"邮件服务器拒收收件人：{refused}", permanent=True)


def send_webhook(settings, payload: dict, timeout: float = 10, idempotency_key: str = "") -> None:
    """POST the payload as JSON (UTF-8) to the configured URL; any 2xx answer counts as delivered.

    `idempotency_key` goes out as the Idempotency-Key header, the same on every attempt of one delivery: delivery
    is at least once (a crash between the send and its record sends again), so a receiver can drop repeats by it.
    """
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(settings.webhook_url, data=data, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8",
                                          "User-Agent": "supervision-reminders/1"})
    if idempotency_key:
        req.add_header("Idempotency-Key", idempotency_key)
    if settings.webhook_token:
        req.add_header("Authorization", f"Bearer {settings.webhook_token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (the admin sets the URL)
            resp.read()
    except urllib.error.HTTPError as exc:
        exc.close()
        raise ChannelError(f"推送地址返回 HTTP {exc.code}（{exc.reason}）") from exc
    except urllib.error.URLError as exc:
        raise ChannelError(f"无法连接推送地址 {settings.webhook_url}：{exc.reason}", connection=True) from exc
    except (OSError, ValueError) as exc:
        raise ChannelError(f"推送失败：{exc}", connection=isinstance(exc, OSError)) from exc


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)

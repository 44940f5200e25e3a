"""What the audit log shows for accounts: record types, actions, fields and values in Chinese."""
from ..audit import register_labels
from ..extensions import db
from .models import ROLE_LABELS, User


def user_name(user_id: int) -> str | None:
    user = db.session.get(User, user_id)
    return f"{user.name}（{user.username}）" if user is not None else None


register_labels(
    record_types={"user_account": "用户账号", "login_failure": "登录失败记录"},
    actions={"login": "登录", "logout": "退出登录", "change_password": "修改密码", "reset_password": "重置密码"},
)
register_labels("user_account", fields={
    "username": "用户名", "display_name": "姓名", "role": "角色", "email": "电子邮箱", "active": "启用",
    "must_change_password": "须修改密码"}, values={"role": {r.value: label for r, label in ROLE_LABELS.items()}})
# The id of a user means the same wherever it is stored.
register_labels(fields={"user_id": "用户"}, refs={"user_id": user_name})

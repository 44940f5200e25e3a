from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from .models import ROLE_LABELS, Role


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名。"), Length(max=50, message="用户名过长。")])
    password = PasswordField("密码", validators=[DataRequired("请输入密码。"), Length(max=128, message="密码过长。")])


class ChangePasswordForm(FlaskForm):
    old_password = PasswordField("原密码", validators=[DataRequired("请输入原密码。")])
    new_password = PasswordField("新密码", validators=[DataRequired("请输入新密码。")],
                                 description="至少8位，须同时包含字母和数字。")
    confirm = PasswordField("再次输入新密码", validators=[DataRequired("请再次输入新密码。")])

    def validate_confirm(self, field):
        from wtforms.validators import ValidationError

        if field.data != self.new_password.data:
            raise ValidationError("两次输入的新密码不一致。")


ROLE_CHOICES = [(r.value, label + ("（只读）" if r is Role.leader else "")) for r, label in ROLE_LABELS.items()]


class UserForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名。"), Length(min=3, max=50, message="用户名须为3–50位。")])
    display_name = StringField("姓名", validators=[Optional(), Length(max=50, message="姓名不能超过50个字。")])
    email = StringField("电子邮箱", validators=[Optional(), Email("电子邮箱格式不正确。"), Length(max=120)])
    role = SelectField("角色", choices=ROLE_CHOICES, validators=[DataRequired("请选择角色。")])
    office_id = SelectField("所属科室（检查组成员）", coerce=int, validate_choice=False)
    unit_id = SelectField("所属单位（受监督单位账号）", coerce=int, validate_choice=False)
    password = PasswordField("初始密码", validators=[Optional()],
                             description="留空则自动生成。用户首次登录须修改密码。")

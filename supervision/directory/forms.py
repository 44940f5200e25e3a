from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from .models import UNIT_KINDS


class UnitForm(FlaskForm):
    name = StringField("单位名称", validators=[DataRequired("请填写单位名称。"), Length(max=100, message="单位名称不能超过100个字。")])
    kind = SelectField("类别", choices=[(k, k) for k in UNIT_KINDS])
    contact_person = StringField("联系人", validators=[Optional(), Length(max=50, message="联系人不能超过50个字。")])
    phone = StringField("联系电话", validators=[Optional(), Length(max=50, message="电话不能超过50个字符。")])
    email = StringField("电子邮箱", validators=[Optional(), Email("电子邮箱格式不正确。"), Length(max=120)])
    note = TextAreaField("备注", validators=[Optional(), Length(max=1000, message="备注不能超过1000个字。")])


class ProfileForm(FlaskForm):
    issuing_authority = StringField("发文机关", validators=[DataRequired("请填写发文机关。"), Length(max=100)])
    letter_prefix = StringField("意见书文号前缀", validators=[DataRequired("请填写文号前缀。"), Length(max=30)],
                                description="如“鲁政行监字”，文号形如 鲁政行监字〔2021〕7号。")
    reply_office = StringField("整改情况报送科室", validators=[DataRequired("请填写报送科室。"), Length(max=100)])
    reply_address = StringField("报送地址", validators=[Optional(), Length(max=200)])
    contact_person = StringField("联系人", validators=[Optional(), Length(max=50)])
    contact_phone = StringField("联系电话", validators=[Optional(), Length(max=50)])
    reply_period_days = IntegerField("整改期限（日）", validators=[DataRequired("请填写整改期限。"),
                                     NumberRange(min=1, max=365, message="整改期限须为1–365日。")])


class ActiveFilter(FlaskForm):
    show_inactive = BooleanField("显示已停用单位")

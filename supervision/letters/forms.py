"""Forms of letters. The draft's per-problem rows are parsed by hand (see parse_items)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class DraftForm(FlaskForm):
    letter_type_id = SelectField("文书类型", coerce=int, validate_choice=False)


class LetterEditForm(FlaskForm):
    letter_type_id = SelectField("文书类型", coerce=int, validate_choice=False)
    case_name = StringField("案件名称", validators=[Optional(), Length(max=200, message="案件名称过长。")],
                            description="审查案卷发现问题时填写，如“张某某无证经营”，印为“你单位张某某无证经营案（…）经审查后发现：”。")
    case_number = StringField("处罚决定书文号", validators=[Optional(), Length(max=100, message="文号过长。")],
                              description="如 鲁×罚决字〔2021〕第×号。")
    period_days = IntegerField("整改期限（日）", validators=[DataRequired("请填写整改期限。"),
                                                      NumberRange(1, 365, "整改期限应在1至365日之间。")])


class VoidForm(FlaskForm):
    reason = TextAreaField("作废原因", validators=[DataRequired("请填写作废原因。"),
                                               Length(min=2, max=500, message="作废原因应为2至500字。")])


class DeliveryForm(FlaskForm):
    day = DateField("送达日期", validators=[DataRequired("请填写送达日期，例如 2021-09-01。")],
                    description="纸质文书送达受文单位的日期（以送达回证为准），整改期限从次日起算。")


class PrintRangeForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    start = DateField("签发日期自", validators=[DataRequired("请填写开始日期。")])
    end = DateField("至", validators=[DataRequired("请填写结束日期。")])


class LetterTypeForm(FlaskForm):
    name = StringField("文书名称", validators=[DataRequired("请填写文书名称。"), Length(max=50)],
                       description="印在文书标题处，如 行政执法监督通知书。")
    prefix = StringField("发文字号前缀", validators=[Optional(), Length(max=30)],
                         description="如 鲁政行监字；留空则使用机关信息中的前缀。")
    reply_period_days = IntegerField("整改期限（日）", validators=[Optional(), NumberRange(1, 365, "应在1至365日之间。")],
                                     description="留空则使用机关信息中的期限。")
    request_template = TextAreaField("要求段落", validators=[Optional(), Length(max=1000)],
                                     description="可用 {days}（期限天数）、{place}（报送地点）和 {name}（文书名称）；"
                                                 "留空则用通用表述（见下方预览）。需要与附件三原文一字不差时，"
                                                 "可填入附件三原文。")
    issuing_authority = StringField("发文机关署名", validators=[Optional(), Length(max=100, message="署名过长。")],
                                    description="印在本类文书落款处；留空则使用机关信息中的发文机关。"
                                                "《行政执法监督条例》自2026年2月1日起施行后，建议署名为 鲁山县司法局。"
                                                "修改只影响此后签发的文书，已签发的文书不变。")
    masthead_enabled = BooleanField("印制版头（红色发文机关标志和分隔线）", default=False,
                                    description="附件三的格式没有版头，默认不印。修改只影响此后签发的文书。")
    masthead_text = StringField("发文机关标志", validators=[Optional(), Length(max=20, message="发文机关标志最多20个字。")],
                                description="红色居中印在首页顶部，如 鲁山县司法局文件 或 鲁山县法治政府建设领导小组办公室。")
    colophon_enabled = BooleanField("印制版记（抄送、印发机关和印发日期）", default=False,
                                    description="印在最后一页（双面印刷的背面）底部；印发日期即成文日期。默认不印。")
    copy_to = StringField("抄送机关", validators=[Optional(), Length(max=500, message="抄送机关过长。")],
                          description="可不填；多个机关用顿号隔开，如 县人民政府办公室、市司法局。")
    printer = StringField("印发机关", validators=[Optional(), Length(max=100, message="印发机关过长。")],
                          description="留空则与发文机关署名相同。")
    sort_order = IntegerField("排序", default=0, validators=[Optional()])
    active = BooleanField("启用", default=True)


def parse_items(form) -> dict[int, tuple[int, str]]:
    """{item_id: (position, text)} from fields named text-<id> and pos-<id>."""
    items: dict[int, tuple[int, str]] = {}
    for key, value in form.items():
        if not key.startswith("text-"):
            continue
        try:
            item_id = int(key[5:])
        except ValueError:
            continue
        try:
            pos = int(form.get(f"pos-{item_id}", "0") or 0)
        except ValueError:
            pos = 0
        items[item_id] = (pos, value)
    return items

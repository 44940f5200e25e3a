"""Forms of rectification. Files are read from request.files and checked by supervision.uploads."""
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional



class ReplyForm(FlaskForm):
    text = TextAreaField("整改情况", validators=[Optional(), Length(max=5000, message="整改情况不超过5000字。")],
                         description="针对该问题做了什么、结果如何。")
    measures = TextAreaField("采取的措施和建立的制度", validators=[Optional(), Length(max=5000)],
                             description="如新制定的制度、开展的培训、更正的案卷等；佐证材料请作为附件上传。")


class ReportForm(FlaskForm):
    report_text = TextAreaField("整改报告", validators=[Optional(), Length(max=10000, message="整改报告不超过10000字。")],
                                description="本单位整改工作的总体情况。")


class NoteForm(FlaskForm):
    note = TextAreaField("审核意见", validators=[Optional(), Length(max=1000)])


class ReturnForm(FlaskForm):
    reason = TextAreaField("退回理由", validators=[DataRequired("请填写退回理由，单位将据此修改。"),
                                               Length(min=2, max=1000, message="退回理由应为2至1000字。")])


class SiteCheckForm(FlaskForm):
    inspector_ids = SelectMultipleField("查验人员", coerce=int, validate_choice=False,
                                        validators=[DataRequired("请至少选择一名检查人员。")])
    visit_date = DateField("查验日期", validators=[DataRequired("请填写查验日期，例如 2021-10-15。")])
    note = TextAreaField("查验要求", validators=[Optional(), Length(max=1000)])


class SiteResultForm(FlaskForm):
    result = RadioField("查验结果", choices=[("passed", "整改到位，通过"), ("failed", "未整改到位，退回继续整改")],
                        validators=[DataRequired("请选择查验结果。")])
    note = TextAreaField("查验情况", validators=[Optional(), Length(max=2000)])


class PaperReplyForm(FlaskForm):
    received_on = DateField("收到日期", validators=[DataRequired("请填写收到纸质答复的日期。")],
                            description="以收文登记或邮戳日期为准，据此判断是否按期。")
    report_text = TextAreaField("整改报告摘要", validators=[DataRequired("请摘录纸质整改报告的主要内容。"),
                                                      Length(max=10000)])


class ExtensionRequestForm(FlaskForm):
    new_date = DateField("申请延期至", validators=[DataRequired("请填写延期后的日期，例如 2021-11-30。")])
    reason = TextAreaField("延期理由", validators=[DataRequired("请说明申请延期的理由。"), Length(min=2, max=1000)])


class ExtensionDecisionForm(FlaskForm):
    decision = RadioField("审批", choices=[("approve", "同意延期"), ("refuse", "不同意")],
                          validators=[DataRequired("请选择同意或不同意。")])
    new_date = DateField("延期至", validators=[Optional()], description="同意时填写；留空则按单位申请的日期。")
    note = TextAreaField("意见", validators=[Optional(), Length(max=1000)], description="不同意时必须写明理由。")


class SelfInspectionForm(FlaskForm):
    report_text = TextAreaField("自查报告", validators=[Optional(), Length(max=20000)],
                                description="对照工作要求，梳理本单位存在的或可能存在的问题。")
    plan_text = TextAreaField("本年度工作计划", validators=[Optional(), Length(max=20000)],
                              description="今年计划开展的工作（计划表可作为附件上传）。")


"""Forms of the schedule pages."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class UploadForm(FlaskForm):
    year = IntegerField("计划年份", validators=[DataRequired("请填写年份。"), NumberRange(2000, 2100, "年份应在2000至2100之间。")])
    file = FileField("计划表文件", validators=[FileRequired("请选择文件。")],
                     description="Excel（.xlsx）、Word（.docx）或 CSV（UTF-8 / GBK 均可）。上传后先预览，确认后才写入。")
    force_year = BooleanField("文件中的年份与所选年份不同，仍按所选年份导入")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AssignForm(FlaskForm):
    lead_office_id = SelectField("牵头科室", coerce=int, validate_choice=False)
    inspector_ids = MultiCheckboxField("检查人员", coerce=int, validate_choice=False)


class DatesForm(FlaskForm):
    start_date = DateField("开始日期", validators=[DataRequired("请填写开始日期。")])
    end_date = DateField("结束日期", validators=[DataRequired("请填写结束日期。")])
    note = StringField("调整原因", validators=[Optional(), Length(max=200, message="不能超过200个字。")])

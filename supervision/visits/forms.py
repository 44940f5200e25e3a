"""Forms of visits. The visit form has rows that grow in the browser, so it is parsed by hand into a
VisitInput; the small forms use WTForms."""
from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional

from ..uploads import UploadError, check_upload
from .models import VisitKind
from .operations import ItemInput, ProblemInput, VisitInput


class NewVisitForm(FlaskForm):
    # 案卷评查 and 备案审查 visits are made by their parts (a campaign's results, a 纠正意见), never started by hand.
    kind = SelectField("检查类型", choices=[c for c in VisitKind.choices()
                                         if c[0] not in (VisitKind.case_review.value, VisitKind.filing_review.value)],
                       validators=[DataRequired("请选择检查类型。")])
    unit_id = SelectField("受监督单位", coerce=int, validate_choice=False)
    visit_date = StringField("检查日期", render_kw={"type": "date"},
                             validators=[DataRequired("请填写检查日期，例如 2021-04-09。")])
    subject = StringField("重点事项", validators=[Optional()],
                          description="集中监督、重点监督写明检查的重点工作；日常监督可不填。")
    slot_id = HiddenField()
    follow_up_of = HiddenField()
    confirm_date = BooleanField("日期无误，仍然保存")


class CatalogueForm(FlaskForm):
    year = IntegerField("适用年度", validators=[DataRequired("请填写年度。"),
                                             NumberRange(2000, 2100, "年度应在2000至2100之间。")])
    note = TextAreaField("修订说明", validators=[Optional()],
                         description="例如：依据2026年2月1日施行的《行政执法监督条例》调整。")


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_date(raw: str) -> date | None:
    raw = (raw or "").strip()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def parse_visit_form(form, files) -> VisitInput:
    """Turn the posted visit form (request.form, request.files) into a VisitInput.

    Uploaded files are checked here; a refused file becomes an error on its row and the rest is kept.
    """
    data = VisitInput(
        visit_date_raw=form.get("visit_date", ""),
        visit_date=parse_date(form.get("visit_date", "")),
        confirm_date=bool(form.get("confirm_date")),
        subject=form.get("subject", ""),
        inspector_ids=[i for i in (_int_or_none(v) for v in form.getlist("inspector_ids")) if i is not None],
        methods=form.getlist("methods"),
        case_files=form.get("case_files", ""),
        test_takers=form.get("test_takers", ""),
        test_average=form.get("test_average", ""),
        test_lowest=form.get("test_lowest", ""),
        summary=form.get("summary", ""),
    )
    for name in form:
        if name.startswith("rating-"):
            item_id = _int_or_none(name[len("rating-"):])
            if item_id is not None:
                data.ratings[item_id] = (form.get(name, ""), form.get(f"note-{item_id}", ""))
    seen = set()
    for key in form.getlist("problem_keys"):
        if not key or key in seen or len(key) > 40:
            continue
        seen.add(key)
        prefix = f"problem-{key}-"
        p = ProblemInput(
            key=key,
            id=_int_or_none(form.get(prefix + "id")),
            item_id=_int_or_none(form.get(prefix + "item_id")),
            subpoint_id=_int_or_none(form.get(prefix + "subpoint_id")),
            description=form.get(prefix + "description", ""),
            evidence=form.get(prefix + "evidence", ""),
            case_file=form.get(prefix + "case_file", ""),
            disposition=form.get(prefix + "disposition", ""),
            fix_action=form.get(prefix + "fix_action", ""),
            remove=bool(form.get(prefix + "remove")),
            delete_attachment_ids=[i for i in (_int_or_none(v) for v in form.getlist(prefix + "delete_att"))
                                   if i is not None],
        )
        for fs in files.getlist(prefix + "files"):
            if not fs or not fs.filename:
                continue
            try:
                p.files.append(check_upload(fs))
            except UploadError as exc:
                msg = f"{exc} 其余内容未保存但已保留在表单中，请重新选择正确的文件后再保存。"
                data.errors[prefix + "files"] = msg
        data.problems.append(p)
    return data


def parse_catalogue_items(form) -> list[ItemInput]:
    """Items of the catalogue editor: item-N-name / -criteria / -key / -subpoints (one “名称：标准” a line)."""
    items = []
    n = 1
    while f"item-{n}-name" in form:
        subpoints = []
        for line in form.get(f"item-{n}-subpoints", "").splitlines():
            line = line.strip()
            if not line:
                continue
            for sep in ("：", ":"):
                if sep in line:
                    name, crit = line.split(sep, 1)
                    break
            else:
                name, crit = line, ""
            subpoints.append((name.strip(), crit.strip()))
        items.append(ItemInput(name=form.get(f"item-{n}-name", ""), criteria=form.get(f"item-{n}-criteria", ""),
                               key=form.get(f"item-{n}-key", ""), subpoints=subpoints))
        n += 1
    return items

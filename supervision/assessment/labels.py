"""What the audit log shows for the 考核 in Chinese."""
from ..audit import register_labels
from .models import Category, Component, Grade, Method, ObjectionStatus, RatingValue, YearStatus

SCOPES = ("assess_year", "assess_indicator", "assess_material", "assess_rating", "assess_adjustment",
          "assess_objection", "assess_correction")

register_labels(
    record_types={"assess_year": "年度考核", "assess_indicator": "考核指标", "assess_material": "考核材料",
                  "assess_rating": "考核评定", "assess_adjustment": "加减分", "assess_objection": "考核异议",
                  "assess_correction": "考核结果更正"},
    actions={"scheme": "修改考核方案", "assign": "分配评审", "advance": "推进考核阶段", "compute": "考核汇总",
             "daily": "更新日常评价得分", "answer": "复核", "publish": "发布通报", "correct": "更正",
             "texts": "修改通报文字", "settings": "修改考核设置"},
)
register_labels(SCOPES, fields={
    "status": "阶段", "scheme_version": "方案版本", "version": "版本", "indicators": "指标", "code": "序号",
    "name": "指标", "points": "分值", "criteria": "评分标准", "categories": "适用对象", "component": "所属部分",
    "method": "评分方式", "reviewer_id": "评审人员", "office_id": "评审科室", "indicator": "指标",
    "comment": "说明", "files": "文件数", "late": "逾期", "rating": "评定", "percent": "得分比例",
    "reason": "理由", "bars_excellent": "不得评为优秀", "text": "异议内容", "answer": "复核意见",
    "indicator_id": "指标", "materials": "资料评判得分", "daily": "日常评价得分", "internal": "内部考核得分",
    "bonus": "加分", "penalty": "减分", "total": "总分", "grade": "等次", "rank": "名次", "barred": "不得评优",
    "published": "已发布通报", "work": "工作情况", "problems": "存在的主要问题", "requirements": "下一步工作要求",
    "bonus_min": "每项最少加分", "bonus_max": "每项最多加分", "bonus_cap": "加分上限",
    "penalty_per_case": "每项减分", "penalty_cap": "减分上限", "objection_days": "异议期限（工作日）",
    "materials_deadline": "材料报送截止日", "grading": "等次规则", "title": "标题"},
    values={"status": YearStatus, "component": Component, "method": Method, "rating": RatingValue,
            "grade": Grade, "categories": Category})
register_labels("assess_objection", values={"status": ObjectionStatus})

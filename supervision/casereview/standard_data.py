"""The default 评查标准 shipped with the system: seed 004's four areas of review (主体、事实与证据、适用法律、
实施程序) plus 文书制作 and 归档, 100 points in all. (dimension, item, points, 严重问题)."""

TITLE = "行政执法案卷评查标准"
SOURCE = "鲁山县行政处罚案卷集中评查（主体、事实与证据、适用法律、实施程序），增列文书制作、归档"

ITEMS = [
    ("subject", "执法主体合法，在法定职权范围内实施行政处罚", 5, True),
    ("subject", "执法人员具有行政执法资格，两人以上执法并出示执法证件", 5, False),
    ("evidence", "违法事实清楚，定性准确", 10, True),
    ("evidence", "证据确实充分，收集程序合法", 10, False),
    ("evidence", "证据之间相互印证，形成完整证据链", 5, False),
    ("law", "适用法律、法规、规章正确", 10, True),
    ("law", "引用条款具体到条、款、项", 5, False),
    ("law", "自由裁量适当，符合裁量基准", 5, False),
    ("procedure", "立案、调查、审批程序符合规定", 5, False),
    ("procedure", "依法告知陈述、申辩和听证权利", 8, True),
    ("procedure", "重大执法决定经法制审核", 5, False),
    ("procedure", "在法定期限内办结", 4, False),
    ("procedure", "文书依法送达", 3, False),
    ("documents", "执法文书齐全，格式规范", 5, False),
    ("documents", "文书填写完整，用语规范，无涂改", 5, False),
    ("archive", "一案一卷，结案后及时归档", 4, False),
    ("archive", "卷内文书排列有序，页码编号齐全", 3, False),
    ("archive", "卷宗封面、目录、备考表完整", 3, False),
]

# Where a dimension's problems go among the visits' check items (by their stable key); editable per campaign.
DEFAULT_MAPPING = {
    "subject": "personnel",
    "evidence": "penalty_procedure",
    "law": "penalty_procedure",
    "procedure": "penalty_procedure",
    "documents": "penalty_procedure",
    "archive": "penalty_procedure",
}

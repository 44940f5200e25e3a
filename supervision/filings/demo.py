"""Demo filings of the demo unit in different states: accepted, returned for 补正, waiting to be registered, a
draft, a decision found with no filing, and two 规范性文件 (one accepted and reviewed in the yearly 清理)."""
from __future__ import annotations

from datetime import timedelta

from .. import timeutil, workcal
from ..accounts.models import Role, User
from ..directory.models import Unit
from ..extensions import db
from ..uploads import PDF, CheckedFile
from . import operations
from .errors import FilingError
from .models import NormativeFiling, PenaltyFiling

DEMO_UNIT = "鲁山县瀼河乡人民政府"
PDF_SCAN = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def _pdf(name: str) -> CheckedFile:
    return CheckedFile(data=PDF_SCAN, kind=PDF, original_name=name)


def _materials(owners) -> dict:
    return {owner: _pdf(f"{label}.pdf") for owner, label in owners}


def load(echo) -> None:
    unit = db.session.query(Unit).filter_by(name=DEMO_UNIT).first()
    admin = db.session.query(User).filter_by(role=Role.admin.value, active=True).order_by(User.id).first()
    user = (db.session.query(User).filter_by(role=Role.unit.value, unit_id=unit.id, active=True).order_by(User.id)
            .first() if unit is not None else None)
    if unit is None or admin is None or user is None:
        echo("备案审查：没有演示单位或账号，跳过演示。")
        return
    if db.session.query(PenaltyFiling.id).filter_by(unit_id=unit.id).first() is not None:
        return
    today = timeutil.today()
    operations.ensure_settings()

    def penalty(n, days_ago, party, cause, penalty_text, submit=True):
        data = {"decision_number": f"鲁瀼政罚〔{(today - timedelta(days=days_ago)).year}〕{n}号",
                "party_kind": "person", "party_name": party, "party_id": "", "cause": cause,
                "penalty": penalty_text, "decision_date": (today - timedelta(days=days_ago)).isoformat()}
        return operations.save_penalty(None, data, _materials(operations.PENALTY_MATERIALS), user, submit=submit)

    try:
        accepted = penalty(3, 30, "王某某", "违法占用耕地建房", "罚款人民币二万元")
        operations.register(accepted, admin)
        operations.decide_penalty(accepted, "filed", admin, legality="主体、程序合法，证据充分。",
                                  appropriateness="处罚裁量适当。")
        returned = penalty(5, 20, "鲁山县某某农资店", "销售假劣农药", "罚款人民币五万元，没收违法所得")
        operations.register(returned, admin)
        operations.decide_penalty(returned, "returned", admin, reason="重大行政处罚备案表未加盖单位公章，请补正后重新报送。")
        penalty(8, 4, "李某某", "擅自采砂", "罚款人民币十万元")
        penalty(9, 2, "赵某某", "违规经营", "罚款人民币三万元", submit=False)
        operations.record_missing_penalty(unit.id, {"decision_number": f"鲁瀼政罚〔{today.year}〕1号",
                                                    "decision_date": (today - timedelta(days=60)).isoformat()},
                                          admin, note="日常监督调阅案卷时发现，未报送备案。")
        doc = operations.save_normative(None, {"title": "瀼河乡农村集体资产管理办法",
                                               "doc_number": f"瀼政〔{(today - timedelta(days=40)).year}〕4号",
                                               "published_on": (today - timedelta(days=40)).isoformat(),
                                               "effective_on": (today - timedelta(days=10)).isoformat()},
                                        _materials(operations.NORMATIVE_MATERIALS), user, submit=True)
        operations.register(doc, admin)
        operations.decide_normative(doc, "approved", admin)
        operations.mark_validity(doc, "valid", today, admin, note="年度清理：继续有效。")
        operations.save_normative(None, {"title": "瀼河乡村庄规划建设管理规定",
                                         "doc_number": f"瀼政〔{(today - timedelta(days=5)).year}〕9号",
                                         "published_on": (today - timedelta(days=5)).isoformat(),
                                         "effective_on": ""},
                                  _materials(operations.NORMATIVE_MATERIALS), user, submit=True)
        db.session.commit()
    except (FilingError, workcal.UnknownYear) as exc:
        db.session.rollback()
        echo(f"备案审查：演示未完成（{exc}）")
        return
    n = db.session.query(PenaltyFiling).filter_by(unit_id=unit.id).count()
    m = db.session.query(NormativeFiling).filter_by(unit_id=unit.id).count()
    echo(f"备案审查：{unit.name} 重大行政处罚备案 {n} 件、规范性文件备案 {m} 件")

"""Reading the directory: the profile, the offices, units by name. Writes nothing."""
from sqlalchemy import select

from .. import search
from ..extensions import db
from .models import DEFAULT_PROFILE, Office, OrgProfile, Unit


def stored_profile() -> OrgProfile | None:
    """The organisation profile as saved, or None before the first save (or seed)."""
    return db.session.query(OrgProfile).order_by(OrgProfile.id).first()


def profile() -> OrgProfile:
    """The saved profile, or — before there is one — the county's defaults, unsaved (for a page that only reads)."""
    return stored_profile() or OrgProfile(**DEFAULT_PROFILE)


def offices() -> list[Office]:
    return db.session.query(Office).order_by(Office.sort_order, Office.id).all()


def unit_by_name(name: str) -> Unit | None:
    return db.session.query(Unit).filter_by(name=name.strip()).first()


def guess_kind(name: str) -> str:
    """乡镇 for a 乡/镇 government, else 县直 — the split the 2021 plan's note counts."""
    return "乡镇" if name.endswith(("乡人民政府", "镇人民政府")) else "县直"


def unit_ids_named(term: str):
    """The ids of the units whose name contains `term` (a subquery of the small unit table), for keyword search."""
    return select(Unit.id).where(search.contains(Unit.name, term))

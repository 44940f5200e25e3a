"""The four roles of the app. A core module: every domain (and the access policy) may import it; it imports none."""
from .labels import LabelledEnum


class Role(LabelledEnum):
    admin = ("admin", "监督室管理员")
    inspector = ("inspector", "检查组成员")
    unit = ("unit", "受监督单位")
    leader = ("leader", "局领导")  # read-only; said where the role is chosen (accounts.forms), not in every greeting


ROLE_LABELS = {r: r.label for r in Role}
ALL_ROLES = (Role.admin, Role.inspector, Role.unit, Role.leader)
STAFF = (Role.admin, Role.inspector, Role.leader)  # the bureau's own people

"""The 线索移交 and 过错责任追究 registers: the admin keeps them, the leader reads them, nobody else sees them."""
from ..policy import Role, rule

rule("referrals.view", roles=(Role.admin, Role.leader))
rule("referrals.edit", roles=(Role.admin,))

"""Who may see and change the directory (受监督单位, 机关信息): declared once, asked by views and templates."""
from ..policy import Role, rule

rule("directory.view_units", roles=(Role.admin, Role.leader))  # the list of 受监督单位
rule("directory.manage_units", roles=(Role.admin,))  # add, edit, deactivate a unit
rule("directory.edit_profile", roles=(Role.admin,))  # 机关信息

"""The direction of dependencies (docs/ARCHITECTURE.md), read from the source with `ast` — imports inside
functions included, since they couple as much as those at the top.

Domain packages form layers; a package may import only the layers below it. Upward news travels by events
(blinker signals the lower layer announces and the upper one subscribes to). Core modules — the ones domains
import (audit, policy, web, uploads …) — import no domain at all. The app factory and the composition modules
(cli, demo, models, the dashboard) sit above everything and may import anything.
"""
import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1] / "supervision"

# Bottom to top.
LAYERS = ["directory", "accounts", "schedule", "visits", "letters", "rectification", "filings", "casereview", "referrals",
          "assessment", "reminders"]
# Modules above every domain: they wire the parts together and no domain imports them.
COMPOSITION = {"__init__", "models", "cli", "demo", "main", "system_views", "audit_views", "workcal_views",
               "backup", "migrations"}

# Edges still to be turned around: (from, to) — each must go; none may be added.
KNOWN_UPWARD: set[tuple[str, str]] = set()
KNOWN_CORE_TO_DOMAIN: set[tuple[str, str]] = set()


def _target(node, rel):
    """The supervision.<first part> each import names, as (first part, rest)."""
    out = []
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = ["supervision", *rel[:-1]][: len(rel) - node.level + 1]
            mod = ".".join(base + ([node.module] if node.module else []))
        else:
            mod = node.module or ""
        names = [mod] if node.module else [f"{mod}.{a.name}" for a in node.names]
        out += names
    elif isinstance(node, ast.Import):
        out += [a.name for a in node.names]
    return [m.split(".")[1] for m in out if m.startswith("supervision.") and len(m.split(".")) > 1]


def edges():
    """(source part, target part, file, line) for every import of one part of supervision by another."""
    found = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).parts
        src = rel[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for tgt in _target(node, rel):
                tgt = tgt.removesuffix(".py")
                if tgt != src:
                    found.append((src, tgt, str(path.relative_to(ROOT.parent)), node.lineno))
    return found


def test_domain_imports_only_go_down():
    bad = {}
    for src, tgt, where, line in edges():
        if src in LAYERS and tgt in LAYERS and LAYERS.index(tgt) > LAYERS.index(src):
            bad.setdefault((src, tgt), []).append(f"{where}:{line}")
    new = {k: v for k, v in bad.items() if k not in KNOWN_UPWARD}
    assert not new, "domain imports going up a layer (announce an event instead):\n" + "\n".join(
        f"{s} -> {t}: {', '.join(v)}" for (s, t), v in sorted(new.items()))
    gone = KNOWN_UPWARD - set(bad)
    assert not gone, f"remove from KNOWN_UPWARD, they are fixed: {sorted(gone)}"


def test_core_modules_import_no_domain():
    bad = {}
    for src, tgt, where, line in edges():
        if src not in LAYERS and src not in COMPOSITION and tgt in LAYERS:
            bad.setdefault((src, tgt), []).append(f"{where}:{line}")
    new = {k: v for k, v in bad.items() if k not in KNOWN_CORE_TO_DOMAIN}
    assert not new, "core modules importing a domain (pass the value in, or let the domain register):\n" + "\n".join(
        f"{s} -> {t}: {', '.join(v)}" for (s, t), v in sorted(new.items()))
    gone = KNOWN_CORE_TO_DOMAIN - set(bad)
    assert not gone, f"remove from KNOWN_CORE_TO_DOMAIN, they are fixed: {sorted(gone)}"


def test_the_domain_graph_has_no_cycle():
    graph = {}
    for src, tgt, _where, _line in edges():
        if src in LAYERS and tgt in LAYERS and (src, tgt) not in KNOWN_UPWARD:
            graph.setdefault(src, set()).add(tgt)
    seen, stack = set(), []

    def visit(n):
        if n in stack:
            raise AssertionError("import cycle between domains: " + " -> ".join(stack[stack.index(n):] + [n]))
        if n in seen:
            return
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            visit(m)
        stack.pop()
        seen.add(n)

    for n in sorted(graph):
        visit(n)


def test_the_checker_sees_imports_inside_functions(tmp_path):
    """The reader must see `from ..x import y` inside a function body, or it proves nothing."""
    src = "def f():\n    from ..reminders.service import notify\n"
    node = ast.parse(src)
    targets = [t for n in ast.walk(node) for t in _target(n, ("letters", "service.py"))]
    assert targets == ["reminders"]

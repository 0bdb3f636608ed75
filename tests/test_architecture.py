"""The import rule, enforced on the import graph: imports only go down.

interfaces (cli, api, web) → the Desk → stages (enrich, analysis, alerts, …) → search →
text (query, readers, highlight, …) → index → store → model/errors.

Every ``import`` in ``src/newsdesk`` counts, at module level, inside functions and
under ``TYPE_CHECKING`` alike (a type hint is a dependency too). A module may import
its own package, its own layer, or any layer below; never a layer above. And nothing
below the Desk names the Desk.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "newsdesk"

# top-level parts of the package, highest layer first
LAYERS: list[set[str]] = [
    {"cli", "api", "web", "__main__"},
    {"desk", "__init__"},
    {"enrich", "analysis", "evaluate", "alerts", "feeds", "snapshots", "spark"},
    {"search"},
    {"highlight", "query", "analyzers", "readers", "normalize", "fetch", "periods"},
    {"index"},
    {"store"},
    {"model", "errors"},
]
RANK = {part: i for i, layer in enumerate(LAYERS) for part in layer}


def _part(module: str) -> str:
    """``newsdesk.search.plan`` -> ``search``; ``newsdesk`` -> ``__init__``."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else "__init__"


def _module_name(path: Path, src: Path = SRC) -> str:
    rel = path.relative_to(src.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path, src: Path = SRC) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in one file (relative imports resolved)."""
    name = _module_name(path, src)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "newsdesk"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "newsdesk":
                target = node.module
            else:
                continue
            if node.module is None:  # from . import x, y: each name may be a module
                out += [(node.lineno, f"{target}.{a.name}") for a in node.names]
            else:
                out.append((node.lineno, target))
    return out


def upward_imports(src: Path = SRC) -> list[str]:
    """Every import that climbs a layer, as ``file:line: a -> b``."""
    bad = []
    for path in sorted(src.rglob("*.py")):
        here = _module_name(path, src)
        mine = _part(here)
        for line, target in imports_of(path, src):
            theirs = _part(target)
            if theirs == mine or theirs not in RANK or mine not in RANK:
                continue
            if RANK[theirs] < RANK[mine]:
                bad.append(f"{path.relative_to(src.parent)}:{line}: {here} -> {target}")
    return bad


def test_every_part_of_the_package_has_a_layer():
    parts = {p.stem if p.is_file() else p.name for p in SRC.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}
    assert parts - set(RANK) == set(), "give new top-level modules a layer in LAYERS"


def test_imports_only_go_down():
    assert upward_imports() == []


def test_nothing_below_the_desk_names_the_desk():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        part = _part(_module_name(path))
        if RANK.get(part, 0) <= RANK["desk"]:
            continue
        for line, target in imports_of(path):
            if target == "newsdesk.desk" or target.startswith("newsdesk.desk."):
                offenders.append(f"{path.relative_to(SRC.parent)}:{line}")
    assert offenders == []


def test_interfaces_use_only_the_door():
    """cli, api and web import only newsdesk.desk, model and errors (and each other)."""
    allowed = {"desk", "model", "errors", "cli", "api", "web", "__init__"}
    offenders = []
    for part in ("cli", "api", "web"):
        for path in sorted((SRC / part).rglob("*.py")):
            for line, target in imports_of(path):
                if _part(target) not in allowed:
                    offenders.append(f"{path.relative_to(SRC.parent)}:{line}: {target}")
    assert offenders == []


def test_sql_lives_in_store_only():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if _part(_module_name(path)) == "store":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
                "execute", "executemany", "executescript"
            ):
                offenders.append(f"{path.relative_to(SRC.parent)}:{node.lineno}")
    assert offenders == []


def test_the_rule_catches_an_upward_import(tmp_path):
    """The check itself can fail: a store module importing search is reported."""
    import shutil

    copy = tmp_path / "newsdesk"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "store" / "sneaky.py").write_text("from ..search import make_plan\n", encoding="utf-8")
    bad = upward_imports(copy)
    assert bad == ["newsdesk/store/sneaky.py:1: newsdesk.store.sneaky -> newsdesk.search"]


def test_modules_stay_small():
    """No module over ~500 lines (a package instead)."""
    big = [f"{p.relative_to(SRC.parent)} ({n})" for p in SRC.rglob("*.py") if (n := len(p.read_text().splitlines())) > 560]
    assert big == []

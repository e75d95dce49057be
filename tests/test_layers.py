"""The package is a house of wings, each importing only the wings below it (README, "Layout").

Every import counts: at the top of a module, inside a function (the lazy imports that keep start-up
fast) and under TYPE_CHECKING. A private name (`_x`) never crosses from one wing to another, and
nothing imports `triage.cli`.
"""

import ast
from pathlib import Path

import pytest

from .conftest import ROOT, optional

PACKAGE = ROOT / "triage"
# From the ground up. A wing may import its own modules and any wing before it in this list.
WINGS = ["core", "read", "evaluation", "formtools", "questionnaire", "authoring", "batch", "render", "teach", "cli"]
# The package's own front door (`from triage import load_rules, evaluate`) sits on the library's wings.
FRONT_DOOR_MAY_IMPORT = {"core", "read", "evaluation"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    where = ROOT.joinpath(*name.split("."))
    return where.with_suffix(".py").is_file() or (where / "__init__.py").is_file()


def imports(path: Path, module: str | None = None) -> list[tuple[int, str, list[str], bool]]:
    """(line, absolute module, names taken, at module level) for every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = (module or module_name(path)).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [a.name for a in node.names]
            modules = [n for n in names if is_module(f"{target}.{n}")] if not node.module else []
            for name in modules:  # `from . import x`, where x is a module
                found.append((node.lineno, f"{target}.{name}", [], id(node) in top_level))
            if len(modules) < len(names):
                names = [n for n in names if n not in modules]
                found.append((node.lineno, target, names, id(node) in top_level))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, a.name, [], id(node) in top_level) for a in node.names)
    return [f for f in found if f[1] == "triage" or f[1].startswith("triage.")]


def wing_of(module: str) -> str | None:
    """The wing a module belongs to, or None for the package's own front door (triage, triage.__main__)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in WINGS else None


def sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def problems_of(path: Path, module: str | None = None) -> list[str]:
    source = module or module_name(path)
    wing = wing_of(source)
    found = []
    for line, target, names, _ in imports(path, source):
        where = f"{source}:{line}"
        target_wing = wing_of(target)
        if target == "triage":
            if set(names) - {"__version__"}:
                found.append(f"{where}: imports {names} from the front door; import them from their wing")
            continue
        if target_wing is None:
            if source != "triage.__main__":
                found.append(f"{where}: imports {target}, which is no wing")
            continue
        if target_wing == "cli" and wing != "cli" and source != "triage.__main__":
            found.append(f"{where}: imports {target}: nothing imports the cli wing")
        elif wing is None:
            if source == "triage" and target_wing not in FRONT_DOOR_MAY_IMPORT:
                found.append(f"{where}: the front door imports {target}")
        elif WINGS.index(target_wing) > WINGS.index(wing):
            found.append(f"{where}: {wing} imports {target}, from the {target_wing} wing above it")
        if wing != target_wing:
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private:
                found.append(f"{where}: takes private {private} from the {target_wing} wing")
    return found


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_each_module_imports_only_its_own_wing_and_those_below(path):
    assert problems_of(path) == []


def test_the_layout_is_the_documented_one():
    folders = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert folders == sorted(WINGS)
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert loose == ["__init__.py", "__main__.py"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for wing in WINGS:
        assert f"`triage/{wing}/`" in readme, f"README's layout section does not name {wing}"


@pytest.mark.parametrize("wing", WINGS)
def test_each_wing_says_what_it_holds(wing):
    docstring = ast.get_docstring(ast.parse((PACKAGE / wing / "__init__.py").read_text(encoding="utf-8")))
    assert docstring and len(docstring.split()) >= 8


def test_no_import_circle():
    """Lazy imports count: a circle hidden inside a function is still a circle."""
    graph: dict[str, set[str]] = {}
    for path in sources():
        graph[module_name(path)] = {t for _, t, _, _ in imports(path)}
    names = set(graph)

    def resolve(target: str) -> str | None:
        return target if target in names else None

    state: dict[str, int] = {}
    circles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(filter(None, map(resolve, graph.get(node, ())))):
            if target == "triage" or target.startswith(node + "."):
                continue  # a package importing its own modules, or the front door's lazy names
            if state.get(target) == 1:
                circles.append(trail[trail.index(target):] + [target] if target in trail else [node, target])
            elif target not in state:
                visit(target, trail + [target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert circles == []


def test_the_check_bites(tmp_path):
    """An upward import, a private name across wings and an import of cli are each found."""
    bad = tmp_path / "probe.py"
    bad.write_text("def f():\n    from ..batch.scorer import Scorer\n    from ..read.files import _unlink\n"
                   "    from triage.cli import main\n", encoding="utf-8")
    found = problems_of(bad, "triage.core.probe")
    assert problems_of(bad, "triage.cli.probe") == ["triage.cli.probe:3: takes private ['_unlink'] from the read wing"]
    assert len(found) == 4, found  # batch above core; read above core, and private; cli


def test_the_wheel_ships_every_wing():
    tomllib = optional("tomllib", "it is in the standard library from Python 3.11")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = config["tool"]["setuptools"]["packages"]
    assert sorted(packages) == sorted(["triage", "triage.rules", *(f"triage.{w}" for w in WINGS)])

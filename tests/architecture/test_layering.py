"""The house stands on its foundation (DESIGN.md, Floors): imports go down the floors only, and never in a loop.

Read from the source, every import counted (including those inside functions): a lazy import is still a
dependency, and hiding one in a function is how loops crept in before.
"""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

APPS_DIR = Path(__file__).resolve().parents[2] / "apps"

# lowest first: an app may import the apps on floors below its own, never above or beside
FLOORS = (
    ("core",),
    ("audit",),
    ("notifications",),
    ("dataio",),
    ("facilities",),
    ("accounts",),
    ("scheduling",),
    ("tickets",),
    ("timesheets",),
)
TOP_FLOOR = ("console", "api", "demo")  # import anything below; nothing imports them, nor each other


def floor_of(app: str) -> int:
    for number, apps in enumerate(FLOORS):
        if app in apps:
            return number
    if app in TOP_FLOOR:
        return len(FLOORS)
    raise AssertionError(f"apps/{app} is on no floor: add it to FLOORS or TOP_FLOOR in {Path(__file__).name}")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(APPS_DIR.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every `apps.…` module (or name in one) that `path` imports, relative imports resolved."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                prefix = package[: len(package) - node.level + 1]
                base = ".".join(prefix + ([node.module] if node.module else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("apps.")}


def source_files() -> list[Path]:
    return sorted(
        path for path in APPS_DIR.rglob("*.py") if "migrations" not in path.parts and path.parent != APPS_DIR
    )


def app_of(module: str) -> str:
    return module.split(".")[1]


def test_every_app_is_on_a_floor():
    for app_dir in APPS_DIR.iterdir():
        if (app_dir / "apps.py").exists():
            floor_of(app_dir.name)


@pytest.mark.parametrize("path", source_files(), ids=lambda path: str(path.relative_to(APPS_DIR.parent)))
def test_imports_go_down_the_floors(path):
    here = app_of(module_name(path))
    upward = []
    for module in sorted(imported_modules(path)):
        there = app_of(module)
        if there == here:
            continue
        if floor_of(there) >= floor_of(here):
            upward.append(module)
    assert not upward, f"apps/{here} (floor {floor_of(here)}) imports from its own floor or above: {upward}"


def test_core_imports_no_other_app():
    for path in (APPS_DIR / "core").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        others = {module for module in imported_modules(path) if app_of(module) != "core"}
        assert not others, f"{path.relative_to(APPS_DIR.parent)} imports {sorted(others)}"


def test_no_two_files_import_each_other():
    modules = {module_name(path): path for path in source_files()}

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = defaultdict(set)
    for module, path in modules.items():
        for name in imported_modules(path):
            target = resolve(name)
            if target and target != module and not module.startswith(target + "."):
                graph[module].add(target)  # a package's __init__ importing its own modules is not a loop

    loops = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                loops.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not loops, "import loops:\n" + "\n".join(loops)

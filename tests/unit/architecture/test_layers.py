"""The layer order of ARCHITECTURE.md, asserted from the imports: no package imports one above
it, packages of one layer import each other without cycles, and the client side (the Python
client, the compose library, the CLI) stands on L0 alone, as DESIGN.md asks."""

import ast
import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SOURCE = REPO / "src" / "dockyard"
_ROW = re.compile(r"^\|\s*((?:`[\w.]+`(?:,\s*)?)+)\s*\|\s*L(\d)\s*\|", re.MULTILINE)
# Besides L0, what the client side may import (DESIGN.md: "client/cli only L0 and compose").
CLIENT_SIDE = {"client": set(), "compose": {"client"}, "cli": {"client", "compose"}}


def layer_table() -> dict[str, int]:
    """package → layer, from the package table of ARCHITECTURE.md."""
    text = (REPO / "ARCHITECTURE.md").read_text()
    table = {}
    for names, layer in _ROW.findall(text):
        for name in re.findall(r"`([\w.]+)`", names):
            table[name] = int(layer)
    return table


def package_of(module: str) -> str | None:
    """`dockyard.compose.model.load` → `compose.model`; `dockyard.images.store` → `images`."""
    parts = module.split(".")
    if parts[0] != "dockyard" or len(parts) < 2 or parts[1] == "__init__":
        return None
    if not (SOURCE / parts[1]).is_dir() and not (SOURCE / f"{parts[1]}.py").is_file():
        return None  # a name the package dockyard itself defines
    if parts[1:3] == ["compose", "model"]:
        return "compose.model"
    return parts[1]


def imports() -> dict[str, dict[str, set[str]]]:
    """package → imported package → the files that import it (every import, lazy ones included)."""
    found: dict[str, dict[str, set[str]]] = {}
    for path in SOURCE.rglob("*.py"):
        relative = path.relative_to(SOURCE.parent)
        module = ".".join(relative.with_suffix("").parts)
        importer = package_of(module)
        if importer is None:
            continue
        found.setdefault(importer, {})
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                imported = package_of(name)
                if imported and imported != importer:
                    found[importer].setdefault(imported, set()).add(str(relative))
    return found


def test_every_package_has_a_layer():
    table = layer_table()
    assert set(imports()) - set(table) == set(), "packages missing from ARCHITECTURE.md's table"
    assert set(table) - set(imports()) == set(), "ARCHITECTURE.md names packages that do not exist"


def test_no_package_imports_one_above_it():
    table = layer_table()
    upward = [f"{importer} (L{table[importer]}) imports {imported} (L{table[imported]}) in {sorted(files)}"
              for importer, targets in imports().items() for imported, files in targets.items()
              if table[imported] > table[importer]]
    assert upward == []


def test_packages_import_each_other_without_cycles():
    graph = {importer: set(targets) for importer, targets in imports().items()}
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as err:
        raise AssertionError(f"import cycle between packages: {' -> '.join(err.args[1])}") from None


def test_client_side_stands_on_l0_and_on_each_other_only():
    table = layer_table()
    found = imports()
    wrong = [f"{importer} imports {imported} in {sorted(files)}"
             for importer, allowed in CLIENT_SIDE.items() for imported, files in found[importer].items()
             if table[imported] != 0 and imported not in allowed]
    assert wrong == []

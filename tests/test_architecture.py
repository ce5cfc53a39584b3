"""The architecture checks of `make lint` are live, and the rules they cannot see are kept.

STYLE.md "Where logic lives": the layers are a contract checked by import-linter (pyproject
``[tool.importlinter]``), and nobody imports another module's ``_private`` name. No database:
these read files and run ``lint-imports`` on a copy of the tree.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("portfolio", "charters", "decisions")
OURS = (*APPS, "config")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


# --- import-linter ---------------------------------------------------------------------------


def _copy_tree(dest: Path) -> None:
    for app in APPS:
        shutil.copytree(ROOT / app, dest / app, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")


def _append(path: Path, line: str) -> int:
    """Append ``line`` to ``path``; answer its line number."""
    text = path.read_text()
    if not text.endswith("\n"):
        text += "\n"
    text += line + "\n"
    path.write_text(text)
    return text.count("\n")


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [str(LINT_IMPORTS), "--no-logo", "--no-cache"],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_contracts_catch_a_back_import(tmp_path):
    pristine, broken = tmp_path / "pristine", tmp_path / "broken"
    _copy_tree(pristine)
    _copy_tree(broken)
    # portfolio is the lowest app: it may not know decisions exists.
    app_line = _append(broken / "portfolio/models.py", "import decisions.models  # noqa")
    # Inside an app a selector reads; it may not reach up into the services that write.
    layer_line = _append(broken / "charters/selectors.py", "from . import services  # noqa")
    app_breach = f"portfolio.models -> decisions.models (l.{app_line})"
    layer_breach = f"charters.selectors -> charters.services (l.{layer_line})"

    # The unchanged copy may have breaches of its own (the tree is being reworked), but not these.
    before = _lint_imports(pristine)
    assert "Contracts:" in before.stdout, before.stdout + before.stderr
    assert app_breach not in before.stdout
    assert layer_breach not in before.stdout

    after = _lint_imports(broken)
    assert after.returncode != 0, after.stdout
    assert app_breach in after.stdout, after.stdout + after.stderr
    assert layer_breach in after.stdout, after.stdout + after.stderr


def _layered_modules() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["id"] == "layers"]
    return {name for layer in contract["layers"] for name in re.findall(r"[\w.]+", layer)}


def _top_level_modules(app: str) -> set[str]:
    found = set()
    for path in (ROOT / app).iterdir():
        if path.name in ("__init__.py", "migrations", "__pycache__"):
            continue
        if path.suffix == ".py" or (path / "__init__.py").exists():
            found.add(f"{app}.{path.stem}")
    return found


def test_every_module_of_an_app_has_a_layer():
    """A module the "layers" contract does not name is not checked at all: name it there."""
    listed = _layered_modules()
    unlisted = sorted(m for app in APPS for m in _top_level_modules(app) if m not in listed)
    assert not unlisted, (
        "Add these to a layer of the 'layers' contract in pyproject.toml: " + ", ".join(unlisted)
    )


# --- private names ---------------------------------------------------------------------------


def _is_private(name: str) -> bool:
    return (
        name.startswith("_") and name != "_" and not (name.startswith("__") and name.endswith("__"))
    )


def _is_module(root: Path, dotted: str) -> bool:
    path = root.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _is_ours(dotted: str | None) -> bool:
    return bool(dotted) and dotted.split(".")[0] in OURS


def _source_files(root: Path) -> list[Path]:
    return sorted(
        path
        for top in OURS
        for path in (root / top).rglob("*.py")
        if not {"migrations", "__pycache__"} & set(path.relative_to(root).parts)
    )


class _PrivateNameScan(ast.NodeVisitor):
    """Offences in one module: ``from ours import _name`` and ``ours_module._name``."""

    def __init__(self, root: Path, path: Path) -> None:
        self.root = root
        rel = path.relative_to(root)
        self.where = str(rel)
        self.is_package = path.name == "__init__.py"
        parts = list(rel.with_suffix("").parts)
        self.module = ".".join(parts[:-1] if self.is_package else parts)
        self.aliases: dict[str, str] = {}  # local name -> our module it is bound to
        self.offences: list[str] = []

    def _offence(self, node: ast.expr | ast.stmt, text: str) -> None:
        self.offences.append(f"{self.where}:{node.lineno}:{node.col_offset + 1}: {text}")

    def _from_target(self, node: ast.ImportFrom) -> str | None:
        if not node.level:
            return node.module
        base = self.module.split(".")
        if not self.is_package:
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        return ".".join([*base, *([node.module] if node.module else [])])

    def collect_aliases(self, tree: ast.AST) -> None:
        # Function-level imports count too (a lazy import binds the same module name).
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if not _is_ours(alias.name):
                        continue
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.aliases[top] = top
            elif isinstance(node, ast.ImportFrom):
                target = self._from_target(node)
                if not _is_ours(target):
                    continue
                for alias in node.names:
                    if _is_module(self.root, f"{target}.{alias.name}"):
                        self.aliases[alias.asname or alias.name] = f"{target}.{alias.name}"

    def _resolve(self, node: ast.expr) -> str | None:
        """The module of ours an expression names (``audit``, ``portfolio.audit``), or None."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self._resolve(node.value)
            if base and _is_module(self.root, f"{base}.{node.attr}"):
                return f"{base}.{node.attr}"
        return None

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if _is_ours(alias.name) and any(map(_is_private, alias.name.split("."))):
                self._offence(node, f"import {alias.name}")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        target = self._from_target(node)
        if _is_ours(target) and target != self.module:
            for alias in node.names:
                if _is_private(alias.name) or any(map(_is_private, target.split("."))):
                    self._offence(node, f"from {target} import {alias.name}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        base = self._resolve(node.value)
        if base and base != self.module and _is_private(node.attr):
            self._offence(node, f"{base}.{node.attr}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        # getattr(module, "_name") is the same reach, spelt differently.
        if (
            isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _is_private(node.args[1].value)
        ):
            base = self._resolve(node.args[0])
            if base and base != self.module:
                self._offence(node, f"getattr({base}, {node.args[1].value!r})")
        self.generic_visit(node)


def private_name_offences(root: Path) -> list[str]:
    offences = []
    for path in _source_files(root):
        tree = ast.parse(path.read_text(), filename=str(path))
        scan = _PrivateNameScan(root, path)
        scan.collect_aliases(tree)
        scan.visit(tree)
        offences.extend(scan.offences)
    return offences


def test_private_name_scan_finds_each_way_of_reaching_in(tmp_path):
    files = {
        "portfolio/__init__.py": "",
        "portfolio/audit.py": "def _plain(value):\n    return value\n\n\nX = _plain(1)\n",
        "portfolio/api/__init__.py": "",
        "portfolio/api/_internal.py": "",
        "charters/__init__.py": "",
        "charters/services.py": (
            "import portfolio.audit\n"
            "import portfolio.audit as pa\n"
            "from portfolio import audit\n"
            "from portfolio.audit import _plain\n"
            "from portfolio.api import _internal\n"
            "from django.utils.translation import gettext as _\n"
            "from . import _missing\n"
            "a = audit._plain(1)\n"
            "b = pa._plain(2)\n"
            "c = portfolio.audit._plain(3)\n"
            "d = getattr(audit, '_plain')\n"
            "\n"
            "\n"
            "def later():\n"
            "    from portfolio import audit as lazy\n"
            "\n"
            "    return lazy._plain(4)\n"
            # Fine: dunders, a class's private API, our own module's private name.
            "e = audit.__name__, _('x'), audit.X._meta\n"
        ),
        "charters/models.py": "from .services import a\n",
        "charters/migrations/0001_initial.py": "from portfolio.audit import _plain\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)

    assert private_name_offences(tmp_path) == [
        "charters/services.py:4:1: from portfolio.audit import _plain",
        "charters/services.py:5:1: from portfolio.api import _internal",
        "charters/services.py:7:1: from charters import _missing",
        "charters/services.py:8:5: portfolio.audit._plain",
        "charters/services.py:9:5: portfolio.audit._plain",
        "charters/services.py:10:5: portfolio.audit._plain",
        "charters/services.py:11:5: getattr(portfolio.audit, '_plain')",
        "charters/services.py:17:12: portfolio.audit._plain",
    ]


def test_nobody_imports_another_modules_private_name():
    """Use the module's public name, or make it public."""
    offences = private_name_offences(ROOT)
    for offence in offences:
        print(offence)
    assert not offences, "Another module's private name is used:\n" + "\n".join(offences)

"""Import direction, org-scoped lookups and other layering rules, by an `ast` walk.

architecture.md, "Dependency direction": read `A ← B` as "B may import A; A never
imports B". The layers are data below, so a new domain is checked once its package
exists, and a package nobody classified fails the test.
"""

from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass, field
from pathlib import Path

from auditapp.core.db import OrgScopedMixin
from auditapp.extensions import db

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "auditapp"

#: core ← auth ← journeys ← audits ← findings ← development ← reports
LAYERS = ("core", "auth", "journeys", "audits", "findings", "development", "reports")
#: Top-level infrastructure modules that sit in the core layer (core/tenancy.py
#: imports `extensions`, which imports `core.db`).
CORE_MODULES = {"extensions", "config"}
#: May import only the core layer.
PWA = "pwa"
#: The wiring that may import everything; "__init__" is the `auditapp` package.
WIRING = {"__init__", "cli", "errors", "demo"}

#: Inside a package: models ← services ← forms ← views/api.
FORBIDDEN_INSIDE = {
    "models": {"services", "forms", "views", "api"},
    "services": {"forms", "views", "api"},
}
REQUEST_STATE = {"request", "session", "flash"}
PDF_MODULE = "auditapp.reports.pdf"

LOOKUP_METHODS = {"get_or_404", "first_or_404", "one_or_404"}
QUERY_METHODS = {"get", "get_or_404"}


# --- reading modules ----------------------------------------------------------


def module_name(path: Path) -> str:
    """Return the dotted name of a file under auditapp/."""
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_package(name: str) -> bool:
    """Return whether a dotted module name is a package (its own __init__.py)."""
    return (PACKAGE_DIR.parent / Path(*name.split(".")) / "__init__.py").exists()


def source_files() -> list[Path]:
    """Return every Python file of the app."""
    return sorted(PACKAGE_DIR.rglob("*.py"))


def _absolute(node: ast.ImportFrom, module: str, package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imported_names(tree: ast.AST, module: str, package: bool) -> dict[str, str]:
    """Map each name bound by an import (or a top-level class) to its dotted target."""
    names = {
        node.name: f"{module}.{node.name}"
        for node in getattr(tree, "body", [])
        if isinstance(node, ast.ClassDef)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom):
            origin = _absolute(node, module, package)
            for alias in node.names:
                names[alias.asname or alias.name] = f"{origin}.{alias.name}"
    return names


def import_targets(tree: ast.AST, module: str, package: bool) -> list[tuple[int, str]]:
    """Return (line, dotted target) for every import; `from a import b` gives a.b."""
    targets = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            origin = _absolute(node, module, package)
            targets.extend(
                (node.lineno, f"{origin}.{alias.name}") for alias in node.names
            )
    return targets


def dotted(node: ast.AST, names: dict[str, str]) -> str | None:
    """Return the dotted target of a Name or Attribute chain, through the imports."""
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        base = dotted(node.value, names)
        return f"{base}.{node.attr}" if base else None
    return None


# --- org-scoped lookups -------------------------------------------------------


def org_scoped_models() -> set[str]:
    """Return the dotted names of every model class that uses OrgScopedMixin."""
    for path in PACKAGE_DIR.rglob("models.py"):
        importlib.import_module(module_name(path))
    return {
        f"{mapper.class_.__module__}.{mapper.class_.__name__}"
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, OrgScopedMixin)
    }


@dataclass
class LookupFinder(ast.NodeVisitor):
    """Find lookups by id that bypass the organisation (get_in_org_or_404)."""

    names: dict[str, str]
    scoped: set[str]
    found: list[str] = field(default_factory=list)

    def _is_scoped(self, node: ast.AST) -> bool:
        target = dotted(node, self.names) or ""
        bare = {name.rsplit(".", 1)[1] for name in self.scoped}
        return target in self.scoped or (
            target.startswith("auditapp.") and target.rsplit(".", 1)[1] in bare
        )

    def _mentions_scoped(self, nodes) -> bool:
        return any(self._is_scoped(sub) for node in nodes for sub in ast.walk(node))

    def _report(self, node: ast.Call, what: str) -> None:
        self.found.append(f"line {node.lineno}: {what}")

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            self._check_db_helpers(node, func)
            self._check_query(node, func)
        self.generic_visit(node)

    def _check_db_helpers(self, node: ast.Call, func: ast.Attribute) -> None:
        owner = func.value
        args = node.args[:1]
        if func.attr in LOOKUP_METHODS and self._mentions_scoped(node.args):
            self._report(node, f"{func.attr} on an org-scoped model")
        elif (
            func.attr == "get"
            and isinstance(owner, ast.Attribute)
            and owner.attr == "session"
            and self._mentions_scoped(args)
        ):
            self._report(node, "session.get on an org-scoped model")

    def _check_query(self, node: ast.Call, func: ast.Attribute) -> None:
        owner = func.value
        if not (isinstance(owner, ast.Attribute) and owner.attr == "query"):
            return
        if not self._is_scoped(owner.value):
            return
        if func.attr in QUERY_METHODS:
            self._report(node, f"Model.query.{func.attr} on an org-scoped model")
        if func.attr == "filter_by" and any(k.arg == "id" for k in node.keywords):
            self._report(node, "Model.query.filter_by(id=…) on an org-scoped model")


def unscoped_lookups(
    source: str, module: str, scoped: set[str], package: bool = False
) -> list[str]:
    """Return the lookups in a module's source that skip the organisation.

    `db.first_or_404`/`one_or_404` count even on a filtered statement: the house
    rule is get_in_org_or_404 for every org-owned row.
    """
    tree = ast.parse(source)
    finder = LookupFinder(imported_names(tree, module, package), scoped)
    finder.visit(tree)
    return finder.found


# --- layers -------------------------------------------------------------------


def unit_of(name: str) -> str | None:
    """Return the top-level unit under auditapp a dotted name belongs to."""
    parts = name.split(".")
    if parts[0] != "auditapp":
        return None
    if len(parts) == 1:
        return "__init__"
    top = PACKAGE_DIR / parts[1]
    if top.is_dir() or top.with_suffix(".py").exists():
        return parts[1]
    return "__init__"  # a name defined in auditapp/__init__.py, e.g. create_app


def layer_of(unit: str) -> int | None:
    """Return the layer index of a unit, or None for pwa, wiring and strangers."""
    if unit in CORE_MODULES:
        return 0
    return LAYERS.index(unit) if unit in LAYERS else None


def import_allowed(importer: str, target: str) -> bool:
    """Return whether the unit `importer` may import the unit `target`."""
    if importer in WIRING or importer == target:
        return True
    if target in WIRING or target == PWA:
        return False
    if importer == PWA:
        return layer_of(target) == 0
    mine, theirs = layer_of(importer), layer_of(target)
    return mine is not None and theirs is not None and theirs <= mine


def known_unit(unit: str) -> bool:
    """Return whether a unit is placed in the layer map at all."""
    return unit in WIRING or unit == PWA or layer_of(unit) is not None


def _inside_rule(module: str, target: str) -> str | None:
    role = module.rsplit(".", 1)[-1]
    forbidden = FORBIDDEN_INSIDE.get(role, set())
    parts = target.split(".")[2:]
    bad = [part for part in parts if part in forbidden or part.endswith("_views")]
    if forbidden and bad:
        return f"{role}.py imports {target} (models ← services ← forms ← views)"
    return None


def layer_violations(source: str, module: str, package: bool = False) -> list[str]:
    """Return the imports in a module's source that go against the arrows."""
    importer = unit_of(module)
    problems = []
    for line, target in import_targets(ast.parse(source), module, package):
        unit = unit_of(target)
        if unit is None:
            continue
        if not (known_unit(importer) and known_unit(unit)):
            problems.append(f"line {line}: {target}: add the package to LAYERS")
        elif not import_allowed(importer, unit):
            problems.append(f"line {line}: {importer} may not import {target}")
        elif inside := _inside_rule(module, target):
            problems.append(f"line {line}: {inside}")
    return problems


# --- services, weasyprint -----------------------------------------------------


def service_problems(source: str) -> list[str]:
    """Return request state and commits in a services module."""
    problems = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "flask":
            used = REQUEST_STATE & {alias.name for alias in node.names}
            problems.extend(f"line {node.lineno}: imports flask.{n}" for n in used)
        elif isinstance(node, ast.Attribute) and node.attr in REQUEST_STATE:
            if isinstance(node.value, ast.Name) and node.value.id == "flask":
                problems.append(f"line {node.lineno}: uses flask.{node.attr}")
        elif isinstance(node, ast.Call) and _is_commit(node.func):
            problems.append(f"line {node.lineno}: commits (the view commits)")
    return problems


def _is_commit(func: ast.AST) -> bool:
    if not (isinstance(func, ast.Attribute) and func.attr == "commit"):
        return False
    owner = func.value
    return (isinstance(owner, ast.Attribute) and owner.attr == "session") or (
        isinstance(owner, ast.Name) and owner.id == "session"
    )


def weasyprint_imports(source: str, module: str, package: bool = False) -> list[str]:
    """Return imports of weasyprint outside reports/pdf.py."""
    if module == PDF_MODULE:
        return []
    return [
        f"line {line}: imports {target}"
        for line, target in import_targets(ast.parse(source), module, package)
        if target == "weasyprint" or target.startswith("weasyprint.")
    ]


# --- the checks over the app --------------------------------------------------


def _each_module():
    for path in source_files():
        yield path, module_name(path), path.read_text(encoding="utf-8")


def test_the_walk_sees_the_app():
    names = [name for _, name, _ in _each_module()]

    assert "auditapp.journeys.views" in names
    assert "auditapp.core.tenancy" in names
    assert "auditapp.journeys.models.Journey" in org_scoped_models()


def test_every_package_is_placed_in_the_layers():
    units = {unit_of(name) for _, name, _ in _each_module()}

    assert sorted(unit for unit in units if not known_unit(unit)) == []


def test_no_lookup_by_id_skips_the_organisation():
    scoped = org_scoped_models()

    problems = [
        f"{path.relative_to(PACKAGE_DIR.parent)} {problem}"
        for path, name, source in _each_module()
        for problem in unscoped_lookups(
            source, name, scoped, path.name == "__init__.py"
        )
    ]

    assert problems == [], "use get_in_org_or_404:\n" + "\n".join(problems)


def test_imports_follow_the_layer_arrows():
    problems = [
        f"{path.relative_to(PACKAGE_DIR.parent)} {problem}"
        for path, name, source in _each_module()
        for problem in layer_violations(source, name, path.name == "__init__.py")
    ]

    assert problems == [], "\n".join(problems)


def test_services_leave_requests_and_commits_to_views():
    problems = [
        f"{path.relative_to(PACKAGE_DIR.parent)} {problem}"
        for path, name, source in _each_module()
        if path.name == "services.py"
        for problem in service_problems(source)
    ]

    assert problems == [], "\n".join(problems)


def test_only_reports_pdf_imports_weasyprint():
    problems = [
        f"{path.relative_to(PACKAGE_DIR.parent)} {problem}"
        for path, name, source in _each_module()
        for problem in weasyprint_imports(source, name, path.name == "__init__.py")
    ]

    assert problems == [], "\n".join(problems)


def test_the_app_never_loads_the_pdf_module_nor_flask_into_it():
    # reports/pdf.py runs only in the render server (python -m), which must stay
    # lean: it may import only the fetcher's policy module of the app.
    loads_pdf = [
        f"{name} line {line}"
        for _path, name, source in _each_module()
        if name != PDF_MODULE
        for line, target in import_targets(ast.parse(source), name, False)
        if target == PDF_MODULE or target.startswith(PDF_MODULE + ".")
    ]
    pdf_source = (PACKAGE_DIR / "reports" / "pdf.py").read_text(encoding="utf-8")
    pdf_imports = {
        target
        for _line, target in import_targets(ast.parse(pdf_source), PDF_MODULE, False)
    }

    assert loads_pdf == []
    assert not {t for t in pdf_imports if t.split(".")[0] in ("flask", "sqlalchemy")}
    assert {t for t in pdf_imports if t.startswith("auditapp")} <= {
        "auditapp.reports.fetcher." + name
        for name in ("BASE_URL", "SCHEME", "Resource", "StylesheetMissing")
    }


# --- the walker, tested on small sources --------------------------------------

BAD_LOOKUPS = """
from sqlalchemy import select
from auditapp.auth.models import Organisation
from auditapp.extensions import db
from auditapp.journeys import models
from auditapp.journeys.models import Journey as J

def view(ident):
    db.get_or_404(J, ident)
    db.session.get(models.Touchpoint, ident)
    J.query.get(ident)
    J.query.filter_by(id=ident).first()
    db.first_or_404(select(J).where(J.id == ident))
    db.session.get(Organisation, ident)
    J.query.filter_by(name="x").all()
"""


def test_walker_reports_each_unscoped_lookup():
    scoped = {
        "auditapp.journeys.models.Journey",
        "auditapp.journeys.models.Touchpoint",
    }

    found = unscoped_lookups(BAD_LOOKUPS, "auditapp.journeys.views", scoped)

    assert [problem.split(":")[0] for problem in found] == [
        "line 9",
        "line 10",
        "line 11",
        "line 12",
        "line 13",
    ]


def test_walker_knows_models_defined_in_the_same_module():
    source = "class Stage: ...\n\ndef f(db):\n    return db.session.get(Stage, 1)\n"

    found = unscoped_lookups(
        source, "auditapp.journeys.models", {"auditapp.journeys.models.Stage"}
    )

    assert len(found) == 1


def test_walker_reports_imports_against_the_arrows():
    assert layer_violations(
        "from auditapp.journeys.models import Journey\n", "auditapp.auth.views"
    ) == ["line 1: auth may not import auditapp.journeys.models.Journey"]
    assert layer_violations("from auditapp import auth\n", "auditapp.core.db") == [
        "line 1: core may not import auditapp.auth"
    ]
    assert layer_violations("from auditapp.journeys import x\n", "auditapp.pwa.views")
    assert layer_violations("from auditapp import create_app\n", "auditapp.auth.x")
    assert layer_violations("from . import services\n", "auditapp.auth.models")
    assert layer_violations(
        "from auditapp.auth import views\n", "auditapp.journeys.services"
    )
    assert layer_violations("import auditapp.billing.models\n", "auditapp.auth.views")
    assert layer_violations("from auditapp.auth import views\n", "auditapp.cli") == []
    assert layer_violations("from ..core import db\n", "auditapp.auth.views") == []
    assert layer_violations("from auditapp.core import x\n", "auditapp.pwa.views") == []


def test_walker_reports_request_state_and_commits_in_services():
    source = (
        "import flask\nfrom flask import flash, g\n"
        "def f(db):\n    db.session.commit()\n    return flask.request\n"
    )

    found = service_problems(source)

    assert sorted(found) == [
        "line 2: imports flask.flash",
        "line 4: commits (the view commits)",
        "line 5: uses flask.request",
    ]


def test_walker_reports_weasyprint_outside_the_pdf_module():
    source = "import weasyprint\nfrom weasyprint.urls import URLFetcher\n"

    assert len(weasyprint_imports(source, "auditapp.reports.views")) == 2
    assert weasyprint_imports(source, PDF_MODULE) == []

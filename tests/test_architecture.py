"""The house rules of the layout, enforced: domain packages stay framework-free."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOMAIN_PACKAGES = ("archive", "moderation")
FORBIDDEN = {
    "flask",
    "flask_wtf",
    "flask_login",
    "flask_limiter",
    "celery",
    "kombu",
    "web",
    "worker",
    "misskissing",
}
SOURCE_PACKAGES = ("archive", "moderation", "misskissing", "web", "worker")
TEST_ONLY_FOLDERS = {"support", "functional", "data", "__pycache__"}


def imported_top_level_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", DOMAIN_PACKAGES)
def test_domain_package_never_imports_a_framework_or_adapter(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_top_level_names(path) & FORBIDDEN)
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_import_linter_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_tests_mirror_the_source_tree() -> None:
    test_folders = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir()} - TEST_ONLY_FOLDERS
    assert test_folders <= set(SOURCE_PACKAGES), (
        f"test folders without a source package: {test_folders - set(SOURCE_PACKAGES)}"
    )
    for package in SOURCE_PACKAGES:
        assert (ROOT / "tests" / package).is_dir(), f"tests/{package}/ is missing"

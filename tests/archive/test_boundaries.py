"""The archive is a pure library: it never imports the frameworks or the adapters."""

import ast
from pathlib import Path

import archive

FORBIDDEN = {"flask", "celery", "kombu", "web", "worker", "misskissing", "moderation"}


def test_archive_imports_no_framework_and_no_adapter():
    root = Path(archive.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []

"""The layers of docs/architecture.md hold: import-linter's contracts (pyproject.toml) are kept.

cli on top; web and ingest beside each other, neither importing the other; then publish, store and core; and no
import cycle among the modules of any package.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lint_imports() -> subprocess.CompletedProcess[str]:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    return subprocess.run([command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=False)


def test_the_import_contracts_are_kept() -> None:
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_forbidden_import_breaks_the_contract(tmp_path: Path) -> None:
    """The check can fail: a copy of the package where web imports ingest breaks the layers contract."""
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__", "ontology", "shapes"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    with (copy / "src" / "minegraph" / "web" / "ops.py").open("a", encoding="utf-8") as handle:
        handle.write("\nfrom minegraph.ingest import build  # noqa: E402,F401\n")
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    environ = {"PYTHONPATH": str(copy / "src"), "PATH": str(Path(sys.executable).parent)}
    result = subprocess.run([command, "--no-cache"], cwd=copy, capture_output=True, text=True, timeout=300,
                            check=False, env=environ)
    assert result.returncode != 0
    assert "minegraph.web.ops -> minegraph.ingest.build" in result.stdout


def test_vulture_finds_no_dead_code() -> None:
    """The routine before a commit (CONTRIBUTING.md) runs vulture at 80% confidence: it finds nothing."""
    command = shutil.which("vulture", path=str(Path(sys.executable).parent)) or "vulture"
    result = subprocess.run([command, "src/minegraph", "--min-confidence", "80"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def vocabulary_namespaces() -> list[str]:
    """The namespaces :mod:`minegraph.core.vocab` declares (its own and the W3C ones it names)."""
    from rdflib import Namespace

    from minegraph.core import vocab

    return sorted({str(value) for value in vars(vocab).values() if isinstance(value, Namespace)}
                  | set(vocab.PREFIXES.values()))


def test_namespaces_are_written_only_in_the_vocabulary_module() -> None:
    """A namespace IRI spelled out in another module drifts from the one the data uses (issue 18).

    Every string of the code counts (SPARQL text, JSON-LD contexts, constants) except docstrings, whose examples
    show IRIs as a user sees them.
    """
    namespaces = vocabulary_namespaces()
    assert "http://purl.org/dc/terms/" in namespaces and "https://w3id.org/minegraph/def/" in namespaces
    strays = []
    for path in sorted((ROOT / "src" / "minegraph").rglob("*.py")):
        if path.name == "vocab.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                found = [namespace for namespace in namespaces if namespace in node.value]
                if found:
                    strays.append(f"{path.relative_to(ROOT)}:{node.lineno}: {found}")
    assert not strays, "namespace IRIs outside minegraph.core.vocab:\n" + "\n".join(strays)

"""Imports run one way: cli → jobs → the stages and the store → the shared modules at the top of pipeline/.

A stage never reaches for the database or the orchestration, so each stays testable with plain values."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests.support.paths import ROOT

PIPELINE = ROOT / "pipeline"
STAGES = ("ingest", "articles", "topics", "digest", "delivery")
SHARED = tuple(p.stem for p in PIPELINE.glob("*.py") if p.stem not in ("__init__", "__main__"))
# what each layer must not import
FORBIDDEN = {
    **{stage: ("store", "jobs", "cli") for stage in STAGES},
    **{module: ("store", "jobs", "cli", *STAGES) for module in SHARED},
    "store": ("jobs", "cli"),
    "jobs": ("cli",),
}


def imported(path: ast.AST) -> set[str]:
    """The pipeline packages or modules a file imports, at any depth (lazy imports in functions count too)."""
    found = set()
    for node in ast.walk(path):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.ImportFrom) and node.module == "pipeline":
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("pipeline."))
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_run_one_way(layer: str) -> None:
    files = sorted((PIPELINE / layer).rglob("*.py")) if (PIPELINE / layer).is_dir() else [PIPELINE / f"{layer}.py"]
    assert files
    wrong = {
        f"{path.relative_to(ROOT)} imports pipeline.{name}"
        for path in files
        for name in imported(ast.parse(path.read_text(encoding="utf-8")))
        if name in FORBIDDEN[layer]
    }
    assert not wrong, sorted(wrong)


def test_the_worker_processes_import_no_store_or_network_code() -> None:
    """The forkserver preloads the workers' module once a crawl; SQLAlchemy alone tripled that import."""
    probe = "import sys, pipeline.jobs.pool_jobs; print(' '.join(sorted(m for m in sys.modules if '.' not in m)))"
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    heavy = {"sqlalchemy", "sqlmodel", "httpx", "trafilatura"} & set(loaded.stdout.split())
    assert not heavy, f"pipeline.jobs.pool_jobs imports {sorted(heavy)}"

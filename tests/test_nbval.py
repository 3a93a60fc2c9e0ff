"""The nbval tier: ``FTKIT_PROFILE=smoke pytest --nbval-lax notebooks/`` runs every notebook cell by cell.
This checks the invocation on one notebook (the smoke tests already execute every notebook once)."""
import os
import re
import subprocess
import sys

import pytest

from ftkit import course

ROOT = course.ROOT
NOTEBOOK = ROOT / "notebooks" / "02_sentence_pairs_dynamic_padding.ipynb"
pytestmark = pytest.mark.notebook


def test_nbval_lax_runs_a_notebook_with_the_profile_from_the_environment(tmp_path):
    import json

    env = {**os.environ, "FTKIT_PROFILE": "smoke", "FTKIT_OUTPUT_DIR": str(tmp_path / "out")}
    before = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=ROOT, capture_output=True,
                            text=True).stdout
    proc = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
                           str(NOTEBOOK.relative_to(ROOT))], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=1800)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    code_cells = sum(c["cell_type"] == "code" for c in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"])
    assert re.search(rf"\b{code_cells} passed\b", proc.stdout), proc.stdout[-2000:]
    result = json.loads((tmp_path / "out" / "results" / f"{NOTEBOOK.stem}.json").read_text(encoding="utf-8"))
    assert result["profile"] == "smoke"
    after = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=ROOT, capture_output=True,
                           text=True).stdout
    assert after == before, "the nbval run wrote into the repository"

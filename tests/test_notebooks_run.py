"""Every lesson notebook runs headlessly in the smoke profile, offline, and its results JSON holds finite,
sane values; the numbers in its rendered prose agree with the recorded metrics.

Time and memory are not asserted: each run's wall seconds and peak memory go into the session's benchmark
table (printed at the end, budget flagged; see conftest.py), and the first-time model preparation is timed
apart, before any notebook runs."""
import json
import math
import re
import subprocess
import time
from pathlib import Path

import pytest

from ftkit import cli, course

ROOT = cli.REPO_ROOT
NOTEBOOKS = [ROOT / "notebooks" / f"{stem}.ipynb" for stem, _ in course.LESSONS
             if (ROOT / "notebooks" / f"{stem}.ipynb").exists()]
REQUIRED_METRICS = {
    "01": ["accuracy_before", "accuracy_after"],
    "02": ["dynamic_padding_speedup"],
    "03": ["accuracy_before", "accuracy_after", "accuracy_scratch"],
    "05": ["spearman_before", "spearman_after"],
    "06": ["spearman_gold_only", "spearman_gold_silver"],
    "07": ["spearman_before", "spearman_after"],
    "08": ["response_loss_before", "response_loss_lora", "response_loss_full", "general_ppl_before",
           "general_ppl_lora", "general_ppl_full"],
}
METHOD_KEYS = {"method", "accuracy", "macro_f1", "trainable_params", "total_params", "train_seconds", "peak_memory_mb"}
pytestmark = pytest.mark.notebook


def _run(nb: Path, out: Path, monkeypatch) -> dict:
    for key, value in cli.kernel_env("smoke", out).items():
        monkeypatch.setenv(key, value)
    status = cli.execute(nb, "smoke", out)
    assert status["ok"], f"{nb.stem} failed: {status['error']} (executed copy: {out / 'notebooks' / nb.name})"
    return json.loads((out / "results" / f"{nb.stem}.json").read_text(encoding="utf-8"))


def _repo_files() -> set[str]:
    out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--ignored"], cwd=ROOT,
                         capture_output=True, text=True).stdout
    return {line[3:] for line in out.splitlines() if "__pycache__" not in line and ".venv" not in line}


@pytest.fixture(scope="module")
def smoke_out(tmp_path_factory):
    return tmp_path_factory.mktemp("smoke")


def smoke_model_ids() -> list[str]:
    """Every model id a smoke profile names that ``models.resolve`` serves offline."""
    from ftkit import models, profiles

    offline = set(models.available_offline())
    ids = []
    for stem in profiles.notebook_names():
        for value in profiles.NOTEBOOKS[stem]["smoke"].values():
            for v in (value.values() if isinstance(value, dict) else [value]):
                if isinstance(v, str) and v in offline and v not in ids:
                    ids.append(v)
    return ids


@pytest.fixture(scope="session")
def prepared_models(request):
    """Resolve (convert once, then cached) the smoke models before any notebook, timing it apart."""
    from ftkit import models

    from conftest import benchmark_of

    bench = benchmark_of(request.config)
    for model_id in smoke_model_ids():
        t0 = time.perf_counter()
        models.resolve(model_id)
        bench["models"][model_id] = round(time.perf_counter() - t0, 1)
    return bench


def _numbers_agree(text: str, metrics: dict) -> list[str]:
    """The numbers in ``text`` that match no metric at their printed precision (as is, or as a percentage).

    Digits inside a Latin name (``e5``, ``MiniLM-L6``) are not numbers; a minus sign counts when it starts a
    number (at the start, after a space or a bracket).
    """
    values = [v for v in metrics.values() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    bad = []
    for token in re.findall(r"(?:(?<![^\s(])-)?(?<![A-Za-z_\d.])\d+(?:\.\d+)?", text):
        decimals = len(token.split(".")[1]) if "." in token else 0
        tol = 0.5 * 10 ** -decimals + 1e-9
        x = float(token)
        if not any(abs(v - x) <= tol or abs(100 * v - x) <= tol for v in values):
            bad.append(token)
    return bad


def test_numbers_agree_checks_sign_and_precision():
    metrics = {"teacher": -0.2934, "share": 0.031, "n": 16}
    assert _numbers_agree("교사 -0.293, 잘린 쌍 3.1%, 16쌍 (e5-small)", metrics) == []
    assert _numbers_agree("교사 0.293", metrics) == ["0.293"]  # the sign is part of the number
    assert _numbers_agree("교사 -0.29", {"teacher": -0.2934}) == []  # printed precision
    assert _numbers_agree("99번째 백분위수", metrics) == ["99"]


LIBRARY_NOISE = ("kernels-community", "is_gradient_checkpointing")


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_smoke_profile(nb, smoke_out, monkeypatch, prepared_models):
    before = _repo_files()
    result = _run(nb, smoke_out, monkeypatch)
    from ftkit import plan

    planned = plan.estimate_values(nb.stem, result["params"], "cpu")  # beside the measurement, never asserted
    prepared_models["notebooks"][nb.stem] = {"wall_seconds": result["wall_seconds"],
                                             "peak_memory_mb": result["peak_memory_mb"],
                                             "planned_seconds": planned.seconds,
                                             "planned_mb": planned.peak_gb * 1024}
    assert _repo_files() == before, "the run wrote into the repository"
    assert result["notebook"] == nb.stem and result["profile"] == "smoke"
    assert result["data_source"] in ("sample", "local") and result["run_id"] is None  # not run by the CLI
    assert 0 < result["peak_memory_mb"]  # a sanity check of the measurement, not a budget
    metrics = result["metrics"]
    for key in REQUIRED_METRICS.get(nb.stem[:2], []):
        assert isinstance(metrics.get(key), (int, float)) and math.isfinite(metrics[key]), key
    for key, value in metrics.items():
        assert value is not None, f"{key} is NaN/inf"
    for key in metrics:
        if key.startswith(("accuracy", "f1", "macro_f1")) or "spearman" in key:
            assert -1.0 <= metrics[key] <= 1.0, (key, metrics[key])
    if nb.stem.startswith("04"):
        rows = result["tables"]["methods"]
        assert len(rows) >= 4 and all(METHOD_KEYS <= set(r) for r in rows)
        assert all(0 < r["trainable_params"] <= r["total_params"] for r in rows)
    assert result.get("said"), "the notebook should interpret its results with run.say(...)"
    if result["data_source"] == "sample":  # the rendered conclusion says these are toy numbers
        from ftkit import lesson

        assert all(text.startswith(lesson.SAMPLE_NOTICE) for text in result["said"])
        executed = json.loads((smoke_out / "notebooks" / nb.name).read_text(encoding="utf-8"))
        shown = ["".join(out.get("data", {}).get("text/markdown", "")) for cell in executed["cells"]
                 for out in cell.get("outputs", [])]
        assert any(text.startswith(lesson.SAMPLE_NOTICE) for text in shown)
    for text in result["said"]:
        assert not _numbers_agree(text, metrics), f"numbers in prose not in metrics: {text}"
    executed = json.loads((smoke_out / "notebooks" / nb.name).read_text(encoding="utf-8"))
    outputs = [out for cell in executed["cells"] for out in cell.get("outputs", [])]
    plain = ["".join(out.get("data", {}).get("text/plain", "")) for out in outputs]
    assert not [t for t in plain if "PosixPath(" in t], "a cell shows a machine path instead of a figure"
    streams = "".join("".join(out.get("text", "")) for out in outputs if out.get("output_type") == "stream")
    assert "이 강의는 이 기기(" in streams and "GB peak memory on this machine" in streams  # the plan line
    for noise in LIBRARY_NOISE:  # warnings a learner can do nothing about (see ftkit/__init__.py, lesson.start)
        assert noise not in streams, f"{nb.stem}: the output shows {noise!r}"
    if "plotting." in nb.read_text(encoding="utf-8"):  # figures are shown inline in the executed copy
        assert any("image/png" in out.get("data", {}) for out in outputs), f"{nb.stem}: no figure in the output"


def test_same_seed_gives_identical_smoke_metrics(smoke_out, tmp_path, monkeypatch):
    nb = NOTEBOOKS[0]
    first_path = smoke_out / "results" / f"{nb.stem}.json"
    if not first_path.exists():
        pytest.skip("first smoke run missing (run the whole module)")
    first = json.loads(first_path.read_text(encoding="utf-8"))["metrics"]
    second = _run(nb, tmp_path, monkeypatch)["metrics"]
    stable = [k for k in first if not re.search(r"seconds|memory|per_second", k)]
    assert stable and {k: first[k] for k in stable} == {k: second[k] for k in stable}

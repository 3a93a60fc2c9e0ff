"""Test session set-up: offline, headless, outputs in a temporary folder."""
import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("FTKIT_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
# Unit tests decide online/offline themselves: no reachability probe (tests/test_offline_notebook.py runs one).
os.environ.setdefault("FTKIT_NETWORK_PROBE", "0")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(autouse=True)
def _outputs_in_tmp(tmp_path_factory, monkeypatch):
    """Every test writes results/checkpoints under its own temporary output dir."""
    monkeypatch.setenv("FTKIT_OUTPUT_DIR", str(tmp_path_factory.mktemp("out")))


def real_data_dir():
    """The real data folder (FTKIT_DATA_DIR) if set and present, else None."""
    from ftkit import paths

    folder = paths.data_dir()
    return folder if folder and folder.is_dir() else None


# --- smoke benchmark: reported at the end of the session, never asserted (tests assert no wall-clock time) ---

SMOKE_BUDGET_SECONDS, SMOKE_BUDGET_MB = 120, 6144  # per notebook, 2 cores, warm cache (a report, not a test)


def benchmark_of(config) -> dict:
    """The session's benchmark record: ``{"models": {id: seconds}, "notebooks": {stem: {...}}}``."""
    return config.__dict__.setdefault("ftkit_benchmark", {"models": {}, "notebooks": {}})


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    bench = config.__dict__.get("ftkit_benchmark")
    if not bench or not (bench["models"] or bench["notebooks"]):
        return
    tr = terminalreporter
    tr.section("ftkit smoke benchmark (reported, not asserted)")
    if bench["models"]:
        total = sum(bench["models"].values())
        tr.write_line(f"model preparation (first-time conversion; ~0 s when cached): {total:.1f}s total")
        for model_id, seconds in bench["models"].items():
            tr.write_line(f"  {model_id}: {seconds:.1f}s")
    if bench["notebooks"]:
        tr.write_line(f"{'notebook':40s} {'wall_s':>8s} {'planned':>8s} {'peak_mb':>9s} {'planned':>8s}  budget "
                      f"{SMOKE_BUDGET_SECONDS}s / {SMOKE_BUDGET_MB} MB (planned: python -m ftkit plan --profile smoke)")
        for stem, row in bench["notebooks"].items():
            over = [what for what, value, limit in (("time", row["wall_seconds"], SMOKE_BUDGET_SECONDS),
                                                    ("memory", row["peak_memory_mb"], SMOKE_BUDGET_MB))
                    if value is not None and value > limit]
            tr.write_line(f"{stem:40s} {row['wall_seconds']:>8.1f} {row.get('planned_seconds', 0):>8.0f} "
                          f"{row['peak_memory_mb']:>9.0f} {row.get('planned_mb', 0):>8.0f}  "
                          + (f"OVER BUDGET ({', '.join(over)})" if over else "ok"))

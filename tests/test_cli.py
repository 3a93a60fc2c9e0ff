"""The runner CLI: listing, errors, summary, refusing to write into the repository."""
import json
from pathlib import Path

import pytest

from ftkit import cli, course


def test_list_names_every_lesson(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert all(stem in out for stem, _ in course.LESSONS)


def test_unknown_profile_and_notebook_exit_2_with_bilingual_message(capsys, tmp_path):
    assert cli.main(["run", "--profile", "huge", "--out", str(tmp_path)]) == 2
    assert "Unknown profile" in capsys.readouterr().err
    assert cli.main(["run", "99_missing", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Unknown notebook '99_missing'" in err and "알 수 없는 노트북" in err


def test_param_overrides_parse_literals_and_reject_unknown_names(capsys, tmp_path):
    assert cli.parse_params(["DATASET=sick", "EPOCHS=2", "LEARNING_RATE=1e-4", "PREFIX="]) == {
        "DATASET": "sick", "EPOCHS": 2, "LEARNING_RATE": 1e-4, "PREFIX": ""}
    assert cli.main(["run", "01", "-p", "EPOCHS", "--out", str(tmp_path)]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err
    assert cli.main(["run", "01", "-p", "NOT_A_PARAM=1", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "NOT_A_PARAM" in err and "없는 파라미터" in err
    assert not (tmp_path / "notebooks").exists()  # refused before any notebook ran


def test_find_notebooks_by_number_and_stem():
    first = course.LESSONS[0][0]
    assert cli.find_notebooks(["01"]) == cli.find_notebooks([first]) == [cli.NOTEBOOK_DIR / f"{first}.ipynb"]


def test_out_inside_repository_is_refused(capsys):
    assert cli.main(["run", "01", "--out", str(cli.REPO_ROOT / "runs")]) == 2
    assert "outside the repository" in capsys.readouterr().err
    assert not (cli.REPO_ROOT / "runs").exists()


def test_smoke_env_is_offline_and_headless(tmp_path):
    env = cli.kernel_env("smoke", tmp_path)
    assert env["HF_HUB_OFFLINE"] == env["FTKIT_HEADLESS"] == "1" and env["FTKIT_OUTPUT_DIR"] == str(tmp_path)
    assert "HF_HUB_OFFLINE" not in cli.kernel_env("full", tmp_path)


def test_summary_table_marks_failures(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "a.json").write_text(json.dumps(
        {"profile": "smoke", "device": "cpu", "peak_memory_mb": 10.0, "metrics": {"accuracy_after": 0.9}}))
    table = cli.summary_table([{"notebook": "a", "ok": True, "error": None, "wall_seconds": 3.0},
                               {"notebook": "b", "ok": False, "error": "cell 4: ValueError: x", "wall_seconds": 1.0}],
                              tmp_path)
    assert "accuracy_after=0.9" in table and "FAILED: cell 4: ValueError: x" in table
    assert (tmp_path / "summary.md").exists() and (tmp_path / "summary.csv").read_text().count("\n") == 3


def test_failing_notebook_is_named_with_its_cell(tmp_path, capsys, monkeypatch):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell("PROFILE = 'smoke'", metadata={"tags": ["parameters"]}),
                             new_code_cell("raise ValueError('boom')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder = tmp_path / "nbs"
    folder.mkdir()
    nbformat.write(nb, folder / f"{course.LESSONS[0][0]}.ipynb")
    monkeypatch.setattr(cli, "NOTEBOOK_DIR", folder)
    assert cli.main(["run", "01", "--out", str(tmp_path / "out")]) == 1
    captured = capsys.readouterr()
    assert "FAILED" in captured.err and course.LESSONS[0][0] in captured.err and "cell 2" in captured.err
    assert "ValueError: boom" in captured.err


def test_doctor_reports(capsys):
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "GPU:" in out and "transformers:" in out and "Korean font:" in out

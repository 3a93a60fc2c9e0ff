"""The runner CLI: listing, errors, summary, refusing to write into the repository."""
import csv
import errno
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ftkit import cli, course, profiles
from ftkit.errors import ConfigError


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


def _result(profile="smoke", source="sample"):
    return {"profile": profile, "data_source": source, "device": "cpu", "peak_memory_mb": 10.0,
            "metrics": {"accuracy_after": 0.9}}


def test_summary_table_marks_failures(tmp_path):
    table = cli.summary_table([{"notebook": "a", "ok": True, "error": None, "wall_seconds": 3.0, "state": "ok",
                                "result": _result()},
                               {"notebook": "b", "ok": False, "error": "cell 4: ValueError: x", "wall_seconds": 1.0}],
                              tmp_path)
    assert "accuracy_after=0.9" in table and "FAILED: cell 4: ValueError: x" in table
    assert (tmp_path / "summary.md").exists() and (tmp_path / "summary.csv").read_text().count("\n") == 3


def _table_rows(table: str) -> list[str]:
    return [line for line in table.splitlines() if line.startswith("|")]


def test_summary_escapes_every_cell_and_marks_toy_numbers(tmp_path):
    """A multi-line error with pipes stays in its cell; smoke or sample-data numbers are marked TOY."""
    error = "cell 3: ValueError: bad | worse\nline two\r\nline | three"
    statuses = [{"notebook": "a", "ok": False, "error": error, "wall_seconds": 1.0, "state": "failed"},
                {"notebook": "b", "ok": True, "error": None, "wall_seconds": 2.0, "state": "ok",
                 "result": _result("cpu", "sample")},
                {"notebook": "c", "ok": True, "error": None, "wall_seconds": 2.0, "state": "ok",
                 "result": _result("smoke", "local")},
                {"notebook": "d", "ok": True, "error": None, "wall_seconds": 2.0, "state": "ok",
                 "result": _result("t4", "local")}]
    table = cli.summary_table(statuses, tmp_path, {"run_id": "r1", "profile": "smoke", "state": "finished"})
    rows = _table_rows(table)
    assert len(rows) == 2 + len(statuses)  # header, separator, one line per notebook
    n_columns = len(cli.SUMMARY_HEADER)
    for row in rows:  # unescaped pipes would add columns
        assert len(re.split(r"(?<!\\)\|", row)) == n_columns + 2, row
    assert "bad \\| worse<br>line two<br>line \\| three" in rows[2]
    by_name = {row.split("|")[1].strip(): row for row in rows[2:]}
    assert "TOY (bundled sample data)" in by_name["b"] and "TOY (smoke profile)" in by_name["c"]
    assert "TOY" not in by_name["d"] and "| real |" in by_name["d"]
    assert "TOY numbers" in table and (tmp_path / "summary.md").read_text(encoding="utf-8") == table + "\n"
    csv_rows = list(csv.reader(io.StringIO((tmp_path / "summary.csv").read_text(encoding="utf-8"))))
    assert csv_rows[1][1].startswith("FAILED: cell 3") and "line | three" in csv_rows[1][1]  # CSV keeps it all
    assert len(csv_rows) == 1 + len(statuses)


def test_help_names_profiles_and_output(capsys):
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    out = capsys.readouterr().out
    for name, text in profiles.PROFILE_HELP.items():
        assert name in out and text.split(":")[0] in out
    assert "summary.md" in out and "results/<notebook>.json" in out and "--out" in out


@pytest.mark.parametrize("args, ko, en", [
    (["run", "07", "-p", "MAX_STEPS=abc"], "정수(int) 값이 필요합니다", "MAX_STEPS='abc': must be an integer (int)"),
    (["run", "01", "-p", "DATASET=sick"], "가능한 값: 'nsmc', 'imdb'", "Allowed: 'nsmc', 'imdb'"),
    (["run", "01", "03", "-p", "N_TRAIN=0"], "0보다 커야", "N_TRAIN=0: must be greater than 0"),
])
def test_bad_param_values_are_refused_before_anything_runs(args, ko, en, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert ko in err and en in err
    assert not out.exists()  # refused before the output folder, the lock or any notebook


def test_cpu_profile_without_real_data_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("FTKIT_DATA_DIR", raising=False)
    monkeypatch.setenv("FTKIT_OFFLINE", "1")
    assert cli.main(["run", "01", "--profile", "cpu", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "FTKIT_DATA_DIR" in err and "needs the real data" in err and "실제 데이터가 필요" in err
    assert not (tmp_path / "out").exists()  # refused before the output folder was made


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    for out in (target, target / "sub"):
        assert cli.main(["run", "01", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert "is a file, not a folder" in err and "폴더가 아니라 파일" in err and "Traceback" not in err
    assert target.read_text() == "not a folder"


def test_out_that_is_not_writable_is_refused(tmp_path, capsys, monkeypatch):
    out = tmp_path / "locked"
    out.mkdir()
    out.chmod(0o555)
    try:
        if os.geteuid() == 0:  # root writes anywhere: make the folder refuse as a read-only one would
            monkeypatch.setattr(cli, "_open_lock", lambda path: (_ for _ in ()).throw(
                PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))))
        assert cli.main(["run", "01", "--out", str(out)]) == 2
    finally:
        out.chmod(0o755)
    err = capsys.readouterr().err
    assert "No permission to write" in err and "쓸 권한이 없습니다" in err and "--out" in err
    assert list(out.iterdir()) == []


def test_disk_full_at_the_summary_is_ftkits_error_and_keeps_the_old_summary(tmp_path, capsys, monkeypatch):
    """ENOSPC while writing summary.md: ftkit's ko/en error, and the previous summary is left whole."""
    from ftkit import report

    (tmp_path / "summary.md").write_text("previous summary\n", encoding="utf-8")
    real_fdopen = os.fdopen

    def full_disk_fdopen(fd, mode="r", *a, **kw):  # the temporary file write_text_atomic opens
        f = real_fdopen(fd, mode, *a, **kw)
        if "w" in mode:
            f.write = lambda text: (_ for _ in ()).throw(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
        return f

    monkeypatch.setattr(report.os, "fdopen", full_disk_fdopen)
    with pytest.raises(cli.OutputError) as err:
        cli.summary_table([{"notebook": "a", "ok": False, "error": "x", "wall_seconds": 1.0}], tmp_path)
    assert "Disk full" in err.value.en and "ENOSPC" in err.value.en and "디스크가 가득" in err.value.ko
    assert (tmp_path / "summary.md").read_text(encoding="utf-8") == "previous summary\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no half-written temporary left


def test_notebooks_dir_override(tmp_path, monkeypatch):
    folder = tmp_path / "nbs"
    folder.mkdir()
    stem = course.LESSONS[1][0]
    (folder / f"{stem}.ipynb").write_text("{}")
    assert cli.find_notebooks([], cli.notebook_dir(str(folder))) == [folder / f"{stem}.ipynb"]
    monkeypatch.setenv(cli.NOTEBOOK_DIR_ENV, str(folder))
    assert cli.notebook_dir() == folder
    with pytest.raises(ConfigError):
        cli.notebook_dir(str(tmp_path / "missing"))


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
    monkeypatch.delenv(cli.RUN_ID_ENV, raising=False)
    monkeypatch.setenv("FTKIT_PROFILE", "mine")
    assert cli.main(["run", "01", "--out", str(tmp_path / "out")]) == 1
    # an in-process run leaves the caller's environment as it was (later notebooks must not inherit its run id)
    assert cli.RUN_ID_ENV not in os.environ and os.environ["FTKIT_PROFILE"] == "mine"
    captured = capsys.readouterr()
    assert "FAILED" in captured.err and course.LESSONS[0][0] in captured.err and "cell 2" in captured.err
    assert "ValueError: boom" in captured.err


def test_doctor_reports(capsys):
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "GPU:" in out and "transformers:" in out and "Korean font:" in out


# --- real runner processes on stand-in notebooks -------------------------------------------------------------

STAND_IN = """
import os, time
from pathlib import Path
from ftkit import report
signals = Path(SIGNALS)
(signals / f"{NAME}.started").write_text(str(os.getpid()))
deadline = time.time() + WAIT_S
while not (signals / "release").exists() and time.time() < deadline:
    time.sleep(0.1)
report.record(NAME, {"value": VALUE}, params={"PROFILE": PROFILE})
"""


def _stand_ins(folder: Path, signals: Path, value: float, wait_s: float = 120) -> Path:
    """Small notebooks named like the first two lessons: each marks its start, waits for 'release', records."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    folder.mkdir(parents=True, exist_ok=True)
    for stem, _ in course.LESSONS[:2]:
        nb = new_notebook(cells=[
            new_code_cell("PROFILE = 'smoke'", metadata={"tags": ["parameters"]}),
            new_code_cell(f"NAME, SIGNALS, VALUE, WAIT_S = {stem!r}, {str(signals)!r}, {value!r}, {wait_s!r}"),
            new_code_cell(STAND_IN)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, folder / f"{stem}.ipynb")
    return folder


def _runner(nb_dir: Path, out: Path, *names: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(cli.REPO_ROOT), cli.NOTEBOOK_DIR_ENV: str(nb_dir)}
    return subprocess.Popen([sys.executable, "-m", "ftkit", "run", *names, "--out", str(out)], cwd=str(out.parent),
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(condition, proc: subprocess.Popen, timeout: float = 300) -> None:
    """Poll ``condition`` (no fixed sleep); fail early if the runner died."""
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"runner exited {proc.returncode} early:\n{out}\n{err}")
        assert time.monotonic() < deadline, "timed out waiting for the runner"
        time.sleep(0.05)


def test_two_runs_into_one_folder_second_refused_at_once_nothing_mixed(tmp_path):
    signals = tmp_path / "signals"
    signals.mkdir()
    first_dir, second_dir = _stand_ins(tmp_path / "a", signals, 1.0), _stand_ins(tmp_path / "b", signals, 2.0)
    out = tmp_path / "out"
    first = _runner(first_dir, out)
    try:
        stem = course.LESSONS[0][0]
        _wait_for(lambda: (signals / f"{stem}.started").exists(), first)  # first run holds the lock, mid-notebook
        t0 = time.monotonic()
        second = _runner(second_dir, out)
        s_out, s_err = second.communicate(timeout=120)
        refused_in = time.monotonic() - t0
        assert second.returncode == 2, (s_out, s_err)
        assert "Another ftkit run is already using this output folder" in s_err and "다른 ftkit run" in s_err
        assert "Traceback" not in s_err
        # refused before papermill/torch: it never started a notebook of its own
        assert not list(signals.glob("*.started"))[1:] and refused_in < 60
        (signals / "release").write_text("")
        f_out, f_err = first.communicate(timeout=300)
    finally:
        for proc in (first,):
            if proc.poll() is None:
                proc.kill()
    assert first.returncode == 0, (f_out, f_err)
    run_id = re.search(r"ftkit run (\S+):", f_out).group(1)
    for stem, _ in course.LESSONS[:2]:
        result = json.loads((out / "results" / f"{stem}.json").read_text(encoding="utf-8"))
        assert result["run_id"] == run_id and result["metrics"] == {"value": 1.0}  # only the first run's values
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert run_id in summary and "finished" in summary and summary.count("| ok |") == 2
    assert f"summary: {out / 'summary.md'}" in f_out


def test_sigint_mid_notebook_marks_the_run_interrupted(tmp_path):
    import psutil

    signals = tmp_path / "signals"
    signals.mkdir()
    nb_dir = _stand_ins(tmp_path / "nbs", signals, 1.0, wait_s=600)
    out = tmp_path / "out"
    # a previous run's outputs in the same folder must not survive looking current
    (out / "results").mkdir(parents=True)
    stem = course.LESSONS[0][0]
    (out / "results" / f"{stem}.json").write_text(json.dumps({"run_id": "old", "metrics": {"value": 9}}))
    (out / "summary.md").write_text("| old | ok |\n")
    proc = _runner(nb_dir, out)
    try:
        _wait_for(lambda: (signals / f"{stem}.started").exists(), proc)
        kernel_pid = int((signals / f"{stem}.started").read_text())
        summary = (out / "summary.md").read_text(encoding="utf-8")
        assert "running" in summary and "| old | ok |" not in summary  # written as the run goes
        proc.send_signal(signal.SIGINT)
        p_out, p_err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGINT, (p_out, p_err)
    assert "Interrupted: got SIGINT" in p_err and "중단됨" in p_err
    assert f"results/{stem}.json" in p_out  # the cleared file was listed
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert ": interrupted" in summary and "INTERRUPTED" in summary and "not run" in summary
    assert "| ok |" not in summary
    assert not (out / "results" / f"{stem}.json").exists()  # no stale result beside the interrupted run
    executed = json.loads((out / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
    statuses = [c["metadata"].get("papermill", {}).get("status") for c in executed["cells"]]
    assert "interrupted" in statuses and statuses[-1] != "completed"  # the partial notebook does not claim it ran
    deadline = time.monotonic() + 30
    while psutil.pid_exists(kernel_pid) and psutil.Process(kernel_pid).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the kernel outlived the interrupted runner"
        time.sleep(0.1)

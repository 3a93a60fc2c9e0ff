"""Bad input gets a clear ko/en error, never a planted file overwritten, a NaN scored or an infinity recorded
(issue 21's holes, each a test that failed before the fix)."""
import errno
import json
import math
import os

import numpy as np
import pytest

from ftkit import cli, evaluation, freezing, lesson, profiles, prose, report
from ftkit.errors import ConfigError, DataError, FtkitError, ResultError, WriteError


# ------------------------------------------------------------------ planted symbolic links

def test_a_symlink_planted_as_the_run_lock_is_refused_and_its_target_untouched(tmp_path):
    out, target = tmp_path / "out", tmp_path / "precious.txt"
    out.mkdir()
    target.write_text("keep me", encoding="utf-8")
    (out / cli.LOCK_NAME).symlink_to(target)
    with pytest.raises(FtkitError) as err:
        cli.RunLock(out, "r1").acquire()
    assert "symbolic link" in err.value.en and "심볼릭 링크" in err.value.ko
    assert target.read_text(encoding="utf-8") == "keep me"


def test_the_runner_stops_at_a_planted_lock_link(tmp_path, capsys):
    out, target = tmp_path / "out", tmp_path / "precious.txt"
    out.mkdir()
    target.write_text("keep me", encoding="utf-8")
    (out / cli.LOCK_NAME).symlink_to(target)
    assert cli.main(["run", "01", "--out", str(out)]) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "keep me"


def test_atomic_write_never_follows_a_planted_temp_link(tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me", encoding="utf-8")
    path = tmp_path / "summary.md"
    for pid in range(os.getpid() - 2, os.getpid() + 3):  # the names the old code used
        (tmp_path / f".{path.name}.{pid}.tmp").symlink_to(target)
    report.write_text_atomic(path, "new")
    assert path.read_text(encoding="utf-8") == "new" and target.read_text(encoding="utf-8") == "keep me"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp") and not p.is_symlink()]  # nothing left


def test_atomic_write_replaces_a_link_at_the_target_instead_of_writing_through_it(tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me", encoding="utf-8")
    path = tmp_path / "results.json"
    path.symlink_to(target)
    report.write_json_atomic(path, {"a": 1})
    assert not path.is_symlink() and json.loads(path.read_text(encoding="utf-8")) == {"a": 1}
    assert target.read_text(encoding="utf-8") == "keep me"


# ------------------------------------------------------------------ infinity and NaN

@pytest.mark.parametrize("text, en", [("1e999", "must be a finite number"), ("-1e999", "must be a finite number"),
                                      ("nan", "must be a number (float) (got str)"),
                                      ("inf", "must be a number (float) (got str)")])
def test_a_non_finite_learning_rate_is_refused_before_the_run(text, en, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["run", "01", "-p", f"LEARNING_RATE={text}", "--out", str(out)]) == 2
    assert en in capsys.readouterr().err
    assert not out.exists()


def test_non_finite_parameters_and_metrics_are_refused_not_recorded_as_null(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="finite"):
        profiles.params("01_pretraining_and_sentiment", "smoke", LEARNING_RATE=float("inf"))
    monkeypatch.setenv("FTKIT_OUTPUT_DIR", str(tmp_path))
    with pytest.raises(ResultError) as err:
        report.record("00_test", {"accuracy": float("nan")}, params={"PROFILE": "smoke"})
    assert "accuracy=nan" in err.value.en and "학습률" in err.value.ko
    with pytest.raises(ResultError, match=r"band\[1\]"):
        report.record("00_test", {"band": [0.1, float("inf")]}, params={"PROFILE": "smoke"})
    with pytest.raises(ResultError, match="LEARNING_RATE"):
        report.record("00_test", {"accuracy": 0.5}, params={"LEARNING_RATE": float("inf")})
    assert not (tmp_path / "results" / "00_test.json").exists()  # nothing half-written


def test_results_json_is_standard_json(tmp_path, monkeypatch):
    monkeypatch.setenv("FTKIT_OUTPUT_DIR", str(tmp_path))
    path = report.record("00_test", {"accuracy": np.float32(0.5), "curve": np.array([0.1, 0.2])},
                         tables={"t": [{"x": float("nan")}]}, params={"PROFILE": "smoke"})
    text = path.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    result = json.loads(text)
    assert result["metrics"] == {"accuracy": 0.5, "curve": [0.1, 0.2]}  # an array is a list, not its repr
    assert result["tables"]["t"] == [{"x": None}]  # an empty table cell stays empty
    with pytest.raises(ValueError):
        report.write_json_atomic(tmp_path / "x.json", {"x": float("nan")})


def test_nan_logits_are_refused_not_scored_as_class_zero():
    logits = np.array([[0.1, 0.9], [np.nan, np.nan], [0.8, 0.2], [np.nan, 0.0]])
    with pytest.raises(DataError) as err:
        evaluation.compute_metrics((logits, np.array([1, 0, 0, 0])))
    assert "2 example(s)" in err.value.en and "발산" in err.value.ko
    fine = evaluation.compute_metrics((np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 0])))
    assert fine["accuracy"] == 1.0


@pytest.mark.parametrize("call", [lambda: prose.change(math.nan, 0.5), lambda: prose.change(math.nan, math.nan),
                                  lambda: prose.change(0.5, math.inf), lambda: prose.speedup(math.nan),
                                  lambda: prose.direction(0.1, 0.2, math.nan), lambda: prose.proportion_band(math.nan, 10)])
def test_prose_refuses_to_write_a_sentence_about_nan(call):
    with pytest.raises(ResultError) as err:
        call()
    assert "finite" in err.value.en and "유한한 수" in err.value.ko


def test_prose_still_speaks_for_numpy_numbers():
    assert prose.change(np.float32(0.5), np.float64(0.7)) == "0.500에서 0.700으로 올랐습니다"


# ------------------------------------------------------------------ layer indices

@pytest.fixture(scope="module")
def tiny_classifier():
    from transformers import AutoModelForSequenceClassification

    from ftkit import models

    return AutoModelForSequenceClassification.from_pretrained(models.build_tiny_model(), num_labels=2)


@pytest.mark.parametrize("bad", [1.0, "1", True, None])
def test_layer_indices_must_be_integers(tiny_classifier, bad):
    with pytest.raises(ConfigError) as err:
        freezing.set_layers_trainable(tiny_classifier, [bad], False)
    assert "integers" in err.value.en and "정수" in err.value.ko


def test_numpy_integer_layer_indices_work(tiny_classifier):
    frozen = freezing.set_layers_trainable(tiny_classifier, [np.int64(1)], False)
    assert frozen > 0
    freezing.set_layers_trainable(tiny_classifier, [1], True)


# ------------------------------------------------------------------ the runner

def test_a_malformed_results_json_fails_that_lesson_and_the_run_finishes(tmp_path, monkeypatch):
    import papermill

    def fake_execute(src, dst, **kwargs):  # a notebook that leaves a broken results file
        (tmp_path / "results").mkdir(exist_ok=True)
        (tmp_path / "results" / "01_pretraining_and_sentiment.json").write_text("{not json", encoding="utf-8")

    monkeypatch.setattr(papermill, "execute_notebook", fake_execute)
    status = cli.execute(cli.find_notebooks(["01"])[0], "smoke", tmp_path)
    assert status["state"] == "failed" and "cannot be read" in status["error"]
    assert "01_pretraining_and_sentiment.json" in status["error"]


def test_a_dead_kernel_gets_a_memory_hint(tmp_path, monkeypatch):
    import papermill

    class DeadKernelError(RuntimeError):
        pass

    def fake_execute(src, dst, **kwargs):
        raise DeadKernelError("Kernel died")

    monkeypatch.setattr(papermill, "execute_notebook", fake_execute)
    status = cli.execute(cli.find_notebooks(["01"])[0], "smoke", tmp_path)
    assert "DeadKernelError" in status["error"] and "out of memory" in status["error"]
    assert "메모리 부족" in status["error"] and "ftkit plan" in status["error"]


def test_the_same_lesson_named_twice_runs_once():
    assert cli.find_notebooks(["01", "01", "01_pretraining_and_sentiment", "02"]) == cli.find_notebooks(["01", "02"])


def test_kernels_keep_their_caches_out_of_home(tmp_path, monkeypatch):
    for key in ("HF_DATASETS_CACHE", "MPLCONFIGDIR", "IPYTHONDIR"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("FTKIT_CACHE_DIR", str(tmp_path / "cache"))
    env = cli.kernel_env("cpu", tmp_path / "out")
    assert env["HF_DATASETS_CACHE"].startswith(str(tmp_path / "cache"))
    assert env["MPLCONFIGDIR"].startswith(str(tmp_path / "out")) and env["IPYTHONDIR"].startswith(str(tmp_path / "out"))
    monkeypatch.setenv("MPLCONFIGDIR", "/somewhere/mine")
    assert "MPLCONFIGDIR" not in cli.kernel_env("cpu", tmp_path / "out")  # the user's choice is kept


# ------------------------------------------------------------------ parameter values

@pytest.mark.parametrize("args, en", [
    (["-p", "SEED=-1"], "SEED=-1: must be an integer from 0 to 2**32 - 1"),
    (["-p", f"SEED={2**40}"], "must be an integer from 0 to 2**32 - 1"),
    (["-p", "MAX_LENGTH=100000"], "takes at most 512 tokens"),
    (["-p", "N_TRAIN=None"], "None means 'the profile's value'"),
])
def test_out_of_range_values_are_refused_before_the_run(args, en, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["run", "01", *args, "--out", str(out)]) == 2
    assert en in capsys.readouterr().err and not out.exists()


def test_say_with_an_unknown_key_names_the_recorded_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("FTKIT_OUTPUT_DIR", str(tmp_path))
    run = lesson.Lesson("00_test", {"PROFILE": "smoke", "SEED": 1}, data_source="local")
    run.record({"accuracy": 0.5})
    with pytest.raises(ConfigError) as err:
        run.say("정확도 {acuracy:.2f}")
    assert "'acuracy'" in err.value.en and "accuracy" in err.value.en and "run.record" in err.value.ko


def test_recording_into_a_folder_that_cannot_be_written_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("FTKIT_OUTPUT_DIR", str(tmp_path))

    def full(path, obj):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(report, "write_json_atomic", full)
    with pytest.raises(WriteError) as err:
        report.record("00_test", {"accuracy": 0.5}, params={"PROFILE": "smoke"})
    assert "Free some disk space" in err.value.en and "디스크" in err.value.ko


def test_a_cache_dir_that_is_a_file_names_the_variable(tmp_path, monkeypatch):
    from ftkit import paths

    (tmp_path / "file").write_text("x", encoding="utf-8")
    monkeypatch.setenv("FTKIT_CACHE_DIR", str(tmp_path / "file"))
    with pytest.raises(ConfigError) as err:
        paths.cache_dir()
    assert "FTKIT_CACHE_DIR" in err.value.en and "FTKIT_CACHE_DIR" in err.value.ko and "not a folder" in err.value.en


def test_a_folder_without_a_model_is_not_accepted_as_one(tmp_path):
    from ftkit import models
    from ftkit.errors import ModelNotAvailableError

    with pytest.raises(ModelNotAvailableError) as err:
        models.resolve(str(tmp_path))  # like resolve('/etc')
    assert "config.json" in err.value.en and "save_pretrained" in err.value.ko
    assert models.resolve(str(models.build_tiny_model())) == str(models.build_tiny_model())

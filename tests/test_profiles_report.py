"""Profiles resolve parameters; results are recorded as JSON; prose numbers come from metrics."""
import builtins
import errno
import io
import json
import math
import os

import pytest

from ftkit import lesson, profiles, report
from ftkit.errors import ConfigError, MissingDataError


def test_every_registered_lesson_has_all_profiles():
    from ftkit import course

    for stem, _ in course.LESSONS:
        if stem in profiles.NOTEBOOKS:
            assert set(profiles.NOTEBOOKS[stem]) == set(profiles.PROFILES), stem
            keys = [set(profiles.NOTEBOOKS[stem][p]) for p in profiles.PROFILES]
            assert keys[0] == keys[1] == keys[2], f"{stem}: profiles must define the same parameters"


def test_params_pick_model_by_dataset_language():
    ko = profiles.params("01_pretraining_and_sentiment", "smoke")
    en = profiles.params("01_pretraining_and_sentiment", "smoke", DATASET="imdb")
    assert ko["MODEL_ID"] == profiles.E5 and en["MODEL_ID"] == profiles.MINILM
    assert ko["PROFILE"] == "smoke"


def test_none_overrides_keep_profile_values():
    p = profiles.params("01_pretraining_and_sentiment", "cpu", N_TRAIN=None, EPOCHS=3)
    assert p["N_TRAIN"] == profiles.NOTEBOOKS["01_pretraining_and_sentiment"]["cpu"]["N_TRAIN"]
    assert p["EPOCHS"] == 3


def test_auto_profile_follows_the_machine_and_the_data(monkeypatch, tmp_path, capsys):
    """auto: t4 on a CUDA GPU; without one, cpu where the real data is reachable, else smoke saying so."""
    import torch

    monkeypatch.delenv("FTKIT_PROFILE", raising=False)
    monkeypatch.setenv("FTKIT_OFFLINE", "1")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("FTKIT_DATA_DIR", str(tmp_path))
    assert profiles.resolve_profile("auto", announce=True) == "cpu"
    assert capsys.readouterr().out == ""
    monkeypatch.delenv("FTKIT_DATA_DIR")
    assert profiles.resolve_profile("auto") == "smoke" and capsys.readouterr().out == ""
    assert profiles.resolve_profile("auto", announce=True) == "smoke"
    out = capsys.readouterr().out
    assert "TOY" in out and "FTKIT_DATA_DIR" in out
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert profiles.resolve_profile("auto") == "t4"


@pytest.mark.parametrize("name", ["reduced", "REDUCED"])
def test_the_old_profile_name_is_refused_with_the_new_ones(name):
    with pytest.raises(ConfigError) as err:
        profiles.params("01_pretraining_and_sentiment", name.lower())
    assert "'cpu'" in err.value.en and "'t4'" in err.value.en and "'cpu'" in err.value.ko


@pytest.mark.parametrize("call, text", [
    (lambda: profiles.params("01_pretraining_and_sentiment", "huge"), "Unknown profile"),
    (lambda: profiles.params("99_nothing", "smoke"), "Unknown notebook"),
    (lambda: profiles.params("01_pretraining_and_sentiment", "smoke", N_TRAINS=5), "N_TRAINS"),
])
def test_bad_profile_notebook_parameter_errors_are_bilingual(call, text):
    with pytest.raises(ConfigError) as err:
        call()
    assert text in str(err.value) and any("\uac00" <= ch <= "\ud7a3" for ch in err.value.ko)


def test_record_writes_json_with_required_fields():
    path = report.record("00_test", {"acc": 0.5}, tables={"t": [{"a": 1}]}, params={"PROFILE": "smoke"})
    result = json.loads(path.read_text(encoding="utf-8"))
    assert set(result) >= {"notebook", "profile", "device", "wall_seconds", "peak_memory_mb", "metrics", "tables"}
    assert result["profile"] == "smoke" and result["metrics"]["acc"] == 0.5
    with pytest.raises(ValueError, match="not a finite number"):  # a NaN metric fails the run (test_bad_input)
        report.record("00_test", {"acc": 0.5, "bad": float("nan")}, params={"PROFILE": "smoke"})
    assert result["peak_memory_mb"] > 10 and math.isfinite(result["wall_seconds"])


def test_say_renders_only_recorded_metrics():
    run = lesson.Lesson("00_test", {"PROFILE": "smoke", "SEED": 1})
    with pytest.raises(RuntimeError):
        run.say("{acc}")
    run.record({"acc": 0.8125, "n": 16})
    text = run.say("정확도 {acc:.3f}, 샘플 {n}개")
    assert text == "정확도 0.812, 샘플 16개" or text == "정확도 0.813, 샘플 16개"
    with pytest.raises(ConfigError, match="not_recorded"):
        run.say("{not_recorded:.2f}")
    assert report.load("00_test")["said"] == [text]


def test_tsdae_starts_from_plain_bert_and_falls_back_to_a_tuned_model():
    """TSDAE's paper starts from a model that never learned similarity; offline only tuned ones exist, so the
    notebook falls back to FALLBACK_MODEL_ID (and says so)."""
    from ftkit import models

    for dataset in ("question_pair", "mrpc"):
        for profile in profiles.PROFILES:
            p = profiles.params("07_tsdae", profile, DATASET=dataset)
            assert p["MODEL_ID"] not in models.SIMILARITY_TUNED
            assert p["FALLBACK_MODEL_ID"] in models.SIMILARITY_TUNED


def test_augmented_sbert_student_is_a_cut_korean_capable_model():
    from ftkit import models

    for profile in profiles.PROFILES:
        p = profiles.params("06_augmented_sbert", profile)
        assert p["STUDENT_ID"] == models.E5 and p["PREFIX"] == "query: "
        assert isinstance(p["STUDENT_LAYERS"], int) and 1 <= p["STUDENT_LAYERS"] < 12
        assert set(p["SAMPLERS"]) <= {"bm25", "semantic", "random"} and p["SAMPLERS"][0] == "bm25"


def test_discard_if_smoke_deletes_only_smoke_outputs(tmp_path, monkeypatch):
    from ftkit import lesson

    monkeypatch.setenv("FTKIT_OUTPUT_DIR", str(tmp_path))
    smoke = lesson.Lesson("01_pretraining_and_sentiment", {"PROFILE": "smoke"})
    saved = smoke.out("saved_model")
    (saved / "model.safetensors").write_bytes(b"x")
    assert smoke.discard_if_smoke(saved) and not saved.exists()
    assert not smoke.discard_if_smoke(saved)  # already gone
    kept = lesson.Lesson("01_pretraining_and_sentiment", {"PROFILE": "cpu"}).out("saved_model")
    assert not lesson.Lesson("01_pretraining_and_sentiment", {"PROFILE": "cpu"}).discard_if_smoke(kept)
    assert kept.exists()
    outside = tmp_path.parent / "elsewhere"
    outside.mkdir(exist_ok=True)
    with pytest.raises(ValueError):
        smoke.discard_if_smoke(outside)


def test_every_profile_value_passes_its_lessons_schema():
    from ftkit import data

    for stem in profiles.NOTEBOOKS:
        schema = profiles.schema_for(stem)
        assert set(schema) >= set(profiles.params(stem, "smoke")), stem
        for prof in profiles.PROFILES:
            profiles.check_values(stem, profiles.params(stem, prof))  # raises on a profile the schema refuses
        for name, param in schema.items():
            if name.endswith("DATASET") and param.choices:
                assert set(param.choices) <= set(data.DATASETS), (stem, name)


@pytest.mark.parametrize("stem, overrides, ko, en", [
    ("07_tsdae", {"MAX_STEPS": "abc"}, "MAX_STEPS='abc': 정수(int)", "MAX_STEPS='abc': must be an integer (int)"),
    ("01_pretraining_and_sentiment", {"DATASET": "sick"}, "가능한 값: 'nsmc', 'imdb'", "Allowed: 'nsmc', 'imdb'"),
    ("01_pretraining_and_sentiment", {"FREEZE_EMBEDDINGS": 1}, "참/거짓(bool)", "must be a bool"),
    ("01_pretraining_and_sentiment", {"EPOCHS": True}, "정수(int)", "must be an integer (int)"),
    ("01_pretraining_and_sentiment", {"LEARNING_RATE": -1e-4}, "0보다 커야", "must be greater than 0"),
    ("03_training_loop_nli", {"MAX_LENGTH": "long"}, "'auto'", "must be an integer (int) or 'auto'"),
    ("03_training_loop_nli", {"EXTRA_EVAL": "kornli"}, "가능한 값: 'mnli_samples', None", "Allowed: 'mnli_samples', None"),
    ("06_augmented_sbert", {"SAMPLERS": ["bm25", "bm26"]}, "SAMPLERS[1]='bm26'", "Allowed: 'bm25', 'semantic', 'random'"),
    ("06_augmented_sbert", {"SAMPLERS": []}, "하나 이상", "needs at least one value"),
    ("06_augmented_sbert", {"SAMPLERS": "bm25"}, "list", "got str"),
    ("03_training_loop_nli", {"LEARNING_RATES": [1e-4, -1]}, "0보다 커야", "LEARNING_RATES[1]=-1: must be greater than 0"),
    ("07_tsdae", {"DATASET": "kornli"}, "'question_pair', 'mrpc'", "Allowed: 'question_pair', 'mrpc'"),
    ("07_tsdae", {"DELETE_RATIO": 1.5}, "1보다 작아야", "must be less than 1"),
])
def test_bad_parameter_values_are_refused_with_what_is_allowed(stem, overrides, ko, en):
    with pytest.raises(ConfigError) as err:
        profiles.params(stem, "smoke", **overrides)
    assert ko in err.value.ko and en in err.value.en


def test_good_parameter_values_pass():
    assert profiles.params("03_training_loop_nli", "smoke", DATASET="sick", MAX_LENGTH=64)["MAX_LENGTH"] == 64
    assert profiles.params("03_training_loop_nli", "smoke", MAX_LENGTH="auto")["EXTRA_EVAL"] is None
    assert profiles.params("01_pretraining_and_sentiment", "smoke", LEARNING_RATE=1, N_TRAIN=None)["LEARNING_RATE"] == 1


def test_a_notebook_without_schema_entries_gets_types_from_its_profiles(monkeypatch):
    new = {p: dict(DATASET="nsmc", N_TRAIN=n, LR=1e-4, TAG="x", USE=True) for p, n in
           zip(profiles.PROFILES, (8, 100, None))}
    monkeypatch.setitem(profiles.NOTEBOOKS, "99_new_lesson", new)
    schema = profiles.schema_for("99_new_lesson")
    assert schema["N_TRAIN"].types == (int,) and schema["N_TRAIN"].nullable and schema["N_TRAIN"].positive
    assert schema["USE"].types == (bool,) and schema["TAG"].types == (str,) and schema["DATASET"].choices is None
    assert profiles.params("99_new_lesson", "smoke", N_TRAIN=None, LR=2, TAG="y")["LR"] == 2
    with pytest.raises(ConfigError, match="N_TRAIN='many'"):
        profiles.params("99_new_lesson", "smoke", N_TRAIN="many")


def test_record_stamps_run_id_and_data_source(monkeypatch):
    monkeypatch.setenv(report.RUN_ID_ENV, "run-123")
    path = report.record("00_test", {"acc": 0.5}, params={"PROFILE": "smoke"}, data_source="sample")
    result = json.loads(path.read_text(encoding="utf-8"))
    assert result["run_id"] == "run-123" and result["data_source"] == "sample"
    monkeypatch.delenv(report.RUN_ID_ENV)
    assert report.load("00_test") == result
    assert json.loads(report.record("00_test", {"acc": 0.5}).read_text(encoding="utf-8"))["run_id"] is None


def test_add_said_is_atomic_when_the_disk_is_full(monkeypatch):
    """ENOSPC while run.say appends its text: the recorded metrics stay valid JSON."""
    run = lesson.Lesson("00_test", {"PROFILE": "smoke", "SEED": 1})
    path = run.record({"acc": 0.75})
    before = path.read_bytes()
    real_open = open

    def full_disk_open(file, mode="r", *a, **kw):
        f = real_open(file, mode, *a, **kw)
        if "w" in mode:
            f.write = lambda text: (_ for _ in ()).throw(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
        return f

    monkeypatch.setattr(builtins, "open", full_disk_open)
    monkeypatch.setattr(io, "open", full_disk_open)  # what Path.write_text uses
    with pytest.raises(OSError) as err:
        run.say("정확도 {acc:.2f}")
    assert err.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert path.read_bytes() == before and json.loads(before)["metrics"] == {"acc": 0.75}
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_sample_data_runs_say_so_in_results_and_prose(monkeypatch):
    monkeypatch.delenv("FTKIT_DATA_DIR", raising=False)
    monkeypatch.setenv("FTKIT_OFFLINE", "1")
    assert lesson.data_source() == "sample" and lesson.check_data_for("smoke") == "sample"
    run = lesson.Lesson("00_test", {"PROFILE": "smoke", "SEED": 1}, data_source="sample")
    run.record({"acc": 0.5})
    text = run.say("정확도 {acc:.2f}")
    assert text.startswith(lesson.SAMPLE_NOTICE) and text.endswith("정확도 0.50")
    result = report.load("00_test")
    assert result["data_source"] == "sample" and result["said"] == [text]
    real = lesson.Lesson("00_test", {"PROFILE": "cpu", "SEED": 1}, data_source="local")
    real.record({"acc": 0.5})
    assert real.say("정확도 {acc:.2f}") == "정확도 0.50"


@pytest.mark.parametrize("profile", ["cpu", "t4", "full"])
def test_real_data_profiles_refuse_the_bundled_samples(profile, monkeypatch, tmp_path):
    monkeypatch.delenv("FTKIT_DATA_DIR", raising=False)
    monkeypatch.setenv("FTKIT_OFFLINE", "1")
    with pytest.raises(MissingDataError) as err:
        lesson.start("01_pretraining_and_sentiment", profile)
    assert "FTKIT_DATA_DIR" in err.value.en and "FTKIT_DATA_DIR" in err.value.ko and "smoke" in err.value.en
    monkeypatch.setenv("FTKIT_DATA_DIR", str(tmp_path))
    assert lesson.check_data_for(profile) == "local"
    monkeypatch.delenv("FTKIT_DATA_DIR")
    monkeypatch.delenv("FTKIT_OFFLINE")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    assert lesson.check_data_for(profile) == "download"


def test_start_hides_only_the_library_deprecation_a_learner_cannot_fix(monkeypatch, tmp_path):
    import warnings

    from transformers import BertConfig, BertModel

    model = BertModel(BertConfig(vocab_size=16, hidden_size=8, num_hidden_layers=1, num_attention_heads=1,
                                 intermediate_size=8))
    with warnings.catch_warnings(record=True) as before:
        warnings.simplefilter("always")
        model.is_gradient_checkpointing  # what peft and Trainer read
    assert any("is_gradient_checkpointing" in str(w.message) for w in before), "the library no longer warns"
    monkeypatch.setenv("FTKIT_OUTPUT_DIR", str(tmp_path))
    with warnings.catch_warnings(record=True) as after:
        warnings.simplefilter("always")
        lesson.start("01_pretraining_and_sentiment", "smoke")
        model.is_gradient_checkpointing
        warnings.warn("a warning the learner should see", FutureWarning)
    assert [str(w.message) for w in after if issubclass(w.category, FutureWarning)] == [
        "a warning the learner should see"]


def test_peak_memory_is_the_lessons_own_not_its_parents():
    """A kernel started by a big process (papermill under pytest) reports its own peak: ru_maxrss survives exec
    (the child would read the parent's 800 MB), VmHWM does not."""
    import subprocess
    import sys

    child = ("import resource; from ftkit import report; "
             "print(report.peak_memory_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    parent = ("import subprocess, sys; big = bytearray(800 * 2**20); big[::4096] = b'x' * len(big[::4096]); "
              f"print(subprocess.run([sys.executable, '-c', {child!r}], capture_output=True, text=True, "
              "check=True).stdout)")
    out = subprocess.run([sys.executable, "-c", parent], capture_output=True, text=True, check=True).stdout.split()
    own, inherited = float(out[0]), float(out[1])
    assert inherited > 800  # what ru_maxrss says: the parent's size carried over exec
    assert own < 400  # what the lesson records: an interpreter with ftkit.report imported

"""Profiles resolve parameters; results are recorded as JSON; prose numbers come from metrics."""
import json
import math

import pytest

from ftkit import lesson, profiles, report
from ftkit.errors import ConfigError


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
    p = profiles.params("01_pretraining_and_sentiment", "reduced", N_TRAIN=None, EPOCHS=3)
    assert p["N_TRAIN"] == profiles.NOTEBOOKS["01_pretraining_and_sentiment"]["reduced"]["N_TRAIN"]
    assert p["EPOCHS"] == 3


def test_auto_profile_is_smoke_without_gpu():
    import torch

    assert profiles.resolve_profile("auto") == ("reduced" if torch.cuda.is_available() else "smoke")


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
    path = report.record("00_test", {"acc": 0.5, "bad": float("nan")}, tables={"t": [{"a": 1}]},
                         params={"PROFILE": "smoke"})
    result = json.loads(path.read_text(encoding="utf-8"))
    assert set(result) >= {"notebook", "profile", "device", "wall_seconds", "peak_memory_mb", "metrics", "tables"}
    assert result["profile"] == "smoke" and result["metrics"]["acc"] == 0.5
    assert result["metrics"]["bad"] is None  # NaN never reaches JSON as an invalid token
    assert result["peak_memory_mb"] > 10 and math.isfinite(result["wall_seconds"])


def test_say_renders_only_recorded_metrics():
    run = lesson.Lesson("00_test", {"PROFILE": "smoke", "SEED": 1})
    with pytest.raises(RuntimeError):
        run.say("{acc}")
    run.record({"acc": 0.8125, "n": 16})
    text = run.say("정확도 {acc:.3f}, 샘플 {n}개")
    assert text == "정확도 0.812, 샘플 16개" or text == "정확도 0.813, 샘플 16개"
    with pytest.raises(KeyError):
        run.say("{not_recorded:.2f}")
    assert report.load("00_test")["said"] == [text]


def test_tsdae_full_profile_starts_from_plain_bert():
    """TSDAE's paper starts from a model that never learned similarity; offline only tuned ones exist."""
    from ftkit import models

    for dataset in ("kornli", "sick"):
        assert profiles.params("07_tsdae", "full", DATASET=dataset)["MODEL_ID"] not in models.SIMILARITY_TUNED
        assert profiles.params("07_tsdae", "reduced", DATASET=dataset)["MODEL_ID"] in models.SIMILARITY_TUNED


def test_discard_if_smoke_deletes_only_smoke_outputs(tmp_path, monkeypatch):
    from ftkit import lesson

    monkeypatch.setenv("FTKIT_OUTPUT_DIR", str(tmp_path))
    smoke = lesson.Lesson("01_pretraining_and_sentiment", {"PROFILE": "smoke"})
    saved = smoke.out("saved_model")
    (saved / "model.safetensors").write_bytes(b"x")
    assert smoke.discard_if_smoke(saved) and not saved.exists()
    assert not smoke.discard_if_smoke(saved)  # already gone
    kept = lesson.Lesson("01_pretraining_and_sentiment", {"PROFILE": "reduced"}).out("saved_model")
    assert not lesson.Lesson("01_pretraining_and_sentiment", {"PROFILE": "reduced"}).discard_if_smoke(kept)
    assert kept.exists()
    outside = tmp_path.parent / "elsewhere"
    outside.mkdir(exist_ok=True)
    with pytest.raises(ValueError):
        smoke.discard_if_smoke(outside)

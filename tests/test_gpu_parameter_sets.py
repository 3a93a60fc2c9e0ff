"""The t4 and full parameter sets run on CPU: each lesson executes with every value of those profiles except the
sizes (cut to the smoke profile's: a few rows, one step or epoch) and models only learners online have, so a typo
in a GPU profile fails CI instead of a learner on Colab. The real data is needed (the profiles refuse samples)."""
import json

import pytest

from ftkit import cli, models, paths, profiles

from test_notebooks_run import NOTEBOOKS

pytestmark = pytest.mark.notebook

# Parameters that only size the work; everything else (datasets, rates, samplers, freezing, lengths) is kept.
SIZES = {"N_TRAIN", "N_EVAL", "N_VALID", "N_COMPARE", "N_GOLD", "N_SILVER", "N_SENTENCES", "N_GENERAL", "N_SHOW",
         "EPOCHS", "MAX_STEPS", "GENTLE_STEPS", "TEACHER_EPOCHS", "STUDENT_EPOCHS", "EVAL_EVERY", "MAX_NEW_TOKENS"}
# Lesson 08's full fine-tuning at the t4 batch (16 x 128 tokens over a 262k-word vocabulary) needs ~10 GB on CPU.
MEMORY = {"08_llm_instruction_tuning": {"BATCH_SIZE", "MAX_LENGTH"}}


def cut_to_smoke(stem: str, profile: str) -> dict:
    """Overrides that keep ``profile``'s values but run at smoke size, with models served offline."""
    smoke = profiles.params(stem, "smoke")
    values = profiles.params(stem, profile)
    extra = {k: smoke[k] for k in SIZES | MEMORY.get(stem, set()) if k in values and values[k] != smoke[k]}
    offline = set(models.available_offline())
    for key in ("MODEL_ID", "STUDENT_ID"):
        if key in values and values[key] not in offline and smoke.get(key) in offline:
            extra[key] = smoke[key]  # klue/bert-base and the like are for learners online
    return extra


def test_cut_to_smoke_keeps_what_is_not_size():
    extra = cut_to_smoke("06_augmented_sbert", "t4")
    assert "SAMPLERS" not in extra and "FREEZE_EMBEDDINGS" not in extra and extra["N_SILVER"] == 16
    assert cut_to_smoke("01_pretraining_and_sentiment", "full")["MODEL_ID"] == profiles.E5  # not klue/bert-base


@pytest.mark.parametrize("profile", ["t4", "full"])
@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_gpu_profile_values_run_on_cpu(nb, profile, tmp_path, monkeypatch):
    if paths.data_dir() is None:
        pytest.skip("set FTKIT_DATA_DIR to the course data folder (the t4 and full profiles refuse the samples)")
    extra = cut_to_smoke(nb.stem, profile)
    for key, value in cli.kernel_env(profile, tmp_path).items():
        monkeypatch.setenv(key, value)
    status = cli.execute(nb, profile, tmp_path, extra=extra)
    assert status["ok"], f"{nb.stem} ({profile}, {extra}) failed: {status['error']}"
    result = json.loads((tmp_path / "results" / f"{nb.stem}.json").read_text(encoding="utf-8"))
    assert result["profile"] == profile and result["data_source"] == "local"
    kept = {k: v for k, v in profiles.params(nb.stem, profile).items() if k not in extra and k != "PROFILE"}
    assert {k: result["params"][k] for k in kept} == kept  # the run used the profile's own values

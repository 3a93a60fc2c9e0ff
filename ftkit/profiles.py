"""Run profiles: one plain mapping of notebook parameters per notebook and profile.

- ``smoke``: CPU, offline, tiny counts (tests and CI; a laptop learner without a GPU).
- ``reduced``: real data subsets and the offline-capable real models (the GPU-runner profile; slow on CPU).
- ``full``: the seed tutorials' scale (GPU, online models such as ``klue/bert-base``).

A value given as ``{"ko": ..., "en": ...}`` is picked by the language of the notebook's ``DATASET``.
"""
from __future__ import annotations

import copy
from typing import Any

from ftkit.errors import ConfigError

PROFILES = ("smoke", "reduced", "full")

E5 = "intfloat/multilingual-e5-small"
GEMMA = "google/gemma-3-270m"
MINILM = "sentence-transformers/all-MiniLM-L6-v2"

NOTEBOOKS: dict[str, dict[str, dict[str, Any]]] = {
    "01_pretraining_and_sentiment": {
        "smoke": dict(DATASET="nsmc", MODEL_ID={"ko": E5, "en": MINILM}, N_TRAIN=256, N_EVAL=160,
                      EPOCHS=2, BATCH_SIZE=16, MAX_LENGTH=48, LEARNING_RATE=1e-4, FREEZE_EMBEDDINGS=True),
        "reduced": dict(DATASET="nsmc", MODEL_ID={"ko": E5, "en": MINILM}, N_TRAIN=4000, N_EVAL=1000,
                        EPOCHS=2, BATCH_SIZE=32, MAX_LENGTH=64, LEARNING_RATE=1e-4, FREEZE_EMBEDDINGS=True),
        "full": dict(DATASET="nsmc", MODEL_ID={"ko": "klue/bert-base", "en": "bert-base-uncased"},
                     N_TRAIN=None, N_EVAL=None, EPOCHS=2, BATCH_SIZE=32, MAX_LENGTH=128,
                     LEARNING_RATE=2e-5, FREEZE_EMBEDDINGS=False),
    },
    "05_sentence_embeddings": {
        "smoke": dict(DATASET="kornli", STS_DATASET={"ko": "korsts", "en": "stsb"}, MODEL_ID={"ko": E5, "en": MINILM},
                      PREFIX={"ko": "query: ", "en": ""}, HARD_NEGATIVES={"ko": True, "en": False}, N_TRAIN=32,
                      N_EVAL=64, EPOCHS=1, BATCH_SIZE=16, MAX_LENGTH=32, LEARNING_RATE=5e-5,
                      GENTLE_LEARNING_RATE=5e-6, GENTLE_STEPS=1, FREEZE_EMBEDDINGS=True),
        "reduced": dict(DATASET="kornli", STS_DATASET={"ko": "korsts", "en": "stsb"},
                        MODEL_ID={"ko": E5, "en": MINILM}, PREFIX={"ko": "query: ", "en": ""},
                        HARD_NEGATIVES={"ko": True, "en": False}, N_TRAIN=2500, N_EVAL=None, EPOCHS=1,
                        BATCH_SIZE=32, MAX_LENGTH=64, LEARNING_RATE=5e-5, GENTLE_LEARNING_RATE=5e-6,
                        GENTLE_STEPS=20, FREEZE_EMBEDDINGS=True),
        "full": dict(DATASET="kornli", STS_DATASET={"ko": "korsts", "en": "stsb"}, MODEL_ID={"ko": E5, "en": MINILM},
                     PREFIX={"ko": "query: ", "en": ""}, HARD_NEGATIVES={"ko": True, "en": False}, N_TRAIN=None,
                     N_EVAL=None, EPOCHS=1, BATCH_SIZE=64, MAX_LENGTH=128, LEARNING_RATE=2e-5,
                     GENTLE_LEARNING_RATE=2e-6, GENTLE_STEPS=50, FREEZE_EMBEDDINGS=False),
    },
    "02_sentence_pairs_dynamic_padding": {
        "smoke": dict(DATASET="question_pair", MODEL_ID={"ko": E5, "en": MINILM}, N_TRAIN=32, N_EVAL=32,
                      EPOCHS=1, BATCH_SIZE=16, MAX_LENGTH=64, LEARNING_RATE=1e-4, FREEZE_EMBEDDINGS=True),
        "reduced": dict(DATASET="question_pair", MODEL_ID={"ko": E5, "en": MINILM}, N_TRAIN=2000, N_EVAL=None,
                        EPOCHS=2, BATCH_SIZE=32, MAX_LENGTH=128, LEARNING_RATE=1e-4, FREEZE_EMBEDDINGS=True),
        "full": dict(DATASET="question_pair", MODEL_ID={"ko": "klue/bert-base", "en": "bert-base-uncased"},
                     N_TRAIN=None, N_EVAL=None, EPOCHS=3, BATCH_SIZE=32, MAX_LENGTH=128, LEARNING_RATE=2e-5,
                     FREEZE_EMBEDDINGS=False),
    },
    "06_augmented_sbert": {
        "smoke": dict(DATASET="korsts", MODEL_ID={"ko": E5, "en": MINILM}, STUDENT_ID=MINILM, PREFIX="",
                      N_GOLD=16, N_EVAL=24, N_SILVER=16, SAMPLING="bm25", TOP_K=2, MAX_LENGTH=32, BATCH_SIZE=16,
                      TEACHER_EPOCHS=1, TEACHER_LR=5e-5, HEAD_LR=1e-3, STUDENT_EPOCHS=1, STUDENT_LR=2e-5,
                      FREEZE_EMBEDDINGS=True),
        "reduced": dict(DATASET="korsts", MODEL_ID={"ko": E5, "en": MINILM}, STUDENT_ID=MINILM, PREFIX="",
                        N_GOLD=1000, N_EVAL=None, N_SILVER=3000, SAMPLING="bm25", TOP_K=3, MAX_LENGTH=64,
                        BATCH_SIZE=16, TEACHER_EPOCHS=4, TEACHER_LR=5e-5, HEAD_LR=1e-3, STUDENT_EPOCHS=1,
                        STUDENT_LR=2e-5, FREEZE_EMBEDDINGS=True),
        "full": dict(DATASET="korsts", MODEL_ID={"ko": E5, "en": MINILM}, STUDENT_ID=MINILM, PREFIX="",
                     N_GOLD=2000, N_EVAL=None, N_SILVER=10000, SAMPLING="bm25", TOP_K=5, MAX_LENGTH=128,
                     BATCH_SIZE=32, TEACHER_EPOCHS=4, TEACHER_LR=5e-5, HEAD_LR=1e-3, STUDENT_EPOCHS=2,
                     STUDENT_LR=2e-5, FREEZE_EMBEDDINGS=False),
    },
    "07_tsdae": {
        "smoke": dict(DATASET="kornli", STS_DATASET={"ko": "korsts", "en": "stsb"}, MODEL_ID={"ko": E5, "en": MINILM},
                      N_SENTENCES=64, N_EVAL=64, DELETE_RATIO=0.6, MAX_STEPS=2, BATCH_SIZE=4, MAX_LENGTH=24,
                      LEARNING_RATE=3e-5, FREEZE_EMBEDDINGS=True),
        "reduced": dict(DATASET="kornli", STS_DATASET={"ko": "korsts", "en": "stsb"},
                        MODEL_ID={"ko": E5, "en": MINILM}, N_SENTENCES=None, N_EVAL=None, DELETE_RATIO=0.6,
                        MAX_STEPS=200, BATCH_SIZE=8, MAX_LENGTH=32, LEARNING_RATE=5e-5, FREEZE_EMBEDDINGS=True),
        "full": dict(DATASET="kornli", STS_DATASET={"ko": "korsts", "en": "stsb"},
                     MODEL_ID={"ko": "klue/bert-base", "en": "bert-base-uncased"},  # the paper starts from plain BERT
                     N_SENTENCES=None, N_EVAL=None, DELETE_RATIO=0.6, MAX_STEPS=2000, BATCH_SIZE=8, MAX_LENGTH=64,
                     LEARNING_RATE=3e-5, FREEZE_EMBEDDINGS=False),
    },
    "03_training_loop_nli": {
        "smoke": dict(DATASET="kornli", MODEL_ID={"ko": E5, "en": MINILM},
                      EXTRA_EVAL={"ko": None, "en": "mnli_samples"}, N_TRAIN=32, N_EVAL=32, EPOCHS=2,
                      BATCH_SIZE=16, MAX_LENGTH="auto", LEARNING_RATE=1e-4,
                      HEAD_LEARNING_RATE=1e-3, WARMUP_RATIO=0.1, FREEZE_EMBEDDINGS=True),
        "reduced": dict(DATASET="kornli", MODEL_ID={"ko": E5, "en": MINILM},
                        EXTRA_EVAL={"ko": None, "en": "mnli_samples"}, N_TRAIN=None, N_EVAL=1000, EPOCHS=2,
                        BATCH_SIZE=32, MAX_LENGTH="auto", LEARNING_RATE=5e-5, HEAD_LEARNING_RATE=1e-3,
                        WARMUP_RATIO=0.1, FREEZE_EMBEDDINGS=True),
        "full": dict(DATASET="kornli", MODEL_ID={"ko": "klue/bert-base", "en": "bert-base-uncased"},
                     EXTRA_EVAL={"ko": None, "en": "mnli_samples"}, N_TRAIN=None, N_EVAL=None, EPOCHS=3,
                     BATCH_SIZE=32, MAX_LENGTH="auto", LEARNING_RATE=2e-5, HEAD_LEARNING_RATE=1e-3,
                     WARMUP_RATIO=0.1, FREEZE_EMBEDDINGS=False),
    },
    "04_full_freeze_lora": {
        "smoke": dict(DATASET="emotion", MODEL_ID=E5, N_TRAIN=32, N_EVAL=32, EPOCHS=1, BATCH_SIZE=16, MAX_LENGTH=64,
                      LEARNING_RATE=1e-4, HEAD_LEARNING_RATE=1e-3, LORA_LEARNING_RATE=1e-3, LORA_R=8, TOP_K=2,
                      FREEZE_EMBEDDINGS=True, GROUP_BY_LENGTH=True),
        "reduced": dict(DATASET="emotion", MODEL_ID=E5, N_TRAIN=2000, N_EVAL=1000, EPOCHS=2, BATCH_SIZE=32,
                        MAX_LENGTH=128, LEARNING_RATE=2e-5, HEAD_LEARNING_RATE=1e-3, LORA_LEARNING_RATE=1e-3,
                        LORA_R=8, TOP_K=2, FREEZE_EMBEDDINGS=True, GROUP_BY_LENGTH=True),
        "full": dict(DATASET="emotion", MODEL_ID="klue/bert-base", N_TRAIN=None, N_EVAL=None, EPOCHS=3,
                     BATCH_SIZE=32, MAX_LENGTH=128, LEARNING_RATE=2e-5, HEAD_LEARNING_RATE=1e-3,
                     LORA_LEARNING_RATE=3e-4, LORA_R=8, TOP_K=2, FREEZE_EMBEDDINGS=False, GROUP_BY_LENGTH=True),
    },
    "08_llm_instruction_tuning": {
        # smoke: the real Gemma, a few steps; embeddings frozen in full fine-tuning to stay under the smoke memory cap
        "smoke": dict(MODEL_ID=GEMMA, N_TRAIN=16, N_EVAL=4, N_GENERAL=4, MAX_STEPS=1, BATCH_SIZE=2, MAX_LENGTH=32,
                      LORA_R=16, LORA_ALPHA=32, LORA_TARGETS="all-linear", LORA_LEARNING_RATE=2e-4,
                      FULL_LEARNING_RATE=2e-5, FREEZE_EMBEDDINGS=True, N_SHOW=2, MAX_NEW_TOKENS=6),
        # reduced: real data on a CPU in well under an hour even on a shared 2-core machine (the model's 262k-word output
        # layer dominates: every evaluated token costs ~0.5 GFLOP); the CPU trial in the issue used 60 steps x 8
        "reduced": dict(MODEL_ID=GEMMA, N_TRAIN=None, N_EVAL=100, N_GENERAL=100, MAX_STEPS=24, BATCH_SIZE=8,
                        MAX_LENGTH=64, LORA_R=16, LORA_ALPHA=32, LORA_TARGETS="all-linear", LORA_LEARNING_RATE=2e-4,
                        FULL_LEARNING_RATE=2e-5, FREEZE_EMBEDDINGS=False, N_SHOW=3, MAX_NEW_TOKENS=24),
        "full": dict(MODEL_ID=GEMMA, N_TRAIN=None, N_EVAL=500, N_GENERAL=500, MAX_STEPS=600, BATCH_SIZE=16,
                     MAX_LENGTH=128, LORA_R=16, LORA_ALPHA=32, LORA_TARGETS="all-linear", LORA_LEARNING_RATE=2e-4,
                     FULL_LEARNING_RATE=2e-5, FREEZE_EMBEDDINGS=False, N_SHOW=5, MAX_NEW_TOKENS=48),
    },
}


def resolve_profile(profile: str = "auto") -> str:
    """Return a concrete profile name; ``auto`` means ``reduced`` with a CUDA GPU, else ``smoke``."""
    if profile == "auto":
        import torch

        return "reduced" if torch.cuda.is_available() else "smoke"
    if profile not in PROFILES:
        raise ConfigError(
            f"알 수 없는 프로필 '{profile}'입니다. 다음 중 하나를 쓰세요: auto, {', '.join(PROFILES)}",
            f"Unknown profile '{profile}'. Use one of: auto, {', '.join(PROFILES)}",
        )
    return profile


def notebook_names() -> list[str]:
    """Names of all notebooks that have profiles, in lesson order."""
    return sorted(NOTEBOOKS)


def params(notebook: str, profile: str = "auto", **overrides: Any) -> dict[str, Any]:
    """Parameters of ``notebook`` under ``profile``; overrides that are not None replace them.

    Every notebook takes ``SEED`` (default 42). The result also holds ``PROFILE`` (the concrete profile name).
    """
    if notebook not in NOTEBOOKS:
        raise ConfigError(
            f"알 수 없는 노트북 '{notebook}'입니다. 사용 가능: {', '.join(notebook_names())}",
            f"Unknown notebook '{notebook}'. Available: {', '.join(notebook_names())}",
        )
    profile = resolve_profile(profile)
    values = {"SEED": 42, **copy.deepcopy(NOTEBOOKS[notebook][profile])}
    unknown = sorted(set(overrides) - set(values))
    if unknown:
        raise ConfigError(
            f"'{notebook}'에 없는 파라미터입니다: {', '.join(unknown)}. 사용 가능: {', '.join(sorted(values))}",
            f"Unknown parameter(s) for '{notebook}': {', '.join(unknown)}. Known: {', '.join(sorted(values))}",
        )
    values.update({k: v for k, v in overrides.items() if v is not None})
    if "DATASET" in values:
        from ftkit.data import language_of

        lang = language_of(values["DATASET"])
        values = {k: (v[lang] if isinstance(v, dict) and set(v) <= {"ko", "en"} and v else v)
                  for k, v in values.items()}
    values["PROFILE"] = profile
    return values

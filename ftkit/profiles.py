"""Run profiles: one plain mapping of notebook parameters per notebook and profile, named for where it runs.

- ``smoke``: tests and CI only: CPU, offline, tiny counts (TOY numbers that only show a lesson runs).
- ``cpu``: a learner without a GPU: real data, each lesson within about 15 minutes on 2 CPU cores (warm cache).
- ``t4``: the Colab default: each lesson within about 15 minutes and 14 GB on a T4, word embeddings trained, mixed
  precision per :mod:`ftkit.precision`, data at the seed tutorials' scale where the data exists.
- ``full``: the seed tutorials' scale on a bigger GPU (online models such as ``klue/bert-base``).

``python -m ftkit plan`` estimates what each profile costs on a device before anything runs (:mod:`ftkit.plan`).
The old name ``reduced`` (split into ``cpu`` and ``t4``) is refused with a message naming the new ones.

A value given as ``{"ko": ..., "en": ...}`` is picked by the language of the notebook's ``DATASET``.

Every parameter value (a profile's or an override) is checked against the lesson's schema (:data:`SCHEMA`,
:func:`schema_for`): the type comes from the profile values unless the schema says otherwise, and ``DATASET``
and similar parameters accept only the values the lesson supports. A new notebook needs no schema entry to get
the type checks; add one to :data:`SCHEMA` for allowed values or a type the profiles do not show.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

from ftkit.errors import ConfigError

PROFILES = ("smoke", "cpu", "t4", "full")
RENAMED = {"reduced": ("cpu", "t4")}  # old profile names -> the profiles that replaced them
PROFILE_HELP = {
    "smoke": "tests and CI only: CPU, offline, tiny samples (TOY numbers: checks that a lesson runs)",
    "cpu": "no GPU: real data, each lesson about 15 min or less on 2 CPU cores (needs the real data)",
    "t4": "the Colab default: a T4 GPU, each lesson about 15 min or less and 14 GB, data at the tutorials' scale",
    "full": "the seed tutorials' scale: a bigger GPU, online models, all real data (needs the real data)",
}
GPU_PROFILES = ("t4", "full")

E5 = "intfloat/multilingual-e5-small"
GEMMA = "google/gemma-3-270m"
MINILM = "sentence-transformers/all-MiniLM-L6-v2"

# cpu sizes: planned with `python -m ftkit plan --profile cpu` and measured on 2 cores (see each lesson's comment).
# t4 sizes: planned for a T4 at a third of its fp16 peak (fp32 for Gemma-3, which overflows in fp16).
NOTEBOOKS: dict[str, dict[str, dict[str, Any]]] = {
    "01_pretraining_and_sentiment": {
        "smoke": dict(DATASET="nsmc", MODEL_ID={"ko": E5, "en": MINILM}, N_TRAIN=256, N_EVAL=160,
                      EPOCHS=2, BATCH_SIZE=16, MAX_LENGTH=48, LEARNING_RATE=1e-4, FREEZE_EMBEDDINGS=True),
        "cpu": dict(DATASET="nsmc", MODEL_ID={"ko": E5, "en": MINILM}, N_TRAIN=2000, N_EVAL=1000,
                    EPOCHS=2, BATCH_SIZE=32, MAX_LENGTH=64, LEARNING_RATE=1e-4, FREEZE_EMBEDDINGS=True),
        # all 150,000 NSMC reviews (IMDb: 25,000), the whole test set
        "t4": dict(DATASET="nsmc", MODEL_ID={"ko": E5, "en": MINILM}, N_TRAIN=None, N_EVAL=None,
                   EPOCHS=2, BATCH_SIZE=32, MAX_LENGTH=128, LEARNING_RATE=3e-5, FREEZE_EMBEDDINGS=False),
        "full": dict(DATASET="nsmc", MODEL_ID={"ko": "klue/bert-base", "en": "bert-base-uncased"},
                     N_TRAIN=None, N_EVAL=None, EPOCHS=2, BATCH_SIZE=32, MAX_LENGTH=128,
                     LEARNING_RATE=2e-5, FREEZE_EMBEDDINGS=False),
    },
    "05_sentence_embeddings": {
        "smoke": dict(DATASET="kornli", STS_DATASET={"ko": "korsts", "en": "stsb"}, MODEL_ID={"ko": E5, "en": MINILM},
                      PREFIX={"ko": "query: ", "en": ""}, HARD_NEGATIVES={"ko": True, "en": False}, N_TRAIN=32,
                      N_COMPARE=32, N_EVAL=64, EPOCHS=1, BATCH_SIZE=16, MAX_LENGTH=32, LEARNING_RATE=5e-5,
                      GENTLE_LEARNING_RATE=5e-6, GENTLE_STEPS=1, FREEZE_EMBEDDINGS=True),
        "cpu": dict(DATASET="kornli", STS_DATASET={"ko": "korsts", "en": "stsb"},
                    MODEL_ID={"ko": E5, "en": MINILM}, PREFIX={"ko": "query: ", "en": ""},
                    HARD_NEGATIVES={"ko": True, "en": False}, N_TRAIN=640, N_COMPARE=400, N_EVAL=None, EPOCHS=1,
                    BATCH_SIZE=32, MAX_LENGTH=64, LEARNING_RATE=5e-5, GENTLE_LEARNING_RATE=5e-6,
                    GENTLE_STEPS=8, FREEZE_EMBEDDINGS=True),
        # KorNLI's machine-translated training pairs when online (kornli_mt), 50,000 triplets like the seed's MNLI
        "t4": dict(DATASET="kornli_mt", STS_DATASET={"ko": "korsts", "en": "stsb"},
                   MODEL_ID={"ko": E5, "en": MINILM}, PREFIX={"ko": "query: ", "en": ""},
                   HARD_NEGATIVES={"ko": True, "en": False}, N_TRAIN=50000, N_COMPARE=20000, N_EVAL=None, EPOCHS=1,
                   BATCH_SIZE=64, MAX_LENGTH=128, LEARNING_RATE=2e-5, GENTLE_LEARNING_RATE=2e-6,
                   GENTLE_STEPS=50, FREEZE_EMBEDDINGS=False),
        "full": dict(DATASET="kornli_mt", STS_DATASET={"ko": "korsts", "en": "stsb"},
                     MODEL_ID={"ko": E5, "en": MINILM}, PREFIX={"ko": "query: ", "en": ""},
                     HARD_NEGATIVES={"ko": True, "en": False}, N_TRAIN=None, N_COMPARE=None, N_EVAL=None, EPOCHS=1,
                     BATCH_SIZE=64, MAX_LENGTH=128, LEARNING_RATE=2e-5, GENTLE_LEARNING_RATE=2e-6,
                     GENTLE_STEPS=100, FREEZE_EMBEDDINGS=False),
    },
    "02_sentence_pairs_dynamic_padding": {
        "smoke": dict(DATASET="question_pair", MODEL_ID={"ko": E5, "en": MINILM}, N_TRAIN=32, N_EVAL=32,
                      EPOCHS=1, BATCH_SIZE=16, MAX_LENGTH=64, LEARNING_RATE=1e-4, FREEZE_EMBEDDINGS=True),
        # fixed and dynamic padding each train the same 600 pairs (the earlier 2,000-pair run took 1,814 s)
        "cpu": dict(DATASET="question_pair", MODEL_ID={"ko": E5, "en": MINILM}, N_TRAIN=600, N_EVAL=None,
                    EPOCHS=2, BATCH_SIZE=32, MAX_LENGTH=128, LEARNING_RATE=1e-4, FREEZE_EMBEDDINGS=True),
        "t4": dict(DATASET="question_pair", MODEL_ID={"ko": E5, "en": MINILM}, N_TRAIN=None, N_EVAL=None,
                   EPOCHS=3, BATCH_SIZE=32, MAX_LENGTH=128, LEARNING_RATE=3e-5, FREEZE_EMBEDDINGS=False),
        "full": dict(DATASET="question_pair", MODEL_ID={"ko": "klue/bert-base", "en": "bert-base-uncased"},
                     N_TRAIN=None, N_EVAL=None, EPOCHS=3, BATCH_SIZE=32, MAX_LENGTH=128, LEARNING_RATE=2e-5,
                     FREEZE_EMBEDDINGS=False),
    },
    "06_augmented_sbert": {
        "smoke": dict(DATASET="korsts", MODEL_ID={"ko": E5, "en": MINILM}, STUDENT_ID={"ko": E5, "en": MINILM},
                      STUDENT_LAYERS=3, PREFIX={"ko": "query: ", "en": ""}, N_GOLD=16, N_EVAL=24, N_SILVER=16,
                      SAMPLERS=["bm25", "semantic"], TOP_K=2, MAX_LENGTH=32, BATCH_SIZE=16,  # random: cpu and up
                      TEACHER_EPOCHS=1, TEACHER_LR=5e-5, HEAD_LR=1e-3, STUDENT_EPOCHS=1, STUDENT_LR=2e-5,
                      FREEZE_EMBEDDINGS=True),
        # the former reduced profile (1,000 gold, 2,000 silver) took 747 s on 2 cores
        "cpu": dict(DATASET="korsts", MODEL_ID={"ko": E5, "en": MINILM}, STUDENT_ID={"ko": E5, "en": MINILM},
                    STUDENT_LAYERS=3, PREFIX={"ko": "query: ", "en": ""}, N_GOLD=800, N_EVAL=None,
                    N_SILVER=1200, SAMPLERS=["bm25", "semantic", "random"], TOP_K=3, MAX_LENGTH=64,
                    BATCH_SIZE=16, TEACHER_EPOCHS=2, TEACHER_LR=5e-5, HEAD_LR=1e-3, STUDENT_EPOCHS=1,
                    STUDENT_LR=2e-5, FREEZE_EMBEDDINGS=True),
        "t4": dict(DATASET="korsts", MODEL_ID={"ko": E5, "en": MINILM}, STUDENT_ID={"ko": E5, "en": MINILM},
                   STUDENT_LAYERS=3, PREFIX={"ko": "query: ", "en": ""}, N_GOLD=None, N_EVAL=None,
                   N_SILVER=10000, SAMPLERS=["bm25", "semantic", "random"], TOP_K=5, MAX_LENGTH=128,
                   BATCH_SIZE=32, TEACHER_EPOCHS=2, TEACHER_LR=5e-5, HEAD_LR=1e-3, STUDENT_EPOCHS=2,
                   STUDENT_LR=2e-5, FREEZE_EMBEDDINGS=False),
        "full": dict(DATASET="korsts", MODEL_ID={"ko": E5, "en": MINILM}, STUDENT_ID={"ko": E5, "en": MINILM},
                     STUDENT_LAYERS=3, PREFIX={"ko": "query: ", "en": ""}, N_GOLD=None, N_EVAL=None,
                     N_SILVER=20000, SAMPLERS=["bm25", "semantic", "random"], TOP_K=5, MAX_LENGTH=128,
                     BATCH_SIZE=32, TEACHER_EPOCHS=3, TEACHER_LR=5e-5, HEAD_LR=1e-3, STUDENT_EPOCHS=2,
                     STUDENT_LR=2e-5, FREEZE_EMBEDDINGS=False),
    },
    "07_tsdae": {
        # Online, TSDAE starts from a plain BERT as the paper does; offline (no Hub) the notebook falls back to
        # FALLBACK_MODEL_ID, the only Korean model available offline, which is already tuned for similarity.
        "smoke": dict(DATASET="question_pair", STS_DATASET={"ko": "korsts", "en": "stsb"},
                      MODEL_ID={"ko": "klue/bert-base", "en": "bert-base-uncased"},
                      FALLBACK_MODEL_ID={"ko": E5, "en": MINILM}, PREFIX="auto", N_SENTENCES=64, N_EVAL=64,
                      DELETE_RATIO=0.6, MAX_STEPS=2, BATCH_SIZE=4, MAX_LENGTH=24, LEARNING_RATE=3e-5,
                      FREEZE_EMBEDDINGS=True),
        # measured on 2 cores with these values (the former reduced profile): 287 s
        "cpu": dict(DATASET="question_pair", STS_DATASET={"ko": "korsts", "en": "stsb"},
                    MODEL_ID={"ko": "klue/bert-base", "en": "bert-base-uncased"},
                    FALLBACK_MODEL_ID={"ko": E5, "en": MINILM}, PREFIX="auto", N_SENTENCES=None, N_EVAL=None,
                    DELETE_RATIO=0.6, MAX_STEPS=200, BATCH_SIZE=8, MAX_LENGTH=32, LEARNING_RATE=3e-5,
                    FREEZE_EMBEDDINGS=True),
        "t4": dict(DATASET="question_pair", STS_DATASET={"ko": "korsts", "en": "stsb"},
                   MODEL_ID={"ko": "klue/bert-base", "en": "bert-base-uncased"},
                   FALLBACK_MODEL_ID={"ko": E5, "en": MINILM}, PREFIX="auto", N_SENTENCES=None, N_EVAL=None,
                   DELETE_RATIO=0.6, MAX_STEPS=2000, BATCH_SIZE=8, MAX_LENGTH=64, LEARNING_RATE=3e-5,
                   FREEZE_EMBEDDINGS=False),
        "full": dict(DATASET="question_pair", STS_DATASET={"ko": "korsts", "en": "stsb"},
                     MODEL_ID={"ko": "klue/bert-base", "en": "bert-base-uncased"},  # the paper starts from plain BERT
                     FALLBACK_MODEL_ID={"ko": E5, "en": MINILM}, PREFIX="auto", N_SENTENCES=None, N_EVAL=None,
                     DELETE_RATIO=0.6, MAX_STEPS=4000, BATCH_SIZE=8, MAX_LENGTH=64, LEARNING_RATE=3e-5,
                     FREEZE_EMBEDDINGS=False),
    },
    "03_training_loop_nli": {
        "smoke": dict(DATASET="kornli", MODEL_ID={"ko": E5, "en": MINILM},
                      EXTRA_EVAL={"ko": None, "en": "mnli_samples"}, N_TRAIN=48, N_VALID=16, N_EVAL=32, EPOCHS=2,
                      BATCH_SIZE=16, MAX_LENGTH="auto", LEARNING_RATES=[1e-4], HEAD_LEARNING_RATE=1e-3,
                      SCRATCH_LEARNING_RATES=[1e-3], WARMUP_RATIO=0.1, EVAL_EVERY=2, FREEZE_EMBEDDINGS=True),
        # KorNLI's XNLI part. The 4-epoch run on all 2,000 training pairs (2 rates each for the pretrained and the
        # scratch model, 5,010 test pairs) took 4,371 s on 2 cores (2026-12-03): 5e-5 chosen (1.5e-4 diverged),
        # test 0.593, scratch 0.333, head-only 0.367. cpu keeps one rate each (5e-5 pretrained, 1e-4 scratch),
        # 900 training pairs (300 more for validation), 2 epochs, 1,000 test pairs: a weaker model, well inside 15 min.
        "cpu": dict(DATASET="kornli", MODEL_ID={"ko": E5, "en": MINILM},
                    EXTRA_EVAL={"ko": None, "en": "mnli_samples"}, N_TRAIN=1200, N_VALID=300, N_EVAL=1000,
                    EPOCHS=2, BATCH_SIZE=32, MAX_LENGTH="auto", LEARNING_RATES=[5e-5],
                    HEAD_LEARNING_RATE=1e-3, SCRATCH_LEARNING_RATES=[1e-4], WARMUP_RATIO=0.1,
                    EVAL_EVERY=15, FREEZE_EMBEDDINGS=True),
        # kornli_mt: 20,000 of KorNLI's 942,000 machine-translated training pairs when online (else the XNLI dev).
        # The hand-written loop trains in fp32 everywhere (no autocast), so a T4 gives it 8.1 TFLOP/s peak, not 65:
        # 5 runs x 2 epochs x 20,000 pairs ~ 1,600 TFLOP, about 12 min at a third of that (python -m ftkit plan).
        "t4": dict(DATASET="kornli_mt", MODEL_ID={"ko": E5, "en": MINILM},
                   EXTRA_EVAL={"ko": None, "en": "mnli_samples"}, N_TRAIN=20000, N_VALID=490, N_EVAL=None,
                   EPOCHS=2, BATCH_SIZE=32, MAX_LENGTH="auto", LEARNING_RATES=[3e-5, 1e-4],
                   HEAD_LEARNING_RATE=1e-3, SCRATCH_LEARNING_RATES=[1e-4, 5e-4], WARMUP_RATIO=0.1,
                   EVAL_EVERY=100, FREEZE_EMBEDDINGS=False),
        "full": dict(DATASET="kornli_mt", MODEL_ID={"ko": "klue/bert-base", "en": "bert-base-uncased"},
                     EXTRA_EVAL={"ko": None, "en": "mnli_samples"}, N_TRAIN=None, N_VALID=490, N_EVAL=None, EPOCHS=3,
                     BATCH_SIZE=32, MAX_LENGTH="auto", LEARNING_RATES=[2e-5, 5e-5], HEAD_LEARNING_RATE=1e-3,
                     SCRATCH_LEARNING_RATES=[1e-4, 5e-4], WARMUP_RATIO=0.1, EVAL_EVERY=2000, FREEZE_EMBEDDINGS=False),
    },
    "04_full_freeze_lora": {
        "smoke": dict(DATASET="emotion", MODEL_ID=E5, N_TRAIN=32, N_EVAL=32, EPOCHS=1, BATCH_SIZE=16, MAX_LENGTH=64,
                      LEARNING_RATE=1e-4, HEAD_LEARNING_RATE=1e-3, LORA_LEARNING_RATE=1e-3, LORA_R=8, TOP_K=2,
                      FREEZE_EMBEDDINGS="auto", GROUP_BY_LENGTH=True),
        # seven methods train in turn; 2,000 rows x 2 epochs took 1,566-1,854 s on 2 cores
        "cpu": dict(DATASET="emotion", MODEL_ID=E5, N_TRAIN=800, N_EVAL=500, EPOCHS=2, BATCH_SIZE=32,
                    MAX_LENGTH=128, LEARNING_RATE=2e-5, HEAD_LEARNING_RATE=1e-3, LORA_LEARNING_RATE=1e-3,
                    LORA_R=8, TOP_K=2, FREEZE_EMBEDDINGS="auto", GROUP_BY_LENGTH=True),
        # all of KOTE's validation file (5,000 rows) to train on, the whole test file
        "t4": dict(DATASET="emotion", MODEL_ID=E5, N_TRAIN=None, N_EVAL=None, EPOCHS=3, BATCH_SIZE=32,
                   MAX_LENGTH=128, LEARNING_RATE=2e-5, HEAD_LEARNING_RATE=1e-3, LORA_LEARNING_RATE=1e-3,
                   LORA_R=8, TOP_K=2, FREEZE_EMBEDDINGS=False, GROUP_BY_LENGTH=True),
        "full": dict(DATASET="emotion", MODEL_ID="klue/bert-base", N_TRAIN=None, N_EVAL=None, EPOCHS=3,
                     BATCH_SIZE=32, MAX_LENGTH=128, LEARNING_RATE=2e-5, HEAD_LEARNING_RATE=1e-3,
                     LORA_LEARNING_RATE=3e-4, LORA_R=8, TOP_K=2, FREEZE_EMBEDDINGS=False, GROUP_BY_LENGTH=True),
    },
    "08_llm_instruction_tuning": {
        # smoke: the real Gemma, a few steps; embeddings frozen in full fine-tuning to stay under the smoke memory cap
        "smoke": dict(MODEL_ID=GEMMA, N_TRAIN=16, N_EVAL=4, N_GENERAL=4, MAX_STEPS=1, BATCH_SIZE=2, MAX_LENGTH=32,
                      LORA_R=16, LORA_ALPHA=32, LORA_TARGETS="all-linear", LORA_LEARNING_RATE=2e-4,
                      FULL_LEARNING_RATE=2e-5, FREEZE_EMBEDDINGS=True, N_SHOW=2, MAX_NEW_TOKENS=6),
        # cpu: the model's 262k-word output layer dominates (every token costs ~0.5 GFLOP forward); 24 steps x 8
        # took 3,554 s on a busy 2-core machine, so cpu trains 12 steps and evaluates 40 + 40 texts
        "cpu": dict(MODEL_ID=GEMMA, N_TRAIN=None, N_EVAL=40, N_GENERAL=40, MAX_STEPS=12, BATCH_SIZE=8,
                    MAX_LENGTH=64, LORA_R=16, LORA_ALPHA=32, LORA_TARGETS="all-linear", LORA_LEARNING_RATE=2e-4,
                    FULL_LEARNING_RATE=2e-5, FREEZE_EMBEDDINGS=False, N_SHOW=3, MAX_NEW_TOKENS=24),
        # t4: Gemma-3 trains in fp32 on a T4 (fp16 overflows, no bf16), so 150 steps x 16 for each of 3 methods
        "t4": dict(MODEL_ID=GEMMA, N_TRAIN=None, N_EVAL=300, N_GENERAL=300, MAX_STEPS=150, BATCH_SIZE=16,
                   MAX_LENGTH=128, LORA_R=16, LORA_ALPHA=32, LORA_TARGETS="all-linear", LORA_LEARNING_RATE=2e-4,
                   FULL_LEARNING_RATE=2e-5, FREEZE_EMBEDDINGS=False, N_SHOW=5, MAX_NEW_TOKENS=48),
        "full": dict(MODEL_ID=GEMMA, N_TRAIN=None, N_EVAL=500, N_GENERAL=500, MAX_STEPS=600, BATCH_SIZE=16,
                     MAX_LENGTH=128, LORA_R=16, LORA_ALPHA=32, LORA_TARGETS="all-linear", LORA_LEARNING_RATE=2e-4,
                     FULL_LEARNING_RATE=2e-5, FREEZE_EMBEDDINGS=False, N_SHOW=5, MAX_NEW_TOKENS=48),
    },
}


@dataclass(frozen=True)
class Param:
    """What one notebook parameter accepts.

    ``types``: accepted Python types (an ``int`` is accepted where ``float`` is; ``bool`` never counts as a
    number). ``choices``: the only values allowed (``None`` = any value of ``types``). ``nullable``: ``None`` is
    allowed. ``positive``: numbers must be > 0. ``below_one``: numbers must be < 1.
    """

    types: tuple[type, ...]
    choices: tuple[Any, ...] | None = None
    nullable: bool = False
    positive: bool = False
    below_one: bool = False
    items: "Param | None" = None  # for list values: what each element accepts (the list may not be empty)


TYPE_NAMES = {bool: ("참/거짓(bool)", "a bool (True/False)"), int: ("정수(int)", "an integer (int)"),
              float: ("실수(float)", "a number (float)"), str: ("문자열(str)", "a string (str)")}

# Explicit entries; everything else is derived from the profile values (see schema_for).
# DATASET lists name what each notebook's code supports (task, label count, columns it reads).
SCHEMA: dict[str, dict[str, Param]] = {
    # binary text classification: the lesson reads "text" and reports binary F1
    "01_pretraining_and_sentiment": {"DATASET": Param((str,), choices=("nsmc", "imdb"))},
    # binary sentence pairs: reads sentence1/sentence2 and reports binary F1
    "02_sentence_pairs_dynamic_padding": {"DATASET": Param((str,), choices=("question_pair", "mrpc"))},
    # three-way NLI
    "03_training_loop_nli": {"DATASET": Param((str,), choices=("kornli", "kornli_mt", "sick")),
                             "EXTRA_EVAL": Param((str,), choices=("mnli_samples",), nullable=True),
                             "MAX_LENGTH": Param((int, str), choices=None, positive=True)},
    # six-way emotion classification (per-class tables, class weights)
    "04_full_freeze_lora": {"DATASET": Param((str,), choices=("emotion",))},
    "05_sentence_embeddings": {"DATASET": Param((str,), choices=("kornli", "kornli_mt", "sick")),
                               "STS_DATASET": Param((str,), choices=("korsts", "stsb"))},
    "06_augmented_sbert": {"DATASET": Param((str,), choices=("korsts", "stsb")),
                           "SAMPLERS": Param((list,), items=Param((str,), choices=("bm25", "semantic", "random")))},
    # TSDAE trains on the unlabelled sentences of a sentence-pair set and evaluates duplicate detection on its test pairs
    "07_tsdae": {"DATASET": Param((str,), choices=("question_pair", "mrpc")),
                 "STS_DATASET": Param((str,), choices=("korsts", "stsb")),
                 "DELETE_RATIO": Param((float,), positive=True, below_one=True)},
}
COMMON_SCHEMA = {"SEED": Param((int,)), "PROFILE": Param((str,), choices=PROFILES)}
# Parameters whose string values are limited to these words (besides the types above).
STRING_WORDS = {("03_training_loop_nli", "MAX_LENGTH"): ("auto",)}


def _profile_values(notebook: str, name: str) -> list[Any]:
    values = []
    for prof in NOTEBOOKS[notebook].values():
        if name in prof:
            v = prof[name]
            values += list(v.values()) if isinstance(v, dict) and v and set(v) <= {"ko", "en"} else [v]
    return values


def schema_for(notebook: str) -> dict[str, Param]:
    """The schema of every parameter of ``notebook``: explicit entries of :data:`SCHEMA`, else derived.

    Derived: the types of the values the profiles give (``None`` among them makes it nullable; numbers that
    are > 0 in every profile must stay > 0).
    """
    names = {n for prof in NOTEBOOKS.get(notebook, {}).values() for n in prof}
    schema = dict(COMMON_SCHEMA)
    for name in sorted(names):
        values = _profile_values(notebook, name)
        present = [v for v in values if v is not None]
        types = tuple(sorted({type(v) for v in present}, key=lambda t: t.__name__)) or (str,)
        elements = [e for v in present if isinstance(v, list) for e in v]
        schema[name] = Param(types, nullable=len(present) < len(values), positive=_all_positive(present),
                             items=Param(tuple(sorted({type(e) for e in elements}, key=lambda t: t.__name__)),
                                         positive=_all_positive(elements)) if elements else None)
    for name, param in SCHEMA.get(notebook, {}).items():
        derived = schema.get(name)
        nullable = param.nullable or (derived.nullable if derived else False)
        schema[name] = Param(param.types, param.choices, nullable, param.positive, param.below_one,
                             param.items or (derived.items if derived else None))
    return schema


def _all_positive(values: list[Any]) -> bool:
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return bool(numbers) and len(numbers) == len(values) and all(v > 0 for v in numbers)


def _type_ok(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in types
    if isinstance(value, int) and (int in types or float in types):
        return True
    return any(isinstance(value, t) for t in types if t is not bool)


def _problem(notebook: str, name: str, value: Any, param: Param) -> tuple[str, str] | None:
    """(ko, en) saying why ``value`` is not allowed for ``name``, or None when it is fine."""
    if value is None:
        return None if param.nullable else (f"{name}에는 None을 쓸 수 없습니다", f"{name} cannot be None")
    if param.choices is not None:
        if value in param.choices and type(value) is type(param.choices[0]):
            return None
        allowed = ", ".join(repr(c) for c in param.choices) + (", None" if param.nullable else "")
        return (f"{name}={value!r}은(는) 이 강의에서 쓸 수 없습니다. 가능한 값: {allowed}",
                f"{name}={value!r} is not supported by this lesson. Allowed: {allowed}")
    words = STRING_WORDS.get((notebook, name), ())
    if isinstance(value, str) and words:
        if value in words:
            return None
        types = tuple(t for t in param.types if t is not str)
        ko_t = " 또는 ".join([TYPE_NAMES[t][0] for t in types] + [repr(w) for w in words])
        en_t = " or ".join([TYPE_NAMES[t][1] for t in types] + [repr(w) for w in words])
        return (f"{name}={value!r}: {ko_t} 값이 필요합니다", f"{name}={value!r}: must be {en_t}")
    if not _type_ok(value, param.types):
        ko_t = " 또는 ".join(TYPE_NAMES.get(t, (t.__name__,))[0] for t in param.types)
        en_t = " or ".join(TYPE_NAMES.get(t, (t.__name__, t.__name__))[1] for t in param.types)
        none = (" 또는 None", " or None") if param.nullable else ("", "")
        return (f"{name}={value!r}: {ko_t}{none[0]} 값이 필요합니다 (받은 값의 형: {type(value).__name__})",
                f"{name}={value!r}: must be {en_t}{none[1]} (got {type(value).__name__})")
    if isinstance(value, list) and param.items is not None:
        if not value:
            return (f"{name}=[]: 값이 하나 이상 있어야 합니다", f"{name}=[]: needs at least one value")
        for i, item in enumerate(value):
            problem = _problem(notebook, f"{name}[{i}]", item, param.items)
            if problem:
                return problem
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            return (f"{name}={value!r}: 유한한 수가 필요합니다 (inf나 nan은 쓸 수 없습니다. 예: 1e999는 inf가 됩니다)",
                    f"{name}={value!r}: must be a finite number (not inf or nan; 1e999, for one, becomes inf)")
        if name == "SEED" and not 0 <= value < 2**32:
            return (f"SEED={value!r}: 0 이상 2**32 미만의 정수여야 합니다 (numpy와 torch가 받는 범위)",
                    f"SEED={value!r}: must be an integer from 0 to 2**32 - 1 (what numpy and torch accept)")
        cap = MAX_LENGTH_CAP.get(notebook, 512)
        if name == "MAX_LENGTH" and isinstance(value, int) and value > cap:
            return (f"MAX_LENGTH={value!r}: 이 강의의 모델은 {cap} 토큰까지만 받습니다 ({cap} 이하로 주세요)",
                    f"MAX_LENGTH={value!r}: this lesson's model takes at most {cap} tokens (give {cap} or less)")
        if param.positive and not value > 0:
            return (f"{name}={value!r}: 0보다 커야 합니다", f"{name}={value!r}: must be greater than 0")
        if param.below_one and not value < 1:
            return (f"{name}={value!r}: 1보다 작아야 합니다", f"{name}={value!r}: must be less than 1")
    return None


# The longest input each lesson's models take: 512 positions for the BERT-style encoders, 32,768 for Gemma-3.
MAX_LENGTH_CAP = {"08_llm_instruction_tuning": 32768}


def check_values(notebook: str, values: dict[str, Any]) -> None:
    """Raise one ConfigError listing every value of ``values`` that ``notebook``'s schema refuses."""
    schema = schema_for(notebook)
    problems = [p for name, value in values.items() if name in schema
                for p in [_problem(notebook, name, value, schema[name])] if p]
    if problems:
        raise ConfigError(
            f"'{notebook}'의 파라미터 값이 잘못되었습니다:\n  " + "\n  ".join(ko for ko, _ in problems),
            f"Invalid parameter value(s) for '{notebook}':\n  " + "\n  ".join(en for _, en in problems),
        )


def _renamed_error(name: str, where: str) -> ConfigError:
    new = " / ".join(RENAMED[name])
    return ConfigError(
        f"{where}'{name}' 프로필은 이름이 바뀌었습니다: GPU가 없으면 'cpu', Colab의 T4 같은 GPU에서는 't4'를 쓰세요 "
        f"({new}). 가능한 프로필: auto, {', '.join(PROFILES)}",
        f"{where}the '{name}' profile was renamed: use 'cpu' without a GPU, 't4' on a GPU such as Colab's T4 "
        f"({new}). Profiles: auto, {', '.join(PROFILES)}",
    )


def resolve_profile(profile: str = "auto", announce: bool = False) -> str:
    """Return a concrete profile name.

    ``auto`` means the environment variable ``FTKIT_PROFILE`` when it is set (how ``pytest --nbval-lax`` or a
    Jupyter session chooses the profile of notebooks left at ``PROFILE = "auto"``); else ``t4`` with a CUDA
    GPU; else ``cpu`` when the real data is reachable (``FTKIT_DATA_DIR`` or online); else ``smoke``, and with
    ``announce`` a line says the numbers will be toy and how to get the data. A profile named explicitly is
    never overridden. The old name ``reduced`` is refused with the names that replaced it.
    """
    if profile == "auto":
        import os

        chosen = os.environ.get("FTKIT_PROFILE", "").strip().lower()
        if chosen and chosen != "auto":
            if chosen in RENAMED:
                raise _renamed_error(chosen, "FTKIT_PROFILE: ")
            if chosen not in PROFILES:
                raise ConfigError(
                    f"환경 변수 FTKIT_PROFILE='{chosen}'은 알 수 없는 프로필입니다. 다음 중 하나로 설정하세요: "
                    f"{', '.join(PROFILES)} (또는 지우면 자동으로 고릅니다)",
                    f"Environment variable FTKIT_PROFILE='{chosen}' is not a profile. Set it to one of: "
                    f"{', '.join(PROFILES)} (or unset it to choose automatically)",
                )
            return chosen
        import torch

        if torch.cuda.is_available():
            return "t4"
        from ftkit import paths

        if paths.auto_data_source() != "sample":
            return "cpu"
        if announce:
            print(SMOKE_NOTICE, flush=True)
        return "smoke"
    if profile in RENAMED:
        raise _renamed_error(profile, "")
    if profile not in PROFILES:
        raise ConfigError(
            f"알 수 없는 프로필 '{profile}'입니다. 다음 중 하나를 쓰세요: auto, {', '.join(PROFILES)}",
            f"Unknown profile '{profile}'. Use one of: auto, {', '.join(PROFILES)}",
        )
    return profile


SMOKE_NOTICE = (
    "GPU도 실제 데이터도 없어 'smoke' 프로필을 골랐습니다: 아래 숫자는 실행 확인용 TOY 숫자입니다. 실제 결과를 보려면 "
    "실제 데이터 폴더를 FTKIT_DATA_DIR로 지정하거나(README의 '실제 데이터셋을 오프라인으로') 인터넷에 연결한 뒤 다시 "
    "실행하세요. 그러면 'cpu' 프로필(강의마다 2코어 CPU에서 약 15분 이내)이 선택됩니다.\n"
    "No GPU and no real data, so the 'smoke' profile was chosen: the numbers below are TOY numbers that only show the "
    "lesson runs. For real results set FTKIT_DATA_DIR to the real data folder (README, 'real datasets offline') or go "
    "online and run again; 'auto' then picks the 'cpu' profile (each lesson about 15 min on 2 CPU cores)."
)


def notebook_names() -> list[str]:
    """Names of all notebooks that have profiles, in lesson order."""
    return sorted(NOTEBOOKS)


def params(notebook: str, profile: str = "auto", announce: bool = False, **overrides: Any) -> dict[str, Any]:
    """Parameters of ``notebook`` under ``profile``; overrides that are not None replace them.

    Every notebook takes ``SEED`` (default 42). The result also holds ``PROFILE`` (the concrete profile name).
    """
    if notebook not in NOTEBOOKS:
        raise ConfigError(
            f"알 수 없는 노트북 '{notebook}'입니다. 사용 가능: {', '.join(notebook_names())}",
            f"Unknown notebook '{notebook}'. Available: {', '.join(notebook_names())}",
        )
    profile = resolve_profile(profile, announce=announce)
    values = {"SEED": 42, **copy.deepcopy(NOTEBOOKS[notebook][profile])}
    unknown = sorted(set(overrides) - set(values))
    if unknown:
        raise ConfigError(
            f"'{notebook}'에 없는 파라미터입니다: {', '.join(unknown)}. 사용 가능: {', '.join(sorted(values))}",
            f"Unknown parameter(s) for '{notebook}': {', '.join(unknown)}. Known: {', '.join(sorted(values))}",
        )
    values.update({k: v for k, v in overrides.items() if v is not None})
    check_values(notebook, {k: v for k, v in overrides.items() if v is not None})
    if "DATASET" in values:
        from ftkit.data import language_of

        lang = language_of(values["DATASET"])
        values = {k: (v[lang] if isinstance(v, dict) and set(v) <= {"ko", "en"} and v else v)
                  for k, v in values.items()}
    values["PROFILE"] = profile
    check_values(notebook, values)
    return values

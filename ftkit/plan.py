"""How long a lesson takes and how much memory it needs, before it runs.

``python -m ftkit plan [NOTEBOOK…] [--profile P] [--device cpu|t4|a100|h100]`` prints, per lesson, the tokens
it trains and evaluates on, the floating-point operations (FLOPs) that costs, the estimated time and peak memory
on the device, and whether it fits the profile's budget. Each lesson prints its own line when it starts
(:func:`lesson_line`).

The arithmetic:

- Training costs 6 FLOPs per parameter that does matrix work per token (2 forward, 2 for the activation
  gradients, 2 for the weight gradients); a frozen part that gradients still pass through costs 4, LoRA about
  4, a frozen part nothing flows back through 2, evaluation 2. Word-embedding lookups do no matrix work; an
  output layer over the vocabulary does (Gemma-3's 262k-word layer is 168 M of its 268 M parameters, so it
  dominates). Attention adds ``4 * layers * seq * hidden`` per token forward.
- Tokens: examples x the padded length a batch sees (dynamic padding pads to the longest in the batch, close
  to the 95th percentile of the lengths measured on the real data, see :data:`LENGTHS`).
- Time = FLOPs / (device peak x utilisation) + fixed costs (kernel start, model loads, data). The CPU rate is
  measured on the machine at hand (:func:`cpu_rate`: a few training steps of a small BERT-shaped model, cached);
  a GPU uses its published peak at :data:`GPU_UTILISATION`.
- Memory: the weights of every model the lesson holds at once, plus gradients and AdamW's two moments for the
  trainable parameters, plus activations (Korthikanti et al. 2022: about 34 x hidden bytes per token per layer
  in 16-bit, twice that in fp32) and the output layer's logits, plus the Python process itself.

These are estimates: ``python -m ftkit plan`` and the benchmark put them beside measured runs.
"""
from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any

from ftkit import paths, profiles


class PlanError(ValueError):
    """The plan cannot estimate this lesson (a model or dataset it has no numbers for)."""


BUDGET_SECONDS = 15 * 60  # the cpu and t4 profiles' promise per lesson
BUDGET_MEMORY_GB = {"t4": 14.0}  # the T4 has 15 GB; Colab leaves about 14 GB


@dataclass(frozen=True)
class ModelShape:
    """What the FLOP and memory arithmetic needs of a model (a transformer encoder or decoder)."""

    layers: int
    hidden: int
    intermediate: int
    vocab: int
    gated_mlp: bool = False  # Gemma: gate, up and down projections (3 matrices) instead of 2
    attention_width: int | None = None  # q and o width (heads x head_dim) when it differs from hidden
    kv_width: int | None = None  # k and v width (kv heads x head_dim)
    lm_head: bool = False  # an output layer over the vocabulary runs on every token (decoders)
    positions: int = 512

    @property
    def layer_params(self) -> int:
        """Matrix parameters of one layer (weights only; biases and norms are a rounding error)."""
        q = self.attention_width or self.hidden
        kv = self.kv_width or self.hidden
        attention = self.hidden * q * 2 + self.hidden * kv * 2
        mlp = self.hidden * self.intermediate * (3 if self.gated_mlp else 2)
        return attention + mlp

    @property
    def body_params(self) -> int:
        """Parameters that do matrix work per token in the layers (no embeddings, no output layer)."""
        return self.layers * self.layer_params

    @property
    def embedding_params(self) -> int:
        return self.vocab * self.hidden + (0 if self.lm_head else self.positions * self.hidden)

    @property
    def total_params(self) -> int:
        return self.body_params + self.embedding_params

    @property
    def head_params(self) -> int:
        """Matrix parameters of the output layer run per token (tied to the embeddings in Gemma-3)."""
        return self.vocab * self.hidden if self.lm_head else 0

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "ModelShape":
        """The shape of a model from its ``config.json`` (BERT-style encoders and Gemma-3 decoders)."""
        decoder = config.get("model_type", "").startswith("gemma")
        heads, head_dim = config.get("num_attention_heads"), config.get("head_dim")
        return cls(config["num_hidden_layers"], config["hidden_size"], config["intermediate_size"],
                   config["vocab_size"], gated_mlp=decoder,
                   attention_width=heads * head_dim if decoder and head_dim else None,
                   kv_width=config.get("num_key_value_heads", heads) * head_dim if decoder and head_dim else None,
                   lm_head=decoder, positions=config.get("max_position_embeddings", 512))


# Shapes from each model's config.json (hidden_size, num_hidden_layers, intermediate_size, vocab_size, ...).
MODELS: dict[str, ModelShape] = {
    profiles.E5: ModelShape(12, 384, 1536, 250037),
    profiles.MINILM: ModelShape(6, 384, 1536, 30522),
    "klue/bert-base": ModelShape(12, 768, 3072, 32000),
    "bert-base-uncased": ModelShape(12, 768, 3072, 30522),
    profiles.GEMMA: ModelShape(18, 640, 2048, 262144, gated_mlp=True, attention_width=1024, kv_width=256,
                               lm_head=True, positions=32768),
}

# Token lengths measured on the real data (2,000 training rows, seed 0; e5's tokenizer for Korean, MiniLM's for
# English, Gemma-3's for lesson 08): mean and 95th percentile of the lesson's input (a pair is one input).
# ``single``: one sentence of a pair, for the bi-encoders of lessons 05-07.
LENGTHS: dict[str, dict[str, float]] = {
    "nsmc": {"mean": 23.8, "p95": 69}, "imdb": {"mean": 315.3, "p95": 786},
    "question_pair": {"mean": 20.5, "p95": 32, "single_mean": 10.2, "single_p95": 17},
    "mrpc": {"mean": 53.0, "p95": 74, "single_mean": 27.0, "single_p95": 39},
    "kornli": {"mean": 46.1, "p95": 71, "single_mean": 23.0, "single_p95": 47},
    "kornli_mt": {"mean": 46.1, "p95": 71, "single_mean": 23.0, "single_p95": 47},  # XNLI's lengths, assumed
    "sick": {"mean": 23.2, "p95": 36, "single_mean": 12.1, "single_p95": 19},
    "korsts": {"mean": 38.6, "p95": 75, "single_mean": 19.3, "single_p95": 38},
    "stsb": {"mean": 27.9, "p95": 59, "single_mean": 14.5, "single_p95": 31},
    "emotion": {"mean": 37.5, "p95": 85},
    "chatbot_sft": {"mean": 23.8, "p95": 31}, "kornli_premises": {"mean": 31.3, "p95": 56},
}
# Rows each split has (what N_TRAIN=None or N_EVAL=None means), from ftkit/data/specs.py and INDEX.md.
ROWS: dict[str, dict[str, int]] = {
    "nsmc": {"train": 149995, "test": 49997}, "imdb": {"train": 25000, "test": 25000},
    "question_pair": {"train": 6136, "validation": 682, "test": 758},
    "mrpc": {"train": 3668, "validation": 408, "test": 1725},
    "kornli": {"train": 2490, "test": 5010}, "kornli_mt": {"train": 942854, "test": 5010},
    "sick": {"train": 4439, "validation": 495, "test": 4906},
    "korsts": {"train": 5749, "validation": 1500, "test": 1379},
    "stsb": {"train": 5749, "validation": 1500, "test": 1379},
    "emotion": {"train": 4985, "test": 4983}, "chatbot_sft": {"train": 9470, "test": 200},
}

# Published dense peaks (TFLOP/s) and memory; utilisation is what a small model reaches in practice.
GPUS: dict[str, dict[str, Any]] = {
    "t4": {"name": "NVIDIA T4", "fp16": 65.0, "fp32": 8.1, "memory_gb": 15.0, "bandwidth_gbs": 300},
    "a100": {"name": "NVIDIA A100", "fp16": 312.0, "bf16": 312.0, "fp32": 19.5, "memory_gb": 40.0,
             "bandwidth_gbs": 1555},
    "h100": {"name": "NVIDIA H100 SXM", "fp16": 989.0, "bf16": 989.0, "fp32": 67.0, "memory_gb": 80.0,
             "bandwidth_gbs": 3350},
}
GPU_UTILISATION = 1 / 3
DEVICES = ("cpu", *GPUS)
# Resident before and around the models: Python + torch + transformers + datasets measure 0.6 GB after import; on a
# CPU the data, the tokenizers and what the allocator keeps after freeing add about 0.9 GB (calibrated on the cpu
# profile's measured peaks, 2.7-6.9 GB). On a GPU the CPU side does not count against the device's memory.
PROCESS_GB = {"cpu": 1.5, "gpu": 0.6}
KERNEL_START_S = {"cpu": 25.0, "gpu": 20.0}  # kernel start, imports, data loading and tokenisation
MODEL_LOAD_S = 4.0  # one from_pretrained of a small model from the local cache


@dataclass
class Phase:
    """One piece of work: a model training or evaluating on some tokens."""

    name: str
    model: str
    tokens: float  # token positions processed (padding included)
    flops_per_param: float  # 6 train, 4 frozen-but-backpropagated / LoRA, 2 forward only
    seq: float  # padded sequence length (for attention and activation memory)
    batch: int = 32
    train: bool = False
    trainable_params: float = 0.0
    steps: int = 0
    body_share: float = 1.0  # share of the layers the work goes through (a cut-down student model)
    extra_params: float = 0.0  # matrix parameters added per token (TSDAE's decoder vocabulary layer)

    def flops(self) -> float:
        shape = MODELS[self.model]
        body = shape.body_params * self.body_share
        head = (shape.head_params + self.extra_params) * self.flops_per_param
        attention = 4 * shape.layers * self.body_share * self.seq * shape.hidden * (self.flops_per_param / 2)
        return self.tokens * (self.flops_per_param * body + head + attention)


@dataclass
class Estimate:
    notebook: str
    profile: str
    device: str
    phases: list[Phase] = field(default_factory=list)
    train_tokens: float = 0.0
    eval_tokens: float = 0.0
    train_flops: float = 0.0
    flops: float = 0.0
    seconds: float = 0.0
    peak_gb: float = 0.0
    rate: float = 0.0  # FLOP/s assumed for the device
    budget_seconds: float = BUDGET_SECONDS
    budget_gb: float | None = None

    @property
    def fits(self) -> bool:
        return self.seconds <= self.budget_seconds and (self.budget_gb is None or self.peak_gb <= self.budget_gb)

    def row(self) -> dict[str, Any]:
        return {"notebook": self.notebook, "profile": self.profile, "device": self.device,
                "train_tokens": round(self.train_tokens), "eval_tokens": round(self.eval_tokens),
                "train_tflop": round(self.train_flops / 1e12, 2), "tflop": round(self.flops / 1e12, 2),
                "seconds": round(self.seconds), "peak_gb": round(self.peak_gb, 1), "fits": self.fits}


# ------------------------------------------------------------------------------------------ lengths and counts

def _rows(dataset: str, split: str, n: int | None) -> int:
    have = ROWS.get(dataset, {}).get(split) or ROWS.get(dataset, {}).get("test", 1000)
    return have if n is None else min(int(n), have)


def padded_length(dataset: str, max_length: int | None, batch: int, *, single: bool = False,
                  fixed: bool = False, grouped: bool = False) -> float:
    """The length a batch is padded to: ``max_length`` with fixed padding, else about the longest in the batch
    (the 95th percentile for batches of 16 or more, the mean for grouped-by-length batches)."""
    stats = LENGTHS.get(dataset, {"mean": 32.0, "p95": 64.0})
    mean = stats["single_mean" if single and "single_mean" in stats else "mean"]
    p95 = stats["single_p95" if single and "single_p95" in stats else "p95"]
    cap = float(max_length) if isinstance(max_length, (int, float)) else p95 * 1.1
    if fixed:
        return cap
    if grouped:
        return min(cap, mean * 1.15)
    longest = mean + (p95 - mean) * min(1.0, math.log2(max(batch, 2)) / 4)
    return min(cap, longest)


# ------------------------------------------------------------------------------------------ the lessons

def _phases_01(p: dict) -> list[Phase]:
    ds, model = p["DATASET"], p["MODEL_ID"]
    n_train, n_eval = _rows(ds, "train", p["N_TRAIN"]), _rows(ds, "test", p["N_EVAL"])
    seq = padded_length(ds, p["MAX_LENGTH"], p["BATCH_SIZE"])
    steps = math.ceil(n_train / p["BATCH_SIZE"]) * p["EPOCHS"]
    trainable = MODELS[model].body_params + (0 if p["FREEZE_EMBEDDINGS"] else MODELS[model].embedding_params)
    return [Phase("train", model, n_train * p["EPOCHS"] * seq, 6, seq, p["BATCH_SIZE"], True, trainable, steps),
            Phase("evaluate", model, (2 + p["EPOCHS"]) * n_eval * padded_length(ds, p["MAX_LENGTH"], 64), 2, seq, 64)]


def _phases_02(p: dict) -> list[Phase]:
    ds, model = p["DATASET"], p["MODEL_ID"]
    n_train = _rows(ds, "train", p["N_TRAIN"])
    n_val, n_test = _rows(ds, "validation", p["N_EVAL"]), _rows(ds, "test", p["N_EVAL"])
    steps = math.ceil(n_train / p["BATCH_SIZE"]) * p["EPOCHS"]
    trainable = MODELS[model].body_params + (0 if p["FREEZE_EMBEDDINGS"] else MODELS[model].embedding_params)
    out = []
    for name, kw in (("dynamic", {}), ("grouped", {"grouped": True}), ("fixed", {"fixed": True})):
        seq = padded_length(ds, p["MAX_LENGTH"], p["BATCH_SIZE"], **kw)
        out.append(Phase(f"train {name}", model, n_train * p["EPOCHS"] * seq, 6, seq, p["BATCH_SIZE"], True,
                         trainable, steps))
        eval_seq = padded_length(ds, p["MAX_LENGTH"], 64, fixed=kw.get("fixed", False))
        out.append(Phase(f"evaluate {name}", model, (p["EPOCHS"] * n_val + n_test) * eval_seq, 2, eval_seq, 64))
    return out


def _phases_03(p: dict) -> list[Phase]:
    ds, model, batch = p["DATASET"], p["MODEL_ID"], p["BATCH_SIZE"]
    n_all = _rows(ds, "train", p["N_TRAIN"])
    n_train, n_valid, n_test = max(n_all - p["N_VALID"], 1), p["N_VALID"], _rows(ds, "test", p["N_EVAL"])
    seq = padded_length(ds, None if p["MAX_LENGTH"] == "auto" else p["MAX_LENGTH"], batch)
    eval_seq = padded_length(ds, None if p["MAX_LENGTH"] == "auto" else p["MAX_LENGTH"], 64)
    steps = math.ceil(n_train / batch) * p["EPOCHS"]
    validations = steps // p["EVAL_EVERY"] + 1
    shape = MODELS[model]
    body = shape.body_params + (0 if p["FREEZE_EMBEDDINGS"] else shape.embedding_params)
    out = []
    for name, rates, factor, trainable in (
            ("pretrained", p["LEARNING_RATES"], 6, body),
            ("head only", [p["HEAD_LEARNING_RATE"]], 2, 0.2e6),
            ("scratch", p["SCRATCH_LEARNING_RATES"], 6, shape.total_params)):
        for _ in rates:
            out.append(Phase(f"train {name}", model, n_train * p["EPOCHS"] * seq, factor, seq, batch, True,
                             trainable, steps))
            out.append(Phase(f"validate {name}", model, validations * n_valid * eval_seq, 2, eval_seq, 64))
    out.append(Phase("test (4 models)", model, 4 * n_test * eval_seq, 2, eval_seq, 64))
    return out


def _phases_04(p: dict) -> list[Phase]:
    ds, model, batch = p["DATASET"], p["MODEL_ID"], p["BATCH_SIZE"]
    n_train, n_eval = _rows(ds, "train", p["N_TRAIN"]), _rows(ds, "test", p["N_EVAL"])
    seq = padded_length(ds, p["MAX_LENGTH"], batch, grouped=p["GROUP_BY_LENGTH"])
    eval_seq = padded_length(ds, p["MAX_LENGTH"], 64)
    steps = math.ceil(n_train / batch) * p["EPOCHS"]
    shape = MODELS[model]
    layer = shape.layer_params
    attention = shape.hidden * shape.hidden * 4 * shape.layers
    top2 = 2 * layer
    methods = [  # (name, FLOPs per body parameter per token, trainable parameters)
        ("full", 6, shape.body_params), ("attention + head", 4 + 2 * attention / shape.body_params, attention),
        ("top 2 layers + head", 2 + 4 * top2 / shape.body_params, top2), ("head only", 2, 0.2e6),
        ("head only (body LR)", 2, 0.2e6), ("LoRA", 4, 0.3e6), ("full + class weights", 6, shape.body_params)]
    out = []
    for name, factor, trainable in methods:
        out.append(Phase(f"train {name}", model, n_train * p["EPOCHS"] * seq, factor, seq, batch, True,
                         trainable, steps))
        out.append(Phase(f"evaluate {name}", model, (p["EPOCHS"] + 1) * n_eval * eval_seq, 2, eval_seq, 64))
    return out


def _phases_05(p: dict) -> list[Phase]:
    ds, sts, model, batch = p["DATASET"], p["STS_DATASET"], p["MODEL_ID"], p["BATCH_SIZE"]
    columns = 3 if p["HARD_NEGATIVES"] else 2
    available = _rows(ds, "train", None) // 3  # one triplet per premise with an entailment and a contradiction
    n_train = available if p["N_TRAIN"] is None else min(p["N_TRAIN"], available)
    n_compare = n_train if p["N_COMPARE"] is None else min(p["N_COMPARE"], n_train)
    seq = padded_length(ds, p["MAX_LENGTH"], batch, single=True)
    n_sts = _rows(sts, "test", p["N_EVAL"])
    sts_seq = padded_length(sts, p["MAX_LENGTH"], 32, single=True)
    trainable = MODELS[model].body_params + (0 if p["FREEZE_EMBEDDINGS"] else MODELS[model].embedding_params)
    out = [Phase("train MNRL", model, n_train * columns * p["EPOCHS"] * seq, 6, seq, batch * columns, True,
                 trainable, math.ceil(n_train / batch) * p["EPOCHS"])]
    for name in ("entailment pairs", "all-label pairs"):
        out.append(Phase(f"train {name}", model, n_compare * 2 * p["EPOCHS"] * seq, 6, seq, batch * 2, True,
                         trainable, math.ceil(n_compare / batch) * p["EPOCHS"]))
    out.append(Phase("train gentle", model, p["GENTLE_STEPS"] * batch * columns * seq, 6, seq, batch * columns,
                     True, trainable, p["GENTLE_STEPS"]))
    out.append(Phase("STS evaluations (8 encodings)", model, 8 * 2 * n_sts * sts_seq, 2, sts_seq, 32))
    return out


def _phases_06(p: dict) -> list[Phase]:
    ds, model, student, batch = p["DATASET"], p["MODEL_ID"], p["STUDENT_ID"], p["BATCH_SIZE"]
    n_gold = _rows(ds, "train", p["N_GOLD"])
    n_test = _rows(ds, "test", p["N_EVAL"])
    pair_seq = padded_length(ds, p["MAX_LENGTH"], batch)
    seq = padded_length(ds, p["MAX_LENGTH"], batch, single=True)
    samplers = len(p["SAMPLERS"])
    share = p["STUDENT_LAYERS"] / MODELS[student].layers
    trainable = MODELS[model].body_params + (0 if p["FREEZE_EMBEDDINGS"] else MODELS[model].embedding_params)
    n_silver = p["N_SILVER"]
    out = [Phase("train teacher (both orders)", model, 2 * n_gold * p["TEACHER_EPOCHS"] * pair_seq, 6, pair_seq,
                 batch, True, trainable, math.ceil(2 * n_gold / batch) * p["TEACHER_EPOCHS"]),
           Phase("teacher scores silver pairs", model, samplers * n_silver * 2 * pair_seq, 2, pair_seq, 64),
           Phase("semantic sampler encodes", model, 2 * n_gold * seq, 2, seq, 64),
           Phase("teacher on test", model, 2 * n_test * pair_seq, 2, pair_seq, 64)]
    for name, n in [("gold", n_gold)] + [(f"gold + silver {s}", n_gold + n_silver) for s in p["SAMPLERS"]]:
        out.append(Phase(f"train student {name}", student, n * 2 * p["STUDENT_EPOCHS"] * seq, 6, seq, batch, True,
                         trainable * share, math.ceil(n / batch) * p["STUDENT_EPOCHS"], body_share=share))
    out.append(Phase("STS evaluations", student, (samplers + 3) * 2 * n_test * seq, 2, seq, 64))
    return out


def _phases_07(p: dict) -> list[Phase]:
    ds, sts, batch = p["DATASET"], p["STS_DATASET"], p["BATCH_SIZE"]
    model = p["FALLBACK_MODEL_ID"] if paths.is_offline() or p["MODEL_ID"] not in MODELS else p["MODEL_ID"]
    seq = padded_length(ds, p["MAX_LENGTH"], batch, single=True)
    shape = MODELS[model]
    tokens = p["MAX_STEPS"] * batch * seq
    n_eval = _rows(ds, "test", p["N_EVAL"])
    n_sts = _rows(sts, "test", p["N_EVAL"])  # the lesson cuts both evaluation sets to N_EVAL
    trainable = 2 * shape.body_params + shape.embedding_params
    return [  # encoder on the noisy sentence (40 % of tokens kept), decoder + vocabulary layer on the whole one
        Phase("train TSDAE encoder", model, tokens * (1 - p["DELETE_RATIO"]), 6, seq, batch, True, trainable,
              p["MAX_STEPS"]),
        Phase("train TSDAE decoder + vocabulary", model, tokens, 6, seq, batch, True, 0, 0,
              extra_params=shape.vocab * shape.hidden),
        Phase("evaluate (in-domain + STS: original pooling, before, after)", model, 3 * 2 * (n_eval + n_sts) * seq, 2,
              seq, 64)]


def _phases_08(p: dict, device: str) -> list[Phase]:
    model, batch = p["MODEL_ID"], p["BATCH_SIZE"]
    seq = min(float(p["MAX_LENGTH"]), LENGTHS["chatbot_sft"]["p95"])
    tokens = p["MAX_STEPS"] * batch * seq
    shape = MODELS[model]
    n_eval_tokens = p["N_EVAL"] * LENGTHS["chatbot_sft"]["mean"] * 1.2
    n_general_tokens = p["N_GENERAL"] * min(p["MAX_LENGTH"], LENGTHS["kornli_premises"]["mean"] * 1.2)
    methods = [("LoRA", 4, 3.8e6), ("full", 6, shape.total_params - (shape.embedding_params
                                                                    if p["FREEZE_EMBEDDINGS"] else 0))]
    if device != "cpu":
        methods.append(("QLoRA", 4, 3.8e6))
    out = []
    for name, factor, trainable in methods:
        out.append(Phase(f"train {name}", model, tokens, factor, seq, batch, True, trainable, p["MAX_STEPS"]))
    evaluations = 1 + len(methods) + 1  # before, after each method, the merged/reloaded model
    out.append(Phase("held-out loss + perplexity", model, evaluations * (n_eval_tokens + n_general_tokens), 2,
                     seq, 8))
    generated = evaluations * p["N_SHOW"] * (p["MAX_NEW_TOKENS"] + LENGTHS["chatbot_sft"]["mean"])
    out.append(Phase("generation", model, generated, 2, seq, 1))
    return out


PHASES = {"01_pretraining_and_sentiment": _phases_01, "02_sentence_pairs_dynamic_padding": _phases_02,
          "03_training_loop_nli": _phases_03, "04_full_freeze_lora": _phases_04,
          "05_sentence_embeddings": _phases_05, "06_augmented_sbert": _phases_06, "07_tsdae": _phases_07}
MODEL_LOADS = {"01_pretraining_and_sentiment": 3, "02_sentence_pairs_dynamic_padding": 4,
               "03_training_loop_nli": 6, "04_full_freeze_lora": 10, "05_sentence_embeddings": 7,
               "06_augmented_sbert": 10, "07_tsdae": 4, "08_llm_instruction_tuning": 6}
RESIDENT_MODELS = {"02_sentence_pairs_dynamic_padding": 2, "03_training_loop_nli": 3, "04_full_freeze_lora": 2,
                   "05_sentence_embeddings": 3, "06_augmented_sbert": 3, "07_tsdae": 2,
                   "08_llm_instruction_tuning": 2}


def phases(notebook: str, values: dict[str, Any], device: str = "cpu") -> list[Phase]:
    """The work of ``notebook`` with parameter ``values`` (``profiles.params``), phase by phase."""
    if notebook == "08_llm_instruction_tuning":
        return _phases_08(values, device)
    return PHASES[notebook](values)


# ------------------------------------------------------------------------------------------ devices

def _calibration_path():
    return paths.cache_dir() / "plan_cpu_rate.json"


def measure_cpu_rate(seconds: float = 2.0) -> float:
    """Training FLOP/s of this machine's CPU, measured on a few steps of a small BERT-shaped model
    (4 layers, hidden 384 like e5-small, batch 16 x 64 tokens) with torch's current thread count."""
    import torch

    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(384, 6, 1536, batch_first=True, dropout=0.0)
    model = torch.nn.TransformerEncoder(layer, 4, enable_nested_tensor=False)
    params = sum(p.numel() for n, p in model.named_parameters() if p.dim() == 2)
    x = torch.randn(16, 64, 384)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    step = 0
    t0 = None
    while True:
        optimizer.zero_grad()
        model(x).pow(2).mean().backward()
        optimizer.step()
        step += 1
        if step == 2:  # the first steps warm the allocator up
            t0 = time.perf_counter()
        elif t0 is not None and time.perf_counter() - t0 >= seconds:
            break
    elapsed = time.perf_counter() - t0
    tokens = (step - 2) * 16 * 64
    attention = 4 * 4 * 64 * 384 * 3
    return tokens * (6 * params + attention) / elapsed


def cpu_rate(refresh: bool = False) -> float:
    """The CPU's training FLOP/s: measured once per machine and thread count (cached in the ftkit cache)."""
    import torch

    key = f"{os.cpu_count()}cpu-{torch.get_num_threads()}threads"
    path = _calibration_path()
    cached: dict = {}
    if path.is_file():
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cached = {}
    if not refresh and isinstance(cached.get(key), (int, float)) and cached[key] > 0:
        return float(cached[key])
    rate = measure_cpu_rate()
    cached[key] = rate
    try:
        from ftkit.report import write_json_atomic

        write_json_atomic(path, cached)
    except OSError:  # a read-only cache only costs the measurement next time
        pass
    return rate


# Lessons that train in fp32 on every device (lesson 03's hand-written loop uses no autocast).
FP32_LESSONS = frozenset({"03_training_loop_nli"})


def peak_flops(device: str, model: str | None = None, notebook: str | None = None) -> float:
    """The device's published dense peak (FLOP/s) in the precision the lesson trains in there: bf16 where the GPU
    has it, else fp16 (:mod:`ftkit.precision`), fp32 for Gemma-3 without bf16 (fp16 overflows) and for
    :data:`FP32_LESSONS`."""
    gpu = GPUS[device]
    if notebook in FP32_LESSONS or (model == profiles.GEMMA and "bf16" not in gpu):
        return gpu["fp32"] * 1e12
    return gpu.get("bf16", gpu["fp16"]) * 1e12


def device_rate(device: str, model: str | None = None, rate: float | None = None,
                notebook: str | None = None) -> float:
    """FLOP/s a lesson reaches on ``device``: ``rate`` or the measured rate on CPU, :func:`peak_flops` x
    :data:`GPU_UTILISATION` on a GPU."""
    if device == "cpu":
        return rate if rate is not None else cpu_rate()
    if rate is not None:
        return rate
    return peak_flops(device, model, notebook) * GPU_UTILISATION


def _memory_gb(notebook: str, ph: list[Phase], device: str) -> float:
    gpu = device != "cpu"
    worst = 0.0
    for phase in ph:
        shape = MODELS[phase.model]
        weights = shape.total_params * phase.body_share * 4
        states = phase.trainable_params * 12 if phase.train else 0  # fp32 gradients + two AdamW moments
        act_bytes = 34 * (1 if gpu else 2)  # fp16 activations on a GPU (mixed precision), fp32 on CPU
        layers = shape.layers * phase.body_share
        activations = phase.batch * phase.seq * shape.hidden * layers * act_bytes if phase.train else \
            phase.batch * phase.seq * shape.hidden * 8 * 4
        logits = phase.batch * phase.seq * shape.vocab * 4 * (3 if phase.train else 1) if shape.lm_head else 0
        worst = max(worst, weights + states + activations + logits)
    resident = (RESIDENT_MODELS.get(notebook, 1) - 1) * max(MODELS[p.model].total_params * 4 for p in ph)
    return (worst + resident) / 2**30 + PROCESS_GB["gpu" if gpu else "cpu"]


def estimate(notebook: str, profile: str = "cpu", device: str = "cpu", rate: float | None = None,
             **overrides: Any) -> Estimate:
    """The plan of one lesson under ``profile`` (with ``overrides``) on ``device``; see :func:`estimate_values`."""
    return estimate_values(notebook, profiles.params(notebook, profile, **overrides), device, rate)


def estimate_values(notebook: str, values: dict[str, Any], device: str = "cpu",
                    rate: float | None = None) -> Estimate:
    """The plan of one lesson with its resolved parameter ``values`` on ``device`` (``rate``: the device's FLOP/s;
    default measured on CPU, published peak x utilisation on a GPU)."""
    if device not in DEVICES:
        from ftkit.errors import ConfigError

        raise ConfigError(f"알 수 없는 기기 '{device}'입니다. 가능한 값: {', '.join(DEVICES)}",
                          f"Unknown device '{device}'. Use one of: {', '.join(DEVICES)}")
    if notebook not in PHASES and notebook != "08_llm_instruction_tuning":
        raise PlanError(f"no plan for notebook {notebook!r}")
    try:
        ph = phases(notebook, values, device)
    except KeyError as e:
        raise PlanError(f"the plan has no shape for model or dataset {e.args[0]!r} (models: {', '.join(MODELS)})") from e
    est = Estimate(notebook, values["PROFILE"], device, ph)
    seconds = KERNEL_START_S["cpu" if device == "cpu" else "gpu"] + MODEL_LOADS.get(notebook, 3) * MODEL_LOAD_S
    bandwidth = 20e9 if device == "cpu" else GPUS[device]["bandwidth_gbs"] * 1e9
    for phase in ph:
        flops = phase.flops()
        speed = device_rate(device, phase.model, rate, notebook)
        seconds += flops / speed + phase.steps * phase.trainable_params * 16 * 2 / bandwidth  # + optimizer steps
        est.flops += flops
        if phase.train:
            est.train_tokens += phase.tokens
            est.train_flops += flops
        else:
            est.eval_tokens += phase.tokens
    est.rate = device_rate(device, ph[0].model, rate, notebook)
    est.seconds = seconds
    est.peak_gb = _memory_gb(notebook, ph, device)
    est.budget_gb = BUDGET_MEMORY_GB.get(device)
    est.budget_seconds = BUDGET_SECONDS if est.profile in ("cpu", "t4", "smoke") else float("inf")
    return est


def detect_device() -> str:
    """The plan device for this machine: cpu, or the closest GPU in :data:`GPUS` by name (T4 otherwise)."""
    import torch

    if not torch.cuda.is_available():
        return "cpu"
    name = torch.cuda.get_device_name(0).lower()
    return next((key for key in GPUS if key in name), "t4")


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f}" if seconds >= 90 else f"{seconds / 60:.1f}"


def lesson_line(notebook: str, values: dict[str, Any]) -> str:
    """The line a lesson prints when it starts: time and peak memory on this machine (ko / en)."""
    device = detect_device()
    where = "CPU" if device == "cpu" else GPUS[device]["name"]
    try:
        est = estimate_values(notebook, values, device)
    except PlanError as e:
        return (f"이 설정의 시간과 메모리는 추정하지 못했습니다 ({e}). 크기를 아는 모델: {', '.join(MODELS)}.\n"
                f"No time or memory estimate for this setting ({e}).")
    return (f"이 강의는 이 기기({where})에서 약 {_minutes(est.seconds)}분, 최대 메모리 약 {est.peak_gb:.1f} GB가 "
            f"필요합니다 (추정: 학습 {est.train_flops / 1e12:.1f} TFLOP; `python -m ftkit plan`).\n"
            f"This lesson needs about {_minutes(est.seconds)} min and {est.peak_gb:.1f} GB peak memory on this "
            f"machine ({where}) (estimate: {est.train_flops / 1e12:.1f} TFLOP of training).")


def table(estimates: list[Estimate]) -> str:
    """A Markdown table of estimates."""
    head = ["notebook", "profile", "device", "train tokens", "TFLOP (train / all)", "minutes", "peak GB", "fits"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for e in estimates:
        fits = "yes" if e.fits else "NO"
        lines.append(f"| {e.notebook} | {e.profile} | {e.device} | {e.train_tokens:,.0f} | "
                     f"{e.train_flops / 1e12:,.1f} / {e.flops / 1e12:,.1f} | {e.seconds / 60:.1f} | "
                     f"{e.peak_gb:.1f} | {fits} |")
    return "\n".join(lines)


def _device_of(recorded: str | None) -> str:
    """The plan device of a results JSON's ``device`` ("cpu:2 cores", "cuda:Tesla T4 ...")."""
    text = (recorded or "cpu").lower()
    if text.startswith("cpu"):
        return "cpu"
    return next((key for key in GPUS if key in text), "t4")


def against(run_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """Planned beside measured for every lesson of a finished run (``<run_dir>/results/*.json``), with the
    parameters that run used. On CPU the plan uses this machine's measured rate: compare runs made here."""
    from pathlib import Path

    rows = []
    for path in sorted(Path(run_dir, "results").glob("*.json")):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
            device = _device_of(result.get("device"))
            est = estimate_values(result["notebook"], result["params"], device)
        except (OSError, ValueError, KeyError, PlanError):
            continue
        seconds, mb = result.get("wall_seconds"), result.get("peak_memory_mb")
        rows.append({"notebook": est.notebook, "profile": est.profile, "device": device,
                     "planned_seconds": est.seconds, "measured_seconds": seconds,
                     "planned_mb": est.peak_gb * 1024, "measured_mb": mb,
                     "time_ratio": seconds / est.seconds if seconds else None,
                     "memory_ratio": mb / (est.peak_gb * 1024) if mb else None})
    return rows


def against_table(rows: list[dict[str, Any]]) -> str:
    """Markdown: planned and measured seconds and peak MB, and measured / planned."""
    head = ["notebook", "profile", "device", "planned s", "measured s", "measured/planned", "planned MB",
            "measured MB", "measured/planned"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def num(x, fmt):
        return "-" if x is None else format(x, fmt)

    for r in rows:
        lines.append(f"| {r['notebook']} | {r['profile']} | {r['device']} | {r['planned_seconds']:.0f} | "
                     f"{num(r['measured_seconds'], '.0f')} | {num(r['time_ratio'], '.2f')} | "
                     f"{r['planned_mb']:.0f} | {num(r['measured_mb'], '.0f')} | {num(r['memory_ratio'], '.2f')} |")
    return "\n".join(lines)


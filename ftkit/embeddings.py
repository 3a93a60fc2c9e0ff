"""Sentence-embedding helpers for lessons 05-07: NLI triplets, STS evaluation, silver pairs, TSDAE noise.

- ``nli_triplets``: (anchor, positive, hard negative) from an NLI dataset (lesson 05, MNRL).
- ``nli_pairs`` / ``nli_pairs_all_labels``: (premise, hypothesis) pairs of entailment only, or of every label as
  the source tutorial fed them to MNRL (lesson 05 shows what that costs).
- ``pair_cosines``: the cosine similarity of every sentence pair, for a bootstrap over the test pairs.
- ``truncate_layers``: keep only the first n transformer layers (lesson 06's weaker student).
- ``sts_evaluator`` / ``sts_spearman``: Spearman correlation on an STS set for cosine, euclidean,
  manhattan and dot similarity (``EmbeddingSimilarityEvaluator``), with an optional e5 ``query: `` prefix.
- ``random_pairs``, ``bm25_pairs``, ``semantic_pairs``: new sentence pairs for Augmented SBERT (lesson 06),
  never repeating a gold pair.
- ``delete_noise``, ``tsdae_dataset``, ``flatten_sentences``: TSDAE input (lesson 07).
- ``st_training_args`` / ``ce_training_args``: the trainers' arguments with the course defaults
  (no checkpoints, no reporting, quiet when headless), like ``ftkit.training.training_args``.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ftkit import paths
from ftkit.errors import ConfigError, DataError

SIMILARITY_FUNCTIONS = ("cosine", "euclidean", "manhattan", "dot")
E5_QUERY_PREFIX = "query: "

Pair = tuple[str, str]


# --------------------------------------------------------------------------------------------------
# Small utilities
# --------------------------------------------------------------------------------------------------
def _rows(data: Any) -> list[dict]:
    """Rows of a datasets.Dataset, a pandas DataFrame or a list of dicts, as a list of dicts."""
    if hasattr(data, "columns") and hasattr(data, "to_dict") and not hasattr(data, "features"):
        return data.to_dict(orient="records")  # pandas
    return [dict(r) for r in data]


def _column(data: Any, name: str) -> list:
    """One column of a Dataset / DataFrame / mapping of lists / list of dicts, as a list."""
    if isinstance(data, list):
        if not all(name in r for r in data):
            raise DataError(f"'{name}' 열이 없습니다.", f"Column '{name}' is missing.")
        return [r[name] for r in data]
    try:
        return list(data[name])
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        raise DataError(f"'{name}' 열이 없습니다.", f"Column '{name}' is missing.") from exc


def add_prefix(texts: Iterable[str], prefix: str = "") -> list[str]:
    """``prefix + text`` for every text (e5 models expect ``"query: "`` on symmetric tasks)."""
    return [f"{prefix}{t}" for t in texts]


def prefix_dataset(dataset, prefix: str = "", columns: Sequence[str] | None = None):
    """``dataset`` (a ``datasets.Dataset``) with ``prefix`` before every text of ``columns`` (default: every
    string column); scores and labels stay as they are. An empty prefix returns the dataset itself."""
    if not prefix:
        return dataset
    strings = [c for c, f in dataset.features.items() if getattr(f, "dtype", None) in ("string", "large_string")]
    cols = strings if columns is None else list(columns)
    missing = [c for c in cols if c not in strings]
    if missing:
        raise DataError(f"접두어를 붙일 텍스트 열이 없습니다: {missing} (있는 텍스트 열: {strings})",
                        f"No text column(s) {missing} to prefix (text columns: {strings})")
    return dataset.map(lambda batch: {c: add_prefix(batch[c], prefix) for c in cols}, batched=True)


def pair_key(a: str, b: str) -> Pair:
    """Order-free key of a sentence pair: (a, b) and (b, a) are the same pair."""
    return (a, b) if a <= b else (b, a)


# --------------------------------------------------------------------------------------------------
# NLI -> triplets (lesson 05)
# --------------------------------------------------------------------------------------------------
@dataclass
class TripletStats:
    """How many premises the NLI data had and how many of them gave a triplet."""

    premises: int
    with_triplet: int
    no_entailment: int
    no_contradiction: int
    triplets: int

    @property
    def lacking(self) -> int:
        """Premises without an entailment or without a contradiction hypothesis (no triplet)."""
        return self.premises - self.with_triplet

    def as_dict(self) -> dict[str, int]:
        return {"premises": self.premises, "with_triplet": self.with_triplet, "lacking": self.lacking,
                "no_entailment": self.no_entailment, "no_contradiction": self.no_contradiction,
                "triplets": self.triplets}


def _check_nli_labels(rows: list[dict], label: str, wanted: dict[str, Any]) -> None:
    """Raise DataError when the data is empty or none of the ``wanted`` label values occurs in it (labels
    given as names while ints are expected, or the other way round), instead of returning nothing."""
    if not rows:
        raise DataError("NLI 데이터가 비어 있습니다.", "The NLI data is empty.")
    found = sorted({r[label] for r in rows}, key=repr)
    if not any(v in found for v in wanted.values()):
        asked = ", ".join(f"{k}={v!r}" for k, v in wanted.items())
        raise DataError(
            f"'{label}' 열의 값 {found[:10]} 중 {asked}에 해당하는 값이 하나도 없습니다. 레이블 값의 형식(정수 "
            "0/1/2 또는 이름)을 확인하고, 인자로 그 값을 넘기세요(예: entailment='entailment').",
            f"None of the '{label}' values {found[:10]} is {asked}. Check how the labels are written (ints 0/1/2 "
            "or names) and pass those values (e.g. entailment='entailment').")


def nli_triplets(data: Any, entailment: int | str = 0, contradiction: int | str = 2,
                 premise: str = "sentence1", hypothesis: str = "sentence2", label: str = "label",
                 symmetric: bool = False):
    """NLI rows -> (anchor, positive, negative) triplets for MultipleNegativesRankingLoss.

    For every premise (in order of first appearance) and every entailment hypothesis of it, the triplet is
    (premise, entailment hypothesis, a contradiction hypothesis of the same premise); with several
    contradictions they are used in turn, so the result is deterministic. Premises that lack an entailment or
    a contradiction hypothesis give no triplet and are counted in the returned stats.
    ``symmetric=True`` also adds (entailment hypothesis, premise, contradiction) for each triplet.

    Returns ``(datasets.Dataset with columns anchor/positive/negative, TripletStats)``.
    """
    from datasets import Dataset

    rows = _rows(data)
    if rows and not {premise, hypothesis, label} <= set(rows[0]):
        raise DataError(
            f"NLI 데이터에는 '{premise}', '{hypothesis}', '{label}' 열이 있어야 합니다. 있는 열: {sorted(rows[0])}",
            f"NLI data needs columns '{premise}', '{hypothesis}', '{label}'. Found: {sorted(rows[0])}")
    _check_nli_labels(rows, label, {"entailment": entailment, "contradiction": contradiction})
    groups: dict[str, dict[str, list[str]]] = {}
    for r in rows:
        p, h, y = str(r[premise]).strip(), str(r[hypothesis]).strip(), r[label]
        if not p or not h:
            continue
        g = groups.setdefault(p, {"ent": [], "con": []})
        if y == entailment and h not in g["ent"]:
            g["ent"].append(h)
        elif y == contradiction and h not in g["con"]:
            g["con"].append(h)
    anchors, positives, negatives = [], [], []
    no_ent = no_con = with_triplet = 0
    for p, g in groups.items():
        if not g["ent"]:
            no_ent += 1
        if not g["con"]:
            no_con += 1
        if not g["ent"] or not g["con"]:
            continue
        with_triplet += 1
        for i, h in enumerate(g["ent"]):
            neg = g["con"][i % len(g["con"])]
            anchors.append(p), positives.append(h), negatives.append(neg)
            if symmetric:
                anchors.append(h), positives.append(p), negatives.append(neg)
    stats = TripletStats(premises=len(groups), with_triplet=with_triplet, no_entailment=no_ent,
                         no_contradiction=no_con, triplets=len(anchors))
    ds = Dataset.from_dict({"anchor": anchors, "positive": positives, "negative": negatives})
    return ds, stats


def nli_pairs(data: Any, entailment: int | str = 0, premise: str = "sentence1", hypothesis: str = "sentence2",
              label: str = "label"):
    """(anchor, positive) = (premise, entailment hypothesis) pairs, deduplicated, in order.

    For NLI data where few premises have both an entailment and a contradiction hypothesis (SICK, MNLI
    samples): MultipleNegativesRankingLoss then uses only the other pairs of the batch as negatives.
    """
    from datasets import Dataset

    seen: dict[Pair, None] = {}
    rows = _rows(data)
    if rows and not {premise, hypothesis, label} <= set(rows[0]):
        raise DataError(
            f"NLI 데이터에는 '{premise}', '{hypothesis}', '{label}' 열이 있어야 합니다. 있는 열: {sorted(rows[0])}",
            f"NLI data needs columns '{premise}', '{hypothesis}', '{label}'. Found: {sorted(rows[0])}")
    _check_nli_labels(rows, label, {"entailment": entailment})
    for r in rows:
        p, h = str(r[premise]).strip(), str(r[hypothesis]).strip()
        if p and h and r[label] == entailment:
            seen.setdefault((p, h), None)
    return Dataset.from_dict({"anchor": [p for p, _ in seen], "positive": [h for _, h in seen]})


def nli_pairs_all_labels(data: Any, premise: str = "sentence1", hypothesis: str = "sentence2",
                         label: str = "label"):
    """(anchor, positive) = (premise, hypothesis) pairs of **every** label, as the source tutorial built them.

    MultipleNegativesRankingLoss treats every (anchor, positive) pair as "these two mean the same", so neutral
    and contradiction hypotheses become positives too: lesson 05 trains on this beside :func:`nli_pairs` to show
    what that costs. Pairs are deduplicated in order; the label of each kept pair is counted.

    Returns ``(datasets.Dataset with columns anchor/positive, {label: number of pairs})``.
    """
    from datasets import Dataset

    rows = _rows(data)
    if rows and not {premise, hypothesis, label} <= set(rows[0]):
        raise DataError(
            f"NLI 데이터에는 '{premise}', '{hypothesis}', '{label}' 열이 있어야 합니다. 있는 열: {sorted(rows[0])}",
            f"NLI data needs columns '{premise}', '{hypothesis}', '{label}'. Found: {sorted(rows[0])}")
    seen: dict[Pair, Any] = {}
    for r in rows:
        p, h = str(r[premise]).strip(), str(r[hypothesis]).strip()
        if p and h:
            seen.setdefault((p, h), r[label])
    counts: dict[Any, int] = {}
    for y in seen.values():
        counts[y] = counts.get(y, 0) + 1
    ds = Dataset.from_dict({"anchor": [p for p, _ in seen], "positive": [h for _, h in seen]})
    return ds, counts


# --------------------------------------------------------------------------------------------------
# STS evaluation (lessons 05-07)
# --------------------------------------------------------------------------------------------------
def sts_evaluator(data: Any, prefix: str = "", name: str = "sts", batch_size: int = 64,
                  similarity_fn_names: Sequence[str] = SIMILARITY_FUNCTIONS, write_csv: bool = True):
    """``EmbeddingSimilarityEvaluator`` over an STS split (columns sentence1, sentence2, score in [0, 1]).

    ``prefix`` is put before every sentence (e5: ``"query: "``). Usable as a trainer's ``evaluator=``.
    """
    from sentence_transformers.sentence_transformer.evaluation import EmbeddingSimilarityEvaluator

    s1, s2, scores = _column(data, "sentence1"), _column(data, "sentence2"), _column(data, "score")
    if not s1:
        raise DataError("STS 평가 데이터가 비어 있습니다.", "The STS evaluation data is empty.")
    return EmbeddingSimilarityEvaluator(
        add_prefix(s1, prefix), add_prefix(s2, prefix), [float(s) for s in scores], batch_size=batch_size,
        main_similarity="cosine", similarity_fn_names=list(similarity_fn_names), name=name,
        show_progress_bar=False, write_csv=write_csv)


def sts_spearman(model, data: Any, prefix: str = "", name: str = "sts", output_dir: str | Path | None = None,
                 batch_size: int = 64) -> dict[str, float]:
    """Spearman correlation (gold score vs similarity) for cosine, euclidean, manhattan and dot.

    Returns ``{"cosine": ..., "euclidean": ..., "manhattan": ..., "dot": ...}``. The evaluator's CSV goes to
    ``output_dir`` when given (use ``run.out(...)``), otherwise none is written.
    """
    evaluator = sts_evaluator(data, prefix=prefix, name=name, batch_size=batch_size,
                              write_csv=output_dir is not None)
    result = evaluator(model, output_path=str(output_dir) if output_dir is not None else None)
    return {fn: float(result[f"{name}_spearman_{fn}"]) for fn in SIMILARITY_FUNCTIONS
            if f"{name}_spearman_{fn}" in result}


def pair_cosines(model, data: Any, prefix: str = "", batch_size: int = 64):
    """Cosine similarity of every (sentence1, sentence2) pair of ``data`` as a numpy array, in order.

    With the gold scores these give the Spearman correlation of ``sts_spearman`` ("cosine") and let
    ``prose.paired_bootstrap_band`` resample the same test pairs for two models.
    """
    import numpy as np

    s1, s2 = _column(data, "sentence1"), _column(data, "sentence2")
    if not s1:
        raise DataError("평가 데이터가 비어 있습니다.", "The evaluation data is empty.")
    kw = dict(batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
    a = model.encode(add_prefix(s1, prefix), **kw)
    b = model.encode(add_prefix(s2, prefix), **kw)
    return np.sum(a * b, axis=1)


def truncate_layers(model, n_layers: int | None):
    """Keep only the first ``n_layers`` transformer layers of ``model`` (in place) and return it.

    ``model`` is a ``SentenceTransformer`` / ``CrossEncoder`` or a transformers model with ``encoder.layer``
    (BERT, XLM-R, e5). The config's ``num_hidden_layers`` follows, so ``save_pretrained`` writes a model that
    loads back with ``n_layers`` layers. ``None`` keeps every layer. Lesson 06 cuts e5 to its first few layers
    for a student that reads Korean but is genuinely weaker than the teacher.
    """
    import torch

    if n_layers is None:
        return model
    hf = _hf_model(model)
    encoder = getattr(hf, "encoder", None) or getattr(getattr(hf, "base_model", None), "encoder", None)
    layers = getattr(encoder, "layer", None)
    if layers is None:
        raise ConfigError(f"'{type(hf).__name__}'에서 encoder.layer를 찾지 못해 층을 자를 수 없습니다.",
                          f"Cannot truncate '{type(hf).__name__}': it has no encoder.layer.")
    total = len(layers)
    if isinstance(n_layers, bool) or not isinstance(n_layers, int) or not 1 <= n_layers <= total:
        raise ConfigError(f"층 수는 1에서 {total} 사이의 정수여야 합니다 (받은 값: {n_layers!r}).",
                          f"The number of layers must be an integer from 1 to {total} (got {n_layers!r}).")
    encoder.layer = torch.nn.ModuleList(list(layers)[:n_layers])
    hf.config.num_hidden_layers = n_layers
    return model


def _hf_model(model):
    """The transformers model inside a SentenceTransformer / CrossEncoder, or ``model`` itself."""
    if hasattr(model, "config") and hasattr(model, "named_parameters") and not hasattr(model, "encode"):
        return model
    inner = getattr(model, "model", None)  # CrossEncoder
    if inner is not None and hasattr(inner, "config"):
        return inner
    first = model[0] if hasattr(model, "__getitem__") else None
    auto = getattr(first, "auto_model", None)
    if auto is None:
        raise ConfigError("층을 자를 transformers 모델을 찾지 못했습니다.", "No transformers model found to truncate.")
    return auto


# --------------------------------------------------------------------------------------------------
# Silver pairs for Augmented SBERT (lesson 06)
# --------------------------------------------------------------------------------------------------
def unique_sentences(pairs: Iterable[Sequence[str]]) -> list[str]:
    """All sentences of (s1, s2) pairs, deduplicated in order of first appearance."""
    seen: dict[str, None] = {}
    for a, b in pairs:
        for s in (a, b):
            s = str(s).strip()
            if s:
                seen.setdefault(s, None)
    return list(seen)


def _exclusions(exclude: Iterable[Sequence[str]] | None) -> set[Pair]:
    return {pair_key(str(a).strip(), str(b).strip()) for a, b in (exclude or [])}


def random_pairs(sentences: Sequence[str], n: int, seed: int = 42,
                 exclude: Iterable[Sequence[str]] | None = None, max_tries: int = 20) -> list[Pair]:
    """``n`` new pairs by randomly re-pairing ``sentences`` (no self-pairs, no repeats, none of ``exclude``).

    Random pairs are mostly unrelated: cheap, but the cross-encoder will label nearly all of them as
    dissimilar. Fewer than ``n`` pairs come back when the sentences cannot give that many new pairs.
    """
    sentences = list(dict.fromkeys(s for s in sentences if s))
    taken = _exclusions(exclude)
    rng = random.Random(seed)
    out: list[Pair] = []
    if len(sentences) < 2:
        return out
    tries = 0
    while len(out) < n and tries < max_tries * max(n, 1):
        tries += 1
        a, b = rng.sample(sentences, 2)
        key = pair_key(a, b)
        if key in taken:
            continue
        taken.add(key)
        out.append((a, b))
    return out


_WORD = re.compile(r"\w+", re.UNICODE)


def simple_tokenize(text: str) -> list[str]:
    """Lower-cased word tokens (letters/digits, any script). For Korean, a subword tokenizer is better."""
    return _WORD.findall(text.lower())


def _top_k_pairs(sentences: list[str], scores_of: Callable[[int], Any], top_k: int, taken: set[Pair]) -> list[Pair]:
    import numpy as np

    out: list[Pair] = []
    for i, s in enumerate(sentences):
        scores = np.asarray(scores_of(i), dtype=float)
        order = np.argsort(-scores, kind="stable")
        found = 0
        for j in order:
            if found >= top_k:
                break
            if j == i or sentences[j] == s:
                continue
            key = pair_key(s, sentences[j])
            if key in taken:
                continue
            taken.add(key)
            out.append((s, sentences[j]))
            found += 1
    return out


def bm25_pairs(sentences: Sequence[str], top_k: int = 3, exclude: Iterable[Sequence[str]] | None = None,
               tokenize: Callable[[str], list[str]] | None = None) -> list[Pair]:
    """For every sentence, its ``top_k`` most similar other sentences by BM25 (``rank_bm25``), as new pairs.

    Pairs are order-free and never repeat a pair of ``exclude`` (the gold set). ``tokenize`` splits a text
    into terms: by default lower-cased words (:func:`simple_tokenize`); for Korean pass the model tokenizer's
    ``tokenize`` so that particles and endings (``남자가`` / ``남자는``) still share the stem.
    """
    from rank_bm25 import BM25Okapi

    sentences = list(dict.fromkeys(s for s in sentences if s))
    if len(sentences) < 2:
        return []
    tokenize = tokenize or simple_tokenize
    corpus = [tokenize(s) or [""] for s in sentences]
    bm25 = BM25Okapi(corpus)
    return _top_k_pairs(sentences, lambda i: bm25.get_scores(corpus[i]), top_k, _exclusions(exclude))


def semantic_pairs(model, sentences: Sequence[str], top_k: int = 3,
                   exclude: Iterable[Sequence[str]] | None = None, prefix: str = "",
                   batch_size: int = 64) -> list[Pair]:
    """For every sentence, its ``top_k`` nearest other sentences by cosine similarity of ``model``'s embeddings."""
    sentences = list(dict.fromkeys(s for s in sentences if s))
    if len(sentences) < 2:
        return []
    emb = model.encode(add_prefix(sentences, prefix), batch_size=batch_size, convert_to_numpy=True,
                       normalize_embeddings=True, show_progress_bar=False)
    sims = emb @ emb.T
    return _top_k_pairs(sentences, lambda i: sims[i], top_k, _exclusions(exclude))


# --------------------------------------------------------------------------------------------------
# TSDAE (lesson 07)
# --------------------------------------------------------------------------------------------------
_TOKEN = re.compile(r"\w+|[^\w\s]+", re.UNICODE)


def delete_noise(text: str, ratio: float = 0.6, seed: int | None = None, rng: random.Random | None = None) -> str:
    """TSDAE's noise: delete each word with probability ``ratio`` (0.6, as in the TSDAE paper).

    Word level, not subword level. The paper deletes words; in Korean the unit that plays that role is the
    space-separated 어절 (stem + particles/endings), in English the word, and both are found without nltk by
    splitting on spaces and punctuation (``\\w+`` or a run of punctuation marks). Deleting subwords instead
    would tie the noise to one tokenizer (e5's 250k-piece vocabulary cuts a sentence into other pieces than
    MiniLM's 30k one, so the same ratio would mean different damage) and would leave word fragments that
    never occur in real text; whole-word deletion keeps every remaining token a real word, written as in the
    original (the spaces that preceded each kept token are kept).

    At least one token always survives (a random one when all were deleted), so the result is never empty.
    ``seed`` or ``rng`` make it reproducible. Raises ``DataError`` for a blank text.
    """
    if not 0.0 <= ratio < 1.0:
        raise ValueError("ratio must be in [0, 1)")
    tokens = list(_TOKEN.finditer(text or ""))
    if not tokens:
        raise DataError("빈 문장에는 잡음을 넣을 수 없습니다.", "Cannot add noise to an empty text.")
    rng = rng or random.Random(seed)
    keep = [rng.random() >= ratio for _ in tokens]
    if not any(keep):
        keep[rng.randrange(len(tokens))] = True
    out: list[str] = []
    prev = None  # the last kept token
    for m, k in zip(tokens, keep):
        if not k:
            continue
        if prev is not None:
            spaced = m.start() > 0 and text[m.start() - 1].isspace()
            glued_words = prev.end() != m.start() and prev.group(0)[-1].isalnum() and m.group(0)[0].isalnum()
            if spaced or glued_words:
                out.append(" ")  # keep the original space; never glue two words that were apart
        out.append(m.group(0))
        prev = m
    return "".join(out).strip()


def flatten_sentences(data: Any, columns: Sequence[str] = ("sentence1", "sentence2"),
                      min_chars: int = 1) -> list[str]:
    """Sentences of the given columns (e.g. NLI premise + hypothesis), labels dropped, deduplicated in order.

    Accepts a Dataset / DataFrame / mapping, or a ``DatasetDict`` (all its splits, in order).
    """
    if hasattr(data, "keys") and hasattr(data, "values") and all(hasattr(v, "features") for v in data.values()):
        parts = list(data.values())  # DatasetDict
    else:
        parts = [data]
    seen: dict[str, None] = {}
    for part in parts:
        cols = [_column(part, c) for c in columns]
        for row in zip(*cols):
            for s in row:
                s = " ".join(str(s).split())
                if len(s) >= min_chars:
                    seen.setdefault(s, None)
    return list(seen)


def tsdae_dataset(sentences: Sequence[str], ratio: float = 0.6, seed: int = 42):
    """A ``datasets.Dataset`` with columns ``noisy`` (damaged input) and ``text`` (original, the target).

    This is the (damaged, original) pair that ``DenoisingAutoEncoderLoss`` expects; the noise is drawn once,
    reproducibly from ``seed``.
    """
    from datasets import Dataset

    rng = random.Random(seed)
    texts = [s for s in sentences if s and s.strip()]
    return Dataset.from_dict({"noisy": [delete_noise(t, ratio, rng=rng) for t in texts], "text": texts})


# --------------------------------------------------------------------------------------------------
# Trainer arguments with course defaults
# --------------------------------------------------------------------------------------------------
def _defaults(kwargs: dict[str, Any]) -> dict[str, Any]:
    from ftkit.training import check_precision

    check_precision(kwargs.get("fp16", False), kwargs.get("bf16", False))
    defaults: dict[str, Any] = dict(save_strategy="no", report_to="none", logging_strategy="steps",
                                    logging_steps=10, disable_tqdm=paths.is_headless(),
                                    dataloader_num_workers=0)
    import torch

    if not torch.cuda.is_available():
        defaults["dataloader_pin_memory"] = False  # nothing to pin to on a CPU (avoids a warning per run)
        if kwargs.get("bf16"):
            defaults["use_cpu"] = True  # CPU bf16 autocast, as ftkit.training.training_args does
    if "fp16" not in kwargs and "bf16" not in kwargs:  # mixed precision on a GPU, by compute capability
        from ftkit.precision import training_kwargs

        defaults.update(training_kwargs())
    defaults.update(kwargs)
    return defaults


def st_training_args(output_dir: str | Path, **kwargs: Any):
    """``SentenceTransformerTrainingArguments`` with course defaults (no checkpoints, no reporting)."""
    from sentence_transformers.sentence_transformer import SentenceTransformerTrainingArguments

    return SentenceTransformerTrainingArguments(output_dir=str(output_dir), **_defaults(kwargs))


def ce_training_args(output_dir: str | Path, **kwargs: Any):
    """``CrossEncoderTrainingArguments`` with course defaults (no checkpoints, no reporting)."""
    from sentence_transformers.cross_encoder import CrossEncoderTrainingArguments

    return CrossEncoderTrainingArguments(output_dir=str(output_dir), **_defaults(kwargs))

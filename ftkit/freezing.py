"""Freezing parameters by name, and counting what stays trainable.

Everything works on parameter *names* (``model.named_parameters()``), never on magic indices:

- ``set_trainable`` / ``freeze`` / ``unfreeze``: by regex name pattern.
- ``layer_prefix`` / ``num_layers`` / ``set_layers_trainable``: by transformer-layer range; the prefix
  (``bert.encoder.layer``, ``roberta.encoder.layer``, ...) is detected from the names.
- ``head_modules``: the task head (parameters outside the base model, e.g. ``classifier``).
- Presets: ``freeze_all`` / ``unfreeze_all``, ``head_only``, ``attention_recipe`` (attention + pooler + head,
  the Korean emotion tutorial's recipe), ``top_k_layers``.
- ``summary``: a pandas table of trainable / total parameters per group; ``lora``: a peft LoRA wrapper.
"""
from __future__ import annotations

import numbers
import re
from collections import Counter
from typing import Iterable

from ftkit.errors import ConfigError

# A numbered stack of transformer blocks: ``...encoder.layer.3.``, ``...layers.3.``, ``...h.3.``, ``...block.3.``
_LAYER_RE = re.compile(r"^(?P<prefix>(?:.*\.)?(?:layer|layers|h|block|blocks))\.(?P<index>\d+)\.")
_POOLER = r"(^|\.)pooler\."
_ATTENTION = r"\.attention\."
_LORA = re.compile(r"\.lora_[A-Za-z_]+\.")


def set_trainable(model, patterns: Iterable[str], trainable: bool) -> int:
    """Set ``requires_grad`` on parameters whose name matches any regex in ``patterns``.

    Returns how many parameter tensors matched (0 usually means a wrong pattern).
    """
    regexes = [_compile(p) for p in patterns]
    matched = 0
    for name, param in model.named_parameters():
        if any(r.search(name) for r in regexes):
            param.requires_grad = trainable
            matched += 1
    return matched


def _compile(pattern: str) -> re.Pattern:
    """``re.compile`` with ftkit's error: a bad regex names the pattern and says how to match literally."""
    try:
        return re.compile(pattern)
    except (re.error, TypeError) as exc:
        raise ConfigError(
            f"이름 패턴 {pattern!r}은(는) 올바른 정규식이 아닙니다({exc}). 점(.)이나 괄호를 글자 그대로 찾으려면 "
            r"re.escape(...)를 쓰거나 \. 처럼 백슬래시를 붙이세요.",
            f"Name pattern {pattern!r} is not a valid regular expression ({exc}). To match dots or brackets "
            r"literally, use re.escape(...) or a backslash as in \.",
        ) from exc


def freeze_embeddings(model) -> int:
    """Freeze the word embeddings (most of a multilingual model's weights); returns tensors frozen."""
    return set_trainable(model, [r"embeddings\.word_embeddings\."], trainable=False)


def count_parameters(model) -> tuple[int, int]:
    """(trainable, total) parameter counts."""
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable, total


def _patterns(patterns: str | Iterable[str]) -> list[str]:
    return [patterns] if isinstance(patterns, str) else list(patterns)


def _require_match(model, patterns: list[str], trainable: bool) -> int:
    matched = set_trainable(model, patterns, trainable)
    if patterns and matched == 0:
        raise ConfigError(
            f"이름 패턴 {patterns}에 맞는 파라미터가 없습니다. model.named_parameters()로 이름을 확인하세요.",
            f"No parameter name matches {patterns}. Check the names with model.named_parameters().",
        )
    return matched


def freeze(model, patterns: str | Iterable[str]) -> int:
    """Freeze parameters whose name matches a regex; raises ConfigError when nothing matches."""
    return _require_match(model, _patterns(patterns), trainable=False)


def unfreeze(model, patterns: str | Iterable[str]) -> int:
    """Make parameters whose name matches a regex trainable; raises ConfigError when nothing matches."""
    return _require_match(model, _patterns(patterns), trainable=True)


def freeze_all(model) -> int:
    """Freeze every parameter; returns the number of tensors."""
    return set_trainable(model, [""], trainable=False)


def unfreeze_all(model) -> int:
    """Make every parameter trainable; returns the number of tensors."""
    return set_trainable(model, [""], trainable=True)


def layer_prefix(model) -> str:
    """Name prefix of the numbered transformer layers, detected from the parameter names.

    ``bert.encoder.layer`` for ``BertForSequenceClassification``, ``roberta.encoder.layer`` for XLM-R,
    ``encoder.layer`` for a bare ``BertModel``; the most frequent numbered stack wins.
    """
    counts = Counter(m.group("prefix") for name, _ in model.named_parameters()
                     if (m := _LAYER_RE.match(name)))
    if not counts:
        raise ConfigError("이 모델에서 번호가 붙은 층(layer.0, layer.1, ...)을 찾지 못했습니다.",
                          "No numbered layers (layer.0, layer.1, ...) found in this model's parameter names.")
    return counts.most_common(1)[0][0]


def num_layers(model) -> int:
    """How many numbered transformer layers the model has (from the names, not the config)."""
    prefix = re.escape(layer_prefix(model))
    indices = {int(m.group(1)) for name, _ in model.named_parameters()
               if (m := re.match(rf"^{prefix}\.(\d+)\.", name))}
    return max(indices) + 1


def layer_patterns(model, layers: Iterable[int]) -> list[str]:
    """Regexes for the given layer indices; negative indices count from the top (``-1`` = last layer)."""
    n = num_layers(model)
    prefix = re.escape(layer_prefix(model))
    out = []
    for i in layers:
        if isinstance(i, bool) or not isinstance(i, numbers.Integral):
            raise ConfigError(f"층 번호는 정수여야 합니다: {i!r} ({type(i).__name__}). 예: [10, 11] 또는 range(8, 12)",
                              f"Layer indices must be integers, got {i!r} ({type(i).__name__}); e.g. [10, 11] or "
                              f"range(8, 12)")
        i = int(i)
        j = i + n if i < 0 else i
        if not 0 <= j < n:
            raise ConfigError(f"층 번호 {i}가 범위를 벗어났습니다 (이 모델은 {n}개 층).",
                              f"Layer index {i} is out of range (this model has {n} layers).")
        out.append(rf"^{prefix}\.{j}\.")
    return out


def set_layers_trainable(model, layers: Iterable[int], trainable: bool) -> int:
    """Freeze or unfreeze whole transformer layers by index (e.g. ``range(8, 12)``); returns tensors."""
    return set_trainable(model, layer_patterns(model, layers), trainable)


def head_modules(model) -> list[str]:
    """Top-level module names of the task head: parameters outside ``model.base_model_prefix``.

    ``["classifier"]`` for BERT/XLM-R sequence classifiers. Used for head-only training and as
    LoRA's ``modules_to_save``.
    """
    prefix = getattr(model, "base_model_prefix", "")
    names = [name for name, _ in model.named_parameters()]
    if prefix and any(n.startswith(prefix + ".") for n in names):
        return sorted({n.split(".")[0] for n in names if not n.startswith(prefix + ".")})
    return sorted({n.split(".")[0] for n in names if re.match(r"^(classifier|score|qa_outputs)\.", n)})


def head_patterns(model) -> list[str]:
    """Regexes matching the task head's parameters."""
    return [rf"^{re.escape(m)}\." for m in head_modules(model)]


def has_pooler(model) -> bool:
    return any(re.search(_POOLER, name) for name, _ in model.named_parameters())


def _head(model, pooler: bool) -> list[str]:
    patterns = head_patterns(model)
    if pooler and has_pooler(model):
        patterns.append(_POOLER)
    return patterns


def head_only(model, pooler: bool = False) -> tuple[int, int]:
    """Train only the classification head (and the pooler if ``pooler``); returns (trainable, total)."""
    freeze_all(model)
    unfreeze(model, _head(model, pooler))
    return count_parameters(model)


def attention_recipe(model) -> tuple[int, int]:
    """The emotion tutorial's recipe: attention blocks + pooler + head trainable, everything else frozen.

    "attention" means every parameter under ``.attention.`` (query/key/value, the attention output
    dense layer and its LayerNorm) in every layer; the embeddings and feed-forward blocks stay frozen.
    """
    freeze_all(model)
    unfreeze(model, [_ATTENTION] + _head(model, pooler=True))
    return count_parameters(model)


def top_k_layers(model, k: int, pooler: bool = True) -> tuple[int, int]:
    """Train the top ``k`` transformer layers plus pooler and head; returns (trainable, total).

    ``k`` must be an integer from 0 (head only) to the number of layers (all layers), else ConfigError."""
    n = num_layers(model)
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 0 <= k <= n:
        raise ConfigError(f"k={k!r}은(는) 0부터 {n}까지의 정수여야 합니다(이 모델은 {n}개 층).",
                          f"k={k!r} must be an integer from 0 to {n} (this model has {n} layers).")
    freeze_all(model)
    if k > 0:
        set_layers_trainable(model, range(n - int(k), n), trainable=True)
    unfreeze(model, _head(model, pooler))
    return count_parameters(model)


def _group(name: str, layer_re: re.Pattern | None, heads: set[str]) -> str:
    if _LORA.search(name):
        return "LoRA"
    if layer_re and (m := layer_re.match(name)):
        return f"layer {int(m.group(1)):02d}"
    if "word_embeddings" in name:
        return "word embeddings"
    if "embeddings" in name:
        return "other embeddings"
    if re.search(_POOLER, name):
        return "pooler"
    parts = name.split(".")
    if heads & set(parts) or "modules_to_save" in parts or "original_module" in parts:
        return "head"
    return "other"


def summary(model, by_layer: bool = True):
    """Trainable and total parameters per group as a DataFrame (``group, trainable, total, %``).

    Groups: word embeddings, other embeddings, ``layer NN`` (or one ``layers`` row when not
    ``by_layer``), pooler, head, LoRA; the last row ``total`` sums them. ``%`` is trainable / total of the
    row, and in the total row trainable / all parameters.
    """
    import pandas as pd

    try:
        layer_re = re.compile(rf"^{re.escape(layer_prefix(model))}\.(\d+)\.")
    except ConfigError:  # no numbered layers (e.g. a plain MLP)
        layer_re = None
    heads = set(head_modules(model)) or {"classifier", "score"}
    rows: dict[str, list[int]] = {}
    for name, param in model.named_parameters():
        group = _group(name, layer_re, heads)
        if group.startswith("layer ") and not by_layer:
            group = "layers"
        row = rows.setdefault(group, [0, 0])
        row[0] += param.numel() if param.requires_grad else 0
        row[1] += param.numel()
    table = pd.DataFrame([{"group": g, "trainable": t, "total": n} for g, (t, n) in rows.items()])
    total = pd.DataFrame([{"group": "total", "trainable": table["trainable"].sum(), "total": table["total"].sum()}])
    table = pd.concat([table, total], ignore_index=True)
    table["%"] = (100 * table["trainable"] / table["total"]).round(2)
    return table


def trainable_share(model) -> dict[str, float]:
    """``{"trainable_params", "total_params", "trainable_percent"}`` for results tables."""
    trainable, total = count_parameters(model)
    return {"trainable_params": trainable, "total_params": total,
            "trainable_percent": round(100 * trainable / total, 3) if total else 0.0}


def lora(model, r: int = 8, alpha: int = 16, dropout: float = 0.1,
         target_modules: Iterable[str] = ("query", "value"), extra_modules_to_save: Iterable[str] = ()):
    """Wrap a sequence classifier with LoRA (peft): adapters on ``target_modules``, the head trained fully.

    The head (``head_modules(model)``, e.g. ``classifier``) goes into ``modules_to_save`` so it is trained
    and saved with the adapter; add ``extra_modules_to_save=["pooler"]`` to train the pooler too (useful
    when the pooler starts random, as in the converted multilingual-e5-small). Returns the peft model.
    """
    from peft import LoraConfig, TaskType, get_peft_model

    config = LoraConfig(task_type=TaskType.SEQ_CLS, r=r, lora_alpha=alpha, lora_dropout=dropout,
                        target_modules=list(target_modules),
                        modules_to_save=head_modules(model) + list(extra_modules_to_save))
    return get_peft_model(model, config)

"""Quick looks at loaded data: token lengths (lesson 03) and per-split counts for notebooks."""
from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from ftkit.prose import particle


def token_lengths(dataset, tokenizer, columns: str | Sequence[str], batch_size: int = 1000) -> np.ndarray:
    """Tokenised length (with special tokens, no truncation) of every row, as an int array.

    ``columns`` is one text column (``"text"``) or two (``("sentence1", "sentence2")``, encoded as a pair,
    the way the model will see it). ``dataset`` is a ``datasets.Dataset`` (or any mapping of column -> list).
    """
    cols = [columns] if isinstance(columns, str) else list(columns)
    if len(cols) not in (1, 2):
        raise ValueError(f"columns must name one or two text columns, got {cols}")
    values = [list(dataset[c]) for c in cols]
    total = len(values[0])
    out = np.empty(total, dtype=np.int64)
    for start in range(0, total, batch_size):
        batch = [v[start:start + batch_size] for v in values]
        enc = tokenizer(*batch, add_special_tokens=True, truncation=False, padding=False,
                        return_attention_mask=False, return_token_type_ids=False, verbose=False)
        out[start:start + len(batch[0])] = [len(ids) for ids in enc["input_ids"]]
    return out


def length_percentiles(lengths, percentiles: Iterable[float] = (50, 90, 95, 99)) -> dict:
    """``{percentile: length}`` of an array of lengths (plus nothing else; linear interpolation)."""
    arr = np.asarray(lengths)
    if arr.size == 0:
        from ftkit.errors import DataError

        raise DataError("길이 목록이 비어 있습니다: 데이터에 행이 있는지 확인하세요.",
                        "lengths is empty: check that the data has rows.")
    return {p: float(np.percentile(arr, p)) for p in percentiles}


def choose_max_length(lengths, percentile: float = 99, multiple: int = 8, limit: int | None = None) -> int:
    """The ``percentile``-th percentile of ``lengths`` rounded up to a multiple of ``multiple`` (tensor-core
    friendly): a ``max_length`` that truncates only about ``100 - percentile`` % of the rows.

    ``limit`` caps the result at the longest input the model takes: pass ``tokenizer.model_max_length``
    (512 for BERT). A few very long rows (a 1 MB review) would otherwise push it past what the position
    embeddings cover and the forward pass would fail; when the cap applies a ko/en line says so.
    """
    if multiple < 1:
        raise ValueError(f"multiple must be >= 1, got {multiple}")
    if isinstance(percentile, bool) or not isinstance(percentile, (int, float, np.integer, np.floating)) \
            or not 0 < percentile <= 100:
        from ftkit.errors import ConfigError

        raise ConfigError(f"percentile은 0보다 크고 100 이하인 수여야 합니다(받은 값: {percentile!r}). 예: 95, 99",
                          f"percentile must be a number in (0, 100] (got {percentile!r}); e.g. 95 or 99.")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1):
        from ftkit.errors import ConfigError

        raise ConfigError(f"limit은 양의 정수여야 합니다(받은 값: {limit!r}). tokenizer.model_max_length를 넘기세요.",
                          f"limit must be a positive integer (got {limit!r}); pass tokenizer.model_max_length.")
    value = length_percentiles(lengths, (percentile,))[percentile]
    chosen = int(math.ceil(value / multiple) * multiple)
    if limit is not None and chosen > limit:
        print(f"[ftkit] {percentile}번째 백분위수 길이 {particle(format(chosen, ','), '가')} 모델의 최대 길이 {int(limit):,}보다 길어 "
              f"최대 길이에 맞춥니다: max_length = {int(limit):,} / The {percentile}th-percentile length {chosen:,} "
              f"exceeds the model's limit {int(limit):,}: max_length = {int(limit):,}.")
        return int(limit)
    return chosen


def summary(dd) -> pd.DataFrame:
    """One row per split: ``rows``, then the count of each label name (classification) or the score's
    mean/std/min/max on the 0-1 scale (similarity)."""
    records = {}
    for split, ds in dd.items():
        row: dict = {"rows": len(ds)}
        feature = ds.features.get("label")
        if feature is not None and hasattr(feature, "names"):
            counts = np.bincount(np.asarray(list(ds["label"]), dtype=np.int64), minlength=len(feature.names))
            row.update({name: int(c) for name, c in zip(feature.names, counts)})
        elif "score" in ds.column_names:
            scores = np.asarray(list(ds["score"]), dtype=np.float64)
            row.update(score_mean=scores.mean(), score_std=scores.std(), score_min=scores.min(),
                       score_max=scores.max())
        records[split] = row
    frame = pd.DataFrame.from_dict(records, orient="index")
    frame.index.name = "split"
    return frame

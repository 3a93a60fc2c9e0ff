"""Quick looks at loaded data: token lengths (lesson 03) and per-split counts for notebooks."""
from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np
import pandas as pd


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
        raise ValueError("lengths is empty")
    return {p: float(np.percentile(arr, p)) for p in percentiles}


def choose_max_length(lengths, percentile: float = 99, multiple: int = 8) -> int:
    """The ``percentile``-th percentile of ``lengths`` rounded up to a multiple of ``multiple`` (tensor-core
    friendly): a ``max_length`` that truncates only about ``100 - percentile`` % of the rows."""
    if multiple < 1:
        raise ValueError(f"multiple must be >= 1, got {multiple}")
    value = length_percentiles(lengths, (percentile,))[percentile]
    return int(math.ceil(value / multiple) * multiple)


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

"""Duplicates and train/test overlap: one normalised key for "the same text", counts, and a warning.

``dedup_key`` is the single definition of "the same text" in ftkit: the loader's duplicate and overlap
reports, the de-duplication before the splits ftkit makes itself (chatbot 80/20, MNLI mismatched 50/50)
and lesson 08's question/answer split all use it.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Iterable, Mapping, Sequence

_PUNCT_SPACE = re.compile(r"[\s\W_]+")


def dedup_key(text) -> str:
    """The normalised form of a text used to find duplicates: Unicode NFKC, case-folded, whitespace and
    punctuation removed. A text made only of punctuation keeps it (whitespace collapsed), so ``"!!"`` and
    ``"??"`` stay different.

    ``"12시 땡!"``, ``" 12시  땡 "`` and ``"１２시 땡"`` share one key; so do ``"SNS 봐?"`` and ``"sns봐"``.
    """
    norm = unicodedata.normalize("NFKC", str(text)).casefold()
    return _PUNCT_SPACE.sub("", norm) or " ".join(norm.split())


def row_keys(columns: Sequence[Sequence]) -> list[tuple[str, ...]]:
    """One key per row: the tuple of ``dedup_key`` of each text column (a pair task has two columns)."""
    return [tuple(dedup_key(t) for t in row) for row in zip(*columns)]


class DuplicateTextWarning(UserWarning):
    """Duplicate texts within a split, or texts of an evaluation split that also occur in ``train``.

    These rows are kept (unlike :class:`ftkit.data.DroppedRowsWarning`); the warning says how many there are.
    Attributes: ``dataset`` (name), ``kind`` (``"duplicates"`` or ``"overlap"``) and ``counts``
    (split -> ``{"rows": ..., "texts": ...}``): for duplicates, ``rows`` = rows that repeat an earlier row of
    the same split and ``texts`` = distinct texts that occur more than once; for overlap, ``rows`` = rows of
    that split whose text is also in ``train`` and ``texts`` = such distinct texts.
    """

    def __init__(self, dataset: str, kind: str, counts: Mapping[str, Mapping[str, int]], message: str):
        super().__init__(message)
        self.dataset, self.kind = dataset, kind
        self.counts = {split: dict(c) for split, c in counts.items()}


def duplicate_counts(keys: Iterable) -> dict[str, int]:
    """``{"rows": rows repeating an earlier row, "texts": distinct keys occurring more than once}``."""
    counts = Counter(keys)
    return {"rows": sum(n - 1 for n in counts.values()), "texts": sum(1 for n in counts.values() if n > 1)}


def overlap_counts(keys: Sequence, train_keys: Iterable) -> dict[str, int]:
    """``{"rows": rows of keys also in train_keys, "texts": distinct such keys}``."""
    train = set(train_keys)
    return {"rows": sum(1 for k in keys if k in train), "texts": len(set(keys) & train)}


def _text_columns(ds) -> list[str]:
    names = list(ds.column_names)
    for cols in (["text"], ["sentence1", "sentence2"], ["anchor", "positive"]):
        if all(c in names for c in cols):
            return cols
    raise KeyError(names)


def split_keys(dd) -> dict[str, list[tuple[str, ...]]]:
    """``{split: row keys}`` of a ``DatasetDict`` (or any mapping of split -> Dataset) with the course schema."""
    from ftkit.errors import DataError

    out = {}
    for split, ds in dd.items():
        try:
            cols = _text_columns(ds)
        except KeyError as exc:
            raise DataError(
                f"'{split}' 분할에 텍스트 열(text 또는 sentence1/sentence2)이 없습니다. 있는 열: {exc.args[0]}",
                f"Split '{split}' has no text column (text or sentence1/sentence2). Columns: {exc.args[0]}",
            ) from None
        out[split] = row_keys([list(ds[c]) for c in cols])
    return out


def counts_by_split(keys: Mapping[str, Sequence]) -> tuple[dict, dict]:
    """(duplicates per split, overlap with ``train`` per other split); both only list splits with any."""
    dups = {s: c for s, k in keys.items() if (c := duplicate_counts(k))["rows"]}
    overlap = {}
    if "train" in keys:
        train = set(keys["train"])
        overlap = {s: c for s, k in keys.items() if s != "train" and (c := overlap_counts(k, train))["rows"]}
    return dups, overlap


def overlap_report(dd):
    """A small table (pandas DataFrame, one row per split) of duplicates and overlap with ``train``.

    Columns: ``rows``; ``distinct`` texts; ``duplicate_rows`` (rows repeating an earlier row of the split)
    and ``duplicate_texts`` (distinct texts occurring more than once); ``rows_in_train`` and
    ``texts_in_train`` (rows / distinct texts of the split that also occur in ``train``; 0 for ``train``).
    Texts are compared by :func:`dedup_key`; for pair sets a row's text is the (sentence1, sentence2) pair.
    """
    import pandas as pd

    keys = split_keys(dd)
    train = set(keys.get("train", ()))
    records = {}
    for split, k in keys.items():
        dup = duplicate_counts(k)
        over = overlap_counts(k, train) if split != "train" else {"rows": 0, "texts": 0}
        records[split] = {"rows": len(k), "distinct": len(set(k)), "duplicate_rows": dup["rows"],
                          "duplicate_texts": dup["texts"], "rows_in_train": over["rows"],
                          "texts_in_train": over["texts"]}
    frame = pd.DataFrame.from_dict(records, orient="index")
    frame.index.name = "split"
    return frame

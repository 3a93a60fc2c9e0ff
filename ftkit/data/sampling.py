"""Seeded, deterministic subsampling (stratified by label for classification sets)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ftkit.errors import ConfigError


def allocate(counts: np.ndarray, n: int) -> np.ndarray:
    """Split ``n`` over classes in proportion to ``counts`` by the largest-remainder method.

    Each class gets ``floor(n * count / total)``; the rows left over go one each to the classes with the
    largest fractional remainders (ties: lower class index first). Deterministic; never more than a class has.
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if n >= total:
        return counts.copy()
    exact = counts * n  # compare remainders as exact integers: (count * n) mod total
    quota = exact // total
    remainder = exact - quota * total
    left = n - int(quota.sum())
    order = sorted(range(len(counts)), key=lambda k: (-int(remainder[k]), k))
    for k in order[:left]:
        quota[k] += 1
    return quota


def stratified_indices(labels: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` row indices, per class as :func:`allocate` says, drawn with ``seed``, in seeded random order."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    classes, inverse = np.unique(labels, return_inverse=True)
    quota = allocate(np.bincount(inverse, minlength=len(classes)), n)
    picked = []
    for k in range(len(classes)):
        members = np.flatnonzero(inverse == k)
        picked.append(rng.choice(members, size=int(quota[k]), replace=False))
    chosen = np.concatenate(picked) if picked else np.empty(0, dtype=np.int64)
    return rng.permutation(chosen)


def random_indices(total: int, n: int, seed: int) -> np.ndarray:
    """``n`` of ``range(total)`` drawn without replacement with ``seed``, in that random order."""
    return np.random.default_rng(seed).choice(total, size=n, replace=False)


def check_n(n: Any, what: str) -> int | None:
    """None or a positive int; anything else raises ConfigError."""
    if n is None:
        return None
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise ConfigError(
            f"{what}은(는) 양의 정수이거나 None이어야 합니다(받은 값: {n!r}).",
            f"{what} must be a positive integer or None (got {n!r}).",
        )
    return int(n)


def note_too_large(n: int, available: int, where: str) -> None:
    """Print the ko/en note for a request larger than what is there."""
    print(f"[ftkit] {where}: 요청한 {n}개가 있는 행 수 {available}개보다 많아 전부 씁니다. / "
          f"Asked for {n} rows but only {available} exist: keeping all of them.")


def indices_for(labels: np.ndarray | None, total: int, n: int | None, seed: int, where: str) -> np.ndarray | None:
    """Row indices to keep, or None for "keep everything" (n is None or not smaller than ``total``)."""
    if n is None or n == total:
        return None
    if n > total:
        note_too_large(n, total, where)
        return None
    if labels is None:
        return random_indices(total, n, seed)
    return stratified_indices(labels, n, seed)


def subsample(dataset, n: int | None, seed: int = 42, stratify: bool = True):
    """A seeded subsample of ``n`` rows of a ``datasets.Dataset`` (the function ``load`` uses).

    With ``stratify`` and a ``label`` column, every class keeps its share (largest-remainder allocation,
    see :func:`allocate`); otherwise (or for similarity sets, which have ``score`` instead) it is a plain
    seeded sample. The rows come back in a seeded random order. Same arguments -> same rows.
    ``n=None`` returns ``dataset`` unchanged; ``n`` at least ``len(dataset)`` keeps every row (with a printed
    note when larger).
    """
    n = check_n(n, "n")
    labels = None
    if stratify and "label" in dataset.column_names:
        labels = np.asarray(list(dataset["label"]))
    split = getattr(dataset, "split", None)
    idx = indices_for(labels, len(dataset), n, seed, str(split) if split else "subsample")
    return dataset if idx is None else dataset.select(idx.tolist())

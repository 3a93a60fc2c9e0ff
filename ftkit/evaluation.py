"""Metrics without Hub downloads (``evaluate.load`` needs the Hub): scikit-learn underneath."""
from __future__ import annotations

from typing import Sequence

import numpy as np


def classification_metrics(y_true: Sequence[int], y_pred: Sequence[int]) -> dict[str, float]:
    """Accuracy and macro-F1 (and binary F1 of class 1 when there are two classes)."""
    from sklearn.metrics import accuracy_score, f1_score

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    metrics = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
    }
    if set(np.unique(y_true)) <= {0, 1}:
        metrics["f1"] = float(f1_score(y_true, y_pred, average="binary", zero_division=0))
    return metrics


def compute_metrics(eval_pred) -> dict[str, float]:
    """For ``Trainer(compute_metrics=...)``: logits -> argmax -> accuracy / F1."""
    logits, labels = eval_pred
    if isinstance(logits, tuple):
        logits = logits[0]
    return classification_metrics(labels, np.argmax(logits, axis=-1))


def predictions(trainer, dataset) -> tuple[np.ndarray, np.ndarray]:
    """(true labels, predicted labels) of a Trainer on a tokenised dataset."""
    out = trainer.predict(dataset)
    logits = out.predictions[0] if isinstance(out.predictions, tuple) else out.predictions
    return out.label_ids, np.argmax(logits, axis=-1)


def confusion(y_true: Sequence[int], y_pred: Sequence[int], num_labels: int) -> np.ndarray:
    """Confusion matrix with every class present (rows: true, columns: predicted)."""
    from sklearn.metrics import confusion_matrix

    return confusion_matrix(y_true, y_pred, labels=list(range(num_labels)))


def before_after(before: dict[str, float], after: dict[str, float], keys: Sequence[str] | None = None):
    """A small DataFrame comparing metrics before and after fine-tuning, with the change."""
    import pandas as pd

    keys = list(keys or [k for k in before if k in after])
    rows = [{"지표": k, "미세 조정 전": before[k], "미세 조정 후": after[k],
             "변화": after[k] - before[k]} for k in keys]
    return pd.DataFrame(rows)

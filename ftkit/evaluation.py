"""Metrics without Hub downloads (``evaluate.load`` needs the Hub): scikit-learn underneath."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ftkit.errors import DataError
from ftkit.prose import particle


def as_labels(values, name: str = "labels", num_labels: int | None = None) -> np.ndarray:
    """``values`` as a 1-d int array of class indices; empty input, non-integers and (with ``num_labels``)
    values outside ``range(num_labels)`` raise DataError naming the value."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise DataError(f"{name}은(는) 1차원 레이블 목록이어야 합니다(받은 모양: {arr.shape}).",
                        f"{name} must be a 1-d list of labels (got shape {arr.shape}).")
    if arr.size == 0:
        raise DataError(f"{name}이(가) 비어 있습니다: 레이블이 하나도 없습니다.", f"{name} is empty: there are no labels.")
    if arr.dtype.kind == "f":
        fractional = ~np.isfinite(arr) | (arr != np.round(arr))
        if not fractional.any():
            arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iub":
        bad = (arr[fractional] if arr.dtype.kind == "f" else arr)[0].item()
        raise DataError(f"{name}에 정수 레이블이 아닌 값 {bad!r}이(가) 있습니다.",
                        f"{name} holds a value that is not an integer label: {bad!r}.")
    arr = arr.astype(np.int64)
    if num_labels is not None:
        outside = arr[(arr < 0) | (arr >= num_labels)]
        if outside.size:
            values_ = sorted(set(outside.tolist()))
            raise DataError(
                f"{name}에 범위 밖 레이블 {particle(str(values_[0]), '가')} 있습니다({outside.size}개, 값: {values_[:5]}). "
                f"레이블은 0 이상 {num_labels - 1} 이하여야 합니다(num_labels={num_labels}).",
                f"{name} holds label {values_[0]} outside range({num_labels}) ({outside.size} of them, values "
                f"{values_[:5]}); labels must be 0..{num_labels - 1} (num_labels={num_labels}).",
            )
    return arr


def _pair(y_true, y_pred, num_labels: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = as_labels(y_true, "y_true", num_labels), as_labels(y_pred, "y_pred", num_labels)
    if len(y_true) != len(y_pred):
        raise DataError(f"y_true({len(y_true)}개)와 y_pred({len(y_pred)}개)의 길이가 다릅니다.",
                        f"y_true ({len(y_true)}) and y_pred ({len(y_pred)}) differ in length.")
    return y_true, y_pred


def classification_metrics(y_true: Sequence[int], y_pred: Sequence[int]) -> dict[str, float]:
    """Accuracy and macro-F1 (and binary F1 of class 1 when there are two classes).

    Empty or different-length inputs and non-integer labels raise DataError."""
    from sklearn.metrics import accuracy_score, f1_score

    y_true, y_pred = _pair(y_true, y_pred)
    metrics = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
    }
    if set(np.unique(y_true)) <= {0, 1}:
        metrics["f1"] = float(f1_score(y_true, y_pred, average="binary", zero_division=0))
    return metrics


def finite_argmax(logits) -> np.ndarray:
    """``argmax`` over the last axis, refusing NaN or infinite logits (argmax would call them class 0)."""
    logits = np.asarray(logits)
    bad = ~np.isfinite(logits)
    if bad.any():
        rows = int(bad.reshape(len(logits), -1).any(axis=1).sum()) if logits.ndim > 1 else int(bad.sum())
        raise DataError(
            f"모델 출력(logits) 가운데 {rows}개 예시에 NaN이나 무한대가 있습니다. 학습이 발산했습니다: 학습률을 낮추거나 "
            f"(예: -p LEARNING_RATE=2e-5) 혼합 정밀도(fp16) 설정을 확인하세요",
            f"{rows} example(s) have NaN or infinite logits: the training diverged. Lower the learning rate "
            f"(e.g. -p LEARNING_RATE=2e-5) or check the mixed precision (fp16) setting",
        )
    return np.argmax(logits, axis=-1)


def compute_metrics(eval_pred) -> dict[str, float]:
    """For ``Trainer(compute_metrics=...)``: logits -> argmax -> accuracy / F1 (NaN logits: DataError)."""
    logits, labels = eval_pred
    if isinstance(logits, tuple):
        logits = logits[0]
    return classification_metrics(labels, finite_argmax(logits))


def predictions(trainer, dataset) -> tuple[np.ndarray, np.ndarray]:
    """(true labels, predicted labels) of a Trainer on a tokenised dataset (NaN logits: DataError)."""
    out = trainer.predict(dataset)
    logits = out.predictions[0] if isinstance(out.predictions, tuple) else out.predictions
    return out.label_ids, finite_argmax(logits)


def confusion(y_true: Sequence[int], y_pred: Sequence[int], num_labels: int) -> np.ndarray:
    """Confusion matrix with every class present (rows: true, columns: predicted).

    A label outside ``range(num_labels)`` raises DataError naming it (it would otherwise vanish from the
    matrix); so do empty or different-length inputs."""
    from sklearn.metrics import confusion_matrix

    y_true, y_pred = _pair(y_true, y_pred, num_labels)
    return confusion_matrix(y_true, y_pred, labels=list(range(num_labels)))


def before_after(before: dict[str, float], after: dict[str, float], keys: Sequence[str] | None = None):
    """A small DataFrame comparing metrics before and after fine-tuning, with the change."""
    import pandas as pd

    keys = list(keys or [k for k in before if k in after])
    rows = [{"지표": k, "미세 조정 전": before[k], "미세 조정 후": after[k],
             "변화": after[k] - before[k]} for k in keys]
    return pd.DataFrame(rows)

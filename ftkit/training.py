"""Training helpers: device and precision checks, quiet Trainer set-up, time and peak-memory measurement."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from ftkit import paths, precision
from ftkit.errors import ConfigError


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (call before ``from_pretrained`` so new heads are reproducible)."""
    import transformers

    transformers.set_seed(seed)


def device():
    """``cuda`` when a GPU is present, else ``cpu`` (as a torch.device)."""
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def check_precision(fp16: bool = False, bf16: bool = False) -> None:
    """Refuse mixed precision that this machine cannot do, instead of silently ignoring it."""
    import torch

    if fp16 and not torch.cuda.is_available():
        raise ConfigError(
            "fp16 혼합 정밀도는 CUDA GPU에서만 동작합니다. GPU 런타임을 쓰거나 fp16=False로 두세요.",
            "fp16 mixed precision needs a CUDA GPU. Use a GPU runtime or set fp16=False.",
        )
    if bf16 and not (torch.cuda.is_available() and precision.bf16_native()):  # not is_bf16_supported(): T4
        if not torch.cuda.is_available():
            return  # CPU bf16 autocast works with use_cpu=True (set by training_args)
        raise ConfigError(
            "이 GPU는 bf16을 지원하지 않습니다. fp16=True를 쓰거나 bf16=False로 두세요.",
            "This GPU does not support bf16. Use fp16=True or set bf16=False.",
        )


def training_args(output_dir: str | Path, **kwargs: Any):
    """``TrainingArguments`` with course defaults: no checkpoints, no reporting, quiet when headless.

    Any keyword overrides a default (e.g. ``eval_strategy="epoch"``).
    """
    import torch
    from transformers import TrainingArguments

    check_precision(kwargs.get("fp16", False), kwargs.get("bf16", False))
    defaults: dict[str, Any] = dict(
        save_strategy="no",
        report_to="none",
        logging_strategy="steps",
        logging_steps=10,
        disable_tqdm=paths.is_headless(),
        dataloader_num_workers=0,
        dataloader_pin_memory=torch.cuda.is_available(),  # pinning needs an accelerator; on CPU it only warns
    )
    if kwargs.get("bf16") and not torch.cuda.is_available():
        defaults["use_cpu"] = True
    if "fp16" not in kwargs and "bf16" not in kwargs:  # mixed precision on a GPU, by compute capability
        defaults.update(precision.training_kwargs())
    defaults.update(kwargs)
    return TrainingArguments(output_dir=str(output_dir), **defaults)


def quiet_trainer(trainer):
    """Drop the callbacks that print log dicts and progress bars in headless runs; returns the trainer."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    if paths.is_headless():
        trainer.remove_callback(PrinterCallback)
        trainer.remove_callback(ProgressCallback)
    return trainer


def log_history(trainer, key: str = "loss") -> list[tuple[int, float]]:
    """(step, value) pairs of one logged quantity, e.g. ``loss`` or ``eval_loss``."""
    return [(h["step"], h[key]) for h in trainer.state.log_history if key in h]


def last_eval(trainer) -> dict[str, float]:
    """The most recent evaluation logged during training (avoids evaluating the same model twice)."""
    evals = [h for h in trainer.state.log_history if "eval_loss" in h]
    if not evals:
        raise ValueError("no evaluation was logged: set eval_strategy='epoch' or 'steps'")
    return evals[-1]


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


@dataclass
class Measurement:
    seconds: float = 0.0
    peak_memory_mb: float = 0.0


TRAINING_SECONDS: list[float] = []  # every measured training block of this process (report.record sums them)


class measure:
    """Context manager: wall time and peak memory of the block.

    On a GPU, peak memory is ``torch.cuda.max_memory_allocated``; on CPU, the peak process RSS
    sampled every 20 ms (includes what was resident before the block).
    """

    def __init__(self, interval: float = 0.02):
        self.interval = interval
        self.result = Measurement()

    def __enter__(self) -> Measurement:
        import torch

        self._cuda = torch.cuda.is_available()
        if self._cuda:
            torch.cuda.reset_peak_memory_stats()
        self._peak = _rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        self._t0 = time.perf_counter()
        return self.result

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self._peak = max(self._peak, _rss_mb())

    def __exit__(self, *exc) -> None:
        import torch

        self.result.seconds = round(time.perf_counter() - self._t0, 2)
        TRAINING_SECONDS.append(self.result.seconds)
        self._stop.set()
        self._thread.join()
        if self._cuda:
            self.result.peak_memory_mb = round(torch.cuda.max_memory_allocated() / 2**20, 1)
        else:
            self.result.peak_memory_mb = round(max(self._peak, _rss_mb()), 1)


# ---------------------------------------------------------------------------------------------------------
# Helpers the Trainer lessons share. The hand-written loop itself lives in lesson 03's notebook.
# ---------------------------------------------------------------------------------------------------------

def padding_share(batches) -> float:
    """Share of padded positions (attention_mask == 0) over all positions in an iterable of batches."""
    padded = total = 0
    for batch in batches:
        mask = batch["attention_mask"]
        padded += int((mask == 0).sum())
        total += int(mask.numel())
    return padded / total if total else 0.0


def class_weights(labels, num_labels: int, power: float = 1.0):
    """Inverse-frequency class weights (mean 1) as a float tensor; ``power=0.5`` gives a milder version.

    Empty ``labels`` or a label outside ``range(num_labels)`` raise DataError (naming the value)."""
    import numpy as np
    import torch

    from ftkit.evaluation import as_labels

    counts = np.bincount(as_labels(labels, "labels", num_labels), minlength=num_labels).astype(float)
    weights = (counts.sum() / np.maximum(counts, 1.0) / num_labels) ** power
    return torch.tensor(weights / weights.mean(), dtype=torch.float)


def weighted_loss(weights):
    """A ``Trainer(compute_loss_func=...)`` function: cross-entropy with per-class ``weights``."""
    import torch

    def loss_func(outputs, labels, num_items_in_batch=None):
        logits = outputs["logits"] if isinstance(outputs, dict) else outputs[0]
        return torch.nn.functional.cross_entropy(logits, labels.to(logits.device),
                                                 weight=weights.to(logits.device, logits.dtype))

    return loss_func


def param_groups(model, learning_rate: float, weight_decay: float = 0.0, new_parameters: Iterable[str] = (),
                 new_learning_rate: float | None = None) -> list[dict]:
    """AdamW parameter groups for the trainable parameters of ``model``.

    Biases and LayerNorm weights (1-d tensors) get no weight decay. ``new_parameters`` names freshly
    initialised weights (e.g. ``loading_info["missing_keys"]`` from ``from_pretrained``: the new
    classification head); with ``new_learning_rate`` they learn at that rate, everything else at
    ``learning_rate``. Empty groups are left out.
    """
    new = set(new_parameters)
    names = {name for name, _ in model.named_parameters()}
    if unknown := sorted(new - names):
        raise ConfigError(
            f"모델에 없는 파라미터 이름입니다: {', '.join(unknown[:5])}. named_parameters()의 이름을 쓰세요 "
            "(LoRA로 감싼 모델은 이름이 바뀝니다).",
            f"No such parameters in the model: {', '.join(unknown[:5])}. Use names from named_parameters() "
            "(wrapping with LoRA changes them).",
        )
    fast = new_learning_rate if new_learning_rate is not None else learning_rate
    groups: dict[tuple[float, float], list] = {
        (learning_rate, weight_decay): [], (learning_rate, 0.0): [], (fast, weight_decay): [], (fast, 0.0): []}
    for name, param in model.named_parameters():
        if param.requires_grad:
            lr = fast if name in new else learning_rate
            groups[(lr, 0.0 if param.ndim < 2 else weight_decay)].append(param)
    return [{"params": params, "lr": lr, "weight_decay": wd} for (lr, wd), params in groups.items() if params]


def adamw(model, learning_rate: float, weight_decay: float = 0.0, new_parameters: Iterable[str] = (),
          new_learning_rate: float | None = None):
    """``torch.optim.AdamW`` over :func:`param_groups` (pass it to ``Trainer(optimizers=(opt, None))``)."""
    import torch

    return torch.optim.AdamW(param_groups(model, learning_rate, weight_decay, new_parameters, new_learning_rate),
                             lr=learning_rate)


def epoch_timer():
    """A Trainer callback that times each training epoch, without the evaluation at its end.

    ``timer = epoch_timer(); Trainer(..., callbacks=[timer])``; afterwards ``timer.seconds`` lists the
    epochs' wall times and ``timer.per_epoch`` is their median (robust when other processes share the CPU).
    """
    import statistics

    from transformers import TrainerCallback

    class EpochTimer(TrainerCallback):
        def __init__(self):
            self.seconds: list[float] = []
            self._t0 = None

        def on_epoch_begin(self, args, state, control, **kwargs):
            self._t0 = time.perf_counter()

        def on_epoch_end(self, args, state, control, **kwargs):
            if self._t0 is not None:
                self.seconds.append(round(time.perf_counter() - self._t0, 3))
                TRAINING_SECONDS.append(self.seconds[-1])
                self._t0 = None

        @property
        def per_epoch(self) -> float:
            return statistics.median(self.seconds) if self.seconds else float("nan")

    return EpochTimer()


def current_memory_mb() -> float:
    """Memory in use now (MiB): allocated CUDA memory on a GPU, else the process RSS.

    Subtract it from ``measure``'s peak to see what a block added on top of what was already resident.
    """
    import torch

    if torch.cuda.is_available():
        return round(torch.cuda.memory_allocated() / 2**20, 1)
    return round(_rss_mb(), 1)

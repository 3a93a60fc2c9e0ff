"""Which floating-point format to train in on this machine: ``"bf16"``, ``"fp16"`` or ``"fp32"``.

- No CUDA GPU: ``fp32`` (the CPU lessons keep full precision).
- Compute capability 8.0 or higher (A100, L4, H100, RTX 30xx/40xx): ``bf16``, which has fp32's range.
- Below 8.0 (Colab's T4 is 7.5): ``fp16``. ``torch.cuda.is_bf16_supported()`` answers True on a T4 because it
  counts emulation, which is slow: the capability decides here, never that function.
- A model known to overflow in fp16 (Gemma 3's activations exceed fp16's range): ``fp32`` where bf16 is not
  native, ``bf16`` where it is.

``training_kwargs()`` gives the ``fp16`` / ``bf16`` pair for ``TrainingArguments``; ``ftkit.training.training_args``
and the sentence-transformers argument helpers fill it in when the caller sets neither. Lessons 01, 02, 04
(``Trainer``) and 05, 06, 07 (sentence-transformers trainers) therefore train in mixed precision on a GPU;
lesson 03's hand-written loop stays in fp32 everywhere.
"""
from __future__ import annotations

import re

# Model ids (case-insensitive regex) whose activations overflow fp16.
FP16_OVERFLOW = (r"gemma-?3",)


def compute_capability() -> tuple[int, int] | None:
    """``(major, minor)`` of the current CUDA device, or None without one."""
    import torch

    if not torch.cuda.is_available():
        return None
    return tuple(torch.cuda.get_device_capability())


def bf16_native() -> bool:
    """True on a CUDA GPU that computes bf16 in hardware (compute capability >= 8.0)."""
    capability = compute_capability()
    return capability is not None and capability >= (8, 0)


def overflows_in_fp16(model_id: str | None) -> bool:
    return bool(model_id) and any(re.search(p, str(model_id), flags=re.I) for p in FP16_OVERFLOW)


def choose(model_id: str | None = None) -> str:
    """``"bf16"``, ``"fp16"`` or ``"fp32"`` for training ``model_id`` (None: any model) on this machine."""
    if compute_capability() is None:
        return "fp32"
    if bf16_native():
        return "bf16"
    return "fp32" if overflows_in_fp16(model_id) else "fp16"


def training_kwargs(model_id: str | None = None) -> dict[str, bool]:
    """``{"fp16": ..., "bf16": ...}`` for ``TrainingArguments`` (both False for fp32)."""
    kind = choose(model_id)
    return {"fp16": kind == "fp16", "bf16": kind == "bf16"}


def dtype(model_id: str | None = None):
    """The ``torch.dtype`` of :func:`choose` (e.g. QLoRA's ``bnb_4bit_compute_dtype``)."""
    import torch

    return {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[choose(model_id)]

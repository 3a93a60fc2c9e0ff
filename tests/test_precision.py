"""Precision by compute capability (a mocked GPU), never by torch.cuda.is_bf16_supported()."""
import sys
import types

import pytest
import torch

from ftkit import precision, training
from ftkit.errors import ConfigError


@pytest.fixture
def gpu(monkeypatch):
    """Pretend a CUDA device of a given compute capability; is_bf16_supported() lies True as on a T4."""
    def use(capability):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: capability is not None)
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda *a, **k: capability)
        monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    return use


@pytest.mark.parametrize("capability, model_id, expected", [
    (None, None, "fp32"),                            # CPU
    (None, "google/gemma-3-270m", "fp32"),
    ((7, 5), None, "fp16"),                          # T4: bf16 would only be emulated
    ((7, 5), "intfloat/multilingual-e5-small", "fp16"),
    ((7, 5), "google/gemma-3-270m", "fp32"),         # fp16 overflows in Gemma 3
    ((7, 5), "unsloth/Gemma3-1B", "fp32"),
    ((7, 0), "google/gemma-2-2b", "fp16"),           # only Gemma 3 is listed
    ((8, 0), None, "bf16"),                          # A100
    ((8, 9), "google/gemma-3-270m", "bf16"),         # L4: bf16 has fp32's range
    ((9, 0), "klue/bert-base", "bf16"),              # H100
])
def test_choose_by_capability(gpu, capability, model_id, expected):
    gpu(capability)
    assert precision.choose(model_id) == expected
    kwargs = precision.training_kwargs(model_id)
    assert kwargs == {"fp16": expected == "fp16", "bf16": expected == "bf16"}
    assert precision.dtype(model_id) == {"fp32": torch.float32, "fp16": torch.float16,
                                         "bf16": torch.bfloat16}[expected]


def test_bf16_is_refused_on_a_t4_even_though_torch_says_supported(gpu):
    gpu((7, 5))
    assert torch.cuda.is_bf16_supported() and not precision.bf16_native()
    with pytest.raises(ConfigError, match="bf16"):
        training.check_precision(bf16=True)
    training.check_precision(fp16=True)  # fine on a T4


def test_training_args_fill_in_the_precision_only_when_the_caller_sets_none(gpu, monkeypatch, tmp_path):
    seen = []
    fake = types.SimpleNamespace(TrainingArguments=lambda **kw: seen.append(kw) or kw)
    monkeypatch.setitem(sys.modules, "transformers", fake)  # no real device set-up for the mocked GPU
    gpu((7, 5))
    training.training_args(tmp_path)
    training.training_args(tmp_path, fp16=False)
    gpu((8, 0))
    training.training_args(tmp_path)
    gpu(None)
    training.training_args(tmp_path)
    assert [(kw.get("fp16"), kw.get("bf16")) for kw in seen] == [
        (True, False), (False, None), (False, True), (False, False)]

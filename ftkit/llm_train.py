"""Lesson 08's instruction tuning as a script, for one or several processes.

    python -m ftkit.llm_train --method lora --max-steps 60 --out runs/lora
    accelerate launch --multi_gpu --num_processes 2 -m ftkit.llm_train --method lora --out runs/lora2

It uses the same functions as the notebook (``ftkit.llm``, ``ftkit.data.instruction``). With N processes each
one trains on its own share of every batch and the gradients are averaged before each step (DDP), so the
effective batch size is ``N x --batch-size x --grad-accum``. ``--cpu`` asks for CPU processes (gloo backend):
with accelerate 1.15, ``accelerate launch --cpu --num_processes 2`` starts ONE process; two CPU ranks need
``--multi_gpu --num_processes 2`` (or ``torchrun --nproc_per_node 2``) plus ``--cpu`` here.

Each rank writes ``rank<k>.json`` (world size, losses, a digest of its parameters) under ``--report-dir``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m ftkit.llm_train", description=__doc__.split("\n")[0])
    p.add_argument("--model", default="google/gemma-3-270m", help="model id or folder (ftkit.models.resolve)")
    p.add_argument("--method", choices=("lora", "full"), default="lora")
    p.add_argument("--n-train", type=int, default=None, help="training rows (default: all)")
    p.add_argument("--data-source", default="auto", help="auto | local | download | sample")
    p.add_argument("--max-steps", type=int, default=60)
    p.add_argument("--batch-size", type=int, default=8, help="per process")
    p.add_argument("--grad-accum", type=int, default=1)
    p.add_argument("--learning-rate", type=float, default=None, help="default: 2e-4 LoRA, 2e-5 full")
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument("--lora-alpha", type=int, default=32)
    p.add_argument("--target-modules", default="all-linear", help="all-linear | attention | comma-separated names")
    p.add_argument("--logging-steps", type=int, default=5)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--cpu", action="store_true", help="train on CPU even where a GPU is present (gloo)")
    p.add_argument("--out", default=None, help="where the main process saves the adapter / model")
    p.add_argument("--report-dir", default=None, help="folder for rank<k>.json reports")
    return p.parse_args(argv)


def _targets(spec: str) -> tuple[str, ...]:
    from ftkit import llm

    if spec == "all-linear":
        return llm.ALL_LINEAR
    if spec == "attention":
        return llm.ATTENTION
    return tuple(s.strip() for s in spec.split(",") if s.strip())


def parameter_digest(model) -> str:
    """SHA-256 over every trainable parameter (name and bytes): equal digests = equal parameters."""
    digest = hashlib.sha256()
    for name, param in sorted(model.named_parameters()):
        if param.requires_grad:
            digest.update(name.encode())
            digest.update(param.detach().float().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.cpu:
        os.environ["ACCELERATE_USE_CPU"] = "true"
    from transformers import AutoTokenizer, set_seed

    from ftkit import llm, models
    from ftkit.data.instruction import load_instructions

    set_seed(args.seed)
    folder = models.resolve(args.model)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = llm.load_causal_lm(folder, device="cpu")  # the Trainer moves it to each process's device
    train = load_instructions(n_train=args.n_train, seed=args.seed, source=args.data_source)["train"]
    train = llm.prompt_completion(train, tokenizer.eos_token)
    lr = args.learning_rate if args.learning_rate is not None else (2e-4 if args.method == "lora" else 2e-5)
    config = llm.sft_config(Path(args.out or "llm_train_out") / "trainer", max_steps=args.max_steps,
                            batch_size=args.batch_size, learning_rate=lr, max_length=args.max_length,
                            seed=args.seed, gradient_accumulation_steps=args.grad_accum,
                            logging_steps=args.logging_steps, **({"use_cpu": True} if args.cpu else {}))
    peft_config = (llm.lora_config(args.lora_r, args.lora_alpha, _targets(args.target_modules))
                   if args.method == "lora" else None)
    trainer = llm.sft_trainer(model, tokenizer, train, config, peft_config)
    result = trainer.train()
    state = trainer.accelerator.state
    report = {
        "rank": state.process_index, "world_size": state.num_processes, "device": str(state.device),
        "distributed_type": str(state.distributed_type), "method": args.method,
        "effective_batch_size": args.batch_size * args.grad_accum * state.num_processes,
        "losses": [h["loss"] for h in trainer.state.log_history if "loss" in h],
        "train_runtime": result.metrics.get("train_runtime"),
        "parameter_digest": parameter_digest(trainer.model),
    }
    if args.report_dir:
        out = Path(args.report_dir)
        out.mkdir(parents=True, exist_ok=True)
        tmp = out / f".rank{report['rank']}.json.tmp"
        tmp.write_text(json.dumps(report, indent=2), encoding="utf-8")
        os.replace(tmp, out / f"rank{report['rank']}.json")
    trainer.accelerator.wait_for_everyone()
    if args.out and state.is_main_process:
        terms = folder if all((Path(folder) / n).is_file() for n in llm.TERMS_FILES) else None
        model = trainer.accelerator.unwrap_model(trainer.model)
        if args.method == "lora":
            llm.save_adapter(model, Path(args.out) / "adapter", terms_from=terms)
        else:
            llm.save_model(model, tokenizer, Path(args.out) / "model", terms_from=terms)
    if state.is_main_process:
        print(json.dumps({k: v for k, v in report.items() if k != "parameter_digest"}, ensure_ascii=False))
    return report


if __name__ == "__main__":
    main(sys.argv[1:])

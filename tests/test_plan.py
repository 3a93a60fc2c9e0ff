"""ftkit.plan: parameter counts against real models, FLOPs against torch's own count, the budgets, the CLI and
the line each lesson prints. No wall-clock time is asserted (the CPU rate is fixed where a test needs one)."""
import json
import math
from pathlib import Path

import pytest

from ftkit import cli, models, plan, profiles, report, training

RATE = 100e9  # a fixed CPU rate (FLOP/s) so no test depends on this machine's speed


def _config(folder: str | Path) -> dict:
    return json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))


def _matrix_params(module, prefix: str) -> int:
    return sum(p.numel() for name, p in module.named_parameters() if name.startswith(prefix) and p.dim() == 2)


@pytest.fixture(scope="module")
def tiny_bert():
    from transformers import AutoModel

    folder = models.build_tiny_model()
    # eager attention: its matrix products are ones torch's FLOP counter sees (the fused CPU kernel it does not)
    return _config(folder), AutoModel.from_pretrained(folder, add_pooling_layer=False, attn_implementation="eager")


def test_shape_counts_what_a_real_encoder_has(tiny_bert):
    config, model = tiny_bert
    shape = plan.ModelShape.from_config(config)
    assert shape.body_params == _matrix_params(model, "encoder.layer")
    words = model.embeddings.word_embeddings.weight.numel()
    positions = model.embeddings.position_embeddings.weight.numel()
    assert shape.embedding_params == words + positions and shape.head_params == 0


def test_shape_counts_what_a_real_decoder_has():
    from transformers import AutoModelForCausalLM

    folder = models.build_tiny_gemma()
    model = AutoModelForCausalLM.from_pretrained(folder)
    shape = plan.ModelShape.from_config(_config(folder))
    assert shape.body_params == _matrix_params(model, "model.layers")
    # the output layer is tied to the word embeddings: stored once, run on every token
    assert shape.head_params == model.model.embed_tokens.weight.numel() == model.lm_head.weight.numel()
    assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()


@pytest.mark.parametrize("model_id", [profiles.E5, profiles.GEMMA])
def test_the_course_shapes_are_the_offline_models_configs(model_id):
    assert plan.MODELS[model_id] == plan.ModelShape.from_config(_config(models.resolve(model_id)))


def test_gemmas_output_layer_dominates_its_flops():
    gemma = plan.MODELS[profiles.GEMMA]
    assert gemma.head_params > 1.5 * gemma.body_params  # 168 M in the 262k-word layer vs 100 M in the layers
    phase = plan.Phase("train", profiles.GEMMA, tokens=1000, flops_per_param=6, seq=32)
    assert phase.flops() > 6 * 1000 * gemma.head_params > 0.6 * phase.flops()


def test_training_flops_match_torchs_count_on_a_tiny_bert(tiny_bert):
    """6 x matrix parameters x tokens + attention, against torch's FLOP counter on a real forward and backward."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    config, model = tiny_bert
    batch, seq = 4, 32
    ids = torch.randint(5, config["vocab_size"], (batch, seq))
    with FlopCounterMode(display=False) as counter:
        model(input_ids=ids).last_hidden_state.pow(2).mean().backward()
    counted = counter.get_total_flops()
    model.zero_grad()
    shape = plan.ModelShape.from_config(config)
    plan.MODELS["tiny"] = shape
    try:
        planned = plan.Phase("train", "tiny", tokens=batch * seq, flops_per_param=6, seq=seq).flops()
        forward = plan.Phase("eval", "tiny", tokens=batch * seq, flops_per_param=2, seq=seq).flops()
    finally:
        del plan.MODELS["tiny"]
    assert counted == pytest.approx(planned, rel=0.05)
    assert planned == pytest.approx(3 * forward)


def test_more_data_costs_proportionally_more():
    small = plan.estimate("01_pretraining_and_sentiment", "cpu", "cpu", rate=RATE, N_TRAIN=1000)
    large = plan.estimate("01_pretraining_and_sentiment", "cpu", "cpu", rate=RATE, N_TRAIN=2000)
    assert large.train_tokens == pytest.approx(2 * small.train_tokens)
    assert large.train_flops == pytest.approx(2 * small.train_flops)
    assert large.seconds > small.seconds
    two = plan.estimate("01_pretraining_and_sentiment", "cpu", "cpu", rate=RATE, N_TRAIN=1000, EPOCHS=2)
    one = plan.estimate("01_pretraining_and_sentiment", "cpu", "cpu", rate=RATE, N_TRAIN=1000, EPOCHS=1)
    assert two.train_tokens == pytest.approx(2 * one.train_tokens)


def test_padding_modes_order_the_cost_of_lesson_02():
    ph = {p.name: p for p in plan.phases("02_sentence_pairs_dynamic_padding",
                                         profiles.params("02_sentence_pairs_dynamic_padding", "cpu"))}
    assert ph["train grouped"].tokens < ph["train dynamic"].tokens < ph["train fixed"].tokens
    assert ph["train fixed"].seq == profiles.params("02_sentence_pairs_dynamic_padding", "cpu")["MAX_LENGTH"]


def test_the_t4_profile_fits_a_t4_and_lesson_03_is_planned_in_fp32():
    """The must-show of issue 18: every lesson of the t4 profile within 15 min and 14 GB on a T4."""
    for nb in profiles.notebook_names():
        est = plan.estimate(nb, "t4", "t4")
        assert est.fits, (nb, est.row())
        assert est.seconds <= plan.BUDGET_SECONDS and est.peak_gb <= plan.BUDGET_MEMORY_GB["t4"]
    assert plan.peak_flops("t4", profiles.E5, "03_training_loop_nli") == plan.GPUS["t4"]["fp32"] * 1e12
    assert plan.peak_flops("t4", profiles.E5, "01_pretraining_and_sentiment") == plan.GPUS["t4"]["fp16"] * 1e12
    assert plan.peak_flops("t4", profiles.GEMMA) == plan.GPUS["t4"]["fp32"] * 1e12  # fp16 overflows, no bf16
    assert plan.peak_flops("a100", profiles.GEMMA) == plan.GPUS["a100"]["bf16"] * 1e12


@pytest.mark.parametrize("profile", profiles.PROFILES)
def test_every_lesson_and_profile_has_a_plan(profile):
    for nb in profiles.notebook_names():
        for device in plan.DEVICES:
            est = plan.estimate(nb, profile, device, rate=RATE if device == "cpu" else None)
            assert est.train_flops > 0 and est.flops >= est.train_flops and est.seconds > 0, (nb, device)
            assert math.isfinite(est.peak_gb) and est.peak_gb > plan.PROCESS_GB["gpu"]


def test_unknown_models_and_devices_are_refused():
    with pytest.raises(plan.PlanError, match="no shape"):
        plan.estimate("01_pretraining_and_sentiment", "cpu", "cpu", rate=RATE, MODEL_ID="someone/unknown")
    with pytest.raises(plan.PlanError):
        plan.estimate_values("99_unknown", {"PROFILE": "cpu"}, "cpu", RATE)
    from ftkit.errors import ConfigError

    with pytest.raises(ConfigError, match="Unknown device"):
        plan.estimate("01_pretraining_and_sentiment", "cpu", "v100")


def test_lesson_line_in_korean_and_english(monkeypatch):
    monkeypatch.setattr(plan, "cpu_rate", lambda refresh=False: RATE)
    monkeypatch.setattr(plan, "detect_device", lambda: "cpu")
    values = profiles.params("04_full_freeze_lora", "cpu")
    est = plan.estimate_values("04_full_freeze_lora", values, "cpu", RATE)
    line = plan.lesson_line("04_full_freeze_lora", values)
    assert line.startswith("이 강의는 이 기기(CPU)에서 약 ") and "분, 최대 메모리 약 " in line and "GB가 필요합니다" in line
    assert f"{est.peak_gb:.1f} GB" in line and f"about {est.seconds / 60:.0f} min" in line
    unknown = plan.lesson_line("04_full_freeze_lora", {**values, "MODEL_ID": "someone/unknown"})
    assert "추정하지 못했습니다" in unknown and "No time or memory estimate" in unknown


def test_cpu_rate_is_measured_once_and_a_broken_cache_is_remeasured(monkeypatch, tmp_path):
    monkeypatch.setenv("FTKIT_CACHE_DIR", str(tmp_path))
    calls = []
    monkeypatch.setattr(plan, "measure_cpu_rate", lambda seconds=2.0: calls.append(1) or 42e9)
    assert plan.cpu_rate() == 42e9 and plan.cpu_rate() == 42e9 and len(calls) == 1
    (tmp_path / "plan_cpu_rate.json").write_text("{not json", encoding="utf-8")
    assert plan.cpu_rate() == 42e9 and len(calls) == 2
    assert plan.cpu_rate(refresh=True) == 42e9 and len(calls) == 3


def test_measured_cpu_rate_is_a_rate():
    rate = plan.measure_cpu_rate(seconds=0.2)
    assert 1e8 < rate < 1e14  # FLOP/s of any CPU this runs on, not a time


def test_plan_cli_prints_every_lesson_and_the_verdict(capsys):
    assert cli.main(["plan", "--profile", "t4", "--device", "t4"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| 0")]
    assert len(rows) == len(profiles.notebook_names()) and all(row.endswith("| yes |") for row in rows)
    assert "every lesson fits the budget (15 min, 14 GB)" in out and "NVIDIA T4" in out
    assert cli.main(["plan", "03", "--device", "t4", "-p", "N_TRAIN=900000", "-p", "EPOCHS=3"]) == 0
    out = capsys.readouterr().out
    assert "| NO |" in out and "over the budget" in out and "03_training_loop_nli" in out
    with pytest.raises(SystemExit):
        cli.main(["plan", "--device", "v100"])


def test_plan_against_a_run_puts_planned_beside_measured(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(plan, "cpu_rate", lambda refresh=False: RATE)
    results = tmp_path / "run" / "results"
    results.mkdir(parents=True)
    params = profiles.params("07_tsdae", "cpu")
    (results / "07_tsdae.json").write_text(json.dumps(
        {"notebook": "07_tsdae", "profile": "cpu", "device": "cpu:2 cores", "wall_seconds": 300.0,
         "peak_memory_mb": 2900.0, "params": params}), encoding="utf-8")
    assert cli.main(["plan", "--against", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    est = plan.estimate_values("07_tsdae", params, "cpu", RATE)
    row = next(line for line in out.splitlines() if line.startswith("| 07_tsdae"))
    assert "| 300 |" in row and "| 2900 |" in row and f"| {est.seconds:.0f} |" in row
    assert f"{300 / est.seconds:.2f}" in row  # measured / planned


def test_throughput_on_a_gpu_records_mfu(monkeypatch):
    monkeypatch.setattr(training, "TRAINING_SECONDS", [10.0, 20.0])
    params = profiles.params("01_pretraining_and_sentiment", "t4")
    monkeypatch.setattr(plan, "detect_device", lambda: "t4")
    got = report.throughput("01_pretraining_and_sentiment", params)
    flops = plan.estimate_values("01_pretraining_and_sentiment", params, "t4").train_flops
    assert got["measured_train_seconds"] == 30.0 and got["device"] == "t4"
    assert got["achieved_train_tflops_per_s"] == pytest.approx(flops / 30 / 1e12, rel=1e-3)
    assert got["mfu"] == pytest.approx(flops / 30 / (plan.GPUS["t4"]["fp16"] * 1e12), rel=1e-3)
    monkeypatch.setattr(plan, "detect_device", lambda: "cpu")
    assert "mfu" not in report.throughput("01_pretraining_and_sentiment", params)
    monkeypatch.setattr(training, "TRAINING_SECONDS", [])
    assert report.throughput("01_pretraining_and_sentiment", params) == {}

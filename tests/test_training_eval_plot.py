"""Training helpers, metrics and the Korean font."""
import time

import numpy as np
import pytest

from ftkit import evaluation, plotting, training
from ftkit.errors import ConfigError


def test_fp16_without_gpu_is_a_clear_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("has a GPU")
    with pytest.raises(ConfigError) as err:
        training.training_args("/tmp/never", fp16=True)
    assert "fp16" in err.value.en and "GPU" in err.value.ko


def test_training_args_defaults_write_no_checkpoints(tmp_path, monkeypatch):
    monkeypatch.setenv("FTKIT_HEADLESS", "1")
    args = training.training_args(tmp_path, learning_rate=1e-3)
    assert args.save_strategy == "no" and args.disable_tqdm and args.learning_rate == 1e-3
    assert args.report_to in ([], "none", ["none"]) or not args.report_to


def test_measure_reports_time_and_memory():
    with training.measure() as m:
        block = np.ones((2048, 4096), dtype=np.float64)  # 64 MiB
        time.sleep(0.1)
        del block
    assert m.seconds >= 0.1 and m.peak_memory_mb > 64


def test_classification_metrics():
    m = evaluation.classification_metrics([0, 1, 1, 0], [0, 1, 0, 0])
    assert m["accuracy"] == 0.75 and m["f1"] == pytest.approx(2 / 3)
    m3 = evaluation.classification_metrics([0, 1, 2, 2], [0, 1, 2, 1])
    assert "f1" not in m3 and m3["macro_f1"] == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)


def test_compute_metrics_takes_logits():
    logits = np.array([[2.0, 0.1], [0.2, 1.0], [0.9, 0.1]])
    assert evaluation.compute_metrics((logits, np.array([0, 1, 1])))["accuracy"] == pytest.approx(2 / 3)


def test_confusion_has_every_class():
    cm = evaluation.confusion([0, 0, 1], [0, 1, 1], num_labels=3)
    assert cm.shape == (3, 3) and cm.sum() == 3 and cm[2].sum() == 0


def _render(char: str, tmp_path):
    import matplotlib.pyplot as plt
    from matplotlib.image import imread

    fig, ax = plt.subplots(figsize=(1, 1))
    ax.axis("off")
    ax.text(0.5, 0.5, char, fontsize=40, ha="center", va="center")
    path = tmp_path / f"{ord(char)}.png"
    fig.savefig(path, dpi=50)
    plt.close(fig)
    return imread(path)[..., :3].mean(axis=-1)


def test_korean_font_really_renders_hangul(tmp_path, recwarn):
    from matplotlib.ft2font import FT2Font

    family = plotting.setup_korean_font()
    assert FT2Font(str(plotting.korean_font_path())).get_char_index(ord("한")) != 0
    ga, na, blank = _render("가", tmp_path), _render("나", tmp_path), _render(" ", tmp_path)
    # Real glyphs: ink on the page, and two different syllables look different (missing-glyph boxes would not).
    assert (ga < 0.5).sum() > 20 and (na < 0.5).sum() > 20 and (blank < 0.5).sum() == 0
    assert np.abs(ga - na).sum() > 10
    assert not [w for w in recwarn if "missing from font" in str(w.message)], family


def test_plots_save_png(tmp_path):
    plotting.setup_korean_font()
    fig = plotting.loss_curves({"학습 손실": [(1, 1.0), (2, 0.5)]}, hlines={"전": 0.9})
    path = plotting.save(fig, "loss_test")
    assert path.exists() and path.stat().st_size > 1000
    fig = plotting.confusion_matrix(np.array([[3, 1], [0, 4]]), ["부정", "긍정"])
    assert plotting.save(fig, "cm_test").exists()
    assert plotting.save(plotting.bars(["가", "나"], [0.5, 0.7], "비교", "정확도"), "bars").exists()


def test_last_eval_picks_latest_evaluation():
    class State:
        log_history = [{"loss": 1.0, "step": 1}, {"eval_loss": 0.9, "eval_accuracy": 0.5, "step": 2},
                       {"loss": 0.5, "step": 3}, {"eval_loss": 0.4, "eval_accuracy": 0.8, "step": 4},
                       {"train_runtime": 3.0, "step": 4}]

    class FakeTrainer:
        state = State()

    assert training.last_eval(FakeTrainer())["eval_accuracy"] == 0.8
    FakeTrainer.state.log_history = [{"loss": 1.0, "step": 1}]
    with pytest.raises(ValueError):
        training.last_eval(FakeTrainer())


# ------------------------------------------------------------------------------------------ bad inputs (issue 13)


def test_confusion_refuses_labels_outside_the_classes():
    from ftkit.errors import DataError

    with pytest.raises(DataError) as err:
        evaluation.confusion([0, 5], [0, 1], num_labels=2)
    assert "5" in err.value.en and "range(2)" in err.value.en
    assert "레이블 5가 있습니다" in err.value.ko and "0 이상 1 이하" in err.value.ko
    with pytest.raises(DataError, match="-1"):
        evaluation.confusion([0, 1], [0, -1], num_labels=2)
    assert evaluation.confusion([0, 1], [1, 1], num_labels=2).tolist() == [[0, 1], [0, 1]]


def test_class_weights_refuses_empty_and_out_of_range_labels():
    from ftkit.errors import DataError

    with pytest.raises(DataError, match="empty"):
        training.class_weights([], num_labels=3)
    with pytest.raises(DataError) as err:
        training.class_weights([0, 1, 5], num_labels=3)
    assert "5" in err.value.en and "range(3)" in err.value.en
    weights = training.class_weights([0, 1, 1, 2], num_labels=3)
    assert weights.shape == (3,) and float(weights.mean()) == pytest.approx(1.0)


@pytest.mark.parametrize("y_true, y_pred, words", [
    ([], [], "empty"),
    ([0, 1, 1], [0, 1], "differ in length"),
    ([0.5, 1], [0, 1], "0.5"),
    (["neg", "pos"], [0, 1], "neg"),
])
def test_metrics_refuse_empty_mismatched_or_non_integer_inputs(y_true, y_pred, words):
    from ftkit.errors import DataError

    with pytest.raises(DataError) as err:
        evaluation.classification_metrics(y_true, y_pred)
    assert words in err.value.en and err.value.ko


def test_metrics_accept_integer_valued_floats():
    assert evaluation.classification_metrics(np.array([0.0, 1.0]), [0, 1])["accuracy"] == 1.0

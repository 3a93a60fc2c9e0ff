"""The prose helper: sentences right for a rise, a fall and no change, with the right particles."""
import numpy as np
import pytest

from ftkit import prose


@pytest.mark.parametrize("word, josa, expected", [
    ("0.820", "로", "0.820으로"),   # 영 -> 으로
    ("0.807", "로", "0.807로"),     # 칠 (ㄹ) -> 로
    ("0.812", "로", "0.812로"),     # 이 -> 로
    ("0.813", "로", "0.813으로"),   # 삼 -> 으로
    ("0.816", "로", "0.816으로"),   # 육 -> 으로
    ("20", "로", "20으로"),         # 이십 -> 으로
    ("1000", "로", "1000으로"),     # 천 -> 으로
    ("0", "로", "0으로"),           # 영
    ("1.5배", "로", "1.5배로"),     # the unit decides
    ("50%", "로", "50%로"),         # 퍼센트
    ("학습률", "로", "학습률로"),    # ㄹ -> 로
    ("정확도", "이", "정확도가"),
    ("손실", "이", "손실이"),
    ("모델", "을", "모델을"),
    ("LoRA", "는", "LoRA는"),
])
def test_particle(word, josa, expected):
    assert prose.particle(word, josa) == expected


def test_particle_rejects_unknown_josa():
    with pytest.raises(ValueError):
        prose.particle("모델", "에게")


def test_change_rise_fall_and_same():
    assert prose.change(0.811, 0.830) == "0.811에서 0.830으로 올랐습니다"
    assert prose.change(0.811, 0.807) == "0.811에서 0.807로 내려갔습니다"
    assert prose.change(0.811, 0.812, band=0.014) == "0.811에서 0.812로 바뀌었지만, 그 차이는 잡음 범위 안입니다"
    assert prose.change(0.830, 0.811, band=0.014) == "0.830에서 0.811로 내려갔습니다"  # beyond the band
    assert prose.change(0.8111, 0.8113) == "0.811에서 달라지지 않았습니다"  # equal when printed
    assert prose.change(90.4, 109.6, fmt=".1f") == "90.4에서 109.6으로 올랐습니다"


def test_change_never_says_a_rise_did_not_rise():
    for before, after in [(0.5, 0.6), (0.6, 0.5), (0.5, 0.5)]:
        text = prose.change(before, after)
        assert "않았습니다" not in text or before == after


def test_speedup_in_every_direction():
    assert prose.speedup(1.8) == "1.8배 빨라졌습니다"
    assert prose.speedup(0.7) == "0.7배로 오히려 느려졌습니다"
    assert prose.speedup(1.02) == "1.0배로 속도 차이가 잡음 범위 안입니다"


def test_direction_band_is_inclusive_and_nonnegative():
    assert prose.direction(0.5, 0.51, band=0.01) == "same"
    assert prose.direction(0.5, 0.52, band=0.01) == "up"
    with pytest.raises(ValueError):
        prose.direction(0.5, 0.6, band=-0.1)


def test_paired_bootstrap_band_separates_real_gain_from_noise():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    before = np.where(rng.random(400) < 0.6, y, 1 - y)          # ~60 % right
    after_same = np.where(rng.random(400) < 0.6, y, 1 - y)      # same skill, other noise
    after_better = np.where(rng.random(400) < 0.9, y, 1 - y)    # ~90 % right
    acc = lambda t, p: float(np.mean(t == p))  # noqa: E731
    band = prose.paired_bootstrap_band(acc, y, before, after_same, n_boot=300)
    assert 0 < band < 0.2
    assert prose.direction(acc(y, before), acc(y, after_same), band) == "same"
    band_b = prose.paired_bootstrap_band(acc, y, before, after_better, n_boot=300)
    assert prose.direction(acc(y, before), acc(y, after_better), band_b) == "up"
    assert band == prose.paired_bootstrap_band(acc, y, before, after_same, n_boot=300)  # seeded
    with pytest.raises(ValueError):
        prose.paired_bootstrap_band(acc, y, before, after_same[:10])


def test_proportion_band():
    assert prose.proportion_band(0.5, 5010) == pytest.approx(1.96 * (0.25 / 5010) ** 0.5)
    with pytest.raises(ValueError):
        prose.proportion_band(0.5, 0)

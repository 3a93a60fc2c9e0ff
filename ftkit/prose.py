"""Korean sentences about measured changes that are right for a rise, a fall and no change.

    prose.change(0.811, 0.830)              -> "0.811에서 0.830으로 올랐습니다"
    prose.change(0.811, 0.807)              -> "0.811에서 0.807로 내려갔습니다"
    prose.change(0.811, 0.812, band=0.014)  -> "0.811에서 0.812로 바뀌었지만, 그 차이는 잡음 범위 안입니다"
    prose.speedup(1.8)                      -> "1.8배 빨라졌습니다"

``band`` is the half-width of the noise interval of the *difference* (for example from ``paired_bootstrap_band``):
a change no larger than it is reported as noise, whatever its sign. The returned text holds only the numbers
given to it, formatted with ``fmt``, so ``run.say`` and the prose-number check see the recorded values.
"""
from __future__ import annotations

import math
import numbers
from typing import Callable, Sequence

from ftkit.errors import ResultError

# Korean readings of digits: does the reading end in a final consonant (받침), and is it ㄹ?
_DIGIT_FINAL = {"0": "ㅇ", "1": "ㄹ", "2": "", "3": "ㅁ", "4": "", "5": "", "6": "ㄱ", "7": "ㄹ", "8": "ㄹ",
                "9": ""}
# 십, 백, 천, 만 (and every larger unit read at the end: 십만, 백만, 억, ...) end in a consonant that is not ㄹ.
_PAIRS = {"로": ("으로", "로"), "으로": ("으로", "로"), "이": ("이", "가"), "가": ("이", "가"),
          "은": ("은", "는"), "는": ("은", "는"), "을": ("을", "를"), "를": ("을", "를"),
          "과": ("과", "와"), "와": ("과", "와"), "이다": ("이다", "다")}


def _final_of_hangul(ch: str) -> str | None:
    """'ㄹ', another consonant marker 'C', '' (no final), or None if ``ch`` is not a Hangul syllable."""
    code = ord(ch) - 0xAC00
    if not 0 <= code < 11172:
        return None
    jong = code % 28
    return "" if jong == 0 else ("ㄹ" if jong == 8 else "C")


def _final_of_number(text: str) -> str:
    """The final sound of a number as read in Korean: 0.820 -> 영 ('C'), 1.5 -> 오 (''), 20 -> 이십 ('C')."""
    digits = text.lstrip("+-−")
    if "." in digits:
        last = digits.rstrip()[-1]
    else:
        stripped = digits.rstrip("0")
        if not stripped:  # 0 -> 영
            return "C"
        if len(stripped) < len(digits):  # 십, 백, 천, 만, ...
            return "C"
        last = stripped[-1]
    final = _DIGIT_FINAL.get(last, "")
    return "ㄹ" if final == "ㄹ" else ("C" if final else "")


def particle(word: str, josa: str) -> str:
    """``word`` followed by the right form of ``josa`` (로/으로, 이/가, 은/는, 을/를, 과/와).

    Works for Hangul words and for numbers as they are read aloud (``particle("0.820", "로") == "0.820으로"``).
    A trailing unit or symbol decides when it is Hangul (``"1.5배"`` -> 로); ``%`` is read 퍼센트.
    """
    if josa not in _PAIRS:
        raise ValueError(f"unknown particle {josa!r}; use one of {sorted(_PAIRS)}")
    with_final, without = _PAIRS[josa]
    stripped = word.rstrip()
    if not stripped:
        raise ValueError("particle() needs a non-empty word")
    last = stripped[-1]
    final = _final_of_hangul(last)
    if final is None:
        if last == "%":
            final = ""  # 퍼센트
        elif last.isdigit():
            final = _final_of_number(stripped.split()[-1])
        else:
            final = ""  # Latin letters and symbols: read without a final consonant by default
    if josa in ("로", "으로"):
        return word + ("으로" if final == "C" else "로")
    return word + (with_final if final else without)


def _fmt(value: float, fmt: str, unit: str) -> str:
    return f"{value:{fmt}}{unit}"


def _finite(**values: float) -> None:
    """Refuse NaN and infinity: a sentence about them ('내려갔습니다') would be made up."""
    bad = {k: v for k, v in values.items() if not isinstance(v, numbers.Real) or not math.isfinite(v)}
    if bad:
        shown = ", ".join(f"{k}={v!r}" for k, v in bad.items())
        raise ResultError(f"유한한 수가 아니라 문장으로 쓸 수 없습니다: {shown}. 값을 만든 셀(학습이 발산했는지)을 확인하세요",
                          f"Not finite numbers, so no sentence can be written about them: {shown}. Check the cell "
                          f"that computed them (did the training diverge?)")


def direction(before: float, after: float, band: float = 0.0) -> str:
    """'up', 'down' or 'same': 'same' when ``|after - before| <= band`` (noise)."""
    _finite(before=before, after=after, band=band)
    if band < 0:
        raise ValueError("band is a half-width and cannot be negative")
    diff = after - before
    if abs(diff) <= band + 1e-12:  # inclusive, despite float rounding
        return "same"
    return "up" if diff > 0 else "down"


def change(before: float, after: float, band: float = 0.0, fmt: str = ".3f", unit: str = "") -> str:
    """'X에서 Y로 올랐습니다 / 내려갔습니다', or that the change is within the noise band.

    Values equal at the printed precision count as no change even with ``band=0``.
    """
    _finite(before=before, after=after, band=band)
    a, b = _fmt(before, fmt, unit), _fmt(after, fmt, unit)
    way = "same" if a == b else direction(before, after, band)
    if way == "same":
        if a == b:
            return f"{a}에서 달라지지 않았습니다"
        return f"{a}에서 {particle(b, '로')} 바뀌었지만, 그 차이는 잡음 범위 안입니다"
    return f"{a}에서 {particle(b, '로')} " + ("올랐습니다" if way == "up" else "내려갔습니다")


def speedup(ratio: float, band: float = 0.05, fmt: str = ".1f") -> str:
    """A time ratio (old time / new time) as '1.8배 빨라졌습니다', '0.7배로 오히려 느려졌습니다' or no change."""
    _finite(ratio=ratio, band=band)
    r = _fmt(ratio, fmt, "배")
    way = direction(1.0, ratio, band)
    if way == "up":
        return f"{r} 빨라졌습니다"
    if way == "down":
        return f"{particle(r, '로')} 오히려 느려졌습니다"
    return f"{particle(r, '로')} 속도 차이가 잡음 범위 안입니다"


def paired_bootstrap_band(metric: Callable[[Sequence, Sequence], float], y_true: Sequence, pred_before: Sequence,
                          pred_after: Sequence, n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> float:
    """Half-width of the bootstrap interval of ``metric(after) - metric(before)`` over the same test items.

    Resamples the test items with replacement (both predictions together, so the pairing is kept) and returns
    the larger distance from the observed difference to the interval's ends. Use it as ``band`` in ``change``.
    """
    import numpy as np

    y, p0, p1 = np.asarray(y_true), np.asarray(pred_before), np.asarray(pred_after)
    if not (len(y) == len(p0) == len(p1)) or len(y) < 2:
        raise ValueError(f"paired_bootstrap_band needs equal lengths >= 2, got {len(y)}, {len(p0)}, {len(p1)}")
    observed = metric(y, p1) - metric(y, p0)
    rng = np.random.default_rng(seed)
    diffs = np.empty(n_boot)
    for i in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        diffs[i] = metric(y[idx], p1[idx]) - metric(y[idx], p0[idx])
    lo, hi = np.nanquantile(diffs, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(max(observed - lo, hi - observed))


def proportion_band(p: float, n: int, z: float = 1.96) -> float:
    """Half-width of the normal interval of a proportion (an accuracy) measured on ``n`` items."""
    _finite(p=p)
    if n <= 0:
        raise ValueError("proportion_band needs n > 0")
    return float(z * (max(p * (1 - p), 0.0) / n) ** 0.5)

"""Matplotlib with a Korean font, and the few plots the lessons share.

The NanumGothic TTF comes from the ``koreanize-matplotlib`` package; we register it ourselves
instead of relying on that package's import side effects.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import matplotlib

from ftkit import paths

FONT_FAMILY = "NanumGothic"


def korean_font_path() -> Path:
    """Path of the bundled NanumGothic TTF."""
    import importlib.util

    # Only the package's location: importing it runs its own set-up, which warns (distutils LooseVersion).
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("koreanize-matplotlib is not installed: pip install -r requirements.txt")
    fonts = Path(spec.origin).parent / "fonts"
    candidates = sorted(fonts.glob("NanumGothic*.ttf"))
    regular = [p for p in candidates if p.stem == "NanumGothic"]
    return (regular or candidates)[0]


def setup_korean_font() -> str:
    """Register the Korean font and make it matplotlib's default; returns the family name."""
    from matplotlib import font_manager

    path = korean_font_path()
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    matplotlib.rcParams["font.family"] = family
    matplotlib.rcParams["axes.unicode_minus"] = False  # NanumGothic lacks U+2212
    return family


def save(fig, name: str) -> Path:
    """Save a figure as PNG under ``<output dir>/figures`` and return the path."""
    folder = paths.output_dir() / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def loss_curves(curves: dict[str, Sequence[tuple[float, float]]], title: str = "손실 곡선",
                xlabel: str = "스텝", ylabel: str = "손실", hlines: dict[str, float] | None = None):
    """Plot named (x, y) series, e.g. training and evaluation loss; ``hlines`` draws reference lines."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    for label, points in curves.items():
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, ys, marker="o", markersize=3, label=label)
    for label, y in (hlines or {}).items():
        ax.axhline(y, linestyle="--", color="gray", linewidth=1)
        ax.annotate(label, (ax.get_xlim()[0], y), textcoords="offset points", xytext=(4, 3), fontsize=8)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    fig.tight_layout()
    return fig


def bars(labels: Iterable[str], values: Iterable[float], title: str, ylabel: str,
         fmt: str = "{:.3f}"):
    """A bar chart with each value written on its bar."""
    import matplotlib.pyplot as plt

    labels, values = list(labels), list(values)
    fig, ax = plt.subplots(figsize=(max(4, 1.3 * len(labels)), 3.5))
    rects = ax.bar(labels, values, color="#4C72B0")
    ax.bar_label(rects, labels=[fmt.format(v) for v in values], padding=2, fontsize=9)
    ax.set(title=title, ylabel=ylabel)
    ax.margins(y=0.15)
    fig.tight_layout()
    return fig


def confusion_matrix(matrix, class_names: Sequence[str], title: str = "혼동 행렬"):
    """Heat map of a confusion matrix (rows: true class, columns: predicted)."""
    import matplotlib.pyplot as plt
    import numpy as np

    matrix = np.asarray(matrix)
    fig, ax = plt.subplots(figsize=(1.0 + 0.8 * len(class_names), 0.8 + 0.7 * len(class_names)))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(class_names)), class_names, rotation=45, ha="right")
    ax.set_yticks(range(len(class_names)), class_names)
    threshold = matrix.max() / 2 if matrix.size else 0
    for (i, j), v in np.ndenumerate(matrix):
        ax.text(j, i, str(v), ha="center", va="center", color="white" if v > threshold else "black")
    ax.set(title=title, xlabel="예측", ylabel="정답")
    fig.tight_layout()
    return fig

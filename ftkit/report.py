"""Record a notebook's results as JSON: what the run summary, the prose and the tests read."""
from __future__ import annotations

import json
import math
import os
import platform
import resource
import time
from pathlib import Path
from typing import Any

from ftkit import paths

_START = time.time()


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far (MiB); on a GPU, the larger of RSS and CUDA peak."""
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss = rss_kb / 1024 if platform.system() != "Darwin" else rss_kb / 2**20
    return round(rss, 1)


def device_name() -> str:
    """A short description of the compute device (GPU name or CPU cores)."""
    import torch

    if torch.cuda.is_available():
        return f"cuda:{torch.cuda.get_device_name(0)}"
    return f"cpu:{os.cpu_count()} cores"


def results_dir() -> Path:
    path = paths.output_dir() / "results"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _clean(value: Any) -> Any:
    """Make numpy/torch scalars JSON-friendly; NaN/inf become None so JSON stays valid."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def record(notebook: str, metrics: dict[str, Any], tables: dict[str, Any] | None = None,
           params: dict[str, Any] | None = None, profile: str | None = None) -> Path:
    """Write ``results/<notebook>.json`` under the output dir and return its path.

    ``tables`` maps a name to a list of row dicts (or a pandas DataFrame).
    """
    tables = {name: (t.to_dict(orient="records") if hasattr(t, "to_dict") else t)
              for name, t in (tables or {}).items()}
    result = {
        "notebook": notebook,
        "profile": profile or (params or {}).get("PROFILE"),
        "device": device_name(),
        "wall_seconds": round(time.time() - _START, 1),
        "peak_memory_mb": peak_memory_mb(),
        "metrics": metrics,
        "tables": tables,
        "params": params or {},
    }
    path = results_dir() / f"{notebook}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(_clean(result), ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def add_said(notebook: str, text: str) -> None:
    """Append a rendered prose paragraph (``Lesson.say``) to the notebook's results JSON."""
    path = results_dir() / f"{notebook}.json"
    result = json.loads(path.read_text(encoding="utf-8"))
    result.setdefault("said", []).append(text)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


def load(notebook: str, out_dir: str | Path | None = None) -> dict[str, Any]:
    """Read a recorded result back (from ``out_dir/results`` or the current output dir)."""
    base = Path(out_dir) / "results" if out_dir else results_dir()
    return json.loads((base / f"{notebook}.json").read_text(encoding="utf-8"))

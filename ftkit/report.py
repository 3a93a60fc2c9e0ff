"""Record a notebook's results as JSON: what the run summary, the prose and the tests read.

Every write goes to a temporary file in the same folder and replaces the target with ``os.replace``, so a
crash or a full disk leaves the previous file whole. ``python -m ftkit run`` sets ``FTKIT_RUN_ID``; each
results JSON carries it as ``run_id`` so the runner never reads back another run's file.
"""
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
from ftkit.errors import ResultError, WriteError

_START = time.time()
RUN_ID_ENV = "FTKIT_RUN_ID"


def current_run_id() -> str | None:
    """The run id the runner set for this process (``FTKIT_RUN_ID``), or None outside the runner."""
    return os.environ.get(RUN_ID_ENV, "").strip() or None


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file and ``os.replace``: readers see the old or the new file.

    The temporary file is made by ``tempfile.mkstemp`` in the target folder (a new, unpredictable name opened
    with O_EXCL), so a symbolic link planted in a shared folder is never followed; ``os.replace`` swaps the
    name itself, so a link at ``path`` is replaced, not written through."""
    import tempfile

    path = Path(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_json_atomic(path: str | Path, obj: Any) -> Path:
    """``write_text_atomic`` for a JSON object (UTF-8, indented; NaN and infinity refused: standard JSON only)."""
    return write_text_atomic(path, json.dumps(obj, ensure_ascii=False, indent=2, allow_nan=False))


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far (MiB); on a GPU, the larger of that and the CUDA peak.

    On Linux it is ``VmHWM`` from ``/proc/self/status``: the high-water mark of this process's own memory.
    ``ru_maxrss`` is not used there: it carries over the parent's resident size at fork (a kernel started by
    a 4 GB pytest process reported 4 GB whatever the lesson used).
    """
    rss = None
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                rss = int(line.split()[1]) / 1024
                break
    except OSError:
        pass
    if rss is None:
        rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rss = rss_kb / 1024 if platform.system() != "Darwin" else rss_kb / 2**20
    try:
        import sys

        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_available():
            rss = max(rss, torch.cuda.max_memory_allocated() / 2**20)
    except Exception:  # pragma: no cover - a broken CUDA set-up must not lose the result
        pass
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


def _clean(value: Any, strict: bool = False, where: str = "") -> Any:
    """Make numpy/torch scalars and arrays JSON-friendly.

    ``strict`` (metrics and parameters): a NaN or infinite number raises :class:`ResultError` naming it, so a
    diverged run fails instead of recording ``null``. Elsewhere (tables: pandas' empty cells are NaN) it
    becomes None."""
    if isinstance(value, dict):
        return {str(k): _clean(v, strict, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
    if hasattr(value, "tolist") and callable(value.tolist) and getattr(value, "ndim", 0) > 0:
        value = value.tolist()  # numpy arrays and torch tensors
    if isinstance(value, (list, tuple)):
        return [_clean(v, strict, f"{where}[{i}]") for i, v in enumerate(value)]
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        if strict:
            raise ResultError(
                f"기록하려는 값 {where}={value}이(가) 유한한 수가 아닙니다. 학습이 발산했을 수 있습니다: 학습률을 낮추거나 "
                f"(-p LEARNING_RATE=...) 입력을 확인하세요",
                f"The value {where}={value} is not a finite number; the training may have diverged: lower the "
                f"learning rate (-p LEARNING_RATE=...) or check the input",
            )
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def throughput(notebook: str, params: dict[str, Any]) -> dict[str, Any]:
    """Achieved training throughput: the plan's training FLOPs (:mod:`ftkit.plan`) over the seconds measured by
    ``training.measure`` and ``training.epoch_timer``; on a GPU also the share of the device's peak (MFU).
    Empty when nothing was measured or the plan does not know the model."""
    import sys

    training = sys.modules.get("ftkit.training")
    seconds = sum(training.TRAINING_SECONDS) if training else 0.0
    if seconds <= 0 or "PROFILE" not in params:
        return {}
    from ftkit import plan

    try:
        device = plan.detect_device()
        est = plan.estimate_values(notebook, params, device, rate=1.0)
    except plan.PlanError:
        return {}
    out = {"planned_train_tflop": round(est.train_flops / 1e12, 3), "measured_train_seconds": round(seconds, 1),
           "achieved_train_tflops_per_s": round(est.train_flops / seconds / 1e12, 4), "device": device,
           "note": "planned FLOPs (6 x matrix parameters x tokens, ftkit.plan) / measured training seconds"}
    if device != "cpu":
        peak = plan.peak_flops(device, params.get("MODEL_ID"), notebook)
        out["peak_tflops_per_s"] = round(peak / 1e12, 1)
        out["mfu"] = round(est.train_flops / seconds / peak, 4)
    return out


def _datasets_read() -> dict[str, Any]:
    """What ``data.load`` read in this process (a fallback, e.g. kornli_mt -> kornli, is marked)."""
    import sys

    loading = sys.modules.get("ftkit.data.loading")  # never import the data stack just to say nothing was read
    return loading.load_log() if loading else {}


def record(notebook: str, metrics: dict[str, Any], tables: dict[str, Any] | None = None,
           params: dict[str, Any] | None = None, profile: str | None = None,
           data_source: str | None = None) -> Path:
    """Write ``results/<notebook>.json`` under the output dir and return its path.

    ``tables`` maps a name to a list of row dicts (or a pandas DataFrame). ``data_source`` says where the
    data came from (``local``, ``download`` or ``sample`` = the bundled toy samples). The JSON also holds the
    runner's ``run_id`` (None outside ``python -m ftkit run``).
    """
    tables = {name: (t.to_dict(orient="records") if hasattr(t, "to_dict") else t)
              for name, t in (tables or {}).items()}
    metrics = _clean(metrics, strict=True)  # a NaN/inf metric fails the run here, before anything is written
    params = _clean(params or {}, strict=True)
    result = {
        "notebook": notebook,
        "run_id": current_run_id(),
        "data_source": data_source,
        "profile": profile or (params or {}).get("PROFILE"),
        "device": device_name(),
        "wall_seconds": round(time.time() - _START, 1),
        "peak_memory_mb": peak_memory_mb(),
        "metrics": metrics,
        "tables": tables,
        "params": params or {},
        "datasets": _datasets_read(),
        "throughput": throughput(notebook, params or {}),
    }
    path = results_dir() / f"{notebook}.json"
    try:
        return write_json_atomic(path, _clean(result))
    except OSError as e:
        import errno

        full = e.errno == errno.ENOSPC
        raise WriteError(
            f"결과 파일 {path}을(를) 쓰지 못했습니다 ({e.strerror or e}). "
            + ("디스크 공간을 비우세요" if full else "FTKIT_OUTPUT_DIR(또는 --out)를 쓸 수 있는 폴더로 지정하세요"),
            f"Could not write the results file {path} ({e.strerror or e}). "
            + ("Free some disk space" if full else "Point FTKIT_OUTPUT_DIR (or --out) to a folder you can write to"),
        ) from e


def add_said(notebook: str, text: str) -> None:
    """Append a rendered prose paragraph (``Lesson.say``) to the notebook's results JSON."""
    path = results_dir() / f"{notebook}.json"
    result = json.loads(path.read_text(encoding="utf-8"))
    result.setdefault("said", []).append(text)
    write_json_atomic(path, result)


def load(notebook: str, out_dir: str | Path | None = None) -> dict[str, Any]:
    """Read a recorded result back (from ``out_dir/results`` or the current output dir)."""
    base = Path(out_dir) / "results" if out_dir else results_dir()
    return json.loads((base / f"{notebook}.json").read_text(encoding="utf-8"))

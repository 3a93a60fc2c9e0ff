"""Where ftkit reads data and writes caches and outputs, all settable by environment variables.

- ``FTKIT_DATA_DIR``: folder with the real datasets (same layout as ``../shared/data``).
- ``FTKIT_CACHE_DIR``: converted models, downloads (default ``~/.cache/ftkit``).
- ``FTKIT_OUTPUT_DIR``: checkpoints and results of a run (default ``<cache>/outputs``);
  ``python -m ftkit run --out DIR`` sets it to DIR.
- ``FTKIT_OFFLINE`` / ``HF_HUB_OFFLINE``: ``1`` means never touch the network.
- ``FTKIT_HEADLESS``: ``1`` in papermill runs: no progress bars, quiet logs.
"""
from __future__ import annotations

import os
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


def is_offline() -> bool:
    """True when ``HF_HUB_OFFLINE`` or ``FTKIT_OFFLINE`` is set to 1."""
    return _flag("HF_HUB_OFFLINE") or _flag("FTKIT_OFFLINE")


def is_headless() -> bool:
    """True in headless runs (``FTKIT_HEADLESS=1``, set by ``python -m ftkit run``)."""
    return _flag("FTKIT_HEADLESS")


def data_dir() -> Path | None:
    """The local data folder from ``FTKIT_DATA_DIR``, or None when unset."""
    value = os.environ.get("FTKIT_DATA_DIR", "").strip()
    return Path(value).expanduser().resolve() if value else None


def cache_dir() -> Path:
    """Cache folder for converted models and downloads; created on first use."""
    value = os.environ.get("FTKIT_CACHE_DIR", "").strip()
    path = Path(value).expanduser() if value else Path.home() / ".cache" / "ftkit"
    path.mkdir(parents=True, exist_ok=True)
    return path


def output_dir() -> Path:
    """Folder for checkpoints and results; created on first use."""
    value = os.environ.get("FTKIT_OUTPUT_DIR", "").strip()
    path = Path(value).expanduser() if value else cache_dir() / "outputs"
    path.mkdir(parents=True, exist_ok=True)
    return path

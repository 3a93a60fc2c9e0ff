"""Test session set-up: offline, headless, outputs in a temporary folder."""
import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("FTKIT_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
# Unit tests decide online/offline themselves: no reachability probe (tests/test_offline_notebook.py runs one).
os.environ.setdefault("FTKIT_NETWORK_PROBE", "0")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(autouse=True)
def _outputs_in_tmp(tmp_path_factory, monkeypatch):
    """Every test writes results/checkpoints under its own temporary output dir."""
    monkeypatch.setenv("FTKIT_OUTPUT_DIR", str(tmp_path_factory.mktemp("out")))


def real_data_dir():
    """The real data folder (FTKIT_DATA_DIR) if set and present, else None."""
    from ftkit import paths

    folder = paths.data_dir()
    return folder if folder and folder.is_dir() else None

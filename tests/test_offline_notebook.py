"""A notebook opened directly (nbclient, as Jupyter runs it: no runner, no offline variables) on a machine
where the Hugging Face Hub and the dataset hosts do not answer: it notices by itself, says so with the
environment variables that choose, and finishes offline. The network is simulated as closed (the Hub and the
data hosts pointed at a local port where nothing listens), so the test behaves the same on an online machine."""
import json
import os
import socket

import pytest

from ftkit import course, paths

ROOT = course.ROOT
NOTEBOOK = ROOT / "notebooks" / "02_sentence_pairs_dynamic_padding.ipynb"
pytestmark = pytest.mark.notebook


def _closed_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


def test_notebook_without_network_falls_back_on_its_own(tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    for name in ("HF_HUB_OFFLINE", "FTKIT_OFFLINE", "HF_DATASETS_OFFLINE", "FTKIT_NETWORK_PROBE", "FTKIT_DATA_DIR",
                 "FTKIT_HEADLESS", "FTKIT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    hub, data = _closed_url(), _closed_url() + "data"
    monkeypatch.setenv("HF_ENDPOINT", hub)
    monkeypatch.setenv("FTKIT_PROBE_URLS", data)
    monkeypatch.setenv("FTKIT_OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("FTKIT_PROFILE", "smoke")  # 'auto' would pick 'cpu' (data dir set) or 't4' (GPU)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=600, kernel_manager_class=paths.kernel_manager_class(),
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    said = "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                   for out in cell.get("outputs", []) if out.get("output_type") == "stream")
    assert "오프라인으로 실행합니다" in said and hub in said and data in said
    assert "FTKIT_OFFLINE=0" in said and "FTKIT_OFFLINE=1 HF_HUB_OFFLINE=1" in said
    result = json.loads((tmp_path / "out" / "results" / f"{NOTEBOOK.stem}.json").read_text(encoding="utf-8"))
    assert result["profile"] == "smoke" and result["metrics"]
    assert os.environ.get("FTKIT_OFFLINE") is None  # the kernel switched itself, not the test process

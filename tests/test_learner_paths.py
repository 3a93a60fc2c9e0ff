"""What a learner meets outside the runner: FTKIT_PROFILE, the network probe, a clone that stands alone,
quiet kernels."""
import http.server
import socket
import subprocess
import threading

import pytest

from ftkit import paths, profiles
from ftkit.errors import ConfigError

ROOT = paths.Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- FTKIT_PROFILE

def test_ftkit_profile_chooses_what_auto_means(monkeypatch):
    monkeypatch.setenv("FTKIT_PROFILE", "cpu")
    assert profiles.resolve_profile("auto") == "cpu"
    assert profiles.params("01_pretraining_and_sentiment", "auto")["PROFILE"] == "cpu"
    assert profiles.resolve_profile("smoke") == "smoke"  # a profile named explicitly wins
    monkeypatch.setenv("FTKIT_PROFILE", "fast")
    with pytest.raises(ConfigError, match="FTKIT_PROFILE"):
        profiles.resolve_profile("auto")
    monkeypatch.setenv("FTKIT_PROFILE", "reduced")  # the old name: refused, naming the new ones
    with pytest.raises(ConfigError) as err:
        profiles.resolve_profile("auto")
    assert "FTKIT_PROFILE" in err.value.en and "'cpu'" in err.value.en and "'t4'" in err.value.ko
    monkeypatch.delenv("FTKIT_PROFILE")
    import torch

    monkeypatch.delenv("FTKIT_DATA_DIR", raising=False)
    monkeypatch.setenv("FTKIT_OFFLINE", "1")
    assert profiles.resolve_profile("auto") == ("t4" if torch.cuda.is_available() else "smoke")


# ---------------------------------------------------------------- network probe

def closed_url() -> str:
    """A local URL where nothing listens (the port was just free)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def open_url():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):
            self.send_response(404)  # any answer means the host is there
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture
def probing(monkeypatch):
    """Neither offline variable set, the probe on, no remembered answer."""
    for name in ("HF_HUB_OFFLINE", "FTKIT_OFFLINE", "FTKIT_NETWORK_PROBE", "FTKIT_DATA_DIR", "HF_DATASETS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    paths.forget_probe()
    yield monkeypatch
    paths.forget_probe()


def test_closed_hub_switches_to_offline_and_says_how_to_choose(probing, capsys):
    hub = closed_url()
    probing.setenv("HF_ENDPOINT", hub)
    probing.setenv("FTKIT_PROBE_URLS", closed_url() + "data")
    assert paths.is_offline()
    said = capsys.readouterr().out
    assert hub in said and "FTKIT_OFFLINE=0" in said and "FTKIT_OFFLINE=1 HF_HUB_OFFLINE=1" in said
    assert paths.is_offline()  # remembered: set for this process and its children
    import os

    assert os.environ["FTKIT_OFFLINE"] == "1" and capsys.readouterr().out == ""


def test_a_closed_data_host_alone_is_enough_to_go_offline(probing, open_url):
    probing.setenv("HF_ENDPOINT", open_url)
    data = closed_url() + "data"
    probing.setenv("FTKIT_PROBE_URLS", data)
    assert paths.probe_network() == [data]


def test_one_dataset_host_down_keeps_online(probing, open_url):
    probing.setenv("HF_ENDPOINT", open_url)
    down = closed_url() + "imdb"
    probing.setenv("FTKIT_PROBE_URLS", f"{open_url}data {down}")
    assert paths.probe_network() == [down] and not paths.is_offline()


def test_reachable_hosts_keep_online_and_the_answer_is_asked_once(probing, open_url):
    probing.setenv("HF_ENDPOINT", open_url)
    probing.setenv("FTKIT_PROBE_URLS", open_url + "data")
    asked = []
    real = paths._answers
    probing.setattr(paths, "_answers", lambda url, timeout: asked.append(url) or real(url, timeout))
    assert not paths.is_offline() and not paths.is_offline()
    assert asked == [open_url, open_url + "data"]


def test_explicit_settings_skip_the_probe(probing, tmp_path):
    probing.setattr(paths, "_answers", lambda url, timeout: pytest.fail(f"probed {url}"))
    probing.setenv("FTKIT_OFFLINE", "0")
    assert not paths.is_offline()
    probing.setenv("FTKIT_OFFLINE", "1")
    assert paths.is_offline()
    probing.delenv("FTKIT_OFFLINE")
    probing.setenv("FTKIT_NETWORK_PROBE", "0")
    assert not paths.is_offline()


def test_with_a_data_folder_only_the_hub_is_probed(probing, tmp_path):
    probing.setenv("HF_ENDPOINT", "http://hub.invalid/")
    probing.setenv("FTKIT_DATA_DIR", str(tmp_path))
    assert paths.probe_urls() == ["http://hub.invalid/"]
    probing.delenv("FTKIT_DATA_DIR")
    probing.delenv("FTKIT_PROBE_URLS", raising=False)
    urls = paths.probe_urls()
    assert urls[0] == "http://hub.invalid/" and "https://raw.githubusercontent.com/" in urls


# ---------------------------------------------------------------- the clone stands alone

def test_no_tracked_file_points_outside_the_repository():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    offenders = []
    for name in files.split():
        if name.startswith(".ci/") or name.endswith((".whl", ".png", ".ttf", ".gz")):
            continue
        path = ROOT / name
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        if "../" + "shared" in text:
            offenders.append(name)
    assert offenders == [], f"files that point outside the clone: {offenders}"


# ---------------------------------------------------------------- quiet kernels

def test_kernels_started_by_ftkit_do_not_warn_about_unencrypted_tcp(tmp_path, capfd):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, kernel_name="python3", kernel_manager_class=paths.kernel_manager_class(),
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert nb.cells[0].outputs[0]["text"] == "42\n"
    assert "without encryption" not in capfd.readouterr().err


def test_importing_ftkit_then_peft_prints_no_bitsandbytes_warning():
    """peft imports bitsandbytes (pinned for QLoRA); its CPU-kernel warning is noise a learner need not see."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", "import ftkit, peft"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "gemm_4bit_forward" not in proc.stderr + proc.stdout

"""Where ftkit reads data and writes caches and outputs, and whether it may use the network; all settable by
environment variables.

- ``FTKIT_DATA_DIR``: folder with the real datasets, one subfolder per dataset (layout in README.md,
  "실제 데이터셋을 오프라인으로").
- ``FTKIT_CACHE_DIR``: converted models, downloads (default ``~/.cache/ftkit``).
- ``FTKIT_OUTPUT_DIR``: checkpoints and results of a run (default ``<cache>/outputs``);
  ``python -m ftkit run --out DIR`` sets it to DIR.
- ``FTKIT_OFFLINE`` / ``HF_HUB_OFFLINE``: ``1`` means never touch the network, ``0`` means use it without
  asking. Unset, ftkit asks once per process (:func:`is_offline`): if the Hugging Face Hub (``HF_ENDPOINT``)
  or every dataset host fails to answer within ``PROBE_TIMEOUT_S`` it says so and goes offline by itself.
- ``FTKIT_PROBE_URLS``: space-separated URLs whose hosts stand for the dataset hosts in that check
  (default: the hosts of the course's dataset URLs). ``FTKIT_NETWORK_PROBE=0`` turns the check off
  (unset then means online; the unit tests do this).
- ``FTKIT_HEADLESS``: ``1`` in papermill runs: no progress bars, quiet logs.
"""
from __future__ import annotations

import functools
import os
import threading
import time
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}
PROBE_TIMEOUT_S = 3.0
HUB_ENDPOINT = "https://huggingface.co"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


def _said(name: str) -> bool:
    return os.environ.get(name, "").strip() != ""


def is_offline() -> bool:
    """True when ftkit must not use the network.

    ``HF_HUB_OFFLINE`` or ``FTKIT_OFFLINE`` set to 1: offline; either set to something else (``0``): online.
    Neither set: offline when :func:`probe_network` (asked once per process) finds the Hub or every dataset host
    silent, unless ``FTKIT_NETWORK_PROBE=0``.
    """
    if _flag("HF_HUB_OFFLINE") or _flag("FTKIT_OFFLINE"):
        return True
    if _said("HF_HUB_OFFLINE") or _said("FTKIT_OFFLINE"):
        return False
    if os.environ.get("FTKIT_NETWORK_PROBE", "").strip().lower() in {"0", "false", "no", "off"}:
        return False
    urls, unreachable = probe_urls(), probe_network()
    data_urls = urls[1:]
    if urls[0] in unreachable or (data_urls and set(data_urls) <= set(unreachable)):
        _go_offline(unreachable)
        return True
    return False  # one dataset host down: only that dataset's download fails, with its own error


def is_headless() -> bool:
    """True in headless runs (``FTKIT_HEADLESS=1``, set by ``python -m ftkit run``)."""
    return _flag("FTKIT_HEADLESS")


def data_dir() -> Path | None:
    """The local data folder from ``FTKIT_DATA_DIR``, or None when unset."""
    value = os.environ.get("FTKIT_DATA_DIR", "").strip()
    return Path(value).expanduser().resolve() if value else None


def auto_data_source() -> str:
    """Where ``data.load(..., source="auto")`` takes data here, without touching it: ``local``
    (``FTKIT_DATA_DIR`` is set), ``download`` (online: the original files, cached) or ``sample`` (offline without
    a data folder: the tiny bundled samples)."""
    if data_dir() is not None:
        return "local"
    return "sample" if is_offline() else "download"


def cache_dir() -> Path:
    """Cache folder for converted models and downloads; created on first use."""
    value = os.environ.get("FTKIT_CACHE_DIR", "").strip()
    path = Path(value).expanduser() if value else Path.home() / ".cache" / "ftkit"
    _make_folder(path, "FTKIT_CACHE_DIR" if value else None)
    return path


def _make_folder(path: Path, variable: str | None) -> None:
    """``mkdir -p`` with a ko/en error naming the environment variable when ``path`` (or a parent) is a file."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as e:
        from ftkit.errors import ConfigError

        where = f"환경 변수 {variable}의 " if variable else ""
        where_en = f"{variable} " if variable else ""
        raise ConfigError(f"{where}경로 {path}은(는) 폴더가 아니라 파일(또는 그 아래)입니다. 폴더 경로로 바꾸세요",
                          f"The {where_en}path {path} is (under) a file, not a folder; give a folder path") from e


def output_dir() -> Path:
    """Folder for checkpoints and results; created on first use."""
    value = os.environ.get("FTKIT_OUTPUT_DIR", "").strip()
    path = Path(value).expanduser() if value else cache_dir() / "outputs"
    _make_folder(path, "FTKIT_OUTPUT_DIR" if value else None)
    return path


# ---------------------------------------------------------------- network probe

def probe_urls() -> list[str]:
    """What :func:`probe_network` tries: the Hub, then the dataset hosts (none when ``FTKIT_DATA_DIR`` is set)."""
    urls = [os.environ.get("HF_ENDPOINT", "").strip() or HUB_ENDPOINT]
    if data_dir() is None:
        custom = os.environ.get("FTKIT_PROBE_URLS", "").split()
        if custom:
            urls += custom
        else:
            from urllib.parse import urlsplit

            from ftkit.data.specs import DATASETS, IMDB_TARBALL_URL

            hosts = {}
            for url in [IMDB_TARBALL_URL] + [u for spec in DATASETS.values() for u in spec.urls.values()]:
                parts = urlsplit(url)
                hosts.setdefault(parts.netloc, f"{parts.scheme}://{parts.netloc}/")
            urls += sorted(hosts.values())
    return list(dict.fromkeys(urls))


def _answers(url: str, timeout: float) -> bool:
    """True when the server of ``url`` answers HTTP at all (any status code counts; proxies are honoured)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True  # 403/404/405...: the host is there
    except (OSError, ValueError):
        return False


def probe_network(timeout: float = PROBE_TIMEOUT_S) -> list[str]:
    """The URLs of :func:`probe_urls` that did not answer within ``timeout`` seconds (all asked at once).

    Asked once per process; :func:`forget_probe` clears the remembered answer.
    """
    return list(_probe(tuple(probe_urls()), timeout))


@functools.lru_cache(maxsize=None)
def _probe(urls: tuple[str, ...], timeout: float) -> tuple[str, ...]:
    results: dict[str, bool] = {}

    def ask(url: str) -> None:
        results[url] = _answers(url, timeout)

    threads = [threading.Thread(target=ask, args=(u,), daemon=True) for u in urls]  # DNS can hang: never join
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout + 0.5
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    return tuple(u for u in urls if not results.get(u, False))


def forget_probe() -> None:
    """Ask the network again on the next :func:`is_offline` (tests, or after the connection changed)."""
    _probe.cache_clear()


def _go_offline(unreachable: list[str]) -> None:
    """Switch this process (and the processes it starts) to offline mode, once, and say so with the fix."""
    if os.environ.get("FTKIT_OFFLINE") == "1":
        return
    os.environ["FTKIT_OFFLINE"] = "1"
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    where = ", ".join(unreachable)
    print(f"[ftkit] 연결되지 않아 오프라인으로 실행합니다: {where}\n"
          f"        모델은 pip 패키지에 든 가중치, 데이터는 FTKIT_DATA_DIR 폴더 또는 작은 번들 샘플을 씁니다.\n"
          f"        네트워크를 쓰게 하려면 FTKIT_OFFLINE=0, 처음부터 오프라인이면 FTKIT_OFFLINE=1 HF_HUB_OFFLINE=1을"
          f" 설정하세요.\n"
          f"[ftkit] Not reachable, running offline: {where}. Models come from pip packages, data from "
          f"FTKIT_DATA_DIR or the small bundled samples. Set FTKIT_OFFLINE=0 to use the network anyway, or "
          f"FTKIT_OFFLINE=1 HF_HUB_OFFLINE=1 to skip this check.", flush=True)


# ---------------------------------------------------------------- notebook kernels

@functools.lru_cache(maxsize=None)
def kernel_manager_class(asynchronous: bool = True):
    """A ``jupyter_client`` kernel manager whose kernels encrypt their TCP sockets (CurveZMQ keys made per
    kernel), so a kernel no longer warns "Kernel is running over TCP without encryption".

    Pass it where kernels start: ``papermill.execute_notebook(..., kernel_manager_class=paths.kernel_manager_class())``
    or ``nbclient.NotebookClient(nb, kernel_manager_class=...)``. Without CurveZMQ in libzmq: the plain manager.
    """
    import zmq
    from jupyter_client.manager import AsyncKernelManager, KernelManager

    base = AsyncKernelManager if asynchronous else KernelManager
    if not zmq.has("curve"):
        return base

    class EncryptedKernelManager(base):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            if self.curve_secretkey is None:
                self.curve_publickey, self.curve_secretkey = zmq.curve_keypair()

    EncryptedKernelManager.__name__ = EncryptedKernelManager.__qualname__ = \
        f"Encrypted{'Async' if asynchronous else ''}KernelManager"
    return EncryptedKernelManager

"""Cell 1 run the way Colab runs it: a kernel whose ``sys.modules`` holds ``google.colab``, working directory
``content/``, the repository cloned into ``content/ftkit`` (which, seen from the working directory, is a
namespace package that shadows the real one), pip that must not touch the network, no restart between runs.

The kernel runs in a child virtual environment that sees this environment's packages through a ``.pth``
line but installs into itself only; the clone URL is redirected (git ``insteadOf``) to a local repository made
from this checkout's files; pip runs with ``--no-index`` semantics, so an install that would need the network
fails the test. Cell 1 runs twice in one kernel, then in a fresh kernel with the clone already present.
"""
import os
import queue
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from ftkit import course

ROOT = course.ROOT
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths in the simulated Colab")
CHECK = ("\nfrom ftkit import data, lesson\nimport ftkit\n"
         "print('FTKIT_FILE=' + str(ftkit.__file__))\nprint('DATA_FILE=' + str(data.__file__))\n")


def _git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def origin(tmp_path_factory) -> Path:
    """A git repository holding this checkout's files (committed or not) on branch ``course.BRANCH``."""
    repo = tmp_path_factory.mktemp("origin") / "ftkit"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file() and not name.startswith(".venv"):
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            (repo / name).write_bytes(src.read_bytes())
    _git("init", "-q", "-b", course.BRANCH, cwd=repo)
    _git("add", "-A", cwd=repo)
    _git("-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "-q", "-m", "snapshot",
         cwd=repo)
    return repo


def _stub_missing_pins(site_packages: Path) -> list[str]:
    """Record as installed (metadata only) the Colab pins this environment lacks, e.g. CUDA-only packages.

    pip then finds every requirement satisfied, as it would on Colab after the first run; nothing is fetched.
    """
    import importlib.metadata as md
    import re

    stubbed = []
    for line in (ROOT / "requirements-colab.txt").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", line)
        if not m:
            continue
        name, version = m.groups()
        try:
            if md.version(name) == version:
                continue
        except md.PackageNotFoundError:
            pass
        info = site_packages / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        (info / "INSTALLER").write_text("test-stub\n")
        (info / "RECORD").write_text("")
        stubbed.append(name)
    return stubbed


@pytest.fixture(scope="module")
def colab(tmp_path_factory, origin):
    """(kernel-spec folder, env, content folder, child site-packages) of the simulated Colab machine."""
    base = tmp_path_factory.mktemp("colab")
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env_dir)
    py = env_dir / "bin" / "python"
    child_site = Path(subprocess.run([str(py), "-c", "import site; print(site.getsitepackages()[0])"],
                                     check=True, capture_output=True, text=True).stdout.strip())
    parents = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (child_site / "zz_parent_env.pth").write_text(
        "import site; " + "; ".join(f"site.addsitedir({p!r})" for p in parents) + "\n")
    _stub_missing_pins(child_site)
    spec = base / "kernels" / "colab-sim"
    spec.mkdir(parents=True)
    stub = "import sys, types; sys.modules.setdefault('google.colab', types.ModuleType('google.colab'))"
    import json

    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(py), "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 f"--IPKernelApp.exec_lines={stub}"],
        "display_name": "colab-sim", "language": "python"}))
    content = base / "content"
    content.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "GIT_", "PYTHON"))}
    env.update(
        FTKIT_COLAB_DIR=str(content),
        PIP_NO_INDEX="1", PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1",
        GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_ALLOW_PROTOCOL="file",
        GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0=f"url.file://{origin}.insteadOf",
        GIT_CONFIG_VALUE_0=course.repository_url(),
    )
    return spec.parent, env, content, child_site


class Kernel:
    def __init__(self, kernel_dirs: Path, env: dict, cwd: Path):
        from jupyter_client.kernelspec import KernelSpecManager

        from ftkit import paths

        self.km = paths.kernel_manager_class(asynchronous=False)(
            kernel_name="colab-sim", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernel_dirs)]))
        self.km.start_kernel(env=env, cwd=str(cwd))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)

    def run(self, code: str) -> tuple[str, str | None]:
        """(stdout+stderr text, error or None) of one cell."""
        out, error = [], None

        def hook(msg):
            nonlocal error
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                error = f"{content['ename']}: {content['evalue']}"

        reply = self.kc.execute_interactive(code, timeout=300, output_hook=hook)
        if reply["content"]["status"] != "ok" and error is None:
            error = reply["content"].get("ename", "error")
        return "".join(out), error

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def _clone_file(content: Path) -> str:
    return str(content / "ftkit" / "ftkit" / "__init__.py")


def test_setup_cell_twice_in_one_kernel_then_in_a_fresh_kernel(colab):
    kernel_dirs, env, content, child_site = colab
    installed_before = sorted(p.name for p in child_site.iterdir())
    cell = course.COLAB_SETUP + "\n" + CHECK

    kernel = Kernel(kernel_dirs, env, content)
    try:
        probe, error = kernel.run("import sys; print('colab' if 'google.colab' in sys.modules else 'local', "
                                  "repr(sys.path[0]))")
        assert error is None and probe.split()[0] == "colab"  # the stub module is loaded, as on Colab
        for attempt in (1, 2):
            out, error = kernel.run(cell)
            assert error is None, f"run {attempt}: {error}\n{out}"
            assert f"FTKIT_FILE={_clone_file(content)}" in out, out
            assert f"DATA_FILE={content / 'ftkit' / 'ftkit' / 'data' / '__init__.py'}" in out, out
    finally:
        kernel.close()
    assert (content / "ftkit" / ".git").is_dir()

    kernel = Kernel(kernel_dirs, env, content)
    try:
        # The trap the cell avoids: seen from content/, the clone's root is a namespace package 'ftkit'.
        out, error = kernel.run("import ftkit\nprint('BEFORE=' + str(getattr(ftkit, '__file__', None)))")
        assert error is None and "BEFORE=None" in out, out
        out, error = kernel.run(cell)
        assert error is None, f"fresh kernel: {error}\n{out}"
        assert f"FTKIT_FILE={_clone_file(content)}" in out, out
    finally:
        kernel.close()
    # pip found everything satisfied: nothing was installed into the child environment (nor anywhere else)
    assert sorted(p.name for p in child_site.iterdir()) == installed_before

"""Repository-level promises: README commands, CI script, pins, workflows."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ftkit import course

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _code_blocks(text):
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def _pins(path):
    pins = {}
    for line in (ROOT / path).read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", line)
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


def test_readme_starts_with_the_two_commands():
    assert _code_blocks(README)[:2] == ["pip install -r requirements.txt && python -m ftkit run", "pytest"]


def test_ci_runs_the_readme_test_command_exactly():
    test_command = _code_blocks(README)[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command in [line.strip() for line in ci.splitlines()]
    assert "pip install -q -r requirements.txt" in ci


def test_readme_lists_every_lesson_with_its_badge():
    for stem, title in course.LESSONS:
        assert course.colab_badge(stem) in README and title in README


def test_requirements_pin_torch_first_and_install_ftkit():
    lines = [l for l in (ROOT / "requirements.txt").read_text().splitlines() if l and not l.startswith("#")]
    assert lines[0] == "torch==2.13.0" and "-e ." in lines


def test_colab_requirements_use_the_same_pins():
    """Colab installs a subset of requirements.txt at the same versions, never its own torch or numpy builds."""
    main = _pins("requirements.txt")
    for name in ("requirements-colab.txt", "requirements-colab-08.txt"):
        colab = _pins(name)
        assert colab and "torch" not in colab and "numpy" not in colab, name
        assert {k: main.get(k) for k in colab} == colab, name


def test_environment_yml_installs_the_same_set():
    env = (ROOT / "environment.yml").read_text()
    assert "python=3.11" in env and "-r requirements.txt" in env


@pytest.mark.parametrize("workflow", ["cpu.yml", "gpu.yml", "pages.yml"])
def test_workflows_pass_actionlint(workflow):
    exe = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("actionlint not installed (x86-64 Linux only)")
    proc = subprocess.run([exe, str(ROOT / ".github" / "workflows" / workflow)], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_gpu_workflow_runs_the_t4_profile_on_gpu_runner():
    gpu = (ROOT / ".github" / "workflows" / "gpu.yml").read_text()
    assert "runs-on: [self-hosted, gpu]" in gpu and "--profile t4" in gpu and "upload-artifact" in gpu
    assert "--nbval-lax" in gpu and "FTKIT_PROFILE: t4" in gpu  # the nbval tier runs on the GPU runner
    assert "reduced" not in gpu  # the old profile name is refused


def test_the_old_profile_name_is_gone_from_what_users_read():
    for path in [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "notebooks").glob("*.ipynb"),
                 *(ROOT / ".github" / "workflows").glob("*.yml")]:
        text = path.read_text(encoding="utf-8")
        assert "--profile reduced" not in text and "`reduced`" not in text and '"reduced"' not in text, path


def test_docs_requirements_share_the_main_pins_and_ci_installs_them():
    main, docs = _pins("requirements.txt"), _pins("requirements-docs.txt")
    shared = {k: v for k, v in docs.items() if k in main}
    assert shared and shared == {k: main[k] for k in shared}
    assert {"sphinx", "myst-nb", "sphinx-book-theme", "selenium"} <= set(docs)
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install -q -r requirements-docs.txt" in ci and "chromium-driver" in ci


def test_pages_workflow_publishes_the_site_from_the_committed_copies():
    pages = (ROOT / ".github" / "workflows" / "pages.yml").read_text()
    assert "python -m ftkit site --out" in pages and "--refresh" not in pages
    assert "actions/upload-pages-artifact" in pages and "actions/deploy-pages" in pages
    assert "pages: write" in pages and "id-token: write" in pages


def test_readme_links_the_site_and_the_executed_copies():
    from ftkit import site

    section = README.split("## 실행 결과 보기", 1)[1].split("\n## ", 1)[0]
    assert site.pages_url() in section and "docs/executed/" in section
    assert "python -m ftkit site --out" in section and "python -m ftkit site --refresh" in section

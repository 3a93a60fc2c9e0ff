"""One constant names the repository; ``python -m ftkit.course --write`` rewrites every badge and set-up cell."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ftkit import course
from ftkit.lint import lint_notebook

ROOT = Path(__file__).resolve().parent.parent


def test_notebooks_and_readme_are_in_step_with_course_py():
    out_of_step = course.sync(ROOT, write=False)
    assert out_of_step == [], f"run `python -m ftkit.course --write`: {[str(p) for p in out_of_step]}"


def test_readme_says_where_the_course_lives():
    assert course.repository_url() in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture
def fork(tmp_path, monkeypatch):
    """A copy of the notebooks and README whose course.py names another repository."""
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    monkeypatch.setattr(course, "REPOSITORY", "someone-else/ftkit-fork")
    monkeypatch.setattr(course, "BRANCH", "dev")
    monkeypatch.setattr(course, "COLAB_SETUP", course.colab_setup())
    return tmp_path


def _first_code(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "".join(next(c for c in nb["cells"] if c["cell_type"] == "code")["source"])


def test_a_fork_changes_one_constant_and_the_command_rewrites_everything(fork):
    notebooks = sorted((fork / "notebooks").glob("*.ipynb"))
    before = {p: p.read_text(encoding="utf-8") for p in notebooks}
    assert any("the first code cell must start" in m for m in lint_notebook(notebooks[0]))  # out of step now
    changed = course.sync(fork, write=True)
    assert set(changed) == set(notebooks) | {fork / "README.md"}
    assert course.sync(fork, write=True) == []  # idempotent
    readme = (fork / "README.md").read_text(encoding="utf-8")
    assert "ftkit-course/ftkit" not in readme and "https://github.com/someone-else/ftkit-fork" in readme
    assert "ftkit-course.github.io" not in readme and course.pages_url() in readme
    for path in notebooks:
        text = path.read_text(encoding="utf-8")
        assert "ftkit-course/ftkit" not in text and course.colab_badge(path.stem) in readme
        assert lint_notebook(path) == [], path.name
        old_lines, new_lines = before[path].splitlines(), text.splitlines()
        # only the set-up block and the badge changed: everything after the set-up cell is untouched
        assert old_lines[-40:] == new_lines[-40:]
        assert '"--branch", "dev", FTKIT_REPOSITORY' in _first_code(path)


def test_sync_keeps_a_lessons_extra_install_lines_and_the_imports(fork):
    path = fork / "notebooks" / "01_pretraining_and_sentiment.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    extra = '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "trl==1.0.0"], check=True)\n'
    old_setup = course.colab_setup("ftkit-course/ftkit", "main")
    rest = "".join(cell["source"])[len(old_setup):]
    cell["source"] = (old_setup + "\n" + extra + rest).splitlines(keepends=True)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    course.sync(fork, write=True)
    assert _first_code(path) == course.COLAB_SETUP + "\n" + extra + rest


def test_sync_upgrades_the_old_pip_install_e_cell():
    legacy = course._legacy_setup_v1("ftkit-course/ftkit", "main") + "\n\nfrom ftkit import data\n"
    assert course.synced_setup(legacy) == course.COLAB_SETUP + "\n\nfrom ftkit import data\n"


def test_sync_refuses_a_set_up_cell_it_does_not_know():
    with pytest.raises(course.SyncError):
        course.synced_setup("import sys\nprint('hand-made set-up')\n")


def test_check_command_exits_nonzero_when_out_of_step(tmp_path):
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (tmp_path / "README.md").write_text(readme.replace(f"github/{course.REPOSITORY}/", "github/old/name/", 1),
                                        encoding="utf-8")
    cmd = [sys.executable, "-m", "ftkit.course", "--root", str(tmp_path)]
    check = subprocess.run(cmd + ["--check"], capture_output=True, text=True, cwd=ROOT)
    assert check.returncode == 1 and "README.md" in check.stdout
    assert subprocess.run(cmd + ["--write"], capture_output=True, text=True, cwd=ROOT).returncode == 0
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == readme

"""The course in one place: repository, lessons, the Colab badge and set-up cell, and the command that keeps
the notebooks and the README in step with them.

A fork changes ``REPOSITORY`` (and ``BRANCH``) here, then runs ``python -m ftkit.course --write``: every
notebook's Colab badge and set-up cell and every badge in README.md are rewritten from these constants.
``python -m ftkit.course --check`` (and ``tests/test_course_sync.py``) fails while anything is out of step.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

REPOSITORY = "ftkit-course/ftkit"  # GitHub owner/name: Colab badges, the Colab clone and README links use it
BRANCH = "main"

# (notebook stem, Korean title)
LESSONS: list[tuple[str, str]] = [
    ("01_pretraining_and_sentiment", "사전 학습과 미세 조정, Trainer로 감성 분류"),
    ("02_sentence_pairs_dynamic_padding", "문장 쌍 전처리와 동적 패딩"),
    ("03_training_loop_nli", "직접 만드는 학습 루프: 자연어 추론"),
    ("04_full_freeze_lora", "전체 미세 조정 vs 동결 vs LoRA: 한국어 감정 분류"),
    ("05_sentence_embeddings", "문장 임베딩 미세 조정 (MNRL, STS 평가)"),
    ("06_augmented_sbert", "증강 SBERT: 크로스 인코더로 실버 데이터 만들기"),
    ("07_tsdae", "TSDAE: 레이블 없이 임베딩 학습하기"),
    ("08_llm_instruction_tuning", "작은 LLM 지시 미세 조정: LoRA vs 전체 미세 조정 vs QLoRA, 망각 재기"),
]

ROOT = Path(__file__).resolve().parent.parent


def repository_url(repository: str | None = None) -> str:
    return f"https://github.com/{repository or REPOSITORY}"


def pages_url(repository: str | None = None) -> str:
    """Where GitHub Pages publishes the course site of ``owner/name`` (``.github/workflows/pages.yml``)."""
    owner, name = (repository or REPOSITORY).split("/")
    return f"https://{owner.lower()}.github.io/{name}/"


def colab_url(stem: str, repository: str | None = None, branch: str | None = None) -> str:
    return (f"https://colab.research.google.com/github/{repository or REPOSITORY}/blob/{branch or BRANCH}"
            f"/notebooks/{stem}.ipynb")


def colab_badge(stem: str, repository: str | None = None, branch: str | None = None) -> str:
    """Markdown for the 'Open in Colab' badge of a notebook."""
    return (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"({colab_url(stem, repository, branch)})")


def colab_setup(repository: str | None = None, branch: str | None = None) -> str:
    """The set-up lines every notebook's first code cell starts with (``COLAB_SETUP``) for a repository.

    On Colab only: clone the repository once into ``<FTKIT_COLAB_DIR or /content>/ftkit`` (a second run, a
    runtime restart or a re-opened notebook finds it there), install ``requirements-colab.txt`` (only what
    Colab lacks or needs newer; never torch), and make ``import ftkit`` find the clone in this kernel: the
    clone goes first on ``sys.path`` and a ``ftkit`` imported from elsewhere (``/content/ftkit`` itself is a
    namespace package seen from the working directory ``/content``) is forgotten. A lesson may append its own
    install lines, indented under the ``if``, after these lines.
    """
    url = repository_url(repository)
    branch = branch or BRANCH
    return f'''import os
import sys

if "google.colab" in sys.modules:  # Colab에서만 실행합니다 (로컬은 requirements.txt). 여러 번 실행해도 안전합니다.
    import importlib
    import importlib.metadata
    import subprocess

    FTKIT_REPOSITORY = "{url}"
    FTKIT_HOME = os.path.join(os.environ.get("FTKIT_COLAB_DIR", "/content"), "ftkit")
    if not os.path.isdir(os.path.join(FTKIT_HOME, ".git")):  # 처음 한 번만 저장소를 받습니다
        subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "{branch}", FTKIT_REPOSITORY, FTKIT_HOME],
                       check=True)
    # Colab에 없거나 더 새 버전이 필요한 패키지만 설치합니다 (Colab의 torch는 그대로 씁니다)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-r",
                    os.path.join(FTKIT_HOME, "requirements-colab.txt")], check=True)
    # 재시작 없이 이 커널에서 받은 ftkit을 가져오도록 경로 맨 앞에 두고, 다른 곳에서 가져온 ftkit은 지웁니다
    if FTKIT_HOME not in sys.path:
        sys.path.insert(0, FTKIT_HOME)
    for name in [m for m in sys.modules if m == "ftkit" or m.startswith("ftkit.")]:
        if not (getattr(sys.modules[name], "__file__", None) or "").startswith(FTKIT_HOME + os.sep):
            del sys.modules[name]
    importlib.invalidate_caches()
    stale = [m for m in ("transformers", "datasets", "sentence_transformers", "peft") if m in sys.modules
             and sys.modules[m].__version__ != importlib.metadata.version(m.replace("_", "-"))]
    if stale:  # 이 셀보다 먼저 다른 셀을 실행해 옛 버전을 이미 가져왔다면
        print("새 버전으로 바뀐 패키지:", ", ".join(stale), "- '런타임 > 세션 다시 시작' 후 이 셀부터 다시 실행하세요.")'''


# The first code cell of every notebook starts with exactly these lines (checked by the lint).
COLAB_SETUP = colab_setup()


def _legacy_setup_v1(repository: str, branch: str) -> str:
    """The set-up cell before the same-kernel import fix (clone + ``pip install -e``; failed on a re-run)."""
    return f'''import sys

if "google.colab" in sys.modules:  # Colab에서만 설치합니다 (로컬에서는 requirements.txt로 설치)
    import subprocess

    subprocess.run(["git", "clone", "-q", "--depth", "1", "https://github.com/{repository}", "/content/ftkit"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-r", "/content/ftkit/requirements-colab.txt",
                    "-e", "/content/ftkit"], check=True)'''


_SETUP_TEMPLATES = (colab_setup, _legacy_setup_v1)  # newest first; sync replaces any of them
_REPO_IN_URL = re.compile(r"(?:colab\.research\.google\.com/)?github(?:\.com)?/([\w.-]+/[\w.-]+?)(?:\.git)?(?=[/\"'\s)]|$)")
_BADGE = re.compile(
    r"\[!\[Open In Colab\]\(https://colab\.research\.google\.com/assets/colab-badge\.svg\)\]"
    r"\(https://colab\.research\.google\.com/github/([\w.-]+/[\w.-]+)/blob/([\w./-]+?)/notebooks/([\w.-]+)\.ipynb\)")


class SyncError(ValueError):
    """A notebook whose set-up cell matches no known template: fix it by hand (see CONTRIBUTING.md)."""


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _set_source(cell, text: str) -> None:
    """Store ``text`` the way the cell stored its source (a list of lines in committed notebooks)."""
    cell["source"] = text.splitlines(keepends=True) if isinstance(cell.get("source"), list) else text


def _rewrite_badges(text: str) -> tuple[str, set[str]]:
    """Every Colab badge rewritten for REPOSITORY/BRANCH; also returns the repositories the old badges named."""
    old: set[str] = set()

    def fix(m: re.Match) -> str:
        old.add(m.group(1))
        return colab_badge(m.group(3))

    return _BADGE.sub(fix, text), old


def _rewrite_repo_links(text: str, old: set[str]) -> str:
    """``https://github.com/<old>`` links (the repository itself, not other projects) -> ``REPOSITORY``."""
    for repo in old - {REPOSITORY}:
        text = re.sub(rf"https://github\.com/{re.escape(repo)}(?![\w-])", repository_url(), text)
        text = text.replace(pages_url(repo), pages_url())
    return text


def synced_setup(source: str) -> str:
    """``source`` (a first code cell) with its set-up prefix, in any known version for any repository,
    replaced by ``COLAB_SETUP``; the lines after it (imports, a lesson's extra installs) are kept."""
    repos = {m.group(1) for m in _REPO_IN_URL.finditer(source)} | {REPOSITORY}
    candidates = []
    for template in _SETUP_TEMPLATES:
        for repo in repos:
            for branch in {BRANCH, "main", "master"}:
                prefix = template(repo, branch)
                if source.startswith(prefix):
                    candidates.append(prefix)
    if not candidates:
        raise SyncError("the first code cell does not start with a known Colab set-up block; "
                        "paste ftkit.course.COLAB_SETUP at its top by hand")
    prefix = max(candidates, key=len)
    return COLAB_SETUP + source[len(prefix):]


def sync_notebook_json(nb: dict, stem: str) -> dict:
    """A notebook (nbformat dict) with its badge and set-up cell rewritten from the constants above."""
    cells = nb.get("cells", [])
    old: set[str] = set()
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            text, found = _rewrite_badges(_source(cell))
            old |= found
            _set_source(cell, text)
    code = [c for c in cells if c.get("cell_type") == "code"]
    if code:
        try:
            _set_source(code[0], synced_setup(_source(code[0])))
        except SyncError as e:
            raise SyncError(f"notebooks/{stem}.ipynb: {e}") from None
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            _set_source(cell, _rewrite_repo_links(_source(cell), old))
    return nb


def sync(root: str | Path | None = None, write: bool = False) -> list[Path]:
    """Files under ``root`` (notebooks/*.ipynb and README.md) that differ from the constants above.

    With ``write=True`` they are rewritten (atomically); running it again changes nothing.
    """
    import json
    import os

    root = Path(root) if root is not None else ROOT
    changed = []
    targets = sorted((root / "notebooks").glob("*.ipynb")) + [root / "README.md"]
    for path in targets:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            # plain JSON in the committed style (indent 1, key order kept): only the changed lines differ
            new = json.dumps(sync_notebook_json(json.loads(text), path.stem), indent=1, ensure_ascii=False) + "\n"
        else:
            new, old = _rewrite_badges(text)
            new = _rewrite_repo_links(new, old)
        if new != text:
            changed.append(path)
            if write:
                tmp = path.with_name(path.name + ".tmp")
                tmp.write_text(new, encoding="utf-8")
                os.replace(tmp, path)
    return changed


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m ftkit.course",
        description=f"Rewrite every Colab badge and set-up cell (notebooks/*.ipynb, README.md) from "
                    f"ftkit/course.py (REPOSITORY={REPOSITORY}, BRANCH={BRANCH}).")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the files (default)")
    mode.add_argument("--check", action="store_true", help="only list files out of step; exit 1 if any")
    parser.add_argument("--root", default=None, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    try:
        changed = sync(args.root, write=not args.check)
    except SyncError as e:
        print(f"ftkit.course: {e}", file=sys.stderr)
        return 2
    for path in changed:
        print(f"{'out of step' if args.check else 'rewritten'}: {path}")
    if not changed:
        print("all notebooks and README.md match ftkit/course.py")
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())

"""Executed copies of the lessons kept in the repository (``docs/executed/``) and their provenance.

``python -m ftkit site --refresh NN... [--profile cpu] [--from-run DIR --commit SHA]`` is the only way they are made:
it runs the lessons with the runner (``ftkit run``) into a temporary folder, or takes an existing run folder, checks
that each executed notebook's code cells are the lesson's and that its results are real-data (never smoke or the
bundled samples), scrubs it (machine paths, tokens, widget state, papermill metadata, execution timestamps) and
writes ``docs/executed/<stem>.ipynb`` and its entry in ``docs/executed/provenance.json``.

``stale(stem)`` says how a copy differs from its lesson (code cells, parameter values) and the command that fixes it.
"""
from __future__ import annotations

import ast
import copy
import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

from ftkit import course
from ftkit.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
EXECUTED_DIR = REPO_ROOT / "docs" / "executed"
PROVENANCE = "provenance.json"
MAX_BYTES = 3 * 1024 * 1024  # size budget of one executed copy
INJECTED = "injected-parameters"  # papermill's tag for the cell it adds after the parameters cell
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
KEEP_NB_METADATA = ("kernelspec", "language_info")
KEEP_CELL_METADATA = ("tags",)
PROVENANCE_FIELDS = ("profile", "device", "date", "run_id", "data_source", "datasets", "ftkit_commit",
                     "wall_seconds", "peak_memory_mb", "sha256")

# Secrets that must never reach a committed copy: pattern -> what it is.
TOKEN_PATTERNS = {
    r"\bhf_[A-Za-z0-9]{30,}\b": "Hugging Face token",
    r"\bgh[pousr]_[A-Za-z0-9]{36,}\b": "GitHub token",
    r"\bgithub_pat_[A-Za-z0-9_]{40,}\b": "GitHub token",
    r"\bsk-[A-Za-z0-9_-]{32,}\b": "API key",
    r"\bAKIA[0-9A-Z]{16}\b": "AWS access key",
    r"\bwandb_[A-Za-z0-9]{30,}\b|\b[0-9a-f]{40}\b(?=.*WANDB)": "W&B key",
}
# Machine paths left in a copy (after scrubbing there must be none).
MACHINE_PATH = re.compile(r"(?<![\w.~$-])/(?:work|tmp|root|home|Users|content/drive)/[^\s\"'<>)\]]*")
_KERNEL_CELL = re.compile(r"/tmp/ipykernel_\d+/\d+\.py")


def refresh_command(stems: list[str] | str, profile: str | None = None) -> str:
    stems = [stems] if isinstance(stems, str) else stems
    numbers = " ".join(s.split("_")[0] for s in stems)
    return f"python -m ftkit site --refresh {numbers}" + (f" --profile {profile}" if profile else "")


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def lesson_path(stem: str) -> Path:
    return REPO_ROOT / "notebooks" / f"{stem}.ipynb"


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def code_cells(nb: dict) -> list[str]:
    """The code cells' sources, without the cell papermill injects."""
    return [_source(c) for c in nb.get("cells", []) if c.get("cell_type") == "code"
            and INJECTED not in c.get("metadata", {}).get("tags", [])]


def parameter_values(nb: dict, tag: str = "parameters") -> dict:
    """``NAME = literal`` assignments of the cell tagged ``tag`` (``parameters`` or ``injected-parameters``)."""
    values = {}
    for cell in nb.get("cells", []):
        if tag in cell.get("metadata", {}).get("tags", []):
            for node in ast.parse(_source(cell)).body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    try:
                        values[node.targets[0].id] = ast.literal_eval(node.value)
                    except ValueError:
                        values[node.targets[0].id] = ast.unparse(node.value)
    return values


def _diff_cells(lesson: list[str], copy_: list[str]) -> list[str]:
    problems = []
    if len(lesson) != len(copy_):
        problems.append(f"{len(copy_)} code cells in the copy, {len(lesson)} in the lesson")
    for i, (a, b) in enumerate(zip(lesson, copy_)):
        if a != b:
            first = next((j for j, (x, y) in enumerate(zip(a.splitlines(), b.splitlines())) if x != y),
                         min(len(a.splitlines()), len(b.splitlines())))
            line = (a.splitlines() or [""])[min(first, max(len(a.splitlines()) - 1, 0))]
            problems.append(f"code cell {i} differs (line {first + 1}: lesson has {line.strip()[:60]!r})")
    return problems


def compare(lesson_nb: dict, executed_nb: dict) -> list[str]:
    """How an executed notebook differs from its lesson: code cells and parameter values."""
    problems = _diff_cells(code_cells(lesson_nb), code_cells(executed_nb))
    want, got = parameter_values(lesson_nb), parameter_values(executed_nb)
    if want != got:
        changed = sorted(k for k in set(want) | set(got) if want.get(k, "<absent>") != got.get(k, "<absent>"))
        problems.append("parameters differ: " + ", ".join(
            f"{k} lesson={want.get(k, '<absent>')!r} copy={got.get(k, '<absent>')!r}" for k in changed))
    return problems


def load_provenance(folder: Path | None = None) -> dict:
    path = (folder or EXECUTED_DIR) / PROVENANCE
    return read_json(path) if path.is_file() else {"lessons": {}}


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def stale(stem: str, folder: Path | None = None, lesson: Path | None = None) -> list[str]:
    """Problems that make ``docs/executed/<stem>.ipynb`` out of date; each ends with the refresh command."""
    folder = folder or EXECUTED_DIR
    copy_path, lesson = folder / f"{stem}.ipynb", lesson or lesson_path(stem)
    fix = f"refresh it with `{refresh_command(stem)}`"
    if not copy_path.is_file():
        return [f"{stem}: no executed copy in {folder.name}/; {fix}"]
    entry = load_provenance(folder)["lessons"].get(stem)
    problems = [f"{stem}: {p}" for p in compare(read_json(lesson), read_json(copy_path))]
    if entry is None:
        problems.append(f"{stem}: not in {PROVENANCE}")
    elif entry.get("sha256") != sha256(copy_path):
        problems.append(f"{stem}: the copy's sha256 is not the one in {PROVENANCE} (edited by hand?)")
    return [f"{p}; {fix}" for p in problems]


# ---------------------------------------------------------------- scrubbing

def scrub_text(text: str, replacements: list[tuple[str, str]]) -> str:
    """Machine paths and tokens in ``text`` replaced by neutral placeholders."""
    text = _KERNEL_CELL.sub("[cell]", text)
    for old, new in replacements:
        if old and len(old) > 1:
            text = text.replace(old, new)
    for pattern in TOKEN_PATTERNS:
        text = re.sub(pattern, "[token]", text)
    return MACHINE_PATH.sub(lambda m: "…/" + m.group(0).rstrip("/").rsplit("/", 1)[-1], text)


def _roots(extra: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    """(path, placeholder) pairs, longest first: data and cache folders, the repository, home."""
    pairs = list(extra or [])
    for env, placeholder in (("FTKIT_DATA_DIR", "$FTKIT_DATA_DIR"), ("FTKIT_OUTPUT_DIR", "$FTKIT_OUTPUT_DIR"),
                             ("FTKIT_CACHE_DIR", "$FTKIT_CACHE_DIR"), ("HF_HOME", "$HF_HOME")):
        for value in os.environ.get(env, "").split(os.pathsep):
            if value.strip():
                pairs.append((str(Path(value).expanduser()), placeholder))
    home = str(Path.home())
    pairs += [(str(REPO_ROOT), "ftkit-repo"), (os.path.join(home, ".cache", "ftkit"), "$FTKIT_CACHE_DIR"),
              (os.path.join(home, ".cache", "huggingface"), "$HF_HOME")]
    if home not in ("/", ""):
        pairs.append((home, "~"))
    return sorted({p: n for p, n in pairs}.items(), key=lambda pn: -len(pn[0]))


def _scrub(value, replacements):
    if isinstance(value, str):
        return scrub_text(value, replacements)
    if isinstance(value, list):
        return [_scrub(v, replacements) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, replacements) for k, v in value.items()}
    return value


def scrub_notebook(nb: dict, replacements: list[tuple[str, str]] | None = None) -> dict:
    """A copy of an executed notebook fit to commit.

    Kept: cells, their sources, ``tags``, execution counts, outputs (figures stay inline as image/png). Removed:
    notebook metadata other than kernelspec/language_info (papermill, widgets, Colab), cell metadata other than tags
    (papermill, execution timestamps, Colab), widget-view outputs (progress bars whose text is their 0 % state).
    Machine paths and tokens in outputs become placeholders; code sources are the lesson's and stay as they are.
    """
    replacements = _roots(replacements)
    nb = copy.deepcopy(nb)
    nb["metadata"] = {k: v for k, v in nb.get("metadata", {}).items() if k in KEEP_NB_METADATA}
    for cell in nb.get("cells", []):
        cell["metadata"] = {k: v for k, v in cell.get("metadata", {}).items() if k in KEEP_CELL_METADATA}
        if cell.get("cell_type") != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_MIME in data:
                continue
            out = dict(out)
            if "data" in out:
                out["data"] = {k: v for k, v in data.items() if not k.startswith("application/vnd.jupyter.widget")}
            outputs.append(_scrub(out, replacements))
        cell["outputs"] = outputs
    return nb


def copy_problems(path: Path) -> list[str]:
    """What a committed executed copy must not hold: machine paths, tokens, widget state, run metadata, excess size."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    problems = []
    if path.stat().st_size > MAX_BYTES:
        problems.append(f"{path.stat().st_size / 1e6:.1f} MB, over the {MAX_BYTES // (1024 * 1024)} MB budget")
    extra = set(nb.get("metadata", {})) - set(KEEP_NB_METADATA)
    if extra:
        problems.append(f"notebook metadata not allowed (papermill/widgets/Colab): {sorted(extra)}")
    for i, cell in enumerate(nb.get("cells", [])):
        extra = set(cell.get("metadata", {})) - set(KEEP_CELL_METADATA)
        if extra:
            problems.append(f"cell {i}: metadata not allowed (timestamps/papermill): {sorted(extra)}")
        for out in cell.get("outputs", []):
            if any(k.startswith("application/vnd.jupyter.widget") for k in out.get("data", {})):
                problems.append(f"cell {i}: widget output (state is not kept; drop it)")
    for m in MACHINE_PATH.finditer(text):
        problems.append(f"machine path {m.group(0)[:60]!r}")
    for pattern, what in TOKEN_PATTERNS.items():
        if re.search(pattern, text):
            problems.append(f"looks like a {what}")
    return problems


# ---------------------------------------------------------------- import / refresh

def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True,
                          check=True).stdout.strip()


def head_commit() -> str:
    sha = git("rev-parse", "HEAD")
    dirty = subprocess.run(["git", "-C", str(REPO_ROOT), "diff", "--quiet", "HEAD", "--", "notebooks", "ftkit"])
    return sha + ("-dirty" if dirty.returncode else "")


def _commit_notebook(commit: str, stem: str) -> dict:
    try:
        return json.loads(git("show", f"{commit}:notebooks/{stem}.ipynb"))
    except subprocess.CalledProcessError as e:
        raise ConfigError(f"커밋 {commit}에 notebooks/{stem}.ipynb가 없습니다: {e.stderr.strip()}",
                          f"commit {commit} has no notebooks/{stem}.ipynb: {e.stderr.strip()}") from None


def import_run(run_dir: Path, stems: list[str], commit: str, dest: Path | None = None,
               profile: str | None = None) -> dict:
    """Import executed notebooks + results of ``stems`` from the run folder ``run_dir`` into ``dest``.

    Refused (nothing written) when a notebook's code cells are not the lesson's (nor the code at ``commit``), its
    results are missing, from smoke or the bundled samples, of another profile than ``profile``, or failed.
    """
    run_dir, dest = Path(run_dir).expanduser().resolve(), Path(dest or EXECUTED_DIR)
    full = commit.split("-")[0]
    try:
        full = git("rev-parse", "--verify", f"{full}^{{commit}}")
    except subprocess.CalledProcessError:
        raise ConfigError(f"알 수 없는 커밋: {commit}", f"unknown commit: {commit}") from None
    commit = full + ("-dirty" if commit.endswith("-dirty") else "")
    staged = {}
    for stem in stems:
        nb_path, res_path = run_dir / "notebooks" / f"{stem}.ipynb", run_dir / "results" / f"{stem}.json"
        if not nb_path.is_file() or not res_path.is_file():
            raise ConfigError(f"{run_dir}에 {stem}의 실행 노트북이나 결과 JSON이 없습니다",
                              f"{run_dir} lacks {stem}'s executed notebook or results JSON "
                              f"(notebooks/{stem}.ipynb, results/{stem}.json)")
        nb, result = read_json(nb_path), read_json(res_path)
        problems = compare(read_json(lesson_path(stem)), nb)
        if problems:
            raise ConfigError(f"{stem}: 실행 노트북의 코드가 지금 강의와 다릅니다: {'; '.join(problems)}",
                              f"{stem}: the run's code is not the lesson's: {'; '.join(problems)}. "
                              f"Run it again: {refresh_command(stem)}")
        if not commit.endswith("-dirty") and _diff_cells(code_cells(_commit_notebook(full, stem)), code_cells(nb)):
            raise ConfigError(f"{stem}: 실행 노트북의 코드가 커밋 {full[:9]}의 강의와 다릅니다",
                              f"{stem}: the run's code is not the lesson at commit {full[:9]}; give the commit "
                              f"the run was made from (--commit)")
        run_profile, source = result.get("profile"), result.get("data_source")
        if run_profile == "smoke" or source == "sample" or not run_profile:
            raise ConfigError(f"{stem}: TOY 결과(smoke 프로필이나 번들 샘플)는 가져오지 않습니다",
                              f"{stem}: TOY results (profile {run_profile!r}, data {source!r}) are not imported: "
                              f"executed copies come from real-data runs (--profile cpu, t4 or full)")
        if profile and run_profile != profile:
            raise ConfigError(f"{stem}: 실행 프로필 {run_profile}이(가) --profile {profile}과 다릅니다",
                              f"{stem}: the run's profile is {run_profile}, not --profile {profile}")
        injected = parameter_values(nb, INJECTED).get("PROFILE")
        if injected not in (None, run_profile) or result.get("notebook", stem) != stem:
            raise ConfigError(f"{stem}: 노트북과 결과 JSON이 맞지 않습니다",
                              f"{stem}: the notebook (PROFILE={injected!r}) and its results JSON do not match")
        meta = nb.get("metadata", {}).get("papermill", {})
        if meta.get("exception"):
            raise ConfigError(f"{stem}: 실패한 실행입니다", f"{stem}: the run failed in this notebook")
        extra = [(str(run_dir), "$FTKIT_OUTPUT_DIR")]
        for key, up in (("output_path", 2), ("input_path", 2)):  # the run's --out and checkout, wherever they were
            if meta.get(key):
                root = Path(meta[key]).parents[up - 1]
                extra.append((str(root), "$FTKIT_OUTPUT_DIR" if key == "output_path" else "ftkit-repo"))
        date = (meta.get("end_time") or meta.get("start_time") or "")[:10] or result.get("run_id", "")[:8]
        if re.fullmatch(r"\d{8}", date):
            date = f"{date[:4]}-{date[4:6]}-{date[6:]}"
        scrubbed = scrub_notebook(nb, extra)
        entry = {"profile": run_profile, "device": result.get("device"), "date": date,
                 "run_id": result.get("run_id"), "data_source": source,
                 "datasets": _scrub(result.get("datasets", {}), _roots(extra)), "ftkit_commit": commit,
                 "wall_seconds": result.get("wall_seconds"), "peak_memory_mb": result.get("peak_memory_mb"),
                 "params": result.get("params", {}), "metrics": result.get("metrics", {})}
        staged[stem] = (scrubbed, entry)
    dest.mkdir(parents=True, exist_ok=True)
    provenance = load_provenance(dest)
    provenance.setdefault("lessons", {})
    for stem, (scrubbed, entry) in staged.items():
        path = dest / f"{stem}.ipynb"
        text = json.dumps(scrubbed, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        problems = copy_problems(path)
        if problems:
            raise ConfigError(f"{stem}: 정리한 사본에 문제가 남았습니다: {problems}",
                              f"{stem}: the scrubbed copy still has problems: {problems}")
        entry["sha256"] = sha256(path)
        provenance["lessons"][stem] = entry
    order = [s for s, _ in course.LESSONS]
    provenance = {"about": "Where each executed copy in this folder comes from; written by "
                           "`python -m ftkit site --refresh`, never by hand.",
                  "lessons": dict(sorted(provenance["lessons"].items(),
                                         key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))}
    tmp = dest / f".{PROVENANCE}.tmp"
    tmp.write_text(json.dumps(provenance, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, dest / PROVENANCE)
    return provenance


def refresh(stems: list[str], profile: str = "cpu", from_run: str | None = None, commit: str | None = None,
            dest: Path | None = None) -> dict:
    """Run (or take from ``from_run``) the lessons ``stems`` and replace their executed copies."""
    from ftkit import cli

    if profile == "smoke":
        raise ConfigError("실행 사본은 실제 데이터로 만듭니다: --profile cpu, t4 또는 full",
                          "executed copies come from real data: --profile cpu, t4 or full (not smoke)")
    notebooks = cli.find_notebooks(stems)
    names = [p.stem for p in notebooks]
    if from_run is None:
        import tempfile

        run_dir = Path(tempfile.mkdtemp(prefix="ftkit-refresh-"))
        commit = commit or head_commit()
        code = cli.main(["run", *names, "--profile", profile, "--out", str(run_dir)])
        if code != 0:
            raise ConfigError(f"실행이 실패했습니다 ({run_dir}/summary.md)", f"the run failed: see {run_dir}/summary.md")
    else:
        run_dir = Path(from_run)
        if commit is None:
            recorded = run_dir / "commit.txt"
            if not recorded.is_file():
                raise ConfigError("--from-run에는 실행한 커밋이 필요합니다: --commit SHA",
                                  "--from-run needs the commit the run was made from: --commit SHA "
                                  "(or a commit.txt in the run folder)")
            commit = recorded.read_text().strip()
    return import_run(run_dir, names, commit, dest, profile=profile)

"""``python -m ftkit run|list|doctor``: execute lesson notebooks headlessly and summarise their results."""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

from ftkit import course, paths, profiles
from ftkit.errors import ConfigError, FtkitError

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
SUMMARY_METRICS = 4  # metrics shown per notebook in the summary table


def find_notebooks(names: list[str], folder: Path | None = None) -> list[Path]:
    """Notebook paths for names given as stems, lesson numbers ('01') or paths; all lessons if empty."""
    folder = folder or NOTEBOOK_DIR
    available = {stem: folder / f"{stem}.ipynb" for stem, _ in course.LESSONS if (folder / f"{stem}.ipynb").exists()}
    if not names:
        return list(available.values())
    found = []
    for name in names:
        stem = Path(name).stem
        matches = [p for s, p in available.items() if s == stem or s.split("_")[0] == stem]
        if len(matches) != 1:
            raise ConfigError(
                f"알 수 없는 노트북 '{name}'입니다. 사용 가능: {', '.join(available)}",
                f"Unknown notebook '{name}'. Available: {', '.join(available)}",
            )
        found.append(matches[0])
    return found


def kernel_env(profile: str, out_dir: Path) -> dict[str, str]:
    """Environment for the notebook kernels: headless, outputs under out_dir, offline in smoke."""
    env = {"FTKIT_HEADLESS": "1", "FTKIT_OUTPUT_DIR": str(out_dir), "TQDM_DISABLE": "1", "MPLBACKEND": "Agg",
           "TOKENIZERS_PARALLELISM": "false"}
    if profile == "smoke":  # smoke = offline models and data by definition
        env.update(FTKIT_OFFLINE="1", HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    return env


class _Ticker:
    """Prints the elapsed time every ``every`` seconds while a notebook runs."""

    def __init__(self, label: str, every: float = 30.0):
        self.label, self.every, self._stop = label, every, threading.Event()

    def __enter__(self):
        self.t0 = time.perf_counter()
        threading.Thread(target=self._run, daemon=True).start()
        return self

    def _run(self):
        while not self._stop.wait(self.every):
            print(f"    ... {self.label}: {time.perf_counter() - self.t0:.0f}s", flush=True)

    def __exit__(self, *exc):
        self._stop.set()
        self.seconds = time.perf_counter() - self.t0


def execute(notebook: Path, profile: str, out_dir: Path, extra: dict | None = None) -> dict:
    """Run one notebook with papermill; returns a status dict (and updates its results JSON)."""
    import papermill

    stem = notebook.stem
    executed = out_dir / "notebooks" / notebook.name
    executed.parent.mkdir(parents=True, exist_ok=True)
    status = {"notebook": stem, "ok": False, "error": None}
    with _Ticker(stem) as ticker:
        try:
            papermill.execute_notebook(str(notebook), str(executed), parameters={"PROFILE": profile, **(extra or {})},
                                       kernel_name="python3", progress_bar=False, log_output=False,
                                       cwd=str(out_dir))
        except papermill.PapermillExecutionError as e:
            status["error"] = f"cell {e.cell_index} (exec {e.exec_count}): {e.ename}: {e.evalue}"
        except Exception as e:  # kernel died, bad notebook JSON, ...
            status["error"] = f"{type(e).__name__}: {e}"
    status["wall_seconds"] = round(ticker.seconds, 1)
    result_path = out_dir / "results" / f"{stem}.json"
    if status["error"] is None:
        if result_path.exists():
            result = json.loads(result_path.read_text(encoding="utf-8"))
            result["wall_seconds"] = status["wall_seconds"]  # whole execution, kernel start included
            result_path.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
            status["ok"] = True
        else:
            status["error"] = "no results JSON: the notebook never called run.record(...)"
    return status


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def summary_table(statuses: list[dict], out_dir: Path) -> str:
    """Markdown table of all runs (also written as summary.md and summary.csv)."""
    import csv

    header = ["notebook", "status", "profile", "device", "wall_s", "peak_mb", "metrics"]
    rows = []
    for st in statuses:
        path = out_dir / "results" / f"{st['notebook']}.json"
        res = json.loads(path.read_text(encoding="utf-8")) if st["ok"] else {}
        metrics = res.get("metrics", {})
        shown = ", ".join(f"{k}={_fmt(v)}" for k, v in list(metrics.items())[:SUMMARY_METRICS])
        rows.append([st["notebook"], "ok" if st["ok"] else f"FAILED: {st['error']}", res.get("profile", ""),
                     res.get("device", ""), _fmt(st["wall_seconds"]), _fmt(res.get("peak_memory_mb", "")), shown])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "/") for c in r) + " |" for r in rows]
    table = "\n".join(lines)
    (out_dir / "summary.md").write_text(table + "\n", encoding="utf-8")
    with open(out_dir / "summary.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])
    return table


def parse_params(items: list[str]) -> dict:
    """``["DATASET=sick", "EPOCHS=2"]`` -> ``{"DATASET": "sick", "EPOCHS": 2}`` (Python literals, else strings)."""
    import ast

    params = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.isidentifier():
            raise ConfigError(f"-p는 NAME=VALUE 모양이어야 합니다: '{item}'",
                              f"-p takes NAME=VALUE, got '{item}'")
        try:
            params[name] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            params[name] = text
    return params


def cmd_run(args) -> int:
    profile = profiles.resolve_profile(args.profile)
    notebooks = find_notebooks(args.notebooks)
    extra = parse_params(args.param)
    for nb in notebooks:  # unknown names fail here, before any notebook starts
        profiles.params(nb.stem, profile, **extra)
    out_dir = Path(args.out or paths.cache_dir() / "runs" / f"{profile}-{time.strftime('%Y%m%d-%H%M%S')}").resolve()
    if out_dir == REPO_ROOT or REPO_ROOT in out_dir.parents:
        raise ConfigError(f"--out은 저장소 밖이어야 합니다: {out_dir}",
                          f"--out must be outside the repository: {out_dir}")
    out_dir.mkdir(parents=True, exist_ok=True)
    os.environ.update(kernel_env(profile, out_dir))
    print(f"ftkit run: {len(notebooks)} notebook(s), profile={profile}, out={out_dir}", flush=True)
    statuses = []
    for i, nb in enumerate(notebooks, 1):
        print(f"[{i}/{len(notebooks)}] {nb.stem} ...", flush=True)
        st = execute(nb, profile, out_dir, extra)
        statuses.append(st)
        print(f"[{i}/{len(notebooks)}] {nb.stem}: {'ok' if st['ok'] else 'FAILED'} in {st['wall_seconds']}s",
              flush=True)
    print(summary_table(statuses, out_dir))
    failed = [st for st in statuses if not st["ok"]]
    for st in failed:
        print(f"실패 / FAILED: {st['notebook']}: {st['error']}\n  executed notebook: "
              f"{out_dir / 'notebooks' / (st['notebook'] + '.ipynb')}", file=sys.stderr)
    return 1 if failed else 0


def cmd_list(args) -> int:
    for stem, title in course.LESSONS:
        there = (NOTEBOOK_DIR / f"{stem}.ipynb").exists()
        print(f"{stem:40s} {'' if there else '(missing) '}{title}")
    return 0


def doctor_report() -> dict:
    """What this machine offers the course: GPU, offline models, data folder, versions, font."""
    import importlib.metadata as md

    import torch

    from ftkit import data, llm, models, plotting

    report = {"gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
              "offline": paths.is_offline(), "offline_models": models.available_offline(),
              "cache_dir": str(paths.cache_dir())}
    folder = paths.data_dir()
    report["data_dir"] = str(folder) if folder else None
    report["datasets_found"] = sorted(n for n, spec in data.DATASETS.items()
                                      if folder and (folder / spec.folder).is_dir())
    versions = {}
    for pkg in ["torch", "transformers", "sentence-transformers", "datasets", "peft", "accelerate", "papermill"]:
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    report["versions"] = versions
    report["korean_font"] = str(plotting.korean_font_path())
    report["qlora"] = llm.doctor_line()  # "QLoRA can run here: yes/no (why)" (lesson 08)
    return report


def cmd_doctor(args) -> int:
    rep = doctor_report()
    print(f"GPU: {rep['gpu'] or '없음 / none (CPU: smoke 프로필 권장 / use the smoke profile)'}")
    print(f"offline (HF_HUB_OFFLINE/FTKIT_OFFLINE): {rep['offline']}")
    print(f"offline models: {', '.join(rep['offline_models']) or 'none'}")
    print(f"cache dir: {rep['cache_dir']}")
    if rep["data_dir"]:
        print(f"data dir (FTKIT_DATA_DIR): {rep['data_dir']} -> {', '.join(rep['datasets_found']) or 'no datasets'}")
    else:
        print("data dir: FTKIT_DATA_DIR 미설정 / not set (offline: bundled samples, online: upstream downloads)")
    for pkg, v in rep["versions"].items():
        print(f"  {pkg}: {v or 'NOT INSTALLED'}")
    print(f"Korean font: {rep['korean_font']}")
    print(rep["qlora"])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ftkit", description="ftkit course runner")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute notebooks with papermill")
    run.add_argument("notebooks", nargs="*", help="stems or lesson numbers (default: all)")
    run.add_argument("--profile", default="smoke", help="smoke | reduced | full | auto (default: smoke)")
    run.add_argument("--out", help="output folder (default: under the ftkit cache dir)")
    run.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                     help="override a notebook parameter, e.g. -p DATASET=sick (repeatable)")
    run.set_defaults(func=cmd_run)
    sub.add_parser("list", help="list the lessons").set_defaults(func=cmd_list)
    sub.add_parser("doctor", help="check GPU, offline models, data, versions").set_defaults(func=cmd_doctor)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except FtkitError as e:
        print(str(e), file=sys.stderr)
        return 2

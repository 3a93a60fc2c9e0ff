"""``python -m ftkit run|plan|list|doctor``: execute lesson notebooks headlessly and summarise their results.

One run per output folder: ``run`` takes an exclusive lock on ``<out>/.ftkit-run.lock`` before any heavy
import and refuses at once when another run holds it. Each run has an id (``FTKIT_RUN_ID`` in the kernels'
environment, ``run_id`` in every results JSON); only results carrying this run's id are read back. Before the
first notebook, the selected notebooks' previous outputs in ``--out`` are removed (and listed); ``summary.md``
and ``summary.csv`` are rewritten as the run goes (pending, running, ok, failed, interrupted, not run). Every
file the runner writes is replaced atomically. SIGINT/SIGTERM stop the run, mark it interrupted, exit non-zero.
"""
from __future__ import annotations

import argparse
import errno
import json
import os
import secrets
import signal
import sys
import threading
import time
from pathlib import Path

from ftkit import course, paths, profiles
from ftkit.errors import ConfigError, FtkitError

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
NOTEBOOK_DIR_ENV = "FTKIT_NOTEBOOK_DIR"  # a folder of stand-in notebooks (tests), like --notebooks-dir
SUMMARY_METRICS = 4  # metrics shown per notebook in the summary table
LOCK_NAME = ".ftkit-run.lock"
RUN_ID_ENV = "FTKIT_RUN_ID"  # same name as ftkit.report.RUN_ID_ENV (report is not imported here: keep start light)


class OutputError(FtkitError, OSError):
    """The runner cannot write into its output folder (a file in the way, no permission, disk full)."""


class RunLockedError(OutputError):
    """Another run holds the output folder's lock."""


class RunInterrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived during a run."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


def notebook_dir(override: str | None = None) -> Path:
    """The folder the runner takes notebooks from: ``--notebooks-dir``, else ``FTKIT_NOTEBOOK_DIR``, else the repo's."""
    value = override or os.environ.get(NOTEBOOK_DIR_ENV, "").strip()
    if not value:
        return NOTEBOOK_DIR
    folder = Path(value).expanduser().resolve()
    if not folder.is_dir():
        raise ConfigError(f"노트북 폴더가 없습니다: {folder}", f"Notebook folder not found: {folder}")
    return folder


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
        if matches[0] not in found:  # 'run 01 01' (or '01 01_pretraining...') runs lesson 01 once
            found.append(matches[0])
    return found


def kernel_env(profile: str, out_dir: Path) -> dict[str, str]:
    """Environment for the notebook kernels: headless, outputs under out_dir, offline in smoke.

    Figures use the inline backend (not Agg), so the executed notebooks keep them as images.
    """
    env = {"FTKIT_HEADLESS": "1", "FTKIT_OUTPUT_DIR": str(out_dir), "TQDM_DISABLE": "1",
           "MPLBACKEND": "module://matplotlib_inline.backend_inline", "TOKENIZERS_PARALLELISM": "false"}
    if profile == "smoke":  # smoke = offline models and data by definition
        env.update(FTKIT_OFFLINE="1", HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    # Nothing under $HOME: the datasets cache (lesson 02's load_dataset("csv")) goes to the ftkit cache, matplotlib's
    # and IPython's folders under --out; a value the user set is kept.
    homes = {"HF_DATASETS_CACHE": paths.cache_dir() / "hf-datasets",
             "MPLCONFIGDIR": out_dir / ".config" / "matplotlib", "IPYTHONDIR": out_dir / ".config" / "ipython"}
    env.update({k: str(v) for k, v in homes.items() if not os.environ.get(k)})
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


def _os_error(path: Path, err: OSError, what: str = "쓰지") -> OutputError:
    """ftkit's ko/en error for an OSError while writing ``path`` (disk full, no permission, ...)."""
    if err.errno == errno.ENOSPC:
        return OutputError(
            f"디스크가 가득 차서 {path}을(를) 쓰지 못했습니다 (ENOSPC). 공간을 비우거나 --out을 여유 있는 디스크로 "
            f"지정한 뒤 다시 실행하세요. 이미 다 쓴 결과 파일은 그대로입니다.",
            f"Disk full: could not write {path} (ENOSPC). Free some space or point --out to a disk with room, "
            f"then run again. Files already written are intact.")
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(
            f"{path}에 쓸 권한이 없습니다 ({err.strerror}). 쓸 수 있는 폴더를 --out으로 지정하세요.",
            f"No permission to write {path} ({err.strerror}). Give --out a folder you can write to.")
    return OutputError(f"{path}을(를) {what} 못했습니다: {err.strerror or err}",
                       f"Could not write {path}: {err.strerror or err}")


def _write(path: Path, text: str) -> None:
    """Atomic write (tmp + os.replace) whose OSErrors become OutputError."""
    from ftkit.report import write_text_atomic

    try:
        write_text_atomic(path, text)
    except OSError as e:
        raise _os_error(path, e) from e


DEAD_KERNEL_HINT = (" (커널이 죽었습니다: 대개 메모리 부족입니다. -p N_TRAIN=... 이나 -p BATCH_SIZE=... 로 줄이고, "
                    "`python -m ftkit plan`으로 필요한 메모리를 먼저 확인하세요 / the kernel died, most often out of "
                    "memory: lower -p N_TRAIN=... or -p BATCH_SIZE=..., and see `python -m ftkit plan` for the "
                    "memory a lesson needs)")


def execute(notebook: Path, profile: str, out_dir: Path, extra: dict | None = None,
            run_id: str | None = None) -> dict:
    """Run one notebook with papermill; returns a status dict (and updates its results JSON).

    ``run_id`` (default: ``FTKIT_RUN_ID`` from the environment) must match the results JSON's ``run_id``;
    a file left by another run is reported as an error, never read as this run's result.
    """
    import papermill

    run_id = run_id if run_id is not None else os.environ.get(RUN_ID_ENV) or None
    stem = notebook.stem
    executed = out_dir / "notebooks" / notebook.name
    executed.parent.mkdir(parents=True, exist_ok=True)
    status = {"notebook": stem, "ok": False, "error": None, "state": "running", "result": None}
    with _Ticker(stem) as ticker:
        try:
            papermill.execute_notebook(str(notebook), str(executed), parameters={"PROFILE": profile, **(extra or {})},
                                       kernel_name="python3", progress_bar=False, log_output=False,
                                       cwd=str(out_dir), kernel_manager_class=paths.kernel_manager_class())
        except papermill.PapermillExecutionError as e:
            status["error"] = f"cell {e.cell_index} (exec {e.exec_count}): {e.ename}: {e.evalue}"
        except Exception as e:  # kernel died, bad notebook JSON, ...
            status["error"] = f"{type(e).__name__}: {e}"
            if type(e).__name__ == "DeadKernelError":
                status["error"] += DEAD_KERNEL_HINT
        except RunInterrupted as stop:
            stop.wall_seconds = round(time.perf_counter() - ticker.t0, 1)
            raise
    status["wall_seconds"] = round(ticker.seconds, 1)
    result_path = out_dir / "results" / f"{stem}.json"
    if status["error"] is None:
        try:
            result = json.loads(result_path.read_text(encoding="utf-8")) if result_path.exists() else None
            if result is not None and not isinstance(result, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as e:  # a malformed file fails this lesson, never the whole run
            result = None
            status["error"] = (f"results JSON {result_path} cannot be read ({type(e).__name__}: {e}): check "
                               f"what the notebook's run.record(...) wrote")
        if status["error"] is None and result is not None:
            if result.get("run_id") != run_id:
                status["error"] = (f"results JSON {result_path} belongs to another run (run_id "
                                   f"{result.get('run_id')!r}, this run {run_id!r})")
            else:
                result["wall_seconds"] = status["wall_seconds"]  # whole execution, kernel start included
                _write(result_path, json.dumps(result, ensure_ascii=False, indent=2))
                status["ok"], status["result"] = True, result
        elif status["error"] is None:
            status["error"] = "no results JSON: the notebook never called run.record(...)"
    status["state"] = "ok" if status["ok"] else "failed"
    return status


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


SUMMARY_HEADER = ["notebook", "status", "profile", "data", "numbers", "device", "wall_s", "peak_mb", "metrics"]
STATE_TEXT = {"pending": "pending", "running": "running", "ok": "ok", "failed": "FAILED", "interrupted": "INTERRUPTED",
              "not_run": "not run"}


def md_cell(value) -> str:
    """One Markdown table cell: pipes escaped, line breaks as ``<br>``, so no value can break the table."""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def _toy_label(profile: str | None, source: str | None) -> str:
    reasons = (["smoke profile"] if profile == "smoke" else []) + (["bundled sample data"] if source == "sample" else [])
    return "TOY (" + ", ".join(reasons) + ")" if reasons else "real"


def summary_rows(statuses: list[dict]) -> list[list[str]]:
    """One row per notebook: values come from the statuses (and the results they verified), never from disk."""
    rows = []
    for st in statuses:
        res = st.get("result") or {}
        state = st.get("state") or ("ok" if st.get("ok") else "failed")
        text = STATE_TEXT.get(state, state)
        if st.get("error") and state in ("failed", "interrupted"):
            text += f": {st['error']}"
        metrics = res.get("metrics", {})
        shown = ", ".join(f"{k}={_fmt(v)}" for k, v in list(metrics.items())[:SUMMARY_METRICS])
        profile = res.get("profile") or st.get("profile") or ""
        source = res.get("data_source") or ""
        toy = _toy_label(profile, source) if (res or state == "ok") else ""
        wall = st.get("wall_seconds")
        rows.append([st["notebook"], text, profile, source, toy, res.get("device", ""),
                     _fmt(wall) if wall is not None else "", _fmt(res.get("peak_memory_mb", "")), shown])
    return rows


def summary_table(statuses: list[dict], out_dir: Path | None = None, run: dict | None = None) -> str:
    """Markdown summary of a run: a heading, the legend, one escaped row per notebook.

    With ``out_dir`` it is also written (atomically) as ``summary.md`` and ``summary.csv``. ``run`` may hold
    ``run_id``, ``profile``, ``state`` (running / finished / interrupted) and ``started`` for the heading.
    """
    import csv
    import io

    run = run or {}
    rows = summary_rows(statuses)
    lines = []
    if run:
        lines += [f"# ftkit run {run.get('run_id', '')}: {run.get('state', '')}", "",
                  f"profile `{run.get('profile', '')}`, started {run.get('started', '')}, "
                  f"updated {time.strftime('%Y-%m-%d %H:%M:%S')}", ""]
    if any(r[4].startswith("TOY") for r in rows):
        lines += ["> TOY numbers (smoke profile or bundled sample data) only show that a lesson runs; "
                  "they say nothing about the methods. / smoke 프로필이나 번들 샘플 데이터의 숫자는 실행 확인용이며 "
                  "방법의 성능을 뜻하지 않습니다.", ""]
    lines += ["| " + " | ".join(SUMMARY_HEADER) + " |", "|" + "---|" * len(SUMMARY_HEADER)]
    lines += ["| " + " | ".join(md_cell(c) for c in r) + " |" for r in rows]
    table = "\n".join(lines)
    if out_dir is not None:
        buf = io.StringIO()
        csv.writer(buf).writerows([SUMMARY_HEADER, *rows])
        _write(out_dir / "summary.md", table + "\n")
        _write(out_dir / "summary.csv", buf.getvalue())
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
        if params[name] is None:  # in a lesson, None means "the profile's value": never a silent no-op here
            raise ConfigError(
                f"-p {item}: None은 노트북에서 '프로필의 값을 쓴다'는 뜻이라 -p로 줄 수 없습니다. 프로필 값을 쓰려면 "
                f"-p를 빼고, 데이터 전부를 쓰려면 그 값이 None인 프로필(t4, full)을 고르거나 큰 수를 주세요",
                f"-p {item}: None means 'the profile's value' in a lesson, so -p cannot set it. Leave the -p out "
                f"for the profile's value; for all the data pick a profile where it is None (t4, full) or give "
                f"a large number",
            )
    return params


def prepare_out(out_dir: Path) -> Path:
    """Create ``out_dir`` or say in ko/en why it cannot be used (inside the repo, a file, not writable)."""
    if out_dir == REPO_ROOT or REPO_ROOT in out_dir.parents:
        raise ConfigError(f"--out은 저장소 밖이어야 합니다: {out_dir}",
                          f"--out must be outside the repository: {out_dir}")
    for path in (out_dir, *out_dir.parents):
        if path.exists() and not path.is_dir():
            raise OutputError(
                f"--out {out_dir}: {path}은(는) 폴더가 아니라 파일입니다. 다른 폴더 경로를 주세요 (없으면 만듭니다).",
                f"--out {out_dir}: {path} is a file, not a folder. Give a folder path (created if missing).")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _os_error(out_dir, e, "만들지") from e
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise _os_error(out_dir, PermissionError(errno.EACCES, os.strerror(errno.EACCES)))
    return out_dir


def _open_lock(path: Path) -> int:
    """Open (create) the lock file without following a symbolic link planted in its place."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as e:
        if e.errno == errno.ELOOP or path.is_symlink():
            raise OutputError(
                f"실행 잠금 파일 {path}이(가) 심볼릭 링크입니다. 링크가 가리키는 파일을 덮어쓰지 않도록 멈췄습니다. "
                f"링크를 지우거나 다른 --out 폴더를 쓰세요",
                f"The run lock {path} is a symbolic link; stopped so as not to overwrite what it points to. "
                f"Remove the link or use another --out folder",
            ) from e
        raise


class RunLock:
    """Exclusive, non-blocking lock on ``<out>/.ftkit-run.lock`` (released when the process ends, even killed)."""

    def __init__(self, out_dir: Path, run_id: str):
        self.path, self.run_id, self.fd = out_dir / LOCK_NAME, run_id, None

    def acquire(self) -> "RunLock":
        try:
            fd = _open_lock(self.path)
        except OSError as e:
            raise _os_error(self.path, e) from e
        try:
            if os.name == "nt":  # pragma: no cover - the course runs on Linux/macOS/Colab
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                holder = os.read(fd, 4096).decode("utf-8", "replace").strip()
            finally:
                os.close(fd)
            info = json.loads(holder) if holder.startswith("{") else {}
            who = f"pid {info.get('pid', '?')}, run {info.get('run_id', '?')}, started {info.get('started', '?')}"
            raise RunLockedError(
                f"다른 ftkit run이 이미 이 출력 폴더를 쓰고 있습니다 ({who}): {self.path.parent}. 그 실행이 끝나기를 "
                f"기다리거나 다른 --out을 지정하세요. 두 실행이 한 폴더에 쓰면 결과가 섞입니다.",
                f"Another ftkit run is already using this output folder ({who}): {self.path.parent}. Wait for it "
                f"to finish or give another --out; two runs in one folder would mix their results.")
        self.fd = fd
        try:
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps({"pid": os.getpid(), "run_id": self.run_id,
                                     "started": time.strftime("%Y-%m-%d %H:%M:%S")}).encode())
        except OSError as e:
            self.release()
            raise _os_error(self.path, e) from e
        return self

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing drops the flock; the file stays (removing it would race a new run)
            self.fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


def new_run_id() -> str:
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"


def clear_outputs(out_dir: Path, stems: list[str]) -> list[Path]:
    """Remove the previous results JSON, executed notebook and figures of ``stems`` in ``out_dir``; return them."""
    removed = []
    for stem in stems:
        candidates = [out_dir / "results" / f"{stem}.json", out_dir / "notebooks" / f"{stem}.ipynb"]
        for folder, pattern in (("results", f".{stem}.json.*.tmp"), ("notebooks", f".{stem}.ipynb.*.tmp"),
                                ("figures", f"{stem}_*.png"), ("figures", f"{stem}.png")):
            if (out_dir / folder).is_dir():
                candidates += sorted((out_dir / folder).glob(pattern))
        for path in candidates:
            if path.is_file():
                try:
                    path.unlink()
                except OSError as e:
                    raise _os_error(path, e, "지우지") from e
                removed.append(path)
    return removed


def _mark_partial(executed: Path) -> None:
    """An interrupted notebook: papermill marks unrun cells 'completed'; say which ran and that it stopped."""
    if not executed.exists():
        return
    import nbformat

    try:
        nb = nbformat.read(executed, as_version=4)
    except Exception:  # a half-written notebook: leave it, the summary says interrupted
        return
    started = [i for i, cell in enumerate(nb.cells) if cell.metadata.get("papermill", {}).get("start_time")]
    last = started[-1] if started else -1
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("papermill")
        if meta is None or i < last:
            continue
        meta["status"] = "interrupted" if i == last else "pending"  # papermill calls them all 'completed'
    nb.metadata.setdefault("papermill", {})["interrupted"] = True
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(
        "**중단됨 / INTERRUPTED**: 이 실행은 끝나기 전에 멈췄습니다. 'interrupted' 표시 셀 아래는 실행되지 않았습니다. / "
        "This run was stopped before the end; cells after the one marked 'interrupted' did not run."))
    _write(executed, nbformat.writes(nb))


def _stop_kernels() -> None:
    """Terminate the kernel processes this runner started (its own child processes)."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil is in requirements.txt
        return
    children = psutil.Process().children(recursive=True)
    for child in children:
        try:
            child.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(children, timeout=5)
    for child in alive:
        try:
            child.kill()
        except psutil.Error:
            pass


def _raise_interrupted(signum, frame):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # one signal is enough: clean up undisturbed
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise RunInterrupted(signum)


def cmd_run(args) -> int:
    profile = profiles.resolve_profile(args.profile)
    notebooks = find_notebooks(args.notebooks, notebook_dir(getattr(args, "notebooks_dir", None)))
    extra = parse_params(args.param)
    for nb in notebooks:  # unknown names and bad values fail here, before any notebook starts
        profiles.params(nb.stem, profile, **extra)
    from ftkit import lesson  # light: no torch

    lesson.check_data_for(profile)  # cpu/t4/full on the bundled samples: refused before anything is written
    out_dir = Path(args.out or paths.cache_dir() / "runs" / f"{profile}-{time.strftime('%Y%m%d-%H%M%S')}")
    out_dir = prepare_out(out_dir.expanduser().resolve())
    run_id = new_run_id()
    with RunLock(out_dir, run_id):  # before the heavy imports (papermill, torch)
        env = {**kernel_env(profile, out_dir), RUN_ID_ENV: run_id}
        saved = {name: os.environ.get(name) for name in env}
        os.environ.update(env)  # the kernels inherit it
        try:
            return _run_locked(notebooks, profile, out_dir, extra, run_id)
        finally:  # called in-process (tests, a notebook), the caller's environment is left as it was
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _run_locked(notebooks: list[Path], profile: str, out_dir: Path, extra: dict, run_id: str) -> int:
    summary = out_dir / "summary.md"
    run = {"run_id": run_id, "profile": profile, "state": "running", "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    statuses = [{"notebook": nb.stem, "ok": False, "error": None, "state": "pending", "profile": profile}
                for nb in notebooks]
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    current = None
    try:
        for sig in previous:
            signal.signal(sig, _raise_interrupted)
        print(f"ftkit run {run_id}: {len(notebooks)} notebook(s), profile={profile}, out={out_dir}", flush=True)
        removed = clear_outputs(out_dir, [nb.stem for nb in notebooks])
        if removed:
            print(f"이전 실행의 출력 {len(removed)}개를 지웠습니다 / cleared {len(removed)} output(s) of an earlier "
                  f"run:", flush=True)
            for path in removed:
                print(f"  - {path.relative_to(out_dir)}", flush=True)
        summary_table(statuses, out_dir, run)
        for i, nb in enumerate(notebooks):
            current = i
            statuses[i]["state"] = "running"
            summary_table(statuses, out_dir, run)
            print(f"[{i + 1}/{len(notebooks)}] {nb.stem} ...", flush=True)
            statuses[i] = {**execute(nb, profile, out_dir, extra, run_id), "profile": profile}
            current = None
            print(f"[{i + 1}/{len(notebooks)}] {nb.stem}: {'ok' if statuses[i]['ok'] else 'FAILED'} in "
                  f"{statuses[i]['wall_seconds']}s", flush=True)
            summary_table(statuses, out_dir, run)
        run["state"] = "finished"
        print(summary_table(statuses, out_dir, run))
    except RunInterrupted as stop:
        return _interrupted(stop, statuses, current, notebooks, out_dir, run)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    failed = [st for st in statuses if not st["ok"]]
    for st in failed:
        print(f"실패 / FAILED: {st['notebook']}: {st['error']}\n  executed notebook: "
              f"{out_dir / 'notebooks' / (st['notebook'] + '.ipynb')}", file=sys.stderr)
    print(f"결과 요약 / summary: {summary}", flush=True)
    return 1 if failed else 0


def _interrupted(stop: RunInterrupted, statuses: list[dict], current: int | None, notebooks: list[Path],
                 out_dir: Path, run: dict) -> int:
    _stop_kernels()
    name = stop.name
    where = ""
    if current is not None:
        statuses[current].update(state="interrupted", ok=False, result=None,
                                 error=f"{name} while running; no results",
                                 wall_seconds=getattr(stop, "wall_seconds", None))
        _mark_partial(out_dir / "notebooks" / notebooks[current].name)
        where = notebooks[current].stem
    for st in statuses:
        if st["state"] in ("pending", "running"):
            st["state"] = "not_run"
    run["state"] = "interrupted"
    summary = out_dir / "summary.md"
    try:
        summary_table(statuses, out_dir, run)
    finally:
        left = sum(st["state"] == "not_run" for st in statuses)
        print(f"중단됨: {name} 신호를 받아 실행을 멈췄습니다"
              + (f" ({where} 실행 중, 이 노트북의 결과는 없습니다)" if where else "")
              + f". 실행하지 않은 노트북: {left}개. 요약: {summary}\n"
              f"Interrupted: got {name}, the run stopped"
              + (f" (while running {where}; it has no results)" if where else "")
              + f". Notebooks not run: {left}. Summary: {summary}", file=sys.stderr, flush=True)
    return 128 + stop.signum


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
        from ftkit.data import doctor_lines  # SHA-256 of every data file against the dataset specs

        print("\n".join(doctor_lines()))
    else:
        print("data dir: FTKIT_DATA_DIR 미설정 / not set (offline: bundled samples, online: upstream downloads)")
    for pkg, v in rep["versions"].items():
        print(f"  {pkg}: {v or 'NOT INSTALLED'}")
    print(f"Korean font: {rep['korean_font']}")
    print(rep["qlora"])
    return 0


def cmd_plan(args) -> int:
    """Print the plan of the chosen lessons: tokens, FLOPs, time and peak memory on a device, and whether it fits."""
    from ftkit import plan

    if args.against:
        rows = plan.against(args.against)
        if not rows:
            print(f"{args.against}/results에 읽을 결과가 없습니다 / no results to read in {args.against}/results",
                  file=sys.stderr)
            return 2
        print("계획과 측정 (같은 기기에서 잰 실행과 비교하세요) / planned beside measured (compare runs made on "
              "this machine)\n")
        print(plan.against_table(rows))
        return 0
    device = args.device or plan.detect_device()
    profile = args.profile or ("cpu" if device == "cpu" else "t4")
    profile = profiles.resolve_profile(profile)
    notebooks = find_notebooks(args.notebooks, notebook_dir(getattr(args, "notebooks_dir", None)))
    extra = parse_params(args.param)
    estimates = []
    for nb in notebooks:
        try:
            estimates.append(plan.estimate(nb.stem, profile, device, **extra))
        except plan.PlanError as e:
            print(f"{nb.stem}: 추정할 수 없습니다 / no estimate: {e}", file=sys.stderr)
    rate = estimates[0].rate if estimates else plan.device_rate(device)
    where = ("이 기기의 CPU(측정) / this machine's CPU (measured)" if device == "cpu"
             else f"{plan.GPUS[device]['name']} (공개된 최대 성능의 {plan.GPU_UTILISATION:.0%} / "
                  f"{plan.GPU_UTILISATION:.0%} of its published peak)")
    print(f"profile `{profile}`, device `{device}`: {where}, {rate / 1e12:.3g} TFLOP/s\n")
    print(plan.table(estimates))
    late = [e.notebook for e in estimates if not e.fits]
    budget = f"{plan.BUDGET_SECONDS // 60} min" + (f", {plan.BUDGET_MEMORY_GB[device]:g} GB"
                                                  if device in plan.BUDGET_MEMORY_GB else "")
    if profile == "full":
        print("\nfull 프로필에는 시간 예산이 없습니다 / the full profile has no time budget.")
    elif late:
        print(f"\n예산({budget})을 넘는 강의 / over the budget ({budget}): {', '.join(late)}")
    else:
        print(f"\n모든 강의가 예산({budget}) 안입니다 / every lesson fits the budget ({budget}).")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ftkit", description="ftkit course runner")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "run", help="execute notebooks with papermill",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Execute lesson notebooks headlessly (papermill) and summarise their results.",
        epilog="profiles:\n" + "\n".join(f"  {name:8s} {text}" for name, text in profiles.PROFILE_HELP.items())
        + "\n  auto     t4 with a CUDA GPU, else cpu where the real data is reachable, else smoke\n\n"
        "output (--out DIR, default <FTKIT_CACHE_DIR or ~/.cache/ftkit>/runs/<profile>-<time>):\n"
        "  DIR/summary.md, DIR/summary.csv   one row per notebook, updated as the run goes\n"
        "  DIR/results/<notebook>.json       metrics, tables, prose, run_id, data_source\n"
        "  DIR/notebooks/<notebook>.ipynb    the executed notebooks; DIR/figures/ their figures\n"
        "One run per DIR at a time (a second is refused); a rerun first removes the selected notebooks'\n"
        "previous outputs in DIR and lists them. Ctrl-C marks the summary 'interrupted'.\n\n"
        "examples:\n  python -m ftkit run 01 --out /tmp/ftkit-run\n"
        "  python -m ftkit run 03 -p DATASET=sick --out /tmp/ftkit-sick")
    run.add_argument("notebooks", nargs="*", help="stems or lesson numbers (default: all)")
    run.add_argument("--profile", default="smoke",
                     help="smoke | cpu | t4 | full | auto (default: smoke; see 'profiles' below)")
    run.add_argument("--out", help="output folder (default: <ftkit cache dir>/runs/<profile>-<time>)")
    run.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                     help="override a notebook parameter, checked against the lesson's allowed values before "
                          "anything runs, e.g. -p DATASET=sick with lesson 03 (repeatable)")
    run.add_argument("--notebooks-dir", help=f"take the notebooks from this folder instead of the repository's "
                                             f"(also ${NOTEBOOK_DIR_ENV}; for tests and stand-ins)")
    run.set_defaults(func=cmd_run)
    plan_parser = sub.add_parser(
        "plan", help="estimate each lesson's time and peak memory on a device before running it",
        description="Per lesson: training and evaluation tokens, FLOPs (6 x matrix parameters x tokens, the "
                    "output layer counted), the estimated time and peak memory, and whether it fits the "
                    "profile's budget (15 min per lesson; 14 GB on a T4). The CPU rate is measured here once "
                    "(cached); GPUs use their published peak at a third utilisation.")
    plan_parser.add_argument("notebooks", nargs="*", help="stems or lesson numbers (default: all)")
    plan_parser.add_argument("--profile", help="smoke | cpu | t4 | full | auto (default: cpu on a CPU, t4 on a GPU)")
    plan_parser.add_argument("--device", choices=["cpu", "t4", "a100", "h100"],
                             help="the device to plan for (default: this machine)")
    plan_parser.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                             help="override a notebook parameter, as in 'run'")
    plan_parser.add_argument("--against", metavar="RUN_DIR",
                             help="put the plan beside the measured times and peak memory of a finished run "
                                  "(RUN_DIR/results/*.json, with the parameters that run used)")
    plan_parser.set_defaults(func=cmd_plan)
    sub.add_parser("list", help="list the lessons").set_defaults(func=cmd_list)
    sub.add_parser("doctor", help="check GPU, offline models, data, versions").set_defaults(func=cmd_doctor)
    from ftkit import site  # light: Sphinx and the rest load when the site is built

    site.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except FtkitError as e:
        print(str(e), file=sys.stderr)
        return 2

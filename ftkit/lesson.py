"""The start and end of every lesson notebook: parameters, seed, quiet mode, results.

    run = lesson.start("01_pretraining_and_sentiment", PROFILE, N_TRAIN=N_TRAIN, ...)
    P = run.params
    ...
    run.record(metrics={...}, tables={...})
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftkit import paths, plan, profiles, report
from ftkit.errors import MissingDataError

SAMPLE_NOTICE = ("> ⚠️ 번들 샘플(작은 예시 데이터)로 실행한 결과입니다. 아래 숫자는 실제 데이터의 결과가 아닙니다.\n\n")
REAL_DATA_PROFILES = ("cpu", "t4", "full")


data_source = paths.auto_data_source  # local | download | sample (one rule, in ftkit.paths)


def check_data_for(profile: str) -> str:
    """The data source for ``profile``; ``cpu``/``t4``/``full`` refuse the bundled samples (MissingDataError)."""
    source = data_source()
    if source == "sample" and profile in REAL_DATA_PROFILES:
        raise MissingDataError(
            f"'{profile}' 프로필은 실제 데이터가 필요한데, 오프라인이고 FTKIT_DATA_DIR가 설정되지 않아 번들 샘플(작은 예시)만 "
            f"쓸 수 있습니다. 실제 데이터 폴더를 FTKIT_DATA_DIR로 지정하거나, 인터넷에 연결되어 있다면 "
            f"HF_HUB_OFFLINE/FTKIT_OFFLINE을 지워 원본을 내려받게 하세요. 샘플로 과정만 확인하려면 PROFILE='smoke'를 쓰세요.",
            f"The '{profile}' profile needs the real data, but this environment is offline without FTKIT_DATA_DIR, "
            f"so only the bundled toy samples are available. Set FTKIT_DATA_DIR to the real data folder, or, when "
            f"online, unset HF_HUB_OFFLINE/FTKIT_OFFLINE to download the originals. To only check that the lesson "
            f"runs on the samples, use PROFILE='smoke'.",
        )
    return source


def quiet() -> None:
    """Silence progress bars and info logs (headless runs); warnings and errors still show."""
    os.environ["TQDM_DISABLE"] = "1"
    import datasets
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    datasets.utils.logging.set_verbosity_error()
    datasets.disable_progress_bars()


# Deprecations inside the libraries that a learner cannot act on: transformers 5.x renamed
# ``is_gradient_checkpointing``, and peft 0.21 and Trainer still read the old name (a FutureWarning per model).
LIBRARY_DEPRECATIONS = (r"`is_gradient_checkpointing` is deprecated",)


def hide_library_deprecations() -> None:
    """Hide :data:`LIBRARY_DEPRECATIONS` (interactive and headless); every other warning still shows."""
    for message in LIBRARY_DEPRECATIONS:
        warnings.filterwarnings("ignore", message=message, category=FutureWarning)


@dataclass
class Lesson:
    notebook: str
    params: dict[str, Any]
    metrics: dict[str, Any] = field(default_factory=dict)
    data_source: str | None = None  # local | download | sample (see data_source())

    @property
    def profile(self) -> str:
        return self.params["PROFILE"]

    @property
    def seed(self) -> int:
        return int(self.params.get("SEED", 42))

    def out(self, name: str) -> Path:
        """A folder under the output dir for this notebook's checkpoints or files."""
        path = paths.output_dir() / self.notebook / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def discard_if_smoke(self, path: str | Path) -> bool:
        """Delete a saved model folder once the lesson has reloaded and used it, in the smoke profile only.

        Smoke runs (tests, CI) would otherwise leave a full model (~470 MB for e5) per lesson behind; in the other
        profiles the learner keeps what was saved. Prints what was deleted; returns whether it deleted anything.
        """
        import shutil

        path = Path(path)
        if self.profile != "smoke" or not path.exists():
            return False
        if path.resolve() == paths.output_dir().resolve() or paths.output_dir().resolve() not in path.resolve().parents:
            raise ValueError(f"discard_if_smoke only deletes folders under the output dir, not {path}")
        shutil.rmtree(path)
        print(f"smoke 프로필: 저장한 모델을 지웠습니다 / smoke profile: deleted the saved model {path.name}")
        return True

    def params_table(self):
        import pandas as pd

        return pd.DataFrame({"값": {k: repr(v) for k, v in self.params.items()}})

    def record(self, metrics: dict[str, Any], tables: dict[str, Any] | None = None) -> Path:
        """Save metrics and tables to ``results/<notebook>.json`` (see ftkit.report)."""
        self.metrics = dict(metrics)
        return report.record(self.notebook, metrics, tables, params=self.params, profile=self.profile,
                             data_source=self.data_source)

    def say(self, template: str) -> str:
        """Render Korean prose whose numbers come only from the recorded metrics, and show it.

        ``template`` uses ``str.format`` fields naming metric keys, e.g. ``"{accuracy_after:.3f}"``.
        The rendered text is also saved in the results JSON (``said``) so tests can check it. A run on the
        bundled sample data starts the text with a one-line notice (:data:`SAMPLE_NOTICE`).
        """
        if not self.metrics:
            raise RuntimeError("run.record(...)을 먼저 호출하세요. / Call run.record(...) before run.say(...).")
        try:
            text = template.format_map(self.metrics)
        except KeyError as e:
            from ftkit.errors import ConfigError

            keys = ", ".join(sorted(self.metrics))
            raise ConfigError(f"run.say: 기록한 지표에 없는 키입니다: {e.args[0]!r}. run.record(...)에 넣은 키: {keys}",
                              f"run.say: no recorded metric {e.args[0]!r}. Keys given to run.record(...): {keys}") from e
        if self.data_source == "sample":
            text = SAMPLE_NOTICE + text
        report.add_said(self.notebook, text)
        try:
            from IPython.display import Markdown, display

            display(Markdown(text))
        except ImportError:  # pragma: no cover - IPython is always there in notebooks
            print(text)
        return text


def start(notebook: str, profile: str = "auto", **overrides: Any) -> Lesson:
    """Resolve parameters for the profile, seed everything, set up fonts; quiet when headless.

    ``cpu``, ``t4`` and ``full`` stop with MissingDataError where only the bundled samples are available
    (offline without ``FTKIT_DATA_DIR``); ``smoke`` runs on them and the results say ``data_source: sample``.
    """
    values = profiles.params(notebook, profile, announce=True, **overrides)
    source = check_data_for(values["PROFILE"])

    from ftkit.plotting import setup_korean_font
    from ftkit.training import seed_everything

    if paths.is_headless():
        quiet()
    hide_library_deprecations()
    setup_korean_font()
    run = Lesson(notebook, values, data_source=source)
    if notebook in plan.PHASES or notebook == "08_llm_instruction_tuning":
        print(plan.lesson_line(notebook, values), flush=True)
    seed_everything(run.seed)
    return run

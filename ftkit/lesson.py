"""The start and end of every lesson notebook: parameters, seed, quiet mode, results.

    run = lesson.start("01_pretraining_and_sentiment", PROFILE, N_TRAIN=N_TRAIN, ...)
    P = run.params
    ...
    run.record(metrics={...}, tables={...})
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftkit import paths, profiles, report


def quiet() -> None:
    """Silence progress bars and info logs (headless runs); warnings and errors still show."""
    os.environ["TQDM_DISABLE"] = "1"
    import datasets
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    datasets.utils.logging.set_verbosity_error()
    datasets.disable_progress_bars()


@dataclass
class Lesson:
    notebook: str
    params: dict[str, Any]
    metrics: dict[str, Any] = field(default_factory=dict)

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
        return report.record(self.notebook, metrics, tables, params=self.params, profile=self.profile)

    def say(self, template: str) -> str:
        """Render Korean prose whose numbers come only from the recorded metrics, and show it.

        ``template`` uses ``str.format`` fields naming metric keys, e.g. ``"{accuracy_after:.3f}"``.
        The rendered text is also saved in the results JSON (``said``) so tests can check it.
        """
        if not self.metrics:
            raise RuntimeError("run.record(...)을 먼저 호출하세요. / Call run.record(...) before run.say(...).")
        text = template.format_map(self.metrics)
        report.add_said(self.notebook, text)
        try:
            from IPython.display import Markdown, display

            display(Markdown(text))
        except ImportError:  # pragma: no cover - IPython is always there in notebooks
            print(text)
        return text


def start(notebook: str, profile: str = "auto", **overrides: Any) -> Lesson:
    """Resolve parameters for the profile, seed everything, set up fonts; quiet when headless."""
    from ftkit.plotting import setup_korean_font
    from ftkit.training import seed_everything

    values = profiles.params(notebook, profile, **overrides)
    if paths.is_headless():
        quiet()
    setup_korean_font()
    run = Lesson(notebook, values)
    seed_everything(run.seed)
    return run

"""``load``: one call from a dataset name to a ``datasets.DatasetDict`` with the course's schema."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ftkit.data.dedup import DuplicateTextWarning, counts_by_split, row_keys
from ftkit.data.integrity import ChecksumWarning, check_files
from ftkit.data.parse import DROP_REASONS, Parsed, parse
from ftkit.data.sampling import check_n, indices_for
from ftkit.data.sources import SOURCES, download_paths, local_paths, sample_paths
from ftkit.data.specs import DatasetSpec, get_spec
from ftkit.errors import ConfigError, DataError, MissingDataError
from ftkit.prose import particle
from ftkit.paths import auto_data_source

SPLIT_ORDER = ("train", "validation", "test", "test_mismatched")
LOAD_LOG: dict[str, dict] = {}  # dataset name -> what load() actually read in this process (see load_log)


def load_log() -> dict[str, dict]:
    """What :func:`load` read in this process, per name asked: the dataset loaded (a fallback is marked), the
    source (local / download / sample) and the file of each split. ``report.record`` stores it as ``datasets``."""
    import copy

    return copy.deepcopy(LOAD_LOG)


class DroppedRowsWarning(UserWarning):
    """Rows were dropped while loading (empty text, ambiguous KOTE rows).

    Attributes: ``dataset`` (name), ``reason`` (a key of ``ftkit.data.parse.DROP_REASONS``),
    ``counts`` (split -> number of rows dropped; ``train+test`` where ftkit splits a single file itself).
    """

    def __init__(self, dataset: str, reason: str, counts: dict[str, int], message: str):
        super().__init__(message)
        self.dataset, self.reason, self.counts = dataset, reason, dict(counts)


class SplitNotFoundError(ConfigError, KeyError):
    """A split name that the loaded data does not have (the message lists the splits it has)."""

    def __str__(self) -> str:  # KeyError would show the repr of the message
        return f"{self.ko}\n{self.en}"


_COURSE_DATA = None


def _course_data_class():
    """``datasets.DatasetDict`` whose ``dd["nope"]`` raises SplitNotFoundError listing the splits (built lazily:
    importing ``datasets`` is slow)."""
    global _COURSE_DATA
    if _COURSE_DATA is None:
        from datasets import DatasetDict

        class CourseData(DatasetDict):
            """What ``load`` returns: a ``DatasetDict``; an unknown split name raises SplitNotFoundError."""

            def __getitem__(self, key):
                if isinstance(key, str) and key not in self:
                    have = ", ".join(self.keys())
                    raise SplitNotFoundError(
                        f"'{key}' 분할이 없습니다. 있는 분할: {have}",
                        f"No split '{key}'. Splits: {have}",
                    )
                return super().__getitem__(key)

        CourseData.__module__, CourseData.__qualname__ = __name__, "CourseData"  # picklable by name
        _COURSE_DATA = CourseData
    return _COURSE_DATA


def __getattr__(name: str):
    if name == "CourseData":  # ``ftkit.data.loading.CourseData`` (e.g. for unpickling) without importing early
        return _course_data_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def features_for(spec: DatasetSpec):
    """The ``datasets.Features`` of a loaded split of ``spec``."""
    from datasets import ClassLabel, Features, Value

    if spec.task == "single":
        return Features({"text": Value("string"), "label": ClassLabel(names=list(spec.label_names))})
    if spec.task == "pair":
        return Features({"sentence1": Value("string"), "sentence2": Value("string"),
                         "label": ClassLabel(names=list(spec.label_names))})
    return Features({"sentence1": Value("string"), "sentence2": Value("string"), "score": Value("float32")})


def _say(ko: str, en: str) -> None:
    print(f"[ftkit] {ko} / {en}")


def _resolve(spec: DatasetSpec, source: str) -> tuple[str, dict[str, Path]]:
    """(source actually used, file paths)."""
    if source not in SOURCES:
        raise ConfigError(
            f"알 수 없는 source '{source}'입니다. 다음 중 하나를 쓰세요: {', '.join(SOURCES)}",
            f"Unknown source '{source}'. Use one of: {', '.join(SOURCES)}",
        )
    chosen = auto_data_source() if source == "auto" else source
    if chosen == "local":
        return "local", local_paths(spec)
    if chosen == "download":
        # A failed download raises: falling back to the tiny samples would let a cpu/t4/full run
        # "succeed" on toy data. The error says how to choose the samples or a data folder instead.
        return "download", download_paths(spec)
    if source == "auto":
        _say(f"{spec.name}: FTKIT_DATA_DIR가 없고 오프라인이라 번들 샘플(작은 예시)을 씁니다",
             f"{spec.name}: no FTKIT_DATA_DIR and offline, using the bundled sample (tiny)")
    else:
        _say(f"{spec.name}: 번들 샘플(작은 예시)을 씁니다", f"{spec.name}: using the bundled sample (tiny)")
    return "sample", sample_paths(spec)


def _report_drops(spec: DatasetSpec, parsed: Parsed, where: str) -> None:
    for reason, counts in parsed.dropped.items():
        ko_what, en_what = DROP_REASONS[reason]
        parts = ", ".join(f"{split} {n}" for split, n in counts.items())
        ko = f"{spec.name}({where}): {ko_what}을 제외했습니다 - {parts}"
        en = f"{spec.name} ({where}): dropped {en_what} - {parts}"
        _say(ko, en)
        warnings.warn(DroppedRowsWarning(spec.name, reason, counts, f"{ko} / {en}"), stacklevel=3)


def _report_checksums(spec: DatasetSpec, paths: dict[str, Path]) -> None:
    """Warn (ko/en, :class:`ChecksumWarning`) for every file whose SHA-256 (or git blob id) differs from the spec's."""
    for check in check_files(spec, paths):
        if check.status == "mismatch":
            ko, en = check.message
            _say(f"{spec.name}: {check.path.name}의 {check.kind} 값이 예상({check.expected[:12]}…)과 다릅니다"
                 f"({check.actual[:12]}…): 잘렸거나 바뀐 파일입니다. 자세한 내용은 경고를 보세요",
                 f"{spec.name}: {check.kind} of {check.path.name} is {check.actual[:12]}…, expected "
                 f"{check.expected[:12]}…: truncated or changed file; see the warning")
            warnings.warn(ChecksumWarning(spec.name, check.path, check.expected, check.actual, check.size,
                                          f"{ko}\n{en}"), stacklevel=3)


def _rows_en(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


def _report_duplicates(spec: DatasetSpec, keys: dict[str, list], where: str) -> None:
    """Warn (ko/en, :class:`DuplicateTextWarning`) about duplicate texts and evaluation texts found in train."""
    dups, overlap = counts_by_split(keys)
    what_ko = "텍스트" if spec.task == "single" else "문장 쌍"
    what_en = "texts" if spec.task == "single" else "sentence pairs"
    said = {
        "duplicates": (f"같은 분할 안에서 앞 행과 {particle(what_ko, '가')} 같은 중복 행이 있습니다",
                       "행은 그대로 둡니다(data.overlap_report로 표를 볼 수 있습니다).",
                       f"rows repeating an earlier row's {what_en} in the same split",
                       "They are kept (data.overlap_report shows the table)."),
        "overlap": (f"평가 분할의 {what_ko} 일부가 train에도 있습니다",
                    "그 행의 점수는 외운 것을 잴 수 있습니다. 행은 그대로 둡니다.",
                    f"some evaluation {what_en} also occur in train",
                    "Scores on those rows may measure memorisation. The rows are kept."),
    }
    for kind, counts in (("duplicates", dups), ("overlap", overlap)):
        if not counts:
            continue
        head_ko, tail_ko, head_en, tail_en = said[kind]
        parts_ko = ", ".join(f"{s} {c['rows']:,}행(서로 다른 {what_ko} {c['texts']:,}개)" for s, c in counts.items())
        parts_en = ", ".join(f"{s} {_rows_en(c['rows'])} ({c['texts']:,} distinct {what_en})" for s, c in counts.items())
        ko = f"{spec.name}({where}): {head_ko} - {parts_ko}. {tail_ko}"
        en = f"{spec.name} ({where}): {head_en} - {parts_en}. {tail_en}"
        _say(ko, en)
        warnings.warn(DuplicateTextWarning(spec.name, kind, counts, f"{ko}\n{en}"), stacklevel=3)


def _to_dataset(spec: DatasetSpec, frame: pd.DataFrame, idx: np.ndarray | None, split: str):
    from datasets import Dataset, NamedSplit

    if idx is not None:
        frame = frame.iloc[idx]
    data = {col: frame[col].tolist() for col in spec.text_columns}
    data[spec.target_column] = frame[spec.target_column].to_numpy().tolist()
    return Dataset.from_dict(data, features=features_for(spec), split=NamedSplit(split)), data


def load(name: str, n_train: int | None = None, n_eval: int | None = None, seed: int = 42,
         source: str = "auto"):
    """Load a course dataset as a ``datasets.DatasetDict``.

    Args:
        name: a key of ``DATASETS`` (unknown -> ConfigError listing them).
        n_train: subsample ``train`` to this many rows (None = all).
        n_eval: subsample each evaluation split (``validation``, ``test``, ``test_mismatched``) to this many.
        seed: seed of the subsamples (stratified by label for classification, largest-remainder
            allocation; plain seeded sample for similarity). Same arguments -> identical rows. A request
            larger than a split keeps all of it (with a printed note).
        source: ``"auto"`` = ``FTKIT_DATA_DIR`` if set, else download once into
            ``cache_dir()/downloads/<folder>/`` when online, else (offline) the bundled sample (printed);
            ``"local"``, ``"download"``, ``"sample"`` force one (``"download"`` reuses the cache; offline
            with nothing cached it raises MissingDataError). A failed download raises MissingDataError
            saying how to use a data folder or ``source="sample"``: it never falls back to the tiny samples,
            which would let a full run "succeed" on toy data.

    Returns:
        ``train`` and ``test`` always, ``validation`` where the source has one (``mnli_samples`` adds
        ``test_mismatched``). Columns: single ``text``, ``label``; pair ``sentence1``, ``sentence2``,
        ``label`` (``ClassLabel`` with the spec's names); similarity ``sentence1``, ``sentence2``, ``score``
        (float32 in [0, 1] = the raw 0-5 score / 5; multiply by 5 for the original scale). A split name it
        does not have (``dd["validation"]`` for NSMC) raises SplitNotFoundError listing the splits.

    Checks, each reported with a printed ko/en line and a warning, never silently:

    - files under ``FTKIT_DATA_DIR`` and downloads whose SHA-256 differs from the spec's (truncated or
      edited): :class:`ChecksumWarning` with expected and actual hash; the file is still loaded;
    - rows with empty text are dropped (:class:`DroppedRowsWarning`), as are ambiguous KOTE rows for
      ``emotion`` and, before the splits ftkit makes itself (chatbot 80/20, MNLI mismatched 50/50), rows
      repeating an earlier text (so no test text is also in train);
    - duplicate texts within a split and evaluation texts that also occur in ``train`` are kept and reported
      (:class:`DuplicateTextWarning`; counts of rows and of distinct texts; ``overlap_report(dd)`` gives the
      table for any DatasetDict, e.g. after subsampling).

    Malformed files raise DataError; a missing file under ``FTKIT_DATA_DIR`` raises MissingDataError.
    """
    spec = get_spec(name)
    n_train = check_n(n_train, "n_train")
    n_eval = check_n(n_eval, "n_eval")
    try:
        used, paths = _resolve(spec, source)
    except MissingDataError:
        if not spec.fallback:
            raise
        wanted, spec = spec, get_spec(spec.fallback)
        _say(f"{wanted.name}: 학습 파일({', '.join(wanted.files[k] for k in wanted.files if k != 'test')})을 쓸 수 없어 "
             f"(오프라인이거나 데이터 폴더에 없음) '{spec.name}'의 학습 쌍({spec.files['train']})으로 대신 학습합니다. "
             f"결과 JSON의 datasets에 기록됩니다",
             f"{wanted.name}: its training files cannot be had (offline, or not in the data folder), so it trains "
             f"on '{spec.name}' ({spec.files['train']}) instead; the results JSON records this under 'datasets'")
        used, paths = _resolve(spec, source)
        LOAD_LOG[name] = {"asked": name, "loaded": spec.name, "fallback": True}
    else:
        LOAD_LOG[name] = {"asked": name, "loaded": spec.name, "fallback": False}
    LOAD_LOG[name].update(source=used, files={split: path.name for split, path in paths.items()})
    if used != "sample":  # the bundled samples are cut-down copies: different hashes by design
        _report_checksums(spec, paths)
    parsed = parse(spec, paths)
    _report_drops(spec, parsed, used)
    out, keys = {}, {}
    for split in SPLIT_ORDER:
        if split not in parsed.frames:
            continue
        frame = parsed.frames[split]
        if len(frame) == 0:
            files = ", ".join(str(p) for p in paths.values())
            raise DataError(
                f"{spec.name}: 정리 후 '{split}' 분할에 남은 행이 없습니다 (파일: {files})",
                f"{spec.name}: split '{split}' is empty after cleaning (files: {files})",
            )
        n = n_train if split == "train" else n_eval
        labels = None if spec.task == "similarity" else frame["label"].to_numpy()
        idx = indices_for(labels, len(frame), n, seed, f"{spec.name}/{split}")
        out[split], columns = _to_dataset(spec, frame, idx, split)
        keys[split] = row_keys([columns[c] for c in spec.text_columns])
    _report_duplicates(spec, keys, used)
    return _course_data_class()(out)

"""Read the raw files of each dataset into clean pandas frames (one per split), checking them on the way.

The same parser reads ``FTKIT_DATA_DIR``, the download cache and the bundled samples (same names, same
formats). Everything is read as strings (``dtype=str``, ``keep_default_na=False``) so that reviews such as
"NA" or "null" stay text; labels and scores are converted and checked afterwards.

Cleaning is never silent: rows whose text is empty, whitespace-only or missing are dropped and counted per
split (``Parsed.dropped``); the caller reports the counts. Malformed files raise :class:`DataError`.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from ftkit.data.dedup import row_keys
from ftkit.data.emotion import EMOTION_CLASSES, KOTE_LABELS, emotion_of
from ftkit.data.sampling import stratified_indices
from ftkit.data.specs import DatasetSpec
from ftkit.errors import DataError

#: Fixed seeds for the splits ftkit makes itself (independent of ``load(seed=...)``).
CHATBOT_SPLIT_SEED = 20180101
CHATBOT_TEST_FRACTION = 0.2
MNLI_SPLIT_SEED = 20180601

_TSV = dict(sep="\t", quoting=csv.QUOTE_NONE, encoding="utf-8-sig")
_CSV = dict(encoding="utf-8-sig")

_BINARY = {"0": 0, "1": 1}
_NLI_LOWER = {"entailment": 0, "neutral": 1, "contradiction": 2}
_NLI_UPPER = {"ENTAILMENT": 0, "NEUTRAL": 1, "CONTRADICTION": 2}
#: question_pair files say 0 = same, 1 = different; ftkit's label 1 means "same question" (like MRPC).
QUESTION_PAIR_LABELS = {"0": 1, "1": 0}

#: Drop reasons (keys of ``Parsed.dropped``) with their ko/en wording.
DROP_REASONS = {
    "empty_text": ("텍스트가 비어 있는 행", "rows with empty text"),
    "no_mapped_label": ("6개 감정에 대응하는 KOTE 레이블이 없는 행", "rows with no KOTE label mapped to the 6 emotions"),
    "tie": ("감정 클래스가 동점인 행", "rows with a tie between emotion classes"),
    "duplicate_text": ("ftkit이 분할을 나누기 전에 앞 행과 텍스트가 같은 중복 행(첫 행만 남김)",
                       "rows repeating an earlier row's text, before ftkit's own split (the first one is kept)"),
}


@dataclass
class Parsed:
    """Clean frames per split plus the rows dropped, as ``{reason: {split: count}}``."""

    frames: dict[str, pd.DataFrame]
    dropped: dict[str, dict[str, int]] = field(default_factory=dict)

    def drop(self, reason: str, split: str, count: int) -> None:
        if count:
            per_split = self.dropped.setdefault(reason, {})
            per_split[split] = per_split.get(split, 0) + int(count)


# ---------------------------------------------------------------------------------------------- reading


def read_table(path: Path, *, tsv: bool, header: bool, expected: tuple[str, ...] | int) -> pd.DataFrame:
    """Read one file as strings and check its columns.

    ``expected`` is the tuple of required column names (files with a header) or the exact number of
    columns (files without one). Parser errors and wrong columns raise DataError naming the file.
    """
    kwargs = dict(_TSV if tsv else _CSV)
    try:
        df = pd.read_csv(path, header=0 if header else None, dtype=str, keep_default_na=False, **kwargs)
    except PermissionError as exc:
        raise DataError(
            f"파일을 읽을 권한이 없습니다: {path}\n해결: 권한을 주거나(chmod u+r) 읽을 수 있는 곳에 복사하세요.",
            f"No permission to read {path}\nFix: make it readable (chmod u+r) or copy it somewhere readable.",
        ) from exc
    except IsADirectoryError as exc:
        raise DataError(f"파일이어야 할 자리에 폴더가 있습니다: {path}", f"Expected a file, found a folder: {path}") from exc
    except UnicodeDecodeError as exc:
        ko, en = _decode_hint(path)
        raise DataError(f"파일을 UTF-8로 읽을 수 없습니다: {path}\n원인: {exc}\n{ko}",
                        f"Cannot decode {path} as UTF-8: {exc}\n{en}") from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(
            f"파일이 비어 있습니다: {path}\n해결: 원본에서 다시 복사하세요.",
            f"The file is empty: {path}\nFix: copy it again from the source.",
        ) from exc
    except pd.errors.ParserError as exc:
        truncated = "EOF" in str(exc)
        ko = ("파일이 중간에 잘린 것 같습니다(따옴표가 닫히지 않은 채 끝남). 원본에서 다시 복사하세요."
              if truncated else "열 구분자나 따옴표가 형식과 다릅니다. 원본 파일인지 확인하고 다시 복사하세요.")
        en = ("The file seems truncated (it ends inside a quoted field). Copy it again from the source."
              if truncated else "Separators or quotes do not match the format. Check it is the original file; copy "
              "it again.")
        raise DataError(f"파일을 읽을 수 없습니다: {path}\n원인: {exc}\n{ko}",
                        f"Cannot parse {path}: {exc}\n{en}") from exc
    if header:
        df.columns = [str(c).strip() for c in df.columns]
        missing = [c for c in expected if c not in df.columns]
        if missing:
            raise DataError(
                f"열이 맞지 않습니다: {path}\n필요한 열: {list(expected)}\n찾은 열: {list(df.columns)}",
                f"Wrong columns in {path}: expected {list(expected)}, found {list(df.columns)} "
                f"(missing {missing})",
            )
    elif df.shape[1] != expected:
        raise DataError(
            f"열 개수가 맞지 않습니다: {path}\n필요한 열: {expected}개(헤더 없음)\n찾은 열: {df.shape[1]}개 "
            f"{list(df.iloc[0]) if len(df) else []}",
            f"Wrong columns in {path}: expected {expected} columns (no header), found {df.shape[1]} "
            f"(first row: {list(df.iloc[0]) if len(df) else []})",
        )
    return df


def _decode_hint(path: Path) -> tuple[str, str]:
    """What a UTF-8 decode error most likely means: a cut in the middle of a character at the end of the
    file (truncated copy) or a Korean legacy encoding (CP949/EUC-KR)."""
    raw = Path(path).read_bytes()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.end >= len(raw) and exc.reason == "unexpected end of data":
            return ("파일 끝에서 글자가 잘렸습니다: 복사가 중간에 끊긴 것 같습니다. 원본에서 다시 복사하세요.",
                    "The last character is cut off: the file looks truncated. Copy it again from the source.")
    try:
        raw.decode("cp949")
        legacy = True
    except UnicodeDecodeError:
        legacy = False
    iconv = f"iconv -f CP949 -t UTF-8 '{path}' > '{path}.utf8' 후 원래 이름으로 바꾸세요"
    iconv_en = f"iconv -f CP949 -t UTF-8 '{path}' > '{path}.utf8', then rename it to the original name"
    if legacy:
        return (f"CP949/EUC-KR(한국어 윈도 인코딩)로 저장된 파일입니다. UTF-8로 바꾸세요: {iconv}.",
                f"The file is in CP949/EUC-KR (Korean Windows encoding). Convert it to UTF-8: {iconv_en}.")
    return (f"CP949/EUC-KR 파일이면 UTF-8로 바꾸세요({iconv}). 파일이 잘렸으면 다시 복사하세요.",
            f"CP949/EUC-KR? Convert it to UTF-8 ({iconv_en}). File truncated? Copy it again.")


def _blank(series: pd.Series) -> np.ndarray:
    """True where a text cell is missing, empty or whitespace-only."""
    return (series.isna() | series.astype("string").fillna("").str.strip().eq("")).to_numpy(dtype=bool)


def _drop_empty(df: pd.DataFrame, text_columns: list[str], parsed: Parsed, split: str) -> pd.DataFrame:
    mask = np.zeros(len(df), dtype=bool)
    for col in text_columns:
        mask |= _blank(df[col])
    parsed.drop("empty_text", split, mask.sum())
    return df.loc[~mask]


def _map_labels(values: pd.Series, mapping: Mapping[str, int], path: Path) -> np.ndarray:
    """Raw label strings -> indices; an unknown value raises DataError naming value, row and file."""
    stripped = values.astype("string").fillna("").str.strip()
    mapped = stripped.map(dict(mapping))
    bad = mapped.isna().to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        row = int(values.index[pos]) + 1
        value = stripped.iloc[pos]
        allowed = ", ".join(repr(k) for k in mapping)
        raise DataError(
            f"알 수 없는 레이블 값 {value!r}: {path} 의 {row}번째 데이터 행(헤더 제외)\n허용 값: {allowed}"
            f" (총 {int(bad.sum())}개 행)",
            f"Unknown label value {value!r} in {path}, data row {row} (1-based, header excluded); "
            f"allowed: {allowed} ({int(bad.sum())} bad row(s) in all)",
        )
    return mapped.to_numpy(dtype=np.int64)


def _scores(values: pd.Series, path: Path) -> np.ndarray:
    """Raw 0-5 scores -> float32 in [0, 1]; anything else raises DataError."""
    stripped = values.astype("string").fillna("").str.strip()
    nums = pd.to_numeric(stripped, errors="coerce")
    bad = (nums.isna() | (nums < 0) | (nums > 5)).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        row = int(values.index[pos]) + 1
        value = stripped.iloc[pos]
        raise DataError(
            f"점수 값 {value!r}이(가) 0~5 범위의 숫자가 아닙니다: {path} 의 {row}번째 데이터 행(헤더 제외)",
            f"Score value {value!r} is not a number in 0..5: {path}, data row {row} (1-based, header excluded)",
        )
    return (nums.to_numpy(dtype=np.float64) / 5.0).astype(np.float32)


def _frame(spec: DatasetSpec, texts: dict[str, pd.Series], target: np.ndarray) -> pd.DataFrame:
    data = {col: texts[col].astype(str).to_numpy(dtype=object) for col in spec.text_columns}
    data[spec.target_column] = target
    return pd.DataFrame(data)


# --------------------------------------------------------------------------------- one reader per layout


def _simple(spec: DatasetSpec, paths: Mapping[str, Path], *, tsv: bool, header: bool,
            columns: tuple[str, ...] | int, text: tuple, target, labels: Mapping[str, int] | None) -> Parsed:
    """Files that are one split each: rename ``text`` columns, map the ``target`` column."""
    parsed = Parsed({})
    for split, path in paths.items():
        df = read_table(path, tsv=tsv, header=header, expected=columns)
        df = _drop_empty(df, list(text), parsed, split)
        parsed.frames[split] = _standard(spec, df, text, target, labels, path)
    return parsed


def _standard(spec, df, text, target, labels, path) -> pd.DataFrame:
    texts = {std: df[raw] for std, raw in zip(spec.text_columns, text)}
    if spec.task == "similarity":
        values = _scores(df[target], path)
    else:
        values = _map_labels(df[target], labels, path)
    return _frame(spec, texts, values)


def _read_nsmc(spec, paths):
    return _simple(spec, paths, tsv=True, header=True, columns=("id", "document", "label"),
                   text=("document",), target="label", labels=_BINARY)


def _read_imdb(spec, paths):
    return _simple(spec, paths, tsv=False, header=True, columns=("id", "rating", "label", "text"),
                   text=("text",), target="label", labels=_BINARY)


def _read_mrpc(spec, paths):
    return _simple(spec, paths, tsv=True, header=True, columns=("Quality", "#1 String", "#2 String"),
                   text=("#1 String", "#2 String"), target="Quality", labels=_BINARY)


def _read_question_pair(spec, paths):
    return _simple(spec, paths, tsv=True, header=True, columns=("question1", "question2", "is_duplicate"),
                   text=("question1", "question2"), target="is_duplicate", labels=QUESTION_PAIR_LABELS)


def _read_kornli(spec, paths):
    return _simple(spec, paths, tsv=True, header=True, columns=("sentence1", "sentence2", "gold_label"),
                   text=("sentence1", "sentence2"), target="gold_label", labels=_NLI_LOWER)


def _read_kornli_mt(spec, paths):
    """The two machine-translated training files become one ``train`` split (MultiNLI rows first)."""
    parsed = _read_kornli(spec, paths)
    snli = parsed.frames.pop("train_snli", None)
    if snli is not None:
        parsed.frames["train"] = pd.concat([parsed.frames["train"], snli], ignore_index=True)
    return parsed


def _read_korsts(spec, paths):
    return _simple(spec, paths, tsv=True, header=True, columns=("score", "sentence1", "sentence2"),
                   text=("sentence1", "sentence2"), target="score", labels=None)


def _read_stsb(spec, paths):
    return _simple(spec, paths, tsv=False, header=False, columns=3, text=(0, 1), target=2, labels=None)


_SICK_SPLITS = {"TRAIN": "train", "TRIAL": "validation", "TEST": "test"}


def _read_sick(spec, paths):
    path = paths["all"]
    df = read_table(path, tsv=True, header=True,
                    expected=("sentence_A", "sentence_B", "entailment_label", "SemEval_set"))
    sets = df["SemEval_set"].astype("string").fillna("").str.strip()
    unknown = sorted(set(sets) - set(_SICK_SPLITS))
    if unknown:
        row = int(np.flatnonzero(~sets.isin(list(_SICK_SPLITS)).to_numpy())[0]) + 1
        raise DataError(
            f"알 수 없는 SemEval_set 값 {unknown[0]!r}: {path} 의 {row}번째 데이터 행(헤더 제외); "
            f"허용 값: {list(_SICK_SPLITS)}",
            f"Unknown SemEval_set value {unknown[0]!r} in {path}, data row {row}; allowed: {list(_SICK_SPLITS)}",
        )
    parsed = Parsed({})
    for raw, split in _SICK_SPLITS.items():
        part = _drop_empty(df.loc[(sets == raw).to_numpy()], ["sentence_A", "sentence_B"], parsed, split)
        parsed.frames[split] = _standard(spec, part, ("sentence_A", "sentence_B"), "entailment_label",
                                         _NLI_UPPER, path)
    return parsed


def _drop_duplicates(spec: DatasetSpec, df: pd.DataFrame, parsed: Parsed, split: str) -> pd.DataFrame:
    """Keep the first row of each text (``dedup_key``) before a split ftkit makes itself, so that no text
    lands in both train and test; the rows removed are counted as ``duplicate_text``."""
    keys = row_keys([df[c].tolist() for c in spec.text_columns])
    seen: set = set()
    keep = np.ones(len(keys), dtype=bool)
    for i, key in enumerate(keys):
        if key in seen:
            keep[i] = False
        seen.add(key)
    parsed.drop("duplicate_text", split, int((~keep).sum()))
    return df.loc[keep].reset_index(drop=True)


def _split_off(df: pd.DataFrame, fraction: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified (by ``label``) split: returns (rest, the ``fraction`` part)."""
    n = int(round(len(df) * fraction))
    picked = np.sort(stratified_indices(df["label"].to_numpy(), n, seed))
    mask = np.zeros(len(df), dtype=bool)
    mask[picked] = True
    return df.loc[~mask].reset_index(drop=True), df.loc[mask].reset_index(drop=True)


def _read_mnli(spec, paths):
    parsed = Parsed({})
    frames = {}
    for key, split in (("test", "test"), ("mismatched", "mismatched")):
        path = paths[key]
        df = read_table(path, tsv=True, header=False, expected=3)
        df = _drop_empty(df, [1, 2], parsed, "test" if key == "test" else "train+test_mismatched")
        frames[split] = _standard(spec, df, (1, 2), 0, _NLI_LOWER, path)
    frames["mismatched"] = _drop_duplicates(spec, frames["mismatched"], parsed, "train+test_mismatched")
    train, test_mm = _split_off(frames["mismatched"], 0.5, MNLI_SPLIT_SEED)
    parsed.frames = {"train": train, "test": frames["test"], "test_mismatched": test_mm}
    return parsed


def _read_chatbot(spec, paths):
    path = paths["all"]
    parsed = Parsed({})
    df = read_table(path, tsv=False, header=True, expected=("Q", "A", "label"))
    df = _drop_empty(df, ["Q"], parsed, "train+test")
    full = _standard(spec, df, ("Q",), "label", {"0": 0, "1": 1, "2": 2}, path)
    full = _drop_duplicates(spec, full, parsed, "train+test")
    train, test = _split_off(full, CHATBOT_TEST_FRACTION, CHATBOT_SPLIT_SEED)
    parsed.frames = {"train": train, "test": test}
    return parsed


def _kote_indices(cell: str, path: Path, row: int) -> list[int]:
    out = []
    for token in str(cell).split(","):
        token = token.strip()
        if not token:
            continue
        if not token.isdigit() or int(token) >= len(KOTE_LABELS):
            raise DataError(
                f"알 수 없는 KOTE 레이블 {token!r}: {path} 의 {row}번째 데이터 행; 허용 값: 0~{len(KOTE_LABELS) - 1}",
                f"Unknown KOTE label {token!r} in {path}, data row {row}; allowed: 0..{len(KOTE_LABELS) - 1}",
            )
        out.append(int(token))
    return out


def _read_emotion(spec, paths):
    parsed = Parsed({})
    index = {name: i for i, name in enumerate(EMOTION_CLASSES)}
    for split, path in paths.items():
        df = read_table(path, tsv=True, header=False, expected=3)
        df = _drop_empty(df, [1], parsed, split)
        labels, keep = [], []
        for row, cell in zip(df.index, df[2]):
            cls, why = emotion_of(_kote_indices(cell, path, int(row) + 1))
            keep.append(cls is not None)
            if cls is None:
                parsed.drop(why, split, 1)
            else:
                labels.append(index[cls])
        kept = df.loc[np.asarray(keep, dtype=bool)]
        parsed.frames[split] = _frame(spec, {"text": kept[1]}, np.asarray(labels, dtype=np.int64))
    return parsed


READERS: dict[str, Callable[[DatasetSpec, Mapping[str, Path]], Parsed]] = {
    "nsmc": _read_nsmc,
    "imdb": _read_imdb,
    "mrpc": _read_mrpc,
    "question_pair": _read_question_pair,
    "kornli": _read_kornli,
    "kornli_mt": _read_kornli_mt,
    "sick": _read_sick,
    "mnli_samples": _read_mnli,
    "korsts": _read_korsts,
    "stsb": _read_stsb,
    "chatbot": _read_chatbot,
    "emotion": _read_emotion,
}


def parse(spec: DatasetSpec, paths: Mapping[str, Path]) -> Parsed:
    """Parse the files of ``spec`` (``paths``: the keys of ``spec.files`` -> file paths)."""
    return READERS[spec.name](spec, paths)

"""Instruction -> response pairs from ``chatbot_data`` (lesson 08), split by question.

``ChatbotData.csv`` repeats some questions, several of them with different answers. Splitting rows at random
would put the same question in training and in the held-out set, and the held-out loss would then measure
memorisation. Here every row is grouped by :func:`ftkit.data.dedup_key` of its question (the one dedup key of
ftkit) and whole groups go to ``train`` or ``test``, so no held-out question is ever trained on.

Schema of each split: ``instruction`` (the question), ``response`` (the answer), ``label`` (the file's 3-way
topic label: 일상 / 이별(부정) / 사랑(긍정)), ``key`` (``dedup_key`` of the question).
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from ftkit.data.dedup import dedup_key
from ftkit.data.parse import read_table
from ftkit.data.sampling import check_n
from ftkit.data.specs import get_spec
from ftkit.errors import DataError

DATASET = "chatbot"  # the registry entry whose file this reads
INSTRUCTION_SPLIT_SEED = 20180101
INSTRUCTION_TEST_FRACTION = 0.2


def read_pairs(path) -> pd.DataFrame:
    """All rows of ``ChatbotData.csv`` as instruction/response/label/key (rows with an empty Q or A raise)."""
    df = read_table(path, tsv=False, header=True, expected=("Q", "A", "label"))
    empty = df["Q"].str.strip().eq("") | df["A"].str.strip().eq("")
    if empty.any():
        rows = [int(i) + 2 for i in np.flatnonzero(empty.to_numpy())[:5]]
        raise DataError(f"{path}: 질문이나 답이 빈 행이 있습니다 (줄 {rows}). 파일을 고치세요.",
                        f"{path}: rows with an empty question or answer (lines {rows}). Fix the file.")
    df["label"] = df["label"].str.strip()
    bad = ~df["label"].isin(["0", "1", "2"])
    if bad.any():
        raise DataError(f"{path}: label은 0, 1, 2여야 합니다 (예: {df['label'][bad].iloc[0]!r})",
                        f"{path}: label must be 0, 1 or 2 (found {df['label'][bad].iloc[0]!r})")
    return pd.DataFrame({"instruction": df["Q"].str.strip(), "response": df["A"].str.strip(),
                         "label": df["label"].astype(int), "key": df["Q"].map(dedup_key)})


def split_by_question(frame: pd.DataFrame, test_fraction: float = INSTRUCTION_TEST_FRACTION,
                      seed: int = INSTRUCTION_SPLIT_SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test): whole question groups, about ``test_fraction`` of the distinct keys held out."""
    if not 0 < test_fraction < 1:
        raise DataError(f"test_fraction은 0과 1 사이여야 합니다: {test_fraction}",
                        f"test_fraction must be between 0 and 1: {test_fraction}")
    keys = np.array(sorted(frame["key"].unique()))
    rng = np.random.default_rng(seed)
    n_test = max(1, int(round(len(keys) * test_fraction)))
    held_out = set(keys[rng.permutation(len(keys))[:n_test]])
    is_test = frame["key"].isin(held_out).to_numpy()
    return frame.loc[~is_test].reset_index(drop=True), frame.loc[is_test].reset_index(drop=True)


def duplicate_report(frame: pd.DataFrame) -> dict[str, int]:
    """Rows, distinct questions, questions that repeat, and those repeated with different answers."""
    groups = frame.groupby("key")["response"]
    sizes = groups.size()
    answers = groups.nunique()
    return {"rows": int(len(frame)), "questions": int(len(sizes)), "repeated_questions": int((sizes > 1).sum()),
            "repeated_with_different_answers": int((answers > 1).sum())}


def _subsample(frame: pd.DataFrame, n: int | None, seed: int) -> pd.DataFrame:
    if n is None or n >= len(frame):
        return frame
    idx = np.sort(np.random.default_rng(seed).choice(len(frame), size=n, replace=False))
    return frame.iloc[idx].reset_index(drop=True)


def load_instructions(n_train: int | None = None, n_eval: int | None = None, seed: int = 42,
                      source: str = "auto"):
    """``chatbot_data`` as a ``DatasetDict`` (``train``, ``test``) of instruction/response pairs.

    Whole question groups are split (fixed seed, independent of ``seed``); then ``n_train`` rows of train and
    ``n_eval`` rows of test are sampled with ``seed`` (None = all). ``source`` as in :func:`ftkit.data.load`.
    The returned dict's ``info`` attribute holds :func:`duplicate_report` of the whole file and the split sizes.
    """
    from datasets import Dataset, DatasetDict, NamedSplit

    from ftkit.data.loading import _resolve

    n_train, n_eval = check_n(n_train, "n_train"), check_n(n_eval, "n_eval")
    used, paths = _resolve(get_spec(DATASET), source)
    frame = read_pairs(paths["all"])
    train, test = split_by_question(frame)
    out = DatasetDict({
        name: Dataset.from_pandas(_subsample(part, n, seed), preserve_index=False, split=NamedSplit(name))
        for name, part, n in (("train", train, n_train), ("test", test, n_eval))})
    out.info = {**duplicate_report(frame), "source": used, "train_rows": len(train), "test_rows": len(test),
                "train_questions": int(train["key"].nunique()), "test_questions": int(test["key"].nunique())}
    return out

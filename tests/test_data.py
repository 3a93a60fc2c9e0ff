"""Tests for ftkit.data: bundled samples, subsampling, error messages, and (when present) the real data.

Real-data tests run only when FTKIT_DATA_DIR points at the course data folder:
    FTKIT_DATA_DIR=/path/to/data pytest tests/test_data.py
"""
from __future__ import annotations

import io
import os
import shutil
import tarfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ftkit import data
from ftkit.data import sources
from ftkit.errors import ConfigError, DataError, MissingDataError

REAL_DATA_DIR = os.environ.get("FTKIT_DATA_DIR", "").strip()

# The sample copies used as FTKIT_DATA_DIR below differ from the real files by design (ChecksumWarning).
pytestmark = [pytest.mark.filterwarnings("ignore::ftkit.data.DroppedRowsWarning"),
              pytest.mark.filterwarnings("ignore::ftkit.data.ChecksumWarning"),
              pytest.mark.filterwarnings("ignore::ftkit.data.DuplicateTextWarning")]

EXPECTED_SPLITS = {
    "nsmc": {"train", "test"},
    "imdb": {"train", "test"},
    "mrpc": {"train", "validation", "test"},
    "question_pair": {"train", "validation", "test"},
    "kornli": {"train", "test"},
    "kornli_mt": {"train", "test"},  # the samples have no machine-translated train files: loads kornli's (fallback)
    "sick": {"train", "validation", "test"},
    "mnli_samples": {"train", "test", "test_mismatched"},
    "korsts": {"train", "validation", "test"},
    "stsb": {"train", "validation", "test"},
    "chatbot": {"train", "test"},
    "emotion": {"train", "test"},
}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No data dir, offline, a private cache: nothing here touches the network or ~/.cache."""
    monkeypatch.delenv("FTKIT_DATA_DIR", raising=False)
    monkeypatch.setenv("FTKIT_OFFLINE", "1")
    monkeypatch.setenv("FTKIT_CACHE_DIR", str(tmp_path / "cache"))


def _sample_copy(tmp_path: Path, folder: str) -> Path:
    """A data dir holding a copy of one bundled sample folder; returns the copied folder."""
    root = tmp_path / "data"
    shutil.copytree(data.samples_dir() / folder, root / folder)
    return root / folder


def _use_data_dir(monkeypatch, folder: Path) -> None:
    monkeypatch.setenv("FTKIT_DATA_DIR", str(folder.parent))


# ------------------------------------------------------------------------------------------ registry


def test_registry_covers_the_course_datasets():
    assert set(data.DATASETS) == set(EXPECTED_SPLITS)
    for name, spec in data.DATASETS.items():
        assert spec.name == name
        assert spec.task in ("single", "pair", "similarity")
        assert spec.language in ("ko", "en")
        assert spec.description and spec.urls and spec.files
        assert all(url.startswith("https://") for url in spec.urls.values())
        assert (spec.num_labels == 0) == (spec.task == "similarity")


def test_language_of():
    assert data.language_of("nsmc") == "ko"
    assert data.language_of("imdb") == "en"
    assert data.language_of("emotion") == "ko"
    with pytest.raises(ConfigError) as err:
        data.language_of("nope")
    assert "nsmc" in str(err.value) and "stsb" in str(err.value)


def test_unknown_name_and_source_raise_config_error():
    with pytest.raises(ConfigError):
        data.load("nope", source="sample")
    with pytest.raises(ConfigError) as err:
        data.load("nsmc", source="internet")
    assert "sample" in str(err.value)
    with pytest.raises(ConfigError):
        data.load("nsmc", n_train=0, source="sample")


# ------------------------------------------------------------------------------------------ samples


@pytest.mark.parametrize("name", sorted(EXPECTED_SPLITS))
def test_sample_loads_with_schema(name):
    from datasets import ClassLabel, Value

    spec = data.DATASETS[name]
    dd = data.load(name, source="sample")
    assert set(dd) == EXPECTED_SPLITS[name]
    for split, ds in dd.items():
        assert len(ds) > 0, split
        if spec.task == "single":
            assert ds.column_names == ["text", "label"]
        elif spec.task == "pair":
            assert ds.column_names == ["sentence1", "sentence2", "label"]
        else:
            assert ds.column_names == ["sentence1", "sentence2", "score"]
        for col in spec.text_columns:
            assert ds.features[col] == Value("string")
            assert all(isinstance(t, str) and t.strip() for t in ds[col])
        if spec.task == "similarity":
            assert ds.features["score"] == Value("float32")
            scores = np.asarray(list(ds["score"]))
            assert scores.min() >= 0.0 and scores.max() <= 1.0
        else:
            feature = ds.features["label"]
            assert isinstance(feature, ClassLabel)
            assert tuple(feature.names) == spec.label_names
            # every class shows up in the training split of the sample
            assert set(ds["label"]) == set(range(spec.num_labels)) or split != "train"


def test_label_names():
    names = {n: data.DATASETS[n].label_names for n in data.DATASETS}
    assert names["nsmc"] == ("부정", "긍정")
    assert names["imdb"] == ("negative", "positive")
    assert names["mrpc"] == ("not_equivalent", "equivalent")
    assert names["question_pair"] == ("다른 질문", "같은 질문")
    assert names["kornli"] == ("함의", "중립", "모순")
    assert names["sick"] == names["mnli_samples"] == ("entailment", "neutral", "contradiction")
    assert names["chatbot"] == ("일상", "이별(부정)", "사랑(긍정)")
    assert names["emotion"] == ("분노", "슬픔", "불안", "상처", "당황", "기쁨")


def test_nli_samples_are_balanced_and_ordered():
    raw = pd.read_csv(data.samples_dir() / "kornli" / "xnli.dev.ko.tsv", sep="\t", quoting=3)
    dd = data.load("kornli", source="sample")
    order = {"entailment": 0, "neutral": 1, "contradiction": 2}
    assert list(dd["train"]["label"]) == [order[g] for g in raw["gold_label"]]
    for name in ("kornli", "sick", "mnli_samples"):
        counts = data.summary(data.load(name, source="sample")).drop(columns="rows")
        assert (counts.nunique(axis=1) == 1).all(), name


def test_question_pair_label_is_inverted():
    raw = pd.read_csv(data.samples_dir() / "question_pair" / "train.txt", sep="\t", quoting=3)
    ds = data.load("question_pair", source="sample")["train"]
    assert list(ds["sentence1"]) == list(raw["question1"])
    assert list(ds["label"]) == [1 - v for v in raw["is_duplicate"]]
    same = ds.features["label"].names[1]
    assert same == "같은 질문"


def test_similarity_score_is_raw_over_five():
    raw = pd.read_csv(data.samples_dir() / "korsts" / "sts-train.tsv", sep="\t", quoting=3)
    ds = data.load("korsts", source="sample")["train"]
    np.testing.assert_allclose(np.asarray(list(ds["score"])), raw["score"].to_numpy() / 5, rtol=1e-6)
    raw = pd.read_csv(data.samples_dir() / "stsb" / "stsb-en-test.csv", header=None)
    ds = data.load("stsb", source="sample")["test"]
    np.testing.assert_allclose(np.asarray(list(ds["score"])), raw[2].to_numpy() / 5, rtol=1e-6)


def test_chatbot_split_ignores_seed():
    a = data.load("chatbot", source="sample", seed=1)
    b = data.load("chatbot", source="sample", seed=2)
    assert list(a["test"]["text"]) == list(b["test"]["text"])
    assert not set(a["train"]["text"]) & set(a["test"]["text"])


def test_mnli_train_does_not_overlap_evaluation():
    dd = data.load("mnli_samples", source="sample")
    pairs = {k: set(zip(v["sentence1"], v["sentence2"])) for k, v in dd.items()}
    assert not pairs["train"] & pairs["test_mismatched"]
    assert not pairs["train"] & pairs["test"]


# ------------------------------------------------------------------------------------------ subsampling


def test_allocate_largest_remainder():
    assert data.allocate([5, 3, 2], 5).tolist() == [3, 1, 1]  # 2.5, 1.5, 1.0 -> tie goes to class 0
    assert data.allocate([10, 10], 7).tolist() == [4, 3]
    assert data.allocate([1, 99], 10).tolist() == [0, 10]
    rng = np.random.default_rng(0)
    for _ in range(200):
        counts = rng.integers(0, 50, size=rng.integers(1, 7))
        if counts.sum() == 0:
            continue
        n = int(rng.integers(1, counts.sum() + 1))
        quota = data.allocate(counts, n)
        assert quota.sum() == n
        assert (quota <= counts).all()
        assert (np.abs(quota - counts * n / counts.sum()) < 1).all()


def test_subsample_is_stratified_and_deterministic():
    full = data.load("nsmc", source="sample")["train"]
    counts = np.bincount(list(full["label"]))
    a = data.load("nsmc", n_train=40, n_eval=20, source="sample")
    assert len(a["train"]) == 40 and len(a["test"]) == 20
    assert np.bincount(list(a["train"]["label"])).tolist() == data.allocate(counts, 40).tolist()
    b = data.load("nsmc", n_train=40, n_eval=20, source="sample")
    assert list(a["train"]["text"]) == list(b["train"]["text"])
    assert list(a["test"]["text"]) == list(b["test"]["text"])
    c = data.load("nsmc", n_train=40, n_eval=20, seed=7, source="sample")
    assert list(a["train"]["text"]) != list(c["train"]["text"])
    assert np.bincount(list(c["train"]["label"])).tolist() == data.allocate(counts, 40).tolist()


def test_subsample_function_and_similarity_sets():
    ds = data.load("emotion", source="sample")["train"]
    sub = data.subsample(ds, 30, seed=3)
    assert np.bincount(list(sub["label"]), minlength=6).tolist() == [5] * 6
    assert data.subsample(ds, None) is ds
    plain = data.subsample(ds, 30, seed=3, stratify=False)
    assert len(plain) == 30
    sts = data.load("stsb", n_train=25, n_eval=10, source="sample")
    again = data.load("stsb", n_train=25, n_eval=10, source="sample")
    assert len(sts["train"]) == 25 and len(sts["validation"]) == 10 and len(sts["test"]) == 10
    assert list(sts["train"]["sentence1"]) == list(again["train"]["sentence1"])


def test_load_subsamples_like_subsample():
    full = data.load("chatbot", source="sample")
    small = data.load("chatbot", n_train=50, n_eval=20, seed=5, source="sample")
    assert list(small["train"]["text"]) == list(data.subsample(full["train"], 50, seed=5)["text"])
    assert list(small["test"]["text"]) == list(data.subsample(full["test"], 20, seed=5)["text"])


def test_n_larger_than_available_keeps_all(capsys):
    dd = data.load("mrpc", n_train=10_000, n_eval=5, source="sample")
    out = capsys.readouterr().out
    assert len(dd["train"]) == 120
    assert len(dd["validation"]) == 5 and len(dd["test"]) == 5
    assert "10000" in out and "keeping all" in out


# ------------------------------------------------------------------------------------------ drops


def test_dropped_empty_rows_are_counted_and_warned(capsys):
    with pytest.warns(data.DroppedRowsWarning) as record:
        dd = data.load("nsmc", source="sample")
    warning = record[0].message
    assert warning.dataset == "nsmc" and warning.reason == "empty_text" and warning.counts == {"train": 1}
    assert "train 1" in capsys.readouterr().out
    raw = pd.read_csv(data.samples_dir() / "nsmc" / "ratings_train.txt", sep="\t", quoting=3)
    assert len(dd["train"]) == len(raw) - 1


def test_emotion_reports_empty_and_ambiguous_rows(capsys):
    with pytest.warns(data.DroppedRowsWarning) as record:
        data.load("emotion", source="sample")
    got = {w.message.reason: w.message.counts for w in record if isinstance(w.message, data.DroppedRowsWarning)}
    assert got == {"empty_text": {"train": 1}, "no_mapped_label": {"train": 1}, "tie": {"train": 2, "test": 1}}
    out = capsys.readouterr().out
    assert out.count("[ftkit] emotion(sample)") == 3


def test_kote_mapping():
    assert set(data.KOTE_TO_EMOTION.values()) == set(data.EMOTION_CLASSES)
    assert len(data.KOTE_LABELS) == 44
    assert set(data.KOTE_TO_EMOTION) | set(data.KOTE_IGNORED) == set(range(44))
    assert data.emotion_of([6, 22, 5]) == ("분노", "ok")
    assert data.emotion_of([6, 42]) == (None, "tie")
    assert data.emotion_of([24, 29]) == (None, "no_mapped_label")


# ------------------------------------------------------------------------------------------ sources


def test_auto_offline_without_data_dir_uses_sample(capsys):
    dd = data.load("kornli")
    assert len(dd["train"]) == 120
    out = capsys.readouterr().out
    assert "FTKIT_DATA_DIR" in out and "sample" in out


def test_auto_with_data_dir_reads_it(tmp_path, monkeypatch):
    folder = _sample_copy(tmp_path, "question_pair")
    with open(folder / "test.txt", "a", encoding="utf-8") as fh:
        fh.write("추가된 질문이야?\t추가된 질문인가?\t0\n")
    _use_data_dir(monkeypatch, folder)
    dd = data.load("question_pair")
    assert len(dd["test"]) == 61
    with pytest.raises(MissingDataError):
        data.load("nsmc")  # its folder is not in this data dir


def test_missing_file_names_the_path(tmp_path, monkeypatch):
    folder = _sample_copy(tmp_path, "korsts")
    (folder / "sts-dev.tsv").unlink()
    _use_data_dir(monkeypatch, folder)
    with pytest.raises(MissingDataError) as err:
        data.load("korsts")
    msg = str(err.value)
    assert str(folder / "sts-dev.tsv") in msg and "FTKIT_DATA_DIR" in msg and "unset" in msg
    with pytest.raises(MissingDataError):
        data.load("korsts", source="local")


def test_local_without_data_dir():
    with pytest.raises(MissingDataError) as err:
        data.load("nsmc", source="local")
    assert "FTKIT_DATA_DIR" in str(err.value)


def _fake_fetch(url, dest):
    """Stands in for the network: copies the bundled sample file of the same name."""
    matches = list(data.samples_dir().glob(f"*/{dest.name}"))
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(matches[0], dest)


def test_download_goes_to_cache_once(monkeypatch, tmp_path):
    with pytest.raises(MissingDataError, match="Offline"):
        data.load("kornli", source="download")
    monkeypatch.delenv("FTKIT_OFFLINE")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    calls = []
    monkeypatch.setattr(sources, "_fetch", lambda url, dest: (calls.append(url), _fake_fetch(url, dest)))
    monkeypatch.setattr(sources, "_check_sha", lambda spec, path: None)
    dd = data.load("kornli", source="download")
    assert len(dd["test"]) == 60
    cached = tmp_path / "cache" / "downloads" / "kornli"
    assert sorted(p.name for p in cached.iterdir()) == ["xnli.dev.ko.tsv", "xnli.test.ko.tsv"]
    assert calls == [data.DATASETS["kornli"].urls[n] for n in ("xnli.dev.ko.tsv", "xnli.test.ko.tsv")]
    monkeypatch.setenv("FTKIT_OFFLINE", "1")  # cached files need no network
    data.load("kornli", source="download")
    assert len(calls) == 2


def test_download_with_wrong_checksum_is_rejected(monkeypatch, tmp_path):
    monkeypatch.delenv("FTKIT_OFFLINE")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(sources, "_fetch", _fake_fetch)
    with pytest.raises(DataError) as err:
        data.load("stsb", source="download")
    assert "SHA-256" in str(err.value)
    assert not (tmp_path / "cache" / "downloads" / "stsb" / "stsb-en-train.csv").exists()


def test_auto_online_raises_when_download_fails_instead_of_using_samples(monkeypatch):
    monkeypatch.delenv("FTKIT_OFFLINE")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)

    def no_network(url, dest):
        raise OSError("no network")

    monkeypatch.setattr(sources, "_fetch", no_network)
    for source in ("auto", "download"):
        with pytest.raises(MissingDataError) as err:
            data.load("sick", source=source)
        assert "no network" in str(err.value) and "source='sample'" in err.value.en


def test_imdb_tarball_conversion(tmp_path, monkeypatch):
    reviews = {"aclImdb/train/pos/3_9.txt": 'Great, "really" great.', "aclImdb/train/pos/10_7.txt": "Good fun.",
               "aclImdb/train/neg/1_2.txt": "Bad.\nReally bad.", "aclImdb/test/neg/0_1.txt": "Awful, awful.",
               "aclImdb/test/pos/0_10.txt": "Loved it.", "aclImdb/train/unsup/5_0.txt": "ignored"}
    tarball = tmp_path / "aclImdb_v1.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        for name, text in reviews.items():
            blob = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    out = sources.convert_imdb_tarball(tarball, tmp_path)
    train = pd.read_csv(out["train"])
    assert list(train.columns) == ["id", "rating", "label", "text"]
    assert train[["id", "rating", "label"]].values.tolist() == [[1, 2, 0], [3, 9, 1], [10, 7, 1]]
    assert train["text"].tolist() == ["Bad.\nReally bad.", 'Great, "really" great.', "Good fun."]
    folder = tmp_path / "data" / "imdb"  # the converted files parse with the same reader
    folder.mkdir(parents=True)
    for p in out.values():
        shutil.copy(p, folder / p.name)
    monkeypatch.setenv("FTKIT_DATA_DIR", str(folder.parent))
    dd = data.load("imdb")
    assert len(dd["train"]) == 3 and len(dd["test"]) == 2


# ------------------------------------------------------------------------------------------ errors


def test_wrong_columns(tmp_path, monkeypatch):
    folder = _sample_copy(tmp_path, "nsmc")
    path = folder / "ratings_test.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(["id\treview\tlabel"] + lines[1:]) + "\n", encoding="utf-8")
    _use_data_dir(monkeypatch, folder)
    with pytest.raises(DataError) as err:
        data.load("nsmc")
    msg = str(err.value)
    assert str(path) in msg and "document" in msg and "review" in msg


def test_wrong_column_count_without_header(tmp_path, monkeypatch):
    folder = _sample_copy(tmp_path, "kote")
    path = folder / "test.tsv"
    path.write_text("1\t좋아요\n2\t싫어요\n", encoding="utf-8")
    _use_data_dir(monkeypatch, folder)
    with pytest.raises(DataError) as err:
        data.load("emotion")
    assert str(path) in str(err.value) and "3" in str(err.value)


def test_unknown_label(tmp_path, monkeypatch):
    folder = _sample_copy(tmp_path, "nsmc")
    path = folder / "ratings_test.txt"
    path.write_text("id\tdocument\tlabel\n1\t좋아요\t1\n2\t별로\t0\n3\t그냥 그래요\t2\n", encoding="utf-8")
    _use_data_dir(monkeypatch, folder)
    with pytest.raises(DataError) as err:
        data.load("nsmc")
    msg = str(err.value)
    assert "'2'" in msg and "row 3" in msg and str(path) in msg


def test_unknown_nli_label_and_kote_index(tmp_path, monkeypatch):
    folder = _sample_copy(tmp_path, "kornli")
    path = folder / "xnli.test.ko.tsv"
    path.write_text("sentence1\tsentence2\tgold_label\n가\t나\tentailment\n다\t라\t-\n", encoding="utf-8")
    _use_data_dir(monkeypatch, folder)
    with pytest.raises(DataError, match="row 2"):
        data.load("kornli")
    folder = _sample_copy(tmp_path, "kote")
    (folder / "test.tsv").write_text("1\t좋아요\t42,44\n", encoding="utf-8")
    with pytest.raises(DataError, match="'44'"):
        data.load("emotion")


def test_score_out_of_range(tmp_path, monkeypatch):
    folder = _sample_copy(tmp_path, "korsts")
    path = folder / "sts-test.tsv"
    path.write_text("genre\tfilename\tyear\tid\tscore\tsentence1\tsentence2\n"
                    "g\tf\ty\t1\t7.5\t가\t나\n", encoding="utf-8")
    _use_data_dir(monkeypatch, folder)
    with pytest.raises(DataError, match="7.5"):
        data.load("korsts")


def test_all_empty_split(tmp_path, monkeypatch):
    folder = _sample_copy(tmp_path, "nsmc")
    (folder / "ratings_test.txt").write_text("id\tdocument\tlabel\n1\t \t1\n2\t\t0\n", encoding="utf-8")
    _use_data_dir(monkeypatch, folder)
    with pytest.warns(data.DroppedRowsWarning) as record:
        with pytest.raises(DataError) as err:
            data.load("nsmc")
    assert "'test'" in str(err.value)
    dropped = [w.message for w in record if isinstance(w.message, data.DroppedRowsWarning)]
    assert dropped[0].counts == {"train": 1, "test": 2}


def test_unparseable_file(tmp_path, monkeypatch):
    folder = _sample_copy(tmp_path, "glue_mrpc")
    path = folder / "dev.tsv"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("1\t1\t2\tone\ttwo\tthree\tfour\n")
    _use_data_dir(monkeypatch, folder)
    with pytest.raises(DataError) as err:
        data.load("mrpc")
    assert str(path) in str(err.value)


# ------------------------------------------------------------------------------------------ stats


@pytest.fixture(scope="module")
def word_tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "[PAD]": 3}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]", special_tokens=[("[CLS]", 1), ("[SEP]", 2)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]")


def test_token_lengths_single_and_pair(word_tokenizer):
    single = {"text": ["a b c", "a", "a b c d e f"]}
    assert data.token_lengths(single, word_tokenizer, "text", batch_size=2).tolist() == [5, 3, 8]
    pair = {"sentence1": ["a b", "c"], "sentence2": ["d", "e f g"]}
    got = data.token_lengths(pair, word_tokenizer, ["sentence1", "sentence2"])
    assert got.tolist() == [6, 7]
    ds = data.load("kornli", source="sample")["test"]
    lengths = data.token_lengths(ds, word_tokenizer, ("sentence1", "sentence2"))
    assert lengths.shape == (60,) and lengths.min() >= 3


def test_choose_max_length_rounds_the_percentile_up_to_a_multiple():
    lengths = np.arange(1, 101)  # 99th percentile = 99.01
    assert data.choose_max_length(lengths) == 104
    assert data.choose_max_length(lengths, 90, 8) == 96  # 90.1 -> 96
    assert data.choose_max_length([16] * 10, 99, 8) == 16  # already a multiple stays
    assert data.choose_max_length(lengths, 50, 1) == 51  # 50.5 -> 51
    with pytest.raises(ValueError):
        data.choose_max_length(lengths, 99, 0)
    for bad in (0, 150, -5, "99", True):
        with pytest.raises(ConfigError, match="percentile"):
            data.choose_max_length(lengths, bad)


def test_length_percentiles():
    p = data.length_percentiles(np.arange(1, 101))
    assert list(p) == [50, 90, 95, 99]
    assert p[50] == pytest.approx(50.5) and p[99] == pytest.approx(99.01)
    assert data.length_percentiles([3, 3, 3], (50,)) == {50: 3.0}


def test_summary():
    frame = data.summary(data.load("chatbot", source="sample"))
    assert list(frame.index) == ["train", "test"]
    assert list(frame.columns) == ["rows", "일상", "이별(부정)", "사랑(긍정)"]
    assert (frame["rows"] == frame[["일상", "이별(부정)", "사랑(긍정)"]].sum(axis=1)).all()
    sts = data.summary(data.load("korsts", source="sample"))
    assert {"rows", "score_mean", "score_min", "score_max"} <= set(sts.columns)


# ------------------------------------------------------------------------------------------ real data

# INDEX.md row counts, after ftkit's documented drops; labels in ftkit's label order.
REAL = {
    "nsmc": ({"train": [75170, 74825], "test": [24826, 25171]},
             {"empty_text": {"train": 5, "test": 3}}),
    "imdb": ({"train": [12500, 12500], "test": [12500, 12500]}, {}),
    "mrpc": ({"train": [1194, 2474], "validation": [129, 279], "test": [578, 1147]}, {}),
    "question_pair": ({"train": [1967, 4169], "validation": [250, 432], "test": [250, 508]}, {}),
    "kornli": ({"train": [830, 830, 830], "test": [1670, 1670, 1670]}, {}),
    "sick": ({"train": [1274, 2524, 641], "validation": [143, 281, 71], "test": [1404, 2790, 712]}, {}),
    "mnli_samples": ({"train": [172, 160, 167], "test": [373, 311, 316], "test_mismatched": [173, 159, 168]},
                     {"duplicate_text": {"train+test_mismatched": 1}}),
    "korsts": ({"train": 5749, "validation": 1500, "test": 1379}, {}),
    "stsb": ({"train": 5749, "validation": 1500, "test": 1379}, {}),
    # 223 repeated questions (data.dedup_key: case, spacing and punctuation ignored) are removed before ftkit's 80/20
    # split (it put 52 test questions in train before).
    "chatbot": ({"train": [4199, 2751, 2330], "test": [1050, 688, 582]}, {"duplicate_text": {"train+test": 223}}),
    "emotion": ({"train": [1807, 217, 84, 71, 208, 1652], "test": [1822, 213, 83, 66, 233, 1638]},
                {"tie": {"train": 837, "test": 821}, "no_mapped_label": {"train": 124, "test": 124}}),
}

# Duplicates within a split and evaluation rows also in train, by data.dedup_key: split -> (rows, distinct texts).
# (The issue counted NSMC by exact text: 3,813 / 796. dedup_key also ignores case, spacing and punctuation, so
# '재밌어요!!' repeats '재밌어요': 6,205 / 1,219.)
REAL_DUPLICATES = {
    "nsmc": ({"train": (6205, 1656), "test": (1447, 484)}, {"test": (2566, 1219)}),
    "imdb": ({"train": (98, 94), "test": (201, 193)}, {"test": (123, 123)}),
    "mrpc": ({"train": (6, 6), "test": (1, 1)}, {"test": (6, 6)}),
    "question_pair": ({"train": (5, 5), "test": (2, 2)}, {"validation": (1, 1), "test": (2, 2)}),
    "kornli": ({"train": (1, 1), "test": (1, 1)}, {}),
    "sick": ({"test": (1, 1)}, {}),
    "mnli_samples": ({}, {}),
    "korsts": ({"train": (50, 46), "validation": (3, 3), "test": (2, 2)}, {"validation": (3, 3), "test": (1, 1)}),
    "stsb": ({"train": (46, 42), "validation": (2, 2), "test": (1, 1)}, {"validation": (6, 6), "test": (7, 7)}),
    "chatbot": ({}, {}),
    "emotion": ({"test": (1, 1)}, {}),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_data(name, monkeypatch):
    spec = data.DATASETS[name]
    if not REAL_DATA_DIR or not (Path(REAL_DATA_DIR) / spec.folder).is_dir():
        pytest.skip("set FTKIT_DATA_DIR to the course data folder to run the real-data checks")
    monkeypatch.setenv("FTKIT_DATA_DIR", REAL_DATA_DIR)
    expected, drops = REAL[name]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        dd = data.load(name, source="local")
    got_drops = {w.message.reason: w.message.counts for w in record if isinstance(w.message, data.DroppedRowsWarning)}
    assert got_drops == drops
    assert not [w for w in record if isinstance(w.message, data.ChecksumWarning)]  # the real files are intact
    dup = {w.message.kind: {s: (c["rows"], c["texts"]) for s, c in w.message.counts.items()}
           for w in record if isinstance(w.message, data.DuplicateTextWarning)}
    want_dups, want_overlap = REAL_DUPLICATES[name]
    assert (dup.get("duplicates", {}), dup.get("overlap", {})) == (want_dups, want_overlap)
    report = data.overlap_report(dd)
    for split, (rows, texts) in want_overlap.items():
        assert (report.loc[split, "rows_in_train"], report.loc[split, "texts_in_train"]) == (rows, texts)
    assert set(dd) == set(expected)
    for split, want in expected.items():
        ds = dd[split]
        if spec.task == "similarity":
            assert len(ds) == want
            scores = np.asarray(list(ds["score"]))
            assert scores.min() == 0.0 and scores.max() == 1.0
        else:
            assert np.bincount(list(ds["label"]), minlength=spec.num_labels).tolist() == want, split


# ------------------------------------------------------------------------------------------ integrity (issue 13)


def _checksum_warnings(record):
    return [w.message for w in record if isinstance(w.message, data.ChecksumWarning)]


def test_data_dir_file_with_wrong_sha256_warns_with_expected_and_actual(tmp_path, monkeypatch, capsys):
    folder = _sample_copy(tmp_path, "nsmc")  # the sample is a cut-down copy: not the real file's hash
    _use_data_dir(monkeypatch, folder)
    with pytest.warns(data.ChecksumWarning) as record:
        data.load("nsmc")
    bad = {w.path.name: w for w in _checksum_warnings(record)}
    assert set(bad) == {"ratings_train.txt", "ratings_test.txt"}
    w = bad["ratings_train.txt"]
    assert w.expected == data.get_spec("nsmc").sha256["ratings_train.txt"]
    assert w.actual == sources.sha256_of(folder / "ratings_train.txt") != w.expected
    assert w.expected in str(w) and w.actual in str(w) and "SHA-256" in str(w)
    assert "다시 복사" in str(w) and "Copy it again" in str(w)
    printed = capsys.readouterr().out  # a short line is printed too, not only warned
    assert "ratings_train.txt" in printed and w.actual[:12] in printed and w.expected[:12] in printed


def test_samples_are_not_checked(recwarn):
    data.load("nsmc", source="sample")
    assert not _checksum_warnings(recwarn)


def test_checksum_is_remembered_by_size_and_mtime(tmp_path, monkeypatch):
    from ftkit.data import integrity

    folder = _sample_copy(tmp_path, "chatbot_data")
    _use_data_dir(monkeypatch, folder)
    calls = []
    real = sources.sha256_of
    monkeypatch.setattr(sources, "sha256_of", lambda p: calls.append(Path(p).name) or real(p))
    data.load("chatbot")
    data.load("chatbot")
    assert calls == ["ChatbotData.csv"]  # hashed once, then taken from the memo
    memo = (tmp_path / "cache" / integrity.MEMO_FILE)
    assert str((folder / "ChatbotData.csv").resolve()) in memo.read_text(encoding="utf-8")
    path = folder / "ChatbotData.csv"
    with open(path, "a", encoding="utf-8") as fh:  # a changed file is hashed again
        fh.write("새 질문,새 답,0\n")
    with pytest.warns(data.ChecksumWarning) as record:
        data.load("chatbot")
    assert calls == ["ChatbotData.csv"] * 2
    assert _checksum_warnings(record)[0].actual == real(path)


def test_download_cache_is_checked_too(tmp_path, monkeypatch):
    folder = tmp_path / "cache" / "downloads" / "chatbot_data"
    shutil.copytree(data.samples_dir() / "chatbot_data", folder)
    with pytest.warns(data.ChecksumWarning) as record:
        data.load("chatbot", source="download")
    assert _checksum_warnings(record)[0].path == folder / "ChatbotData.csv"


def _mt_rows(n: int, tag: str) -> str:
    """A KorNLI machine-translated train file (header + n rows, cycling the three labels)."""
    labels = ("entailment", "neutral", "contradiction")
    return "sentence1\tsentence2\tgold_label\n" + "".join(
        f"{tag} 전제 {i}\t{tag} 가설 {i}\t{labels[i % 3]}\n" for i in range(n))


def test_kornli_mt_concatenates_both_train_files_and_records_it(tmp_path, monkeypatch):
    folder = _sample_copy(tmp_path, "kornli")
    (folder / "multinli.train.ko.tsv").write_text(_mt_rows(6, "mnli"), encoding="utf-8")
    (folder / "snli_1.0_train.ko.tsv").write_text(_mt_rows(3, "snli"), encoding="utf-8")
    _use_data_dir(monkeypatch, folder)
    with pytest.warns(data.ChecksumWarning) as record:  # made-up train files: their git blob ids differ
        dd = data.load("kornli_mt")
    bad = {w.path.name: str(w) for w in _checksum_warnings(record)}
    assert sorted(bad) == ["multinli.train.ko.tsv", "snli_1.0_train.ko.tsv", "xnli.test.ko.tsv"]  # test: a cut sample
    blob = data.DATASETS["kornli_mt"].git_blob["multinli.train.ko.tsv"]
    assert "git blob id" in bad["multinli.train.ko.tsv"] and blob in bad["multinli.train.ko.tsv"]
    assert "SHA-256" in bad["xnli.test.ko.tsv"] and "git blob" not in bad["xnli.test.ko.tsv"]
    assert len(dd["train"]) == 9 and dd["train"][0]["sentence1"] == "mnli 전제 0"  # MultiNLI rows first
    assert dd["train"][8]["sentence1"] == "snli 전제 2"
    assert len(dd["test"]) == len(data.load("kornli", source="sample")["test"])  # evaluated on XNLI test
    log = data.load_log()["kornli_mt"]
    assert log["loaded"] == "kornli_mt" and log["fallback"] is False and log["source"] == "local"


def test_kornli_mt_falls_back_to_the_xnli_dev_pairs_and_says_so(tmp_path, monkeypatch, capsys):
    folder = _sample_copy(tmp_path, "kornli")
    _use_data_dir(monkeypatch, folder)
    dd = data.load("kornli_mt")
    out = capsys.readouterr().out
    assert "xnli.dev.ko.tsv" in out and "instead" in out and "대신 학습" in out
    assert len(dd["train"]) == len(data.load("kornli")["train"])
    log = data.load_log()["kornli_mt"]
    assert log == {"asked": "kornli_mt", "loaded": "kornli", "fallback": True, "source": "local",
                   "files": {"train": "xnli.dev.ko.tsv", "test": "xnli.test.ko.tsv"}}


def test_git_blob_id_matches_git(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(b"hello\n")
    assert sources.git_blob_of(path) == "ce013625030ba8dba906f756967f9e9ca394464a"  # git hash-object f.txt


def test_download_with_wrong_git_blob_is_deleted(tmp_path):
    spec = data.DATASETS["kornli_mt"]
    path = tmp_path / "multinli.train.ko.tsv"
    path.write_text(_mt_rows(3, "x"), encoding="utf-8")
    with pytest.raises(DataError) as err:
        sources._check_sha(spec, path)
    assert "git blob id" in err.value.en and "git blob id" in err.value.ko and not path.exists()


def test_check_data_dir_for_doctor(tmp_path, monkeypatch):
    folder = _sample_copy(tmp_path, "kornli")
    _use_data_dir(monkeypatch, folder)
    (folder / "xnli.test.ko.tsv").unlink()
    checks = {c.path.name: c.status for c in data.check_data_dir()}
    assert checks == {"xnli.dev.ko.tsv": "mismatch", "xnli.test.ko.tsv": "missing",
                      # kornli_mt shares the folder; its machine-translated train files are optional (fallback)
                      "multinli.train.ko.tsv": "optional", "snli_1.0_train.ko.tsv": "optional"}
    text = "\n".join(data.doctor_lines())
    assert "multinli.train.ko.tsv" not in text  # an optional file is not reported as missing
    assert "xnli.test.ko.tsv" in text and data.get_spec("kornli").sha256["xnli.dev.ko.tsv"] in text


def test_real_nsmc_cut_at_a_line_boundary_warns(tmp_path, monkeypatch):
    real = Path(REAL_DATA_DIR) / "nsmc" if REAL_DATA_DIR else None
    if real is None or not real.is_dir():
        pytest.skip("set FTKIT_DATA_DIR to the course data folder")
    folder = tmp_path / "data" / "nsmc"
    folder.mkdir(parents=True)
    shutil.copy(real / "ratings_test.txt", folder)
    lines = (real / "ratings_train.txt").read_bytes().splitlines(keepends=True)
    (folder / "ratings_train.txt").write_bytes(b"".join(lines[:len(lines) // 2]))  # cut at a line boundary
    _use_data_dir(monkeypatch, folder)
    with pytest.warns(data.ChecksumWarning) as record:
        dd = data.load("nsmc")
    bad = _checksum_warnings(record)
    assert [w.path.name for w in bad] == ["ratings_train.txt"]
    assert bad[0].expected in str(bad[0]) and bad[0].actual in str(bad[0])
    assert len(dd["train"]) < 75000  # it still loads (half the rows): the warning is what tells


def test_dedup_key():
    assert data.dedup_key("  재밌어요   ㅋㅋ \n") == data.dedup_key("재밌어요 ㅋㅋ")
    assert data.dedup_key("ㅈㅐ밌어요") == data.dedup_key("재밌어요")  # NFKC joins the decomposed syllable
    assert data.dedup_key("‥") == data.dedup_key("..")
    assert data.dedup_key("Cool") == data.dedup_key("cool")  # case-folded
    assert data.dedup_key("12시 땡!") == data.dedup_key(" 12시  땡 ") == data.dedup_key("１２시 땡")
    assert data.dedup_key("SNS 봐?") == data.dedup_key("sns봐")
    assert data.dedup_key("12시 땡") != data.dedup_key("1시 땡")
    assert data.dedup_key("!!") != data.dedup_key("??")  # only punctuation: the punctuation is the text
    assert data.dedup_key("!!") != data.dedup_key("") and data.dedup_key(12) == "12"


def test_test_split_copied_into_train_is_reported(tmp_path, monkeypatch):
    before = len(data.load("nsmc", source="sample")["train"])
    folder = _sample_copy(tmp_path, "nsmc")
    train, test = folder / "ratings_train.txt", folder / "ratings_test.txt"
    test_rows = test.read_text(encoding="utf-8").splitlines(keepends=True)[1:]
    with open(train, "a", encoding="utf-8") as fh:
        fh.writelines(test_rows[:10] + test_rows[:3])  # 10 test rows leak, 3 of them twice
    _use_data_dir(monkeypatch, folder)
    with pytest.warns(data.DuplicateTextWarning) as record:
        dd = data.load("nsmc")
    got = {w.message.kind: w.message.counts for w in record if isinstance(w.message, data.DuplicateTextWarning)}
    assert got["overlap"]["test"]["rows"] >= 10 and got["overlap"]["test"]["texts"] >= 10
    assert got["duplicates"]["train"]["rows"] >= 3
    report = data.overlap_report(dd)
    assert report.loc["test", "rows_in_train"] == got["overlap"]["test"]["rows"]
    assert report.loc["train", "duplicate_rows"] == got["duplicates"]["train"]["rows"]
    assert len(dd["train"]) == before + 13  # the rows are kept
    messages = [str(w.message) for w in record if isinstance(w.message, data.DuplicateTextWarning)]
    assert any("train" in m and "kept" in m for m in messages)


def test_overlap_report_counts_rows_and_distinct_texts():
    from datasets import Dataset, DatasetDict

    dd = DatasetDict({"train": Dataset.from_dict({"text": ["a", "a ", "b", "c", "c", "c"]}),
                      "test": Dataset.from_dict({"text": ["a", "a", "d", "c"]})})
    report = data.overlap_report(dd)
    assert report.loc["train"].to_dict() == {"rows": 6, "distinct": 3, "duplicate_rows": 3, "duplicate_texts": 2,
                                             "rows_in_train": 0, "texts_in_train": 0}
    assert report.loc["test"].to_dict() == {"rows": 4, "distinct": 3, "duplicate_rows": 1, "duplicate_texts": 1,
                                            "rows_in_train": 3, "texts_in_train": 2}


def test_chatbot_split_is_made_after_removing_repeated_questions(tmp_path, monkeypatch):
    folder = _sample_copy(tmp_path, "chatbot_data")
    path = folder / "ChatbotData.csv"
    rows = path.read_text(encoding="utf-8").splitlines(keepends=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.writelines(rows[1:41])  # every one of 40 questions twice
    _use_data_dir(monkeypatch, folder)
    with pytest.warns(data.DroppedRowsWarning) as record:
        dd = data.load("chatbot")
    dropped = {w.message.reason: w.message.counts for w in record if isinstance(w.message, data.DroppedRowsWarning)}
    assert dropped["duplicate_text"] == {"train+test": 40}
    train = {data.dedup_key(t) for t in dd["train"]["text"]}
    assert not train & {data.dedup_key(t) for t in dd["test"]["text"]}
    assert len(dd["train"]) + len(dd["test"]) == len(rows) - 1


def test_unknown_split_lists_the_splits():
    dd = data.load("nsmc", source="sample")
    with pytest.raises(data.SplitNotFoundError) as err:
        dd["validation"]
    assert isinstance(err.value, KeyError) and isinstance(err.value, ConfigError)
    assert "train, test" in str(err.value) and "'validation'" in str(err.value)
    assert len(dd["train"]) > 0 and "validation" not in dd


def test_read_table_permission_error(tmp_path, monkeypatch):
    from ftkit.data import parse

    folder = _sample_copy(tmp_path, "nsmc")
    _use_data_dir(monkeypatch, folder)

    def denied(path, *args, **kwargs):  # tests may run as root, where chmod 000 does not stop reading
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(parse.pd, "read_csv", denied)
    with pytest.raises(DataError) as err:
        data.load("nsmc")
    assert "chmod" in str(err.value) and "ratings_train.txt" in str(err.value)


def test_read_table_cp949_file_says_iconv(tmp_path, monkeypatch):
    folder = _sample_copy(tmp_path, "nsmc")
    path = folder / "ratings_test.txt"
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp949", errors="replace"))
    _use_data_dir(monkeypatch, folder)
    with pytest.raises(DataError) as err:
        data.load("nsmc")
    assert "CP949/EUC-KR" in str(err.value) and "iconv -f CP949 -t UTF-8" in str(err.value)


def test_read_table_file_cut_inside_a_character_says_copy_again(tmp_path, monkeypatch):
    folder = _sample_copy(tmp_path, "nsmc")
    path = folder / "ratings_test.txt"
    row = "999\t끝까지 못 쓴 리뷰".encode("utf-8")
    path.write_bytes(path.read_bytes() + row[:-1])  # the copy stopped in the middle of the last character
    _use_data_dir(monkeypatch, folder)
    with pytest.raises(DataError) as err:
        data.load("nsmc")
    assert "truncated" in str(err.value) and "다시 복사" in str(err.value)


def test_read_table_truncated_quoted_field(tmp_path, monkeypatch):
    folder = _sample_copy(tmp_path, "chatbot_data")
    path = folder / "ChatbotData.csv"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('"잘린 질문,')  # the copy stopped inside a quoted field
    _use_data_dir(monkeypatch, folder)
    with pytest.raises(DataError) as err:
        data.load("chatbot")
    assert "truncated" in str(err.value) and "Copy it again" in str(err.value)


def test_choose_max_length_is_capped_at_the_model_limit(word_tokenizer, capsys):
    texts = {"text": ["a b"] * 50 + ["a " * 500_000]}  # one 1 MB row among short ones
    lengths = data.token_lengths(texts, word_tokenizer, "text")
    assert data.choose_max_length(lengths) > 100_000  # uncapped, the 99th percentile follows that row
    assert data.choose_max_length(lengths, limit=512) == 512
    assert "512" in capsys.readouterr().out
    assert data.choose_max_length([10, 12, 14], limit=512) == 16  # under the limit nothing changes
    with pytest.raises(ConfigError):
        data.choose_max_length(lengths, limit=0)
    with pytest.raises(DataError):
        data.choose_max_length([], limit=512)


def test_doctor_prints_the_checksum_result(tmp_path, monkeypatch, capsys):
    from ftkit import cli

    folder = _sample_copy(tmp_path, "nsmc")
    _use_data_dir(monkeypatch, folder)
    lines = (folder / "ratings_train.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "ratings_train.txt").write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "ratings_train.txt" in out and data.get_spec("nsmc").sha256["ratings_train.txt"] in out
    assert sources.sha256_of(folder / "ratings_train.txt") in out


def test_duplicate_messages_use_the_right_particle_and_number():
    from ftkit.data.loading import _report_duplicates

    keys = {"train": [("a", "b"), ("a", "b"), ("c", "d")], "test": [("a", "b")]}
    with pytest.warns(data.DuplicateTextWarning) as record:
        _report_duplicates(data.get_spec("korsts"), keys, "local")
    messages = [str(w.message) for w in record]
    assert "앞 행과 문장 쌍이 같은" in messages[0] and "train 1 row (1 distinct" in messages[0]
    assert "test 1 row (1 distinct" in messages[1]
    with pytest.warns(data.DuplicateTextWarning) as record:
        _report_duplicates(data.get_spec("nsmc"), {"train": [("x",), ("x",)]}, "local")
    assert "앞 행과 텍스트가 같은" in str(record[0].message)

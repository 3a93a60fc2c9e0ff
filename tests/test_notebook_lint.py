"""Committed notebooks follow the course rules; and the lint really catches violations."""
import copy
import json
from pathlib import Path

import pytest

from ftkit import course
from ftkit.lint import lint_cells, lint_notebook

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def test_every_lesson_has_a_notebook_and_vice_versa():
    stems = {p.stem for p in NOTEBOOKS}
    assert stems, "no notebooks found"
    assert stems <= {s for s, _ in course.LESSONS}, "notebook not registered in ftkit.course.LESSONS"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_clean(path):
    assert lint_notebook(path) == []


@pytest.fixture
def good():
    path = Path(__file__).parent.parent / "notebooks" / "01_pretraining_and_sentiment.ipynb"
    return json.loads(path.read_text(encoding="utf-8")), path.stem


def _with(nb, kind, source, index=None):
    nb = copy.deepcopy(nb)
    cell = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell.update(outputs=[], execution_count=None)
    nb["cells"].insert(len(nb["cells"]) if index is None else index, cell)
    return nb


@pytest.mark.parametrize("code, fragment", [
    ("args = TrainingArguments('x', evaluation_strategy='epoch')", "eval_strategy"),
    ("trainer = Trainer(model=m, tokenizer=tok)", "processing_class"),
    ("from transformers import AdamW", "torch.optim.AdamW"),
    ("m = AutoModel.from_pretrained(p, trust_remote_code=True)", "trust_remote_code"),
    ("model.to('cuda')", "cuda"),
    ("x = x.cuda()", "cuda"),
    ("dt = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16", "ftkit.precision"),
    ("acc = evaluate.load('accuracy')", "offline"),
    ("enc = tok.encode_plus('a', 'b')", "encode_plus"),
    ("!pip install transformers", "pip"),
])
def test_lint_catches_removed_apis(good, code, fragment):
    nb, stem = good
    problems = lint_cells(_with(nb, "code", code), stem)
    assert any(fragment in p for p in problems), problems


@pytest.mark.parametrize("text, fragment", [
    ("이 모델을 파인튜닝합니다.", "미세 조정"),
    ("라벨을 확인합니다.", "레이블"),
    ("정확도가 0.873이 나왔습니다.", "0.873"),
    ("속도가 45% 빨라졌습니다.", "45%"),
])
def test_lint_catches_prose_problems(good, text, fragment):
    nb, stem = good
    assert any(fragment in p for p in lint_cells(_with(nb, "markdown", text), stem))


def test_lint_allows_numbers_in_code_spans_and_quotes(good):
    nb, stem = good
    nb = _with(nb, "markdown", "삭제 비율은 `0.6`입니다.\n\n> 원문에서는 0.867 → 0.849로 떨어졌습니다.")
    assert lint_cells(nb, stem) == []


def test_lint_requires_first_use_in_both_languages(good):
    nb, stem = good
    nb = _with(nb, "markdown", "크로스 인코더를 씁니다.", index=1)
    assert any("크로스 인코더(cross-encoder)" in p for p in lint_cells(nb, stem))


def test_lint_structure_rules(good):
    nb, stem = good
    bad = copy.deepcopy(nb)
    bad["metadata"]["colab"] = {"provenance": []}
    bad["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "hi"}]
    bad["cells"][1]["execution_count"] = 3
    for cell in bad["cells"]:
        cell["metadata"].pop("tags", None)
    problems = lint_cells(bad, stem)
    assert any("metadata not allowed" in p for p in problems)
    assert any("outputs" in p for p in problems)
    assert any("parameters" in p for p in problems)
    assert any("Colab badge" in p for p in lint_cells(nb, "02_other_name"))


EXECUTED = sorted((Path(__file__).parent.parent / "docs" / "executed").glob("*.ipynb"))


def test_executed_copies_are_not_linted_as_lessons():
    """docs/executed/*.ipynb hold outputs on purpose: lint_path gives them the copy rules, not the lesson rules."""
    from ftkit.lint import is_executed_copy, lint_path

    assert EXECUTED and all(is_executed_copy(p) for p in EXECUTED)
    assert not any(is_executed_copy(p) for p in NOTEBOOKS)
    assert set(NOTEBOOKS).isdisjoint(EXECUTED)
    for path in EXECUTED:
        assert any("outputs" in p for p in lint_notebook(path))  # the lesson rules would refuse it
        assert lint_path(path) == [], path.name


def test_executed_copy_lint_catches_secrets_and_paths(tmp_path):
    from ftkit.lint import lint_path

    nb = json.loads(EXECUTED[0].read_text(encoding="utf-8"))
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout",
                        "text": ["saved to /work/someone/run/model\n", "token hf_" + "a1B2c3D4" * 5 + "\n"]}]
    nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    bad = tmp_path / "docs" / "executed" / EXECUTED[0].name
    bad.parent.mkdir(parents=True)
    bad.write_text(json.dumps(nb), encoding="utf-8")
    problems = lint_path(bad)
    assert any("machine path '/work/someone" in p for p in problems), problems
    assert any("Hugging Face token" in p for p in problems), problems
    assert any("widgets" in p for p in problems), problems

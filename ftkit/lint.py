"""Notebook lint: the course's rules for committed notebooks, as functions that return problems.

``lint_notebook(path)`` returns a list of human-readable problems (empty = clean).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from ftkit import course

# The course glossary (kept here, the one place it lives): variants to avoid in prose -> the term to use instead.
AVOID = {
    "미세조정": "미세 조정", "미세 튜닝": "미세 조정", "파인 튜닝": "미세 조정", "파인튜닝": "미세 조정",
    "사전학습": "사전 학습", "프리트레이닝": "사전 학습", "풀 파인튜닝": "전체 미세 조정",
    "프리징": "동결", "얼리기": "동결", "훈련 가능 파라미터": "학습 가능한 파라미터",
    "데이터 세트": "데이터셋", "데이터세트": "데이터셋", "토크나이져": "토크나이저",
    "다이나믹 패딩": "동적 패딩", "절단": "자르기(truncation)", "주의 마스크": "어텐션 마스크",
    "분류기 헤드": "분류 헤드", "학습 속도": "학습률", "에폭": "에포크", "이폭": "에포크",
    "로스": "손실", "오버피팅": "과적합", "정답률": "정확도", "파괴적 망각": "재앙적 망각",
    "치명적 망각": "재앙적 망각", "초매개변수": "하이퍼파라미터", "경사 누적": "그레이디언트 누적",
    "기울기 누적": "그레이디언트 누적", "라벨": "레이블", "수반": "함의", "데이터 증식": "데이터 증강",
    "증식 SBERT": "증강 SBERT", "디노이징 오토인코더": "잡음 제거 오토인코더", "피크 메모리": "최대 메모리",
    "채움 토큰": "패딩 토큰", "리콜": "재현율", "오차 행렬": "혼동 행렬", "트리플렛": "삼중항",
    "최적화기": "옵티마이저", "경사 클리핑": "그레이디언트 클리핑", "선생 모델": "교사 모델", "리랭킹": "재순위화",
    "인스트럭션 튜닝": "지시 미세 조정", "혼란도": "퍼플렉서티", "머지": "병합",
}

# Terms whose first use in a notebook's prose must be written 한글(English).
FIRST_USE = {
    "미세 조정": "fine-tuning", "사전 학습": "pre-training", "동결": "freezing",
    "동적 패딩": "dynamic padding", "어텐션 마스크": "attention mask", "분류 헤드": "classification head",
    "학습률": "learning rate", "과적합": "overfitting", "재앙적 망각": "catastrophic forgetting",
    "클래스 불균형": "class imbalance", "하이퍼파라미터": "hyperparameter", "혼합 정밀도": "mixed precision",
    "그레이디언트 누적": "gradient accumulation", "자연어 추론": "natural language inference",
    "의미 유사도": "semantic textual similarity", "문장 임베딩": "sentence embedding",
    "바이 인코더": "bi-encoder", "크로스 인코더": "cross-encoder", "대조 학습": "contrastive learning",
    "배치 내 부정 샘플": "in-batch negatives", "어려운 부정 샘플": "hard negative",
    "데이터 증강": "data augmentation", "증강 SBERT": "Augmented SBERT", "비지도 학습": "unsupervised learning",
    "잡음 제거 오토인코더": "denoising auto-encoder", "양자화": "quantization", "최대 메모리": "peak memory",
    "재현성": "reproducibility", "처리량": "throughput",
    "데이터셋": "dataset", "토크나이저": "tokenizer", "에포크": "epoch", "배치": "batch", "옵티마이저": "optimizer",
    "스케줄러": "scheduler", "그레이디언트 클리핑": "gradient clipping", "혼동 행렬": "confusion matrix",
    "어댑터": "adapter", "삼중항": "triplet", "교사": "teacher", "학생": "student", "재현율": "recall",
    "매크로 F1": "macro-F1", "지시 미세 조정": "instruction tuning", "퍼플렉서티": "perplexity",
}

# Removed or unsafe APIs in code cells: regex -> why.
FORBIDDEN_CODE = {
    r"\bevaluation_strategy\b": "transformers 5 removed evaluation_strategy: use eval_strategy",
    r"\bfrom\s+transformers\s+import\s+[^\n]*\bAdamW\b|\btransformers\.AdamW\b":
        "transformers.AdamW is gone: use torch.optim.AdamW",
    r"\btrust_remote_code\b": "never use trust_remote_code",
    r"[\"']cuda(:\d+)?[\"']|\.cuda\(\)": "no hard-coded 'cuda': use ftkit.training.device()",
    r"\bis_bf16_supported\b": "is_bf16_supported() counts emulation (True on a T4): use ftkit.precision",
    r"\bload_metric\b|\bevaluate\.load\b": "Hub metric loading fails offline: use ftkit.evaluation",
    r"\b(batch_)?encode_plus\b": "encode_plus is gone in transformers 5: call the tokenizer",
    r"^\s*[!%]\s*pip\b": "no bare !pip / %pip: installs go in the guarded Colab set-up cell",
}

ALLOWED_NOTEBOOK_METADATA = {"kernelspec", "language_info"}
ALLOWED_CELL_METADATA = {"tags"}
_NUMBER_IN_PROSE = re.compile(r"(?<![\d.A-Za-z])\d+\.\d+(?![\d.])|\d+(\.\d+)?\s?%")


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _prose(text: str) -> str:
    """Markdown without code spans, fenced code, blockquotes (quoted sources) and link targets."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))


def _trainer_tokenizer_kw(code: str) -> bool:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
            if name.endswith("Trainer") and any(k.arg == "tokenizer" for k in node.keywords):
                return True
    return False


def lint_cells(nb: dict, stem: str) -> list[str]:
    """All problems of a notebook given as a dict (nbformat JSON) and its file stem."""
    problems: list[str] = []
    if nb.get("nbformat") != 4:
        problems.append("nbformat must be 4")
    extra = set(nb.get("metadata", {})) - ALLOWED_NOTEBOOK_METADATA
    if extra:
        problems.append(f"notebook metadata not allowed (widgets/Colab/user data): {sorted(extra)}")
    if "kernelspec" not in nb.get("metadata", {}):
        problems.append("metadata.kernelspec missing (papermill needs it)")
    cells = nb.get("cells", [])
    params = [i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(params) != 1:
        problems.append(f"exactly one cell tagged 'parameters' required, found {len(params)}")
    elif "PROFILE" not in _source(cells[params[0]]):
        problems.append("the parameters cell must define PROFILE")
    code_cells = [c for c in cells if c.get("cell_type") == "code"]
    if not code_cells or not _source(code_cells[0]).startswith(course.COLAB_SETUP):
        problems.append("the first code cell must start with ftkit.course.COLAB_SETUP (guarded Colab install)")
    if course.colab_url(stem) not in _source(cells[0]) if cells else True:
        problems.append(f"first cell must hold the Colab badge for notebooks/{stem}.ipynb")
    prose_so_far = ""
    for i, cell in enumerate(cells):
        src, kind = _source(cell), cell.get("cell_type")
        extra = set(cell.get("metadata", {})) - ALLOWED_CELL_METADATA
        if extra:
            problems.append(f"cell {i}: metadata not allowed: {sorted(extra)}")
        if kind == "code":
            if cell.get("outputs") or cell.get("execution_count") is not None:
                problems.append(f"cell {i}: committed with outputs/execution count")
            for pattern, why in FORBIDDEN_CODE.items():
                if re.search(pattern, src, flags=re.M):
                    problems.append(f"cell {i}: {why}")
            if _trainer_tokenizer_kw(src):
                problems.append(f"cell {i}: Trainer(tokenizer=) is gone: use processing_class=")
        elif kind == "markdown":
            prose = _prose(src)
            for bad, good in AVOID.items():
                if re.search(rf"(?<![가-힣]){re.escape(bad)}", prose):
                    problems.append(f"cell {i}: glossary: write '{good}' instead of '{bad}'")
            for m in _NUMBER_IN_PROSE.finditer(prose):
                problems.append(f"cell {i}: hand-typed number '{m.group(0)}' in prose: render it from results "
                                "(run.say) or put it in `code` / a > quote of the source")
            prose_so_far += "\n" + "\n".join(l for l in prose.splitlines() if not l.lstrip().startswith("#"))
    for term, english in FIRST_USE.items():
        # an occurrence inside a longer glossary term ("배치" in "배치 내 부정 샘플") is that term's use
        masked = prose_so_far
        for longer in FIRST_USE:
            if term in longer and longer != term:
                masked = masked.replace(longer, "\0" * len(longer))
        m = re.search(re.escape(term), masked)
        if m and not re.match(r"(\s?[가-힣]{1,3})?\s?\(", prose_so_far[m.end():m.end() + 8]):
            problems.append(f"glossary: first use of '{term}' must read '{term}({english})'")
    return problems


def lint_notebook(path: str | Path) -> list[str]:
    """Problems of the notebook file at ``path``."""
    import json

    path = Path(path)
    return lint_cells(json.loads(path.read_text(encoding="utf-8")), path.stem)


EXECUTED_DIR_NAME = "docs/executed"  # executed copies (ftkit.executed): not lessons, outputs are their point


def is_executed_copy(path: str | Path) -> bool:
    """True for ``docs/executed/*.ipynb``: checked by ``lint_executed``, never by the lesson rules."""
    parts = Path(path).resolve().parts
    return len(parts) >= 3 and parts[-3:-1] == ("docs", "executed")


def lint_executed(path: str | Path) -> list[str]:
    """Problems of an executed copy: secrets, machine paths, widget state, run metadata, size (not the lesson rules:
    outputs, execution counts and the injected parameters cell are what a copy is for)."""
    from ftkit import executed

    return executed.copy_problems(Path(path))


def lint_path(path: str | Path) -> list[str]:
    """The right rules for a notebook file: an executed copy's, or a lesson's."""
    return lint_executed(path) if is_executed_copy(path) else lint_notebook(path)

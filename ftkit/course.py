"""The course in one place: repository URL, lessons, the Colab set-up snippet."""
from __future__ import annotations

REPOSITORY = "ftkit-course/ftkit"  # GitHub owner/name: Colab badges and the Colab install use it
BRANCH = "main"

# (notebook stem, Korean title)
LESSONS: list[tuple[str, str]] = [
    ("01_pretraining_and_sentiment", "사전 학습과 미세 조정, Trainer로 감성 분류"),
    ("02_sentence_pairs_dynamic_padding", "문장 쌍 전처리와 동적 패딩"),
    ("03_training_loop_nli", "직접 만드는 학습 루프: 자연어 추론"),
    ("04_full_freeze_lora", "전체 미세 조정 vs 동결 vs LoRA: 한국어 감정 분류"),
    ("05_sentence_embeddings", "문장 임베딩 미세 조정 (MNRL, STS 평가)"),
    ("06_augmented_sbert", "증강 SBERT: 크로스 인코더로 실버 데이터 만들기"),
    ("07_tsdae", "TSDAE: 레이블 없이 임베딩 학습하기"),
    ("08_llm_instruction_tuning", "작은 LLM 지시 미세 조정: LoRA vs 전체 미세 조정 vs QLoRA, 망각 재기"),
]


def colab_url(stem: str) -> str:
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/notebooks/{stem}.ipynb"


def colab_badge(stem: str) -> str:
    """Markdown for the 'Open in Colab' badge of a notebook."""
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(stem)})"


# The first code cell of every notebook starts with exactly these lines (checked by the lint).
COLAB_SETUP = f'''import sys

if "google.colab" in sys.modules:  # Colab에서만 설치합니다 (로컬에서는 requirements.txt로 설치)
    import subprocess

    subprocess.run(["git", "clone", "-q", "--depth", "1", "https://github.com/{REPOSITORY}", "/content/ftkit"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-r", "/content/ftkit/requirements-colab.txt",
                    "-e", "/content/ftkit"], check=True)'''

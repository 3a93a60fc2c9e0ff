"""The dataset registry: what each course dataset is, where its files live, how its labels read.

Every entry of :data:`DATASETS` names the folder and files (the same names under ``FTKIT_DATA_DIR``, in the
download cache and in the bundled samples), the task type, the label names and the upstream addresses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from ftkit.data.emotion import EMOTION_CLASSES
from ftkit.errors import ConfigError

TASKS = ("single", "pair", "similarity")


@dataclass(frozen=True)
class DatasetSpec:
    """One course dataset.

    Attributes:
        name: registry key (``load(name)``).
        task: ``"single"`` (text, label), ``"pair"`` (sentence1, sentence2, label) or
            ``"similarity"`` (sentence1, sentence2, score in [0, 1]).
        language: ``"ko"`` or ``"en"``.
        label_names: class names in label-index order (empty for similarity).
        folder: folder under ``FTKIT_DATA_DIR`` / the download cache / ``ftkit/samples``.
        files: split -> file name inside ``folder`` (``"all"`` for single-file sets split by ftkit).
        urls: file name -> upstream download address (pinned commits where the source is a git repo).
        description: one line in Korean.
        source: upstream repository / citation line.
        licence: licence in a few words.
        sha256: file name -> SHA-256 of the upstream file (checked after a download).
        notes: how ftkit builds the splits and labels, in English.
    """

    name: str
    task: str
    language: str
    label_names: tuple[str, ...]
    folder: str
    files: Mapping[str, str]
    urls: Mapping[str, str]
    description: str
    source: str
    licence: str
    sha256: Mapping[str, str] = field(default_factory=dict)
    notes: str = ""
    git_blob: Mapping[str, str] = field(default_factory=dict)  # file -> git blob id, where no SHA-256 is published
    fallback: str | None = None  # dataset used instead when these files cannot be had (see data.load)

    @property
    def num_labels(self) -> int:
        """Number of classes (0 for similarity sets)."""
        return len(self.label_names)

    @property
    def text_columns(self) -> tuple[str, ...]:
        """Text columns of the loaded dataset: ``("text",)`` or ``("sentence1", "sentence2")``."""
        return ("text",) if self.task == "single" else ("sentence1", "sentence2")

    @property
    def target_column(self) -> str:
        """``"label"`` for classification, ``"score"`` for similarity."""
        return "score" if self.task == "similarity" else "label"


def _gh(repo: str, commit: str, path: str) -> str:
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"


NLI_EN = ("entailment", "neutral", "contradiction")
NLI_KO = ("함의", "중립", "모순")

IMDB_TARBALL_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"

_NSMC = "https://github.com/e9t/nsmc"
_KAKAO = ("kakaobrain/kor-nlu-datasets", "0df0fe7d496eb61b092e022e238c2230b29f1cbc")


def _spec(name, task, language, labels, folder, files, urls, description, source, licence, sha256, notes="",
          git_blob=None, fallback=None):
    return DatasetSpec(
        name=name, task=task, language=language, label_names=tuple(labels), folder=folder,
        files=MappingProxyType(dict(files)), urls=MappingProxyType(dict(urls)), description=description,
        source=source, licence=licence, sha256=MappingProxyType(dict(sha256)), notes=notes,
        git_blob=MappingProxyType(dict(git_blob or {})), fallback=fallback,
    )


def _build() -> dict[str, DatasetSpec]:
    specs = []
    c = "cc0670e872d4ac27bfe36c87456783004b39ef6c"
    specs.append(_spec(
        "nsmc", "single", "ko", ("부정", "긍정"), "nsmc",
        {"train": "ratings_train.txt", "test": "ratings_test.txt"},
        {f: _gh("e9t/nsmc", c, f) for f in ("ratings_train.txt", "ratings_test.txt")},
        "네이버 영화 리뷰 감성 분석(NSMC): 리뷰 한 줄이 부정(0)인지 긍정(1)인지 분류합니다.",
        f"{_NSMC} (Lucy Park 2016)", "CC0 1.0",
        {"ratings_train.txt": "e03b7d14e9e41be8d464a28057cd25d7396c53e67aa7fd5f7e552c59b0ee2940",
         "ratings_test.txt": "8ac9f64052f11dbf6ae0acb5e038f03d90a76f0eda7820cfb3a92d02edfcebda"},
        "train 150,000 / test 50,000; 5 + 3 empty reviews are dropped.",
    ))
    specs.append(_spec(
        "imdb", "single", "en", ("negative", "positive"), "imdb",
        {"train": "imdb_train.csv", "test": "imdb_test.csv"},
        {"imdb_train.csv": IMDB_TARBALL_URL, "imdb_test.csv": IMDB_TARBALL_URL},
        "IMDb 영화 리뷰 감성 분석(영어): 리뷰가 부정(negative)인지 긍정(positive)인지 분류합니다.",
        "aclImdb v1, https://ai.stanford.edu/~amaas/data/sentiment/ (Maas et al. 2011)",
        "none stated (cite Maas et al. 2011)",
        {"imdb_train.csv": "1d00e4a7a402f8abd702d70b5758823d88ae4fc65b37d130ce54856125ed6bc4",
         "imdb_test.csv": "622ef57abec45eeab289d801da5c71f1a89c39cce0e0cb050ccfdccbcb7692a9"},
        "The download is the aclImdb_v1 tarball, packed into two CSVs (id, rating, label, text) exactly like "
        "the course data folder. Texts keep the literal '<br />' tags.",
    ))
    c = "733d79335044b1b7eabb5b47a0eae0cd621dadc0"
    files = {"train": "train.tsv", "validation": "dev.tsv", "test": "msr_paraphrase_test.txt"}
    specs.append(_spec(
        "mrpc", "pair", "en", ("not_equivalent", "equivalent"), "glue_mrpc", files,
        {f: _gh("Nstats/my_bert", c, f"data/MRPC/{f}") for f in files.values()},
        "MRPC(영어 문장 쌍): 두 뉴스 문장이 같은 뜻(equivalent)인지 분류합니다.",
        "Microsoft Research Paraphrase Corpus via GLUE (copy in Nstats/my_bert)",
        "MSR-SSLA, non-commercial",
        {"train.tsv": "122becc469405bc16f9defcb8715d2a4b7ce600e9d9381e6dc42bfdd1494c51d",
         "dev.tsv": "81c8a1a9e1dfe461dd2c1a4f98f43fe18bece44d2bf9e3d0b245b88e5aa5eaf7",
         "msr_paraphrase_test.txt": "0360d0d3427a0ae14882e2b3a799df0fab6cb5203d5e8ee481949283da62acb6"},
        "GLUE train 3,668 / dev 408 (validation); test = the labelled original msr_paraphrase_test.txt (1,725).",
    ))
    c = "e84b6f0e784c10c6a22cbbc7b1e415b901baa877"
    files = {"train": "train.txt", "validation": "validation.txt", "test": "test.txt"}
    specs.append(_spec(
        "question_pair", "pair", "ko", ("다른 질문", "같은 질문"), "question_pair", files,
        {f: _gh("songys/Question_pair", c, f) for f in files.values()},
        "한국어 질문 쌍: 두 질문이 같은 뜻(1)인지 다른 질문(0)인지 분류합니다.",
        "https://github.com/songys/Question_pair (Paired Question v.2)", "MIT",
        {"train.txt": "addf4c88b19066ad55a09f466c5c3f6428b3f2bd5d55100d3ca5b93d9d8daff9",
         "validation.txt": "3928c783f561f36547fd8e0c9d78a6e1d6013db3debcf559c4135aa5536badea",
         "test.txt": "0d5738107ea3742de4dcaf3a358b6bfa4818781bc6aec11a9956a3fbe35f8b61"},
        "The file's is_duplicate is 0 = same, 1 = different; ftkit inverts it so label 1 = same question "
        "(like MRPC's 1 = equivalent).",
    ))
    files = {"train": "xnli.dev.ko.tsv", "test": "xnli.test.ko.tsv"}
    specs.append(_spec(
        "kornli", "pair", "ko", NLI_KO, "kornli", files,
        {f: _gh(_KAKAO[0], _KAKAO[1], f"KorNLI/{f}") for f in files.values()},
        "KorNLI 자연어 추론(NLI): 전제와 가설이 함의·중립·모순 중 어느 관계인지 분류합니다.",
        "https://github.com/kakaobrain/kor-nlu-datasets (Ham et al. 2020)",
        "CC BY-SA 4.0 (XNLI upstream CC BY-NC 4.0)",
        {"xnli.dev.ko.tsv": "821fb1c1c2e538ac2724a6132da36ffa379eb9a542ceb89243b3cf711377382c",
         "xnli.test.ko.tsv": "0db53cf8e182283a0d0404ec3fe1b15d1e29236d23d22082dc20d43067254b3e"},
        "Only the human-translated XNLI parts: train = xnli.dev.ko (2,490), test = xnli.test.ko (5,010).",
    ))
    # KorNLI's machine-translated training pairs (MultiNLI 393k + SNLI 550k) for the GPU profiles. Upstream
    # publishes no SHA-256; the git blob ids (SHA-1 of b"blob <size>\0" + bytes) pin both content and size.
    files = {"train": "multinli.train.ko.tsv", "train_snli": "snli_1.0_train.ko.tsv", "test": "xnli.test.ko.tsv"}
    specs.append(_spec(
        "kornli_mt", "pair", "ko", NLI_KO, "kornli", files,
        {f: _gh(_KAKAO[0], _KAKAO[1], f"KorNLI/{f}") for f in files.values()},
        "KorNLI 자연어 추론(NLI), 기계 번역한 학습 쌍(MultiNLI + SNLI, 약 94만 쌍)으로 학습하고 XNLI 테스트로 평가합니다.",
        "https://github.com/kakaobrain/kor-nlu-datasets (Ham et al. 2020)",
        "CC BY-SA 4.0 (MultiNLI/SNLI upstream licences apply)",
        {"xnli.test.ko.tsv": "0db53cf8e182283a0d0404ec3fe1b15d1e29236d23d22082dc20d43067254b3e"},
        "train = multinli.train.ko + snli_1.0_train.ko (machine-translated), test = xnli.test.ko (5,010). "
        "Where the training files cannot be had (offline, or not in FTKIT_DATA_DIR) data.load says so and "
        "loads 'kornli' (train = the 2,490 human-translated XNLI dev pairs) instead; data.load_log() records which.",
        git_blob={"multinli.train.ko.tsv": "94d26a9d0dd045928148ef8691a256bd0e7d45c3",
                  "snli_1.0_train.ko.tsv": "c91761e52fca2a7420104589811346986ce94073"},
        fallback="kornli",
    ))
    specs.append(_spec(
        "sick", "pair", "en", NLI_EN, "sick", {"all": "SICK.txt"},
        {"SICK.txt": _gh("kkalouli/SICK-processing", "0848f4aec60870122a4ca18de08ba0e25f6f9a75", "SICK.txt")},
        "SICK 영어 자연어 추론(NLI): 문장 쌍이 함의·중립·모순 중 어느 관계인지 분류합니다.",
        "SICK (Marelli et al. 2014), copy in kkalouli/SICK-processing", "CC BY-NC-SA 3.0 (per HF card)",
        {"SICK.txt": "1539c2d059809b5bd40694e26d8121cc85b6b496f91c7b40f2fc83bbd7dcd957"},
        "Split by the SemEval_set column: TRAIN -> train, TRIAL -> validation, TEST -> test.",
    ))
    c = "6a56cb10f1055e00a8fbc6882f289e91cfe60f4e"
    specs.append(_spec(
        "mnli_samples", "pair", "en", NLI_EN, "mnli_samples",
        {"test": "mnli_matched", "mismatched": "mnli_mismatched"},
        {f: _gh("jind11/TextFooler", c, f"data/{f}") for f in ("mnli_matched", "mnli_mismatched")},
        "MNLI 검증 세트 표본(영어, 1,000+1,000쌍): 평가 전용 소규모 자연어 추론 데이터입니다.",
        "MultiNLI dev samples from jind11/TextFooler", "MIT (repo); text OANC / CC BY-SA 3.0",
        {"mnli_matched": "248f2bf5ce2c431785aad9946032e350b0dd07a9b67efc161c3a5041b6ce5360",
         "mnli_mismatched": "f418302efa473eb78a7794c0838a042358c545dc97a3c15d54339ccaae61fdae"},
        "An evaluation set: test = mnli_matched (1,000). mnli_mismatched, less its 1 repeated pair, is split "
        "50/50 (stratified, fixed seed) into train (499) and test_mismatched (500), so that train never overlaps "
        "an evaluation split. "
        "Text is PTB-tokenised (\"ca n't\").",
    ))
    files = {"train": "sts-train.tsv", "validation": "sts-dev.tsv", "test": "sts-test.tsv"}
    specs.append(_spec(
        "korsts", "similarity", "ko", (), "korsts", files,
        {f: _gh(_KAKAO[0], _KAKAO[1], f"KorSTS/{f}") for f in files.values()},
        "KorSTS 의미 유사도(STS): 두 문장의 뜻이 얼마나 비슷한지 0~5점(여기서는 0~1로 나눔)으로 매깁니다.",
        "https://github.com/kakaobrain/kor-nlu-datasets (Ham et al. 2020)", "CC BY-SA 4.0",
        {"sts-train.tsv": "b5aaa7f957d6ff46f4b6834a8b0f024a9234a6eefe9289aed66746b4533da3b8",
         "sts-dev.tsv": "d835b65b424401fbcce6be28a78159df8d61f5b19977ea7a0b83b8cb6105f393",
         "sts-test.tsv": "13f83a3440d9db52d134eb40303ce021b03264aa338fbf2871c8786ce04d2105"},
        "score = raw 0-5 score / 5.",
    ))
    files = {"train": "stsb-en-train.csv", "validation": "stsb-en-dev.csv", "test": "stsb-en-test.csv"}
    specs.append(_spec(
        "stsb", "similarity", "en", (), "stsb", files,
        {f: _gh("PhilipMay/stsb-multi-mt", "30de0dec4ee199b7f42351d3f1a0b19592955385", f"data/{f}")
         for f in files.values()},
        "STS-B 영어 의미 유사도(STS): 두 문장의 뜻이 얼마나 비슷한지 0~5점(여기서는 0~1로 나눔)으로 매깁니다.",
        "STS Benchmark (Cer et al. 2017), copy in PhilipMay/stsb-multi-mt",
        "scores CC BY-SA 4.0; texts per source",
        {"stsb-en-train.csv": "e1e84fec60bbb598735552f54a35f4949904a484750fd2cb11e2720e49f63da6",
         "stsb-en-dev.csv": "d29586e96558c4eb52cf5ea5d14e9c24d3bf0e44f111b017caba43a5adc33226",
         "stsb-en-test.csv": "11523b625219e94e9ca05d2816b5f02cac1614c5894fe657376fa0806378d053"},
        "score = raw 0-5 score / 5.",
    ))
    specs.append(_spec(
        "chatbot", "single", "ko", ("일상", "이별(부정)", "사랑(긍정)"), "chatbot_data",
        {"all": "ChatbotData.csv"},
        {"ChatbotData.csv": _gh("songys/Chatbot_data", "4cf20d13fc46f5037fd1c531cd566e2dd9f72974",
                                "ChatbotData.csv")},
        "한국어 챗봇 질문 3분류: 질문이 일상·이별(부정)·사랑(긍정) 중 어디에 속하는지 분류합니다.",
        "https://github.com/songys/Chatbot_data (Song 2018)", "MIT",
        {"ChatbotData.csv": "287eb129695b577321c80ad397bb3c2279164d4ca577874d129fd3db5b30afe2"},
        "text = the question (Q). No official split: repeated questions (data.dedup_key) are removed first, "
        "keeping the first (223 rows dropped), then stratified 80/20 train/test with a fixed seed (independent of load's "
        "seed), so no test question is also in train.",
    ))
    c = "cafd2c3f54a6f4b25ac74eaa02a2e76c3ef8c977"
    files = {"train": "val.tsv", "test": "test.tsv"}
    specs.append(_spec(
        "emotion", "single", "ko", EMOTION_CLASSES, "kote", files,
        {f: _gh("searle-j/KOTE", c, f) for f in files.values()},
        "한국어 댓글 감정 6분류(KOTE에서 만듦): 분노·슬픔·불안·상처·당황·기쁨 중 하나로 분류합니다.",
        "KOTE, https://github.com/searle-j/KOTE (Jeon et al. 2022)", "MIT",
        {"val.tsv": "c7d686ee1d63be7f57ec939f372ebdc4ada8eac1c9eeeeac207774976ab69a6e",
         "test.tsv": "8d8e11c5adf374f552cfbe6f2d7b9967e7335cc86c205beeefb6fd8c6ed9deb0"},
        "train = KOTE val.tsv, test = KOTE test.tsv; 44 multi-labels mapped to 6 classes "
        "(ftkit.data.KOTE_TO_EMOTION); ambiguous rows dropped and reported.",
    ))
    return {s.name: s for s in specs}


DATASETS: dict[str, DatasetSpec] = _build()


def get_spec(name: str) -> DatasetSpec:
    """The spec of ``name``; an unknown name raises ConfigError listing the known names."""
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        names = ", ".join(DATASETS)
        raise ConfigError(
            f"알 수 없는 데이터셋 '{name}'입니다. 사용 가능: {names}",
            f"Unknown dataset '{name}'. Available: {names}",
        ) from None


def language_of(name: str) -> str:
    """``"ko"`` or ``"en"`` for a dataset name (unknown name -> ConfigError listing the names)."""
    return get_spec(name).language

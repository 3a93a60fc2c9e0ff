"""Course datasets in one call: ``load("nsmc", n_train=1000)`` -> ``datasets.DatasetDict``.

Schemas (one per task type):

- single: ``text`` (str), ``label`` (``ClassLabel`` with the spec's names)
- pair: ``sentence1``, ``sentence2``, ``label`` (``ClassLabel``); NLI sets use entailment/neutral/contradiction
  = 0/1/2 (KorNLI: 함의/중립/모순)
- similarity: ``sentence1``, ``sentence2``, ``score`` (float32 in [0, 1] = the raw 0-5 score / 5)

Data comes from ``FTKIT_DATA_DIR`` if set, else it is downloaded once (online), else the small bundled
samples in ``ftkit/samples`` are used (offline); see :func:`load`. A failed download raises (it never falls
back to the samples). Data files are checked against the specs' SHA-256 (:class:`ChecksumWarning`);
duplicates and train/test overlap are reported (:class:`DuplicateTextWarning`, :func:`overlap_report`), all
using one notion of "the same text": :func:`dedup_key`.
"""
from ftkit.data.dedup import DuplicateTextWarning, dedup_key, overlap_report
from ftkit.data.emotion import EMOTION_CLASSES, KOTE_IGNORED, KOTE_LABELS, KOTE_TO_EMOTION, emotion_of
from ftkit.data.integrity import ChecksumWarning, check_data_dir, doctor_lines
from ftkit.data.loading import DroppedRowsWarning, SplitNotFoundError, features_for, load, load_log
from ftkit.data.sampling import allocate, subsample
from ftkit.data.sources import SOURCES, samples_dir
from ftkit.data.specs import DATASETS, DatasetSpec, get_spec, language_of
from ftkit.data.stats import choose_max_length, length_percentiles, summary, token_lengths

__all__ = [
    "ChecksumWarning", "DATASETS", "DatasetSpec", "DroppedRowsWarning", "DuplicateTextWarning", "EMOTION_CLASSES",
    "KOTE_IGNORED", "KOTE_LABELS", "KOTE_TO_EMOTION", "SOURCES", "SplitNotFoundError", "allocate",
    "check_data_dir", "choose_max_length", "dedup_key", "doctor_lines", "emotion_of", "features_for", "get_spec",
    "language_of", "length_percentiles", "load", "load_log", "overlap_report", "samples_dir", "subsample", "summary",
    "token_lengths",
]

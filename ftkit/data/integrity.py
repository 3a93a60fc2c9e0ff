"""Are the data files the ones the course expects? SHA-256 against the dataset specs, remembered by size+mtime.

Files under ``FTKIT_DATA_DIR`` and in the download cache are checked on every ``load`` (the bundled samples
are not: they are cut-down copies and differ by design). Hashing NSMC's 14 MB takes about 0.05 s; a file
whose size and modification time have not changed since it was last hashed is not read again (the hashes
are kept in ``<cache>/data_sha256.json``, written atomically).
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Mapping

from ftkit.data.specs import DATASETS, DatasetSpec
from ftkit.paths import cache_dir, data_dir

MEMO_FILE = "data_sha256.json"


class ChecksumWarning(UserWarning):
    """A data file's SHA-256 differs from the one recorded in its dataset spec (truncated, edited, another
    version). The file is still loaded. Attributes: ``dataset``, ``path``, ``expected``, ``actual``, ``size``."""

    def __init__(self, dataset: str, path: Path, expected: str, actual: str, size: int, message: str):
        super().__init__(message)
        self.dataset, self.path, self.expected, self.actual, self.size = dataset, Path(path), expected, actual, size


@dataclass(frozen=True)
class FileCheck:
    """The result of checking one file: ``status`` is ``"ok"``, ``"mismatch"``, ``"missing"``, ``"optional"``
    (missing, but the dataset has a fallback) or ``"unknown"`` (no SHA-256 in the spec)."""

    dataset: str
    path: Path
    status: str
    expected: str | None = None
    actual: str | None = None
    size: int | None = None
    kind: str = "SHA-256"  # or "git blob id" where the source publishes no SHA-256 (spec.git_blob)

    @property
    def message(self) -> tuple[str, str]:
        """(ko, en) lines for a mismatch."""
        return (
            f"{self.dataset}: 파일 내용이 예상과 다릅니다: {self.path} ({self.size:,} 바이트)\n"
            f"  예상 {self.kind}: {self.expected}\n  실제 {self.kind}: {self.actual}\n"
            "  파일이 잘렸거나 수정되었거나 다른 판일 수 있습니다. 원본에서 다시 복사하세요"
            "(내려받은 파일이면 지우면 다시 내려받습니다). 이대로 읽지만 행 수와 결과가 교재와 다를 수 있습니다.",
            f"{self.dataset}: file content differs from the expected one: {self.path} ({self.size:,} bytes)\n"
            f"  expected {self.kind}: {self.expected}\n  actual {self.kind}:   {self.actual}\n"
            "  The file may be truncated, edited or another version. Copy it again from the source (a downloaded "
            "file: delete it and it is downloaded again). It is loaded as it is, but row counts and results may "
            "differ from the course's.",
        )


def _memo_path() -> Path:
    return cache_dir() / MEMO_FILE


def _read_memo() -> dict:
    try:
        memo = json.loads(_memo_path().read_text(encoding="utf-8"))
        return memo if isinstance(memo, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_memo(memo: dict) -> None:
    """Atomic (temporary file + os.replace); a cache that cannot be written only costs a re-hash next time."""
    try:
        path = _memo_path()
        fd, tmp = tempfile.mkstemp(prefix=f".{MEMO_FILE}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(memo, fh, indent=0, sort_keys=True)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass


def file_sha256(path: Path, memo: dict | None = None) -> str:
    """SHA-256 of ``path``; reuses ``memo[str(path)]`` when its size and mtime still match (and updates it)."""
    from ftkit.data.sources import sha256_of

    path = Path(path)
    st = path.stat()
    key = str(path.resolve())
    known = (memo or {}).get(key)
    if isinstance(known, dict) and known.get("size") == st.st_size and known.get("mtime_ns") == st.st_mtime_ns:
        return str(known.get("sha256"))
    digest = sha256_of(path)
    if memo is not None:
        memo[key] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}
    return digest


def check_files(spec: DatasetSpec, paths: Mapping[str, Path]) -> list[FileCheck]:
    """Check the files of ``spec`` (split key -> path) against ``spec.sha256``; one FileCheck per file."""
    memo = _read_memo()
    before = dict(memo)
    out = []
    for path in paths.values():
        path = Path(path)
        expected = spec.sha256.get(path.name)
        if not path.is_file():
            out.append(FileCheck(spec.name, path, "missing", expected))
            continue
        blob = spec.git_blob.get(path.name)
        if not expected and blob:
            from ftkit.data.sources import git_blob_of

            actual = git_blob_of(path)
            out.append(FileCheck(spec.name, path, "ok" if actual == blob else "mismatch", blob, actual,
                                 path.stat().st_size, kind="git blob id"))
            continue
        if not expected:
            out.append(FileCheck(spec.name, path, "unknown", size=path.stat().st_size))
            continue
        actual = file_sha256(path, memo)
        out.append(FileCheck(spec.name, path, "ok" if actual == expected else "mismatch", expected, actual,
                             path.stat().st_size))
    if memo != before:
        _write_memo(memo)
    return out


def check_data_dir(names: Iterable[str] | None = None) -> list[FileCheck]:
    """Check every dataset folder present under ``FTKIT_DATA_DIR`` (``names``: only these datasets).

    Datasets whose folder is absent are skipped (not every course needs every set); a file missing inside a
    present folder is reported as ``"missing"``, or ``"optional"`` for a dataset with a fallback (``kornli_mt``). ``python -m ftkit doctor`` prints the result.
    """
    root = data_dir()
    if root is None:
        return []
    out: list[FileCheck] = []
    seen: set[Path] = set()
    for name, spec in DATASETS.items():
        if names is not None and name not in set(names):
            continue
        if (root / spec.folder).is_dir():
            files = {k: root / spec.folder / f for k, f in spec.files.items()}
            files = {k: p for k, p in files.items() if p not in seen}  # kornli_mt shares xnli.test with kornli
            seen.update(files.values())
            checks = check_files(spec, files)
            if spec.fallback:  # its files are optional: data.load falls back to spec.fallback without them
                checks = [replace(c, status="optional") if c.status == "missing" else c for c in checks]
            out.extend(checks)
    return out


def doctor_lines() -> list[str]:
    """Lines for ``python -m ftkit doctor``: one per dataset folder checked, with details for bad files."""
    checks = check_data_dir()
    lines = []
    by_set: dict[str, list[FileCheck]] = {}
    for c in checks:
        by_set.setdefault(c.dataset, []).append(c)
    for name, items in by_set.items():
        bad = [c for c in items if c.status in ("mismatch", "missing")]
        optional = [c for c in items if c.status == "optional"]
        if optional and len(optional) == len(items):
            fallback = DATASETS[name].fallback
            lines.append(f"  {name}: 선택 파일 없음, '{fallback}' 데이터로 대신 학습 / optional files not there, "
                         f"lessons use '{fallback}' instead")
            continue
        if not bad:
            lines.append(f"  {name}: SHA-256 ok ({len(items)} file{'s' if len(items) != 1 else ''})")
        for c in bad:
            if c.status == "missing":
                lines.append(f"  {name}: 파일 없음 / missing file: {c.path}")
            else:
                lines.extend("  " + line for line in "\n".join(c.message).splitlines())
    return lines

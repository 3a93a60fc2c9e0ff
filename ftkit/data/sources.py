"""Where the files of a dataset come from: ``FTKIT_DATA_DIR``, the download cache or the bundled samples."""
from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
import tarfile
import urllib.request
from pathlib import Path

from ftkit.data.specs import IMDB_TARBALL_URL, DatasetSpec
from ftkit.errors import DataError, MissingDataError
from ftkit.paths import cache_dir, data_dir, is_offline

SOURCES = ("auto", "local", "download", "sample")
DOWNLOAD_TIMEOUT_S = 60


def samples_dir() -> Path:
    """The folder of bundled samples inside the package (``ftkit/samples``)."""
    return Path(__file__).resolve().parent.parent / "samples"


def downloads_dir(spec: DatasetSpec) -> Path:
    """``cache_dir()/downloads/<folder>`` (not created here)."""
    return cache_dir() / "downloads" / spec.folder


def local_paths(spec: DatasetSpec) -> dict[str, Path]:
    """Files of ``spec`` under ``FTKIT_DATA_DIR``; a missing one raises MissingDataError with the fix."""
    root = data_dir()
    if root is None:
        raise MissingDataError(
            "FTKIT_DATA_DIR가 설정되지 않았습니다. 데이터 폴더 경로로 설정하거나 source='auto' 또는 'sample'을 쓰세요.",
            "FTKIT_DATA_DIR is not set. Set it to the data folder, or use source='auto' or 'sample'.",
        )
    paths = {key: root / spec.folder / name for key, name in spec.files.items()}
    for path in paths.values():
        if not path.is_file():
            raise MissingDataError(
                f"데이터 파일이 없습니다: {path}\n"
                f"FTKIT_DATA_DIR={root} 아래에 '{spec.folder}/{path.name}'가 있어야 합니다. "
                f"해결: 그 폴더에 '{spec.folder}' 폴더를 통째로 복사하거나, FTKIT_DATA_DIR를 올바른 데이터 폴더로 "
                f"바꾸거나, 설정을 지우면(unset FTKIT_DATA_DIR) 온라인에서는 내려받고 오프라인에서는 샘플을 씁니다.",
                f"Missing data file: {path}\n"
                f"FTKIT_DATA_DIR={root} must contain '{spec.folder}/{path.name}'. Fix: copy the whole "
                f"'{spec.folder}' folder there, point FTKIT_DATA_DIR at the right data folder, or unset "
                f"FTKIT_DATA_DIR (then ftkit downloads when online and uses the bundled sample when offline).",
            )
    return paths


def sample_paths(spec: DatasetSpec) -> dict[str, Path]:
    """Files of the bundled sample of ``spec`` (same names and formats as the real files)."""
    paths = {key: samples_dir() / spec.folder / name for key, name in spec.files.items()}
    for path in paths.values():
        if not path.is_file():
            raise MissingDataError(
                f"번들 샘플 파일이 없습니다: {path} (ftkit 설치가 깨졌을 수 있습니다. 다시 설치하세요.)",
                f"Bundled sample file missing: {path} (broken ftkit install? reinstall it).",
            )
    return paths


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def git_blob_of(path: Path) -> str:
    """Git's blob id of a file: SHA-1 of ``b"blob <size>\\0"`` followed by the bytes (identifies content and size)."""
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_sha(spec: DatasetSpec, path: Path) -> None:
    blob = spec.git_blob.get(path.name)
    if blob and git_blob_of(path) != blob:
        path.unlink(missing_ok=True)
        raise DataError(
            f"내려받은 파일의 git blob id가 예상({blob[:12]}…)과 다릅니다: {path} (삭제했습니다. 다시 시도하세요.)",
            f"The git blob id of the downloaded file does not match {blob[:12]}…: {path} (deleted it; try again).",
        )
    expected = spec.sha256.get(path.name)
    if expected and sha256_of(path) != expected:
        path.unlink(missing_ok=True)
        raise DataError(
            f"내려받은 파일의 SHA-256이 예상과 다릅니다: {path} (삭제했습니다. 다시 시도하세요.)",
            f"SHA-256 of the downloaded file does not match: {path} (deleted it; try again).",
        )


def _fetch(url: str, dest: Path) -> None:
    """Download ``url`` to ``dest`` through a temporary file (no half-written files are left)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    print(f"[ftkit] 내려받는 중 / downloading: {url}")
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response, open(tmp, "wb") as out:
            shutil.copyfileobj(response, out, length=1 << 20)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_IMDB_MEMBER = re.compile(r"(?:^|/)aclImdb/(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")


def convert_imdb_tarball(tarball: Path, out_dir: Path) -> dict[str, Path]:
    """Pack aclImdb_v1's labelled train/test reviews into ``imdb_train.csv`` / ``imdb_test.csv``.

    Same layout as the course data folder: columns id, rating, label, text; label 0 = neg/, 1 = pos/; text
    unchanged; rows sorted by label, then id; csv module quoting, ``\\n`` line ends.
    """
    rows: dict[str, list[tuple[int, int, int, str]]] = {"train": [], "test": []}
    with tarfile.open(tarball, "r:*") as tar:
        for member in tar:
            match = _IMDB_MEMBER.search(member.name)
            if not match or not member.isfile():
                continue
            split, polarity, rid, rating = match.groups()
            text = tar.extractfile(member).read().decode("utf-8")
            rows[split].append((int(polarity == "pos"), int(rid), int(rating), text))
    out = {}
    for split, items in rows.items():
        if not items:
            raise DataError(
                f"IMDb 압축 파일에 aclImdb/{split}/ 리뷰가 없습니다: {tarball}",
                f"No aclImdb/{split}/ reviews in {tarball}",
            )
        path = out_dir / f"imdb_{split}.csv"
        tmp = path.with_name(path.name + ".part")
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["id", "rating", "label", "text"])
            for label, rid, rating, text in sorted(items):
                writer.writerow([rid, rating, label, text])
        os.replace(tmp, path)
        out[split] = path
    return out


def download_paths(spec: DatasetSpec) -> dict[str, Path]:
    """Files of ``spec`` in the download cache, downloading the missing ones from upstream once."""
    folder = downloads_dir(spec)
    paths = {key: folder / name for key, name in spec.files.items()}
    missing = [p for p in paths.values() if not p.is_file()]
    if not missing:
        return paths
    if is_offline():
        raise MissingDataError(
            f"오프라인 모드(HF_HUB_OFFLINE/FTKIT_OFFLINE)라 '{spec.name}'를 내려받을 수 없습니다. 없는 파일: "
            f"{missing[0]}. FTKIT_DATA_DIR를 데이터 폴더로 설정하거나 source='sample'을 쓰세요.",
            f"Offline (HF_HUB_OFFLINE/FTKIT_OFFLINE): cannot download '{spec.name}'; missing {missing[0]}. "
            f"Set FTKIT_DATA_DIR to a data folder or use source='sample'.",
        )
    try:
        if spec.name == "imdb":
            tarball = folder / Path(IMDB_TARBALL_URL).name
            if not tarball.is_file():
                _fetch(IMDB_TARBALL_URL, tarball)
            convert_imdb_tarball(tarball, folder)
            for path in paths.values():
                _check_sha(spec, path)
            tarball.unlink(missing_ok=True)
        else:
            for path in missing:
                _fetch(spec.urls[path.name], path)
                _check_sha(spec, path)
    except OSError as exc:  # URLError, timeouts, disk errors
        raise MissingDataError(
            f"'{spec.name}' 데이터를 내려받지 못했습니다({exc}). 인터넷 연결을 확인하거나, 환경 변수 "
            f"FTKIT_DATA_DIR를 실제 데이터 폴더로 설정하거나(README '실제 데이터셋을 오프라인으로'), 환경 변수 "
            f"FTKIT_OFFLINE=1로 번들 샘플(작은 예시, smoke 프로필용)을 쓰세요. 코드에서는 "
            f"data.load(..., source='sample')도 됩니다.",
            f"Could not download '{spec.name}' ({exc}). Check the connection, set the environment variable "
            f"FTKIT_DATA_DIR to a folder with the real data (README, offline datasets), or set FTKIT_OFFLINE=1 "
            f"to use the bundled sample (tiny, for the smoke profile); in code, data.load(..., source='sample').",
        ) from exc
    return paths

"""sha256 and size of artifact files and of every file of a case folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .manifest import MANIFEST_DIGEST_FILE


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_files(artifact: Path) -> list[dict]:
    """Every file of an artifact: paths relative to a directory artifact, the base name for a file artifact."""
    if artifact.is_file():
        return [{"path": artifact.name, "sha256": sha256_file(artifact), "size": artifact.stat().st_size}]
    return [
        {"path": file.relative_to(artifact).as_posix(), "sha256": sha256_file(file), "size": file.stat().st_size}
        for file in sorted(artifact.rglob("*"))
        if file.is_file()
    ]


def describe_case_files(case_dir: Path, manifest_name: str) -> list[dict]:
    """Every file of a case folder but the manifest (which holds this list) and its digest, by relative path."""
    left_out = {manifest_name, MANIFEST_DIGEST_FILE}
    return [
        {"path": file.relative_to(case_dir).as_posix(), "sha256": sha256_file(file), "size": file.stat().st_size}
        for file in sorted(case_dir.rglob("*"), key=lambda candidate: candidate.relative_to(case_dir).as_posix())
        if file.is_file() and file.relative_to(case_dir).as_posix() not in left_out
    ]


def write_manifest_digest(case_dir: Path, manifest_name: str) -> None:
    """``manifest.sha256`` (``sha256sum -c`` reads it) for the manifest's bytes as written: the harness refuses a
    manifest edited afterwards before any verdict."""
    line = f"{sha256_file(case_dir / manifest_name)}  {manifest_name}\n"
    (case_dir / MANIFEST_DIGEST_FILE).write_text(line, encoding="ascii")

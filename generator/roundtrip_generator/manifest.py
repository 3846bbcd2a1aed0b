"""``manifest.json`` (schemaVersion 1, DEVELOPERS.md "Golden layout"): create, read, write."""

from __future__ import annotations

import json
from pathlib import Path

SCHEMA_VERSION = 1
MANIFEST_FILE = "manifest.json"
# The manifest's own sha256 in ``sha256sum`` form, beside it: the manifest cannot list its own hash.
MANIFEST_DIGEST_FILE = "manifest.sha256"
CASE_FILE = "case.json"


def new_manifest(case: dict, request: dict, versions: dict) -> dict:
    return {
        "schemaVersion": SCHEMA_VERSION,
        "case": case["id"],
        "environment": request.get("environment"),
        "inputHash": request.get("inputHash"),
        "seed": case["seed"],
        "versions": versions,
        "inputs": [],
        "outputs": [],
        "artifacts": [],
        "pythonChecks": [],
        "generateErrors": [],
    }


def write_json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))

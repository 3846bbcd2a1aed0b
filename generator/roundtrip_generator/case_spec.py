"""Validates a normalized case (DEVELOPERS.md "Normalized case") and fills the defaults the loader may omit.

The TypeScript loader already validated the YAML; this is the generator's own guard, so a bad request
gets one error that lists every issue instead of a TensorFlow traceback from deep inside a build. The shape
and the vocabulary come from cases/case.schema.json (its generated copy, ``case_schema.py``); the checks here are
the ones a schema cannot express: names that must refer to each other, registries, ranges.
"""

from __future__ import annotations

import copy
import re

from .case_schema import CASE_SCHEMA
from .errors import CaseValidationError
from .json_schema import schema_issues

__all__ = ["CaseValidationError", "validate_case"]

DEFAULT_SEED = 1234
DEFAULT_RANGE = [-1, 1]
DEFAULT_TOLERANCE = {"rtol": 1e-6, "atol": 1e-6}


def validate_case(raw: dict) -> dict:
    """Returns a defaulted copy of ``raw``; raises ``CaseValidationError`` listing every problem."""
    if not isinstance(raw, dict):
        raise CaseValidationError(None, [{"path": "", "message": f"expected an object, received {type(raw).__name__}"}])
    issues = schema_issues(raw, CASE_SCHEMA)
    case_id = raw.get("id")
    if issues:  # the checks below assume the schema's shape
        raise CaseValidationError(case_id if isinstance(case_id, str) else None, issues)

    def report(path: str, message: str) -> None:
        issues.append({"path": path, "message": message})

    case = copy.deepcopy(raw)
    case.setdefault("seed", DEFAULT_SEED)
    _check_inputs(case, report)
    _check_model(case["model"], report)
    load = case.setdefault("load", {})
    load.setdefault("customObjects", "registered")
    load.setdefault("safeMode", True)
    load.setdefault("compile", True)
    _check_scenario(case, report)
    _check_expect_errors(case, report)
    tolerance = case.setdefault("tolerance", {})
    tolerance["default"] = {**DEFAULT_TOLERANCE, **(tolerance.get("default") or {})}
    if issues:
        raise CaseValidationError(case_id, issues)
    return case


def _check_scenario(case: dict, report) -> None:
    scenario = case.get("scenario")
    if scenario is None:
        return
    from .scenarios import SCENARIOS  # the registry only

    if scenario["name"] not in SCENARIOS:
        report("scenario.name", f"expected one of {sorted(SCENARIOS)}, received {scenario['name']!r}")
    scenario.setdefault("args", {})


def _check_expect_errors(case: dict, report) -> None:
    for index, entry in enumerate(case.get("expectErrors") or []):
        path = f"expectErrors[{index}]"
        entry.setdefault("runtime", "python")
        if entry["format"] not in case["formats"]:
            report(f"{path}.format", f"{entry['format']!r} is not among the case formats")
        try:
            re.compile(entry["match"])
        except re.error as error:
            report(f"{path}.match", f"not a regular expression: {error}")


def _check_inputs(case: dict, report) -> None:
    seen: set[str] = set()
    for index, spec in enumerate(case["inputs"]):
        path = f"inputs[{index}]"
        if spec["name"] in seen:
            report(f"{path}.name", f"duplicate input name {spec['name']!r}")
        seen.add(spec["name"])
        spec.setdefault("dtype", "float32")
        spec.setdefault("range", list(DEFAULT_RANGE))
        low, high = spec["range"]
        if not low < high:
            report(f"{path}.range", f"expected [low, high) with low < high, received {spec['range']!r}")


def _check_model(model: dict, report) -> None:
    ((kind, body),) = model.items()  # the schema allows exactly one of sequential | functional | builder
    if kind == "builder":
        from .models import BUILDERS  # the registry only; class modules stay unimported

        if body["name"] not in BUILDERS:
            report("model.builder.name", f"expected one of {sorted(BUILDERS)}, received {body['name']!r}")
        body.setdefault("args", {})
        return
    for layer in body["layers"]:
        layer.setdefault("config", {})
    if kind == "sequential":
        body["input"].setdefault("dtype", "float32")
        return
    known = set()
    for spec in body["inputs"]:
        spec.setdefault("dtype", "float32")
        known.add(spec["name"])
    for index, layer in enumerate(body["layers"]):
        for callee in layer.get("call") or []:
            if callee not in known:
                report(f"model.functional.layers[{index}].call", f"{callee!r} is not an input or an earlier layer")
        known.add(layer.get("name"))
    for index, name in enumerate(body.get("outputs") or []):
        if name not in known:
            report(f"model.functional.outputs[{index}]", f"{name!r} is not an input or a layer")


def tolerance_for(case: dict, format_name: str) -> dict:
    """The case default overlaid with the format's own tolerance (quantized variants need looser ones)."""
    tolerance = case["tolerance"]
    return {**tolerance["default"], **((tolerance.get("formats") or {}).get(format_name) or {})}

"""Validates a normalized case (DEVELOPERS.md "Normalized case") and fills the defaults the loader may omit.

The TypeScript loader already validated the YAML; this is the generator's own guard, so a bad request
gets one error that lists every issue instead of a TensorFlow traceback from deep inside a build.
"""

from __future__ import annotations

import copy
import re

FORMATS = ("keras", "keras-npz", "h5", "weights-h5", "weights-sharded", "savedmodel", "checkpoint", "onnx", "tflite", "tflite-dynamic-int8", "tflite-float16", "tflite-int8", "tfjs")
RUNTIMES = ("python", "reader", "tfjs-node-savedmodel", "tfjs-keras", "onnxruntime-node", "tfjs-converter", "litertjs")
LOAD_MODES = ("registered", "argument", "scope", "absent")
DTYPES = ("float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64",
          "uint8", "uint16", "uint32", "uint64", "bool", "string")
DEFAULT_SEED = 1234
DEFAULT_RANGE = [-1, 1]
DEFAULT_TOLERANCE = {"rtol": 1e-6, "atol": 1e-6}

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SCENARIO = re.compile(r"^[a-z][a-z0-9_]*$")
_REQUIREMENT = re.compile(r"^(>=|<|==)\d+(\.\d+)*$")


class CaseValidationError(ValueError):
    """Every issue of one case, as ``{path, message}`` entries."""

    def __init__(self, case_id: str | None, issues: list[dict]):
        self.case_id = case_id
        self.issues = issues
        lines = "; ".join(f"{issue['path']}: {issue['message']}" for issue in issues)
        super().__init__(f"case {case_id!r} is invalid: {lines}")


def validate_case(raw: dict) -> dict:
    """Returns a defaulted copy of ``raw``; raises ``CaseValidationError`` listing every problem."""
    issues: list[dict] = []

    def report(path: str, message: str) -> None:
        issues.append({"path": path, "message": message})

    if not isinstance(raw, dict):
        raise CaseValidationError(None, [{"path": "", "message": f"expected an object, received {type(raw).__name__}"}])
    case = copy.deepcopy(raw)
    case_id = case.get("id")
    if not isinstance(case_id, str) or not _ID.match(case_id):
        report("id", f"expected a kebab-case string, received {case_id!r}")
    case.setdefault("seed", DEFAULT_SEED)
    if not isinstance(case["seed"], int) or isinstance(case["seed"], bool) or case["seed"] < 0:
        report("seed", f"expected a non-negative integer, received {case['seed']!r}")

    _check_inputs(case, report)
    _check_model(case.get("model"), report)

    formats = case.get("formats")
    if not isinstance(formats, list) or not formats:
        report("formats", f"expected a non-empty list, received {formats!r}")
    else:
        for index, name in enumerate(formats):
            if name not in FORMATS:
                report(f"formats[{index}]", f"expected one of {list(FORMATS)}, received {name!r}")

    load = case.setdefault("load", {})
    load.setdefault("customObjects", "registered")
    if load["customObjects"] not in LOAD_MODES:
        report("load.customObjects", f"expected one of {list(LOAD_MODES)}, received {load['customObjects']!r}")
    for flag, default in (("safeMode", True), ("compile", True)):
        load.setdefault(flag, default)
        if not isinstance(load[flag], bool):
            report(f"load.{flag}", f"expected true or false, received {load[flag]!r}")

    _check_scenario(case, report)
    _check_expect_errors(case, report)
    requires = case.get("requires") or {}
    for key, constraint in requires.items():
        if key not in ("keras", "tensorflow") or not _REQUIREMENT.match(str(constraint)):
            report(f"requires.{key}", f"expected keras|tensorflow with '>=N', '<N' or '==N', received {constraint!r}")

    tolerance = case.setdefault("tolerance", {})
    tolerance["default"] = {**DEFAULT_TOLERANCE, **(tolerance.get("default") or {})}
    for name in tolerance.get("formats") or {}:
        if name not in FORMATS:
            report(f"tolerance.formats.{name}", f"expected one of {list(FORMATS)}, received {name!r}")

    for index, output in enumerate(case.get("outputs") or []):
        if not isinstance(output, dict) or not _NAME.match(str(output.get("name", ""))):
            report(f"outputs[{index}].name", f"expected an identifier, received {output!r}")

    if issues:
        raise CaseValidationError(case_id if isinstance(case_id, str) else None, issues)
    return case


def _check_scenario(case: dict, report) -> None:
    scenario = case.get("scenario")
    if scenario is None:
        return
    from .scenarios import SCENARIOS  # the registry only

    name = scenario.get("name") if isinstance(scenario, dict) else None
    if not isinstance(name, str) or not _SCENARIO.match(name) or name not in SCENARIOS:
        report("scenario.name", f"expected one of {sorted(SCENARIOS)}, received {name!r}")
        return
    scenario.setdefault("args", {})
    if not isinstance(scenario["args"], dict):
        report("scenario.args", f"expected an object, received {scenario['args']!r}")


def _check_expect_errors(case: dict, report) -> None:
    entries = case.get("expectErrors")
    if entries is None:
        return
    if not isinstance(entries, list):
        report("expectErrors", f"expected a list, received {entries!r}")
        return
    for index, entry in enumerate(entries):
        path = f"expectErrors[{index}]"
        if not isinstance(entry, dict):
            report(path, f"expected an object, received {entry!r}")
            continue
        entry.setdefault("runtime", "python")
        if entry.get("format") not in FORMATS:
            report(f"{path}.format", f"expected one of {list(FORMATS)}, received {entry.get('format')!r}")
        elif entry["format"] not in (case.get("formats") or []):
            report(f"{path}.format", f"{entry['format']!r} is not among the case formats")
        if entry["runtime"] not in RUNTIMES:
            report(f"{path}.runtime", f"expected one of {list(RUNTIMES)}, received {entry['runtime']!r}")
        if not isinstance(entry.get("type"), str) or not entry["type"]:
            report(f"{path}.type", f"expected an exception class name, received {entry.get('type')!r}")
        try:
            re.compile(str(entry.get("match")))
        except re.error as error:
            report(f"{path}.match", f"not a regular expression: {error}")


def _check_inputs(case: dict, report) -> None:
    inputs = case.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        report("inputs", f"expected a non-empty list, received {inputs!r}")
        return
    seen: set[str] = set()
    for index, spec in enumerate(inputs):
        path = f"inputs[{index}]"
        if not isinstance(spec, dict):
            report(path, f"expected an object, received {spec!r}")
            continue
        name = spec.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            report(f"{path}.name", f"expected an identifier, received {name!r}")
        elif name in seen:
            report(f"{path}.name", f"duplicate input name {name!r}")
        seen.add(name)
        shape = spec.get("shape")
        if not isinstance(shape, list) or not shape or not all(isinstance(d, int) and d >= 1 for d in shape):
            report(f"{path}.shape", f"expected positive integers with the batch dimension, received {shape!r}")
        spec.setdefault("dtype", "float32")
        if spec["dtype"] not in DTYPES:
            report(f"{path}.dtype", f"expected one of {list(DTYPES)}, received {spec['dtype']!r}")
        spec.setdefault("range", list(DEFAULT_RANGE))
        low_high = spec["range"]
        if not (isinstance(low_high, list) and len(low_high) == 2 and low_high[0] < low_high[1]):
            report(f"{path}.range", f"expected [low, high) with low < high, received {low_high!r}")


def _check_model(model, report) -> None:
    kinds = [kind for kind in ("sequential", "functional", "builder") if isinstance(model, dict) and kind in model]
    if not isinstance(model, dict) or len(kinds) != 1 or len(model) != 1:
        report("model", f"expected exactly one of sequential | functional | builder, received {model!r}")
        return
    kind = kinds[0]
    body = model[kind]
    if kind == "builder":
        from .models import BUILDERS  # the registry only; class modules stay unimported

        name = body.get("name")
        if name not in BUILDERS:
            report("model.builder.name", f"expected one of {sorted(BUILDERS)}, received {name!r}")
        body.setdefault("args", {})
        return
    layers = body.get("layers")
    if not isinstance(layers, list) or not layers:
        report(f"model.{kind}.layers", f"expected a non-empty list, received {layers!r}")
        layers = []
    for index, layer in enumerate(layers):
        if not isinstance(layer, dict) or not isinstance(layer.get("class"), str):
            report(f"model.{kind}.layers[{index}].class", f"expected a keras.layers class name, received {layer!r}")
            continue
        layer.setdefault("config", {})
    if kind == "sequential":
        body["input"].setdefault("dtype", "float32")
        return
    known = set()
    for spec in body.get("inputs") or []:
        spec.setdefault("dtype", "float32")
        known.add(spec.get("name"))
    for index, layer in enumerate(layers):
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

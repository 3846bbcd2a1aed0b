"""A JSON Schema checker for the keywords cases/case.schema.json uses, so the generator validates a case against the
same schema as the TypeScript loader (ajv) without a package outside the environment locks.

``schema_issues(instance, schema)`` returns every problem as ``{path, message}``; a keyword it does not know raises
``ValueError`` so a schema that outgrows it fails loudly (generator/tests check the committed schema).
"""

from __future__ import annotations

import re

_ANNOTATIONS = {"$schema", "$id", "title", "description", "default", "definitions", "examples", "$comment"}
_TYPES = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
    "integer": lambda value: (
        isinstance(value, int) and not isinstance(value, bool) or isinstance(value, float) and value.is_integer()
    ),
    "number": lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
}


def schema_issues(instance, schema: dict | bool, root: dict | None = None, path: str = "") -> list[dict]:
    if isinstance(schema, bool):  # true allows anything, false nothing
        return [] if schema else [{"path": path, "message": f"no value is allowed here, received {instance!r}"}]
    root = schema if root is None else root
    issues: list[dict] = []

    def report(message: str, where: str = path) -> None:
        issues.append({"path": where, "message": message})

    for keyword, expected in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        if keyword == "$ref":
            issues += schema_issues(instance, _resolve(root, expected), root, path)
        elif keyword == "allOf":
            for part in expected:
                issues += schema_issues(instance, part, root, path)
        elif keyword == "type":
            names = expected if isinstance(expected, list) else [expected]
            if not any(_TYPES[name](instance) for name in names):
                report(f"expected {' or '.join(names)}, received {instance!r}")
                return issues  # the other keywords assume the type
        elif keyword == "enum":
            if instance not in expected:
                report(f"expected one of {expected}, received {instance!r}")
        elif keyword in ("minimum", "pattern", "minLength"):
            _check_scalar(keyword, expected, instance, report)
        elif keyword in (
            "properties",
            "additionalProperties",
            "required",
            "propertyNames",
            "minProperties",
            "maxProperties",
        ):
            if isinstance(instance, dict):
                issues += _check_object(keyword, expected, schema, instance, root, path, report)
        elif keyword in ("items", "minItems", "maxItems", "uniqueItems"):
            if isinstance(instance, list):
                issues += _check_array(keyword, expected, instance, root, path, report)
        else:
            raise ValueError(f"json_schema does not implement the keyword {keyword!r} (at {path or 'the root'})")
    return issues


def _resolve(root: dict, reference: str) -> dict:
    if not reference.startswith("#/"):
        raise ValueError(f"only local references are supported, received {reference!r}")
    target = root
    for part in reference[2:].split("/"):
        target = target[part]
    return target


def _check_scalar(keyword: str, expected, instance, report) -> None:
    if keyword == "minimum" and _TYPES["number"](instance) and instance < expected:
        report(f"expected at least {expected}, received {instance!r}")
    elif keyword == "pattern" and isinstance(instance, str) and not re.search(expected, instance):
        report(f"expected a string matching {expected}, received {instance!r}")
    elif keyword == "minLength" and isinstance(instance, str) and len(instance) < expected:
        report(f"expected at least {expected} character(s), received {instance!r}")


def _check_object(keyword: str, expected, schema: dict, instance: dict, root: dict, path: str, report) -> list[dict]:
    issues: list[dict] = []
    prefix = f"{path}." if path else ""
    if keyword == "properties":
        for name, subschema in expected.items():
            if name in instance:
                issues += schema_issues(instance[name], subschema, root, prefix + name)
    elif keyword == "additionalProperties":
        known = schema.get("properties", {})
        for name, value in instance.items():
            if name in known:
                continue
            if expected is False:
                report(f"unknown key {name!r}; expected one of {sorted(known)}", prefix + name)
            elif isinstance(expected, dict):
                issues += schema_issues(value, expected, root, prefix + name)
    elif keyword == "required":
        for name in expected:
            if name not in instance:
                report(f"missing required key {name!r}", prefix + name)
    elif keyword == "propertyNames":
        for name in instance:
            issues += [{**issue, "path": prefix + name} for issue in schema_issues(name, expected, root, prefix + name)]
    elif keyword == "minProperties" and len(instance) < expected:
        report(f"expected at least {expected} key(s), received {len(instance)}")
    elif keyword == "maxProperties" and len(instance) > expected:
        report(f"expected at most {expected} key(s), received {len(instance)}")
    return issues


def _check_array(keyword: str, expected, instance: list, root: dict, path: str, report) -> list[dict]:
    issues: list[dict] = []
    if keyword == "items":
        for index, item in enumerate(instance):
            issues += schema_issues(item, expected, root, f"{path}[{index}]")
    elif keyword == "minItems" and len(instance) < expected:
        report(f"expected at least {expected} item(s), received {len(instance)}")
    elif keyword == "maxItems" and len(instance) > expected:
        report(f"expected at most {expected} item(s), received {len(instance)}")
    elif keyword == "uniqueItems" and expected:
        seen: list = []
        for item in instance:
            if item in seen:
                report(f"duplicate item {item!r}")
            seen.append(item)
    return issues

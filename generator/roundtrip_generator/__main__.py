"""Command line: ``python -m roundtrip_generator worker | versions | reload <outDir> | reload-server | crossload <dir>
--writer-env E | protos --out F``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m roundtrip_generator", description="keras-roundtrip generator (see DEVELOPERS.md)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    worker_parser = commands.add_parser("worker", help="JSON requests on stdin, JSON replies on file descriptor 3")
    worker_parser.add_argument(
        "--replies",
        choices=("fd3", "stdout"),
        default="fd3",
        help="where replies go; stdout (logs then go to stderr) where fd 3 cannot cross, as in `podman run`",
    )
    commands.add_parser("versions", help="print the Python stack's versions as JSON")
    reload_parser = commands.add_parser(
        "reload",
        help="reload a case folder's artifacts in this fresh process; "
        'prints {"pythonChecks": [...]} as the last stdout line',
    )
    reload_parser.add_argument("out_dir", type=Path)
    commands.add_parser(
        "reload-server",
        help="reload checks in forked children of a process that imported TensorFlow once (see reload_server)",
    )
    crossload_parser = commands.add_parser(
        "crossload",
        help="load another environment's golden case folder here; "
        'prints {"pythonChecks": [...]} as the last stdout line',
    )
    crossload_parser.add_argument("case_dir", type=Path)
    crossload_parser.add_argument("--writer-env", required=True, help="the environment that wrote the folder")
    intermediates_parser = commands.add_parser(
        "intermediates",
        help="every layer's output on the reference inputs as <out>/<i>.npy + layers.json (intermediates.py)",
    )
    intermediates_parser.add_argument("case_dir", type=Path)
    intermediates_parser.add_argument("--format", choices=("keras", "h5"), default="keras")
    intermediates_parser.add_argument("--out", type=Path, required=True)
    protos_parser = commands.add_parser(
        "protos",
        help="write the TensorFlow protobuf descriptor set the TS readers "
        "parse (a FileDescriptorSet from TF's own *_pb2 modules)",
    )
    protos_parser.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args(argv)

    if arguments.command == "versions":
        from .versions import collect_versions

        print(json.dumps(collect_versions()))
        return 0
    if arguments.command == "worker":
        from .worker import run_worker

        return run_worker(arguments.replies)
    if arguments.command == "protos":
        from .protos import export_descriptor_set

        print(f"{arguments.out}: {export_descriptor_set(arguments.out)} bytes")
        return 0
    if arguments.command == "intermediates":
        from .intermediates import write_intermediates
        from .tensorflow_setup import import_tensorflow

        import_tensorflow()
        layers = write_intermediates(arguments.case_dir.resolve(), arguments.format, arguments.out.resolve())
        print(json.dumps({"layers": len(layers), "out": str(arguments.out)}))
        return 0
    if arguments.command == "reload-server":
        from .reload_server import serve

        return serve()
    if arguments.command == "crossload":
        return _crossload(arguments.case_dir, arguments.writer_env)
    return _reload(arguments.out_dir)


def _crossload(case_dir: Path, writer_environment: str) -> int:
    from .tensorflow_setup import redirect_stdout_to_stderr

    answer = redirect_stdout_to_stderr()  # only the JSON answer may reach the real stdout
    from .crossload import run_cross_load_checks

    answer.write(json.dumps({"pythonChecks": run_cross_load_checks(case_dir.resolve(), writer_environment)}) + "\n")
    answer.flush()
    return 0


def _reload(out_dir: Path) -> int:
    from .tensorflow_setup import redirect_stdout_to_stderr

    answer = redirect_stdout_to_stderr()  # only the JSON answer may reach the real stdout
    out_dir = out_dir.resolve()
    if not (out_dir / "manifest.json").is_file() or not (out_dir / "case.json").is_file():
        print(f"reload: {out_dir} has no manifest.json and case.json", file=sys.stderr)
        return 2
    from .reload import run_reload_checks

    answer.write(json.dumps({"pythonChecks": run_reload_checks(out_dir)}) + "\n")
    answer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Runs test scripts as ``python -c`` would, each in a forked child of one process that imported numpy, h5py,
TensorFlow and Keras once, so the integration tests do not pay TensorFlow's import per script.

``python python_script_server.py SOCKET``: prints ``ready`` on stdout once its imports are done, then serves the Unix
socket SOCKET. A client sends one JSON request ``{"script", "cwd", "env", "stdin"}`` (``stdin`` optional: the text the
script reads on its standard input, else none) and closes its write side; a forked child runs the script with that
working directory and those environment variables added, its stdout and stderr captured,
and answers ``{"code", "stdout", "stderr"}`` (``code`` as the process's exit status would be). The server itself
never runs a script, so every child starts as a fresh ``python -c`` process would after its imports. Ends on SIGTERM
or when stdin closes.
"""

from __future__ import annotations

import json
import os
import select
import socket
import sys
import tempfile
import traceback


def _import_libraries() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import h5py  # noqa: F401
    import keras  # noqa: F401
    import numpy  # noqa: F401
    import tensorflow  # noqa: F401


def _read_request(connection: socket.socket) -> dict:
    chunks: list[bytes] = []
    while chunk := connection.recv(1 << 16):
        chunks.append(chunk)
    return json.loads(b"".join(chunks))


def _run_script(request: dict) -> int:
    """Run the script as ``python -c`` does: ``__main__``, ``sys.argv == ['-c']``, the working directory on the path."""
    os.chdir(request["cwd"])
    os.environ.update(request.get("env", {}))
    sys.argv = ["-c"]
    sys.path[0] = ""
    try:
        exec(compile(request["script"], "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})  # noqa: S102
    except SystemExit as exit_request:
        if exit_request.code is None or isinstance(exit_request.code, int):
            return exit_request.code or 0
        print(exit_request.code, file=sys.stderr)
        return 1
    except BaseException:  # noqa: BLE001 (reported as python -c reports it: traceback on stderr, exit status 1)
        traceback.print_exc()
        return 1
    return 0


def _child(connection: socket.socket) -> None:
    """One request in a forked child: capture fds 1 and 2, run, answer, exit without the server's cleanup."""
    status = 1
    try:
        request = _read_request(connection)
        # The server's stdin is its control pipe, not the script's: the script reads the request's text, or nothing.
        given = tempfile.TemporaryFile()
        given.write(request.get("stdin", "").encode())
        given.seek(0)
        os.dup2(given.fileno(), 0)
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 (fd 0 for the script's lifetime)
        captured = [tempfile.TemporaryFile(), tempfile.TemporaryFile()]
        for fd, file in zip((1, 2), captured, strict=True):
            os.dup2(file.fileno(), fd)
        code = _run_script(request)
        sys.stdout.flush()
        sys.stderr.flush()
        texts = []
        for file in captured:
            file.seek(0)
            texts.append(file.read().decode("utf-8", "replace"))
        connection.sendall(json.dumps({"code": code, "stdout": texts[0], "stderr": texts[1]}).encode())
        status = 0
    finally:
        connection.close()
        os._exit(status)


def _reap() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] != 0:
            pass
    except ChildProcessError:
        pass


def main() -> int:
    _import_libraries()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(sys.argv[1])
    server.listen(64)
    print("ready", flush=True)
    while True:
        ready, _, _ = select.select([server, sys.stdin], [], [], 1.0)
        _reap()
        if sys.stdin in ready and not sys.stdin.buffer.read1(1 << 10):
            return 0
        if server not in ready:
            continue
        connection, _ = server.accept()
        if os.fork() == 0:
            server.close()
            _child(connection)
        connection.close()


if __name__ == "__main__":
    sys.exit(main())

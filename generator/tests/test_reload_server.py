"""The reload server: forked children answer as a fresh ``reload`` process does, and a failing child is an answer.

Needs the default environment's TensorFlow (the generator's own tests run there); one server, reload and cross-load
requests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

GENERATOR = Path(__file__).resolve().parent.parent
GOLDEN_CASE = GENERATOR.parent / "golden" / "tf2.21-keras3" / "dense-mlp"


def checks_by_format(checks: list[dict]) -> dict[str, str]:
    return {check["format"]: check["status"] for check in checks}


class ReloadServerTest(unittest.TestCase):
    def setUp(self) -> None:
        self.work = Path(tempfile.mkdtemp(prefix="reload-server-test-"))
        self.case = self.work / "dense-mlp"
        shutil.copytree(GOLDEN_CASE, self.case)
        self.environment = {**os.environ, "PYTHONPATH": str(GENERATOR)}

    def tearDown(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)

    def fresh_reload(self, folder: Path) -> list[dict]:
        return self.fresh_process("reload", str(folder))

    def fresh_process(self, *arguments: str) -> list[dict]:
        completed = subprocess.run(
            [sys.executable, "-m", "roundtrip_generator", *arguments],
            env=self.environment,
            stdout=subprocess.PIPE,
            check=True,
        )
        return json.loads(completed.stdout.decode().strip().splitlines()[-1])["pythonChecks"]

    def test_children_answer_like_a_fresh_process_and_survive_failures(self) -> None:
        server = subprocess.Popen(
            [sys.executable, "-m", "roundtrip_generator", "reload-server"],
            env=self.environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

        def ask(request: str) -> dict:
            server.stdin.write((request + "\n").encode())
            server.stdin.flush()
            return json.loads(server.stdout.readline())

        try:
            forked = ask(json.dumps({"outDir": str(self.case)}))
            self.assertIn("pythonChecks", forked)
            self.assertEqual(checks_by_format(forked["pythonChecks"]), checks_by_format(self.fresh_reload(self.case)))
            self.assertTrue(all(status == "pass" for status in checks_by_format(forked["pythonChecks"]).values()))
            self.assertGreater(forked["cpuSeconds"], 0.0)  # the child's, which reloaded three artifacts

            # A child that fails (no manifest to read) is an error answer; the server goes on.
            empty = self.work / "empty"
            empty.mkdir()
            self.assertIn("exited with code 1", ask(json.dumps({"outDir": str(empty)}))["error"])

            # A cross-load request answers as a fresh ``crossload`` process does; a wrong writer is the child's error.
            crossload = ask(json.dumps({"crossload": str(self.case), "writerEnv": "tf2.21-keras3"}))
            self.assertEqual(
                checks_by_format(crossload["pythonChecks"]),
                checks_by_format(self.fresh_process("crossload", str(self.case), "--writer-env", "tf2.21-keras3")),
            )
            self.assertEqual({check["check"] for check in crossload["pythonChecks"]}, {"crossload"})
            self.assertIn(
                "exited with code 1", ask(json.dumps({"crossload": str(self.case), "writerEnv": "other"}))["error"]
            )
            self.assertIn("request is not", ask("not json")["error"])

            # A planted fault in the reference output is seen by the next child: nothing is cached across requests.
            reference = self.case / "outputs" / "output_0.npy"
            if not reference.exists():
                reference = next((self.case / "outputs").glob("*.npy"))
            data = bytearray(reference.read_bytes())
            data[-4:] = b"\x00\x00\xc0\x7f"  # the last float32 becomes NaN
            reference.write_bytes(bytes(data))
            faulted = checks_by_format(ask(json.dumps({"outDir": str(self.case)}))["pythonChecks"])
            self.assertTrue(any(status != "pass" for status in faulted.values()), faulted)
        finally:
            server.stdin.close()
            self.assertEqual(server.wait(timeout=60), 0)

    def test_a_server_forked_by_a_process_that_imported_tensorflow_answers_like_a_fresh_reload(self) -> None:
        # What the worker does before its first case: import, then fork the server instead of starting another Python.
        script = "\n".join(
            [
                "import json, sys",
                "from pathlib import Path",
                "from roundtrip_generator import reload_process",
                "from roundtrip_generator.tensorflow_setup import freeze_imported_objects, import_tensorflow",
                "import_tensorflow()",
                "freeze_imported_objects()",
                "reload_process.fork_reload_server()",
                "server = reload_process._server",
                "from roundtrip_generator.phase_times import PhaseTimes",
                "times = PhaseTimes()",
                "checks = reload_process.run_reload_process(Path(sys.argv[1]), ['keras', 'h5'], times)",
                "answered_by_it = reload_process._server is server and server.poll() is None",
                "print(json.dumps({'kind': type(server).__name__, 'answeredByIt': answered_by_it, 'checks': checks,",
                "                  'childCpu': times.child_cpu_seconds}))",
            ]
        )
        completed = subprocess.run(
            [sys.executable, "-c", script, str(self.case)], env=self.environment, stdout=subprocess.PIPE, check=True
        )
        answer = json.loads(completed.stdout.decode().strip().splitlines()[-1])
        self.assertEqual(answer["kind"], "_ForkedServer")
        self.assertTrue(answer["answeredByIt"], "the forked server failed and a fresh reload process answered instead")
        self.assertEqual(checks_by_format(answer["checks"]), checks_by_format(self.fresh_reload(self.case)))
        self.assertTrue(all(status == "pass" for status in checks_by_format(answer["checks"]).values()))
        self.assertGreater(answer["childCpu"], 0.0)  # the server's child's CPU, which this process's clock leaves out


if __name__ == "__main__":
    unittest.main()

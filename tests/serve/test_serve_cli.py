"""``simk8s serve`` from the shell: the kubeconfig line, a served cluster, one-line errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from simk8s.examples import WEB_YAML

pytest.importorskip("aiohttp", reason="simk8s serve needs the serve extra (aiohttp)")

ROOT = Path(__file__).parent.parent.parent


def _simk8s(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "simk8s.cli", *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_serve_prints_the_export_line_and_serves_the_manifests(tmp_path: Path) -> None:
    assert (ROOT / "examples" / "web.yaml").read_text() == WEB_YAML   # README examples run as written
    p = _simk8s("serve", str(ROOT / "examples" / "web.yaml"), "--port", "0", "--dns-port", "0", "--speed", "max",
                "--kubeconfig", "kc", cwd=tmp_path)
    try:
        assert p.stdout is not None
        line = p.stdout.readline().strip()
        assert line == f"export KUBECONFIG={tmp_path / 'kc'}"
        server = next(x.split()[1] for x in (tmp_path / "kc").read_text().splitlines() if "server:" in x)
        with urllib.request.urlopen(f"{server}/apis/apps/v1/namespaces/default/statefulsets/web") as r:
            sts = json.load(r)
        assert sts["spec"]["replicas"] == 2
    finally:
        p.send_signal(signal.SIGINT)
        p.wait(timeout=20)
    assert p.returncode == 0
    assert p.stderr is not None and "Traceback" not in p.stderr.read()


@pytest.mark.parametrize(("args", "message"), [
    (["nope.yaml"], "simk8s: error: nope.yaml: no such file or directory"),
    (["--speed", "-1"], "simk8s: error: --speed: expected a positive number or 'max', not '-1'"),
    (["--speed", "fast"], "simk8s: error: --speed: expected a positive number or 'max', not 'fast'"),
])
def test_bad_arguments_are_one_line_errors(tmp_path: Path, args: list[str], message: str) -> None:
    p = _simk8s("serve", "--port", "0", *args, cwd=tmp_path)
    _out, err = p.communicate(timeout=60)
    assert p.returncode == 2
    assert err.strip() == message


def test_a_bad_manifest_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: []}\n")
    p = _simk8s("serve", "bad.yaml", "--port", "0", cwd=tmp_path)
    _out, err = p.communicate(timeout=60)
    assert p.returncode == 2
    assert len(err.strip().splitlines()) == 1 and "spec.containers: Required value" in err

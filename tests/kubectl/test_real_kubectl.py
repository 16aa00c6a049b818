"""The real kubectl 1.32, pointed at the served simulated cluster, prints what the emulation prints.

kubectl lays out the server's Tables itself (its own tabwriter, column selection, ``-o wide``,
``--show-labels``, ``-A``, kind prefixes and error texts), so byte equality here pins the emulation's
layout to kubectl's own code. The machine image ships kubectl 1.32; without it there is nothing to
compare against and the test is skipped (the emulation's layout is still pinned by test_kubectl.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from simk8s import Cluster
from simk8s.examples import WEB_YAML

pytest.importorskip("aiohttp", reason="simk8s serve needs the serve extra (aiohttp)")
pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")

COMMANDS = [
    "get pods", "get pods -o wide", "get sts", "get sts -o wide", "get pvc", "get pv", "get svc", "get ep",
    "get nodes", "get nodes -o wide", "get sc", "get pods,sts", "get pod web-9", "get pods -A",
    "get pods -l app=nginx --show-labels", "get controllerrevisions", "get ns",
    "get pod web-0 -o jsonpath={.metadata.name}", "get pod web-0 -o jsonpath={.foo}",
    "get pods -o jsonpath={.items[*].spec.hostname}", "get pods -o name", "get sts web -o name",
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cluster, object, dict[str, str]]]:
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.settle()
    cache = tmp_path_factory.mktemp("kubecache")
    with c.serve(speed=None) as endpoint:
        env = {**os.environ, "KUBECONFIG": str(endpoint.kubeconfig), "KUBECACHEDIR": str(Path(cache))}
        yield c, endpoint, env


@pytest.mark.parametrize("cmd", COMMANDS)
def test_emulated_get_matches_real_kubectl(served: tuple[Cluster, object, dict[str, str]], cmd: str) -> None:
    cluster, endpoint, env = served
    real = subprocess.run(["kubectl", *cmd.split()], capture_output=True, text=True, timeout=60, env=env)
    ours = endpoint.call(lambda: cluster.kubectl(cmd))  # type: ignore[attr-defined]
    assert ours.stdout == real.stdout
    assert ours.stderr.strip() == real.stderr.strip()
    assert (ours.code == 0) == (real.returncode == 0)

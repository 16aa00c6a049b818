"""The main job needs only the core dependencies: no hypothesis, matplotlib, dnspython or aiohttp;
and a lab loads no graph library (networkx is for the pictures of :mod:`simk8s.viz`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent

SCRIPT = """
import sys
for name in ("hypothesis", "matplotlib", "dns", "nbclient", "pytest", "aiohttp", "networkx"):
    sys.modules[name] = None          # importing any of them now fails
from simk8s.cli import main
sys.exit(main(["run", "scenarios/seed-lab.yaml", "--check"]))
"""


def test_seed_lab_runs_without_the_test_extra() -> None:
    r = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr

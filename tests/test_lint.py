"""The code base stays ruff- and mypy-clean: these run as part of the suite so CI enforces them."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("tool,args", [
    ("ruff", ["check", "simk8s", "tests", "bench", "fuzz"]),
    ("mypy", []),
])
def test_tool_is_clean(tool, args):
    # Both run as `python -m TOOL` from this interpreter: look for the module, not a command on PATH.
    if importlib.util.find_spec(tool) is None:
        pytest.fail(f"{tool} is not installed; install the test extra: pip install -e '.[test]'")
    result = subprocess.run([sys.executable, "-m", tool, *args], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr

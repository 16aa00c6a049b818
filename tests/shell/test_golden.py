"""Scripts whose output was recorded from the real shells (dash 0.5.12 and bash 5.2.15 on Debian 12,
GNU coreutils 9.1, run as ``dash -c``/``bash -c`` in ``/`` with HOME=/root; BusyBox 1.35.0 ``sh -c``
with its own applets on PATH; ``zsh -f -c`` 5.9) must print the same here.

Each entry pins stdout, stderr (``dash:`` renamed ``sh:``, the name the simulated ``sh`` carries)
and the exit status.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simk8s.node.shell import Shell
from simk8s.node.shell.registry import all_commands
from simk8s.node.vfs import MemFS

CASES = json.loads((Path(__file__).with_name("golden_shells.json")).read_text())
OTHER_CASES = json.loads((Path(__file__).with_name("golden_ash_zsh.json")).read_text())
# File-handling scripts, recorded in an empty scratch directory (here: an empty /work).
FS_CASES = json.loads((Path(__file__).with_name("golden_fs.json")).read_text())


@pytest.mark.parametrize("case", CASES + OTHER_CASES,
                         ids=[f"{c['dialect']}:{c['script'][:40]}" for c in CASES + OTHER_CASES])
def test_matches_the_real_shell(case):
    flavour = "ash" if case["dialect"] == "ash" else "dash"  # busybox applets go with busybox sh
    sh = Shell(all_commands(), MemFS({"/etc/hostname": "x\n", "/tmp/.k": ""}),
               {"HOME": "/root", "PATH": "/usr/bin:/bin"}, case["dialect"], "x", sh_dialect=flavour)
    r = sh.run(case["script"])
    assert (r.stdout, r.stderr, r.code) == (case["stdout"], case["stderr"], case["code"])


@pytest.mark.parametrize("case", FS_CASES, ids=[f"{c['dialect']}:{c['script'][:40]}" for c in FS_CASES])
def test_file_handling_matches_the_real_tools(case):
    fs = MemFS()
    fs.mkdir("/work")
    sh = Shell(all_commands(), fs, {"HOME": "/root", "PATH": "/usr/bin:/bin"}, case["dialect"], "x",
               cwd="/work")
    r = sh.run(case["script"])
    assert (r.stdout, r.stderr, r.code) == (case["stdout"], case["stderr"], case["code"])

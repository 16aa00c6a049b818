"""The shell runs on budgets: a hostile command ends as a real system ends it, never with an
exception out of the shell and never by exhausting the host process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from simk8s import Cluster
from simk8s.examples import WEB_YAML
from simk8s.node.shell import Shell
from simk8s.node.shell.registry import all_commands
from simk8s.node.shell.sandbox import Limits
from simk8s.node.vfs import MemFS
from simk8s.terminal import HostShell

ROOT = Path(__file__).resolve().parents[2]


def sh(dialect: str = "bash", **limits: int) -> Shell:
    return Shell(all_commands(), MemFS({"/tmp/.keep": ""}), {"HOME": "/root"}, dialect, "x",
                 limits=Limits(**limits))


# ---- the cases of the issue -------------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["dash", "bash"])
def test_an_endless_loop_is_ended_by_the_step_budget_as_a_timeout_would(dialect: str) -> None:
    r = sh(dialect).run("while true; do :; done; echo never")  # the default budget
    assert (r.stdout, r.stderr, r.code) == ("", "", 143)


@pytest.mark.parametrize("dialect", ["dash", "ash", "bash"])
def test_unbounded_recursion_is_a_stack_overflow(dialect: str) -> None:
    shell = sh(dialect)
    r = shell.run("f() { f; }; f; echo never")
    assert (r.stdout, r.code) == ("", 139)
    assert shell.run("echo still here").stdout == "still here\n"  # the shell object is intact


def test_zsh_and_bash_with_funcnest_refuse_with_their_own_message() -> None:
    r = sh("zsh").run("f() { f; }; f")
    assert r.code == 1 and r.stderr.endswith("f:1: maximum nested function level reached; increase FUNCNEST?\n")
    r = sh("bash").run("FUNCNEST=20; f() { f; }; f")
    assert r.code == 1 and r.stderr == "bash: line 1: f: maximum function nesting level exceeded (20)\n"


@pytest.mark.parametrize("dialect", ["ash", "bash", "zsh"])
def test_arithmetic_wraps_at_64_bits_instantly(dialect: str) -> None:
    r = sh(dialect).run("echo $((2**100000000)) $((2**63)) $((9223372036854775807+1)) $((1<<64)) "
                        "$((3**41)) $((123456789012345678901234567890))")
    assert r.stdout == ("0 -9223372036854775808 -9223372036854775808 1 -420491770248316829 "
                        "-4362896299872285998\n")


def test_a_pipeline_streams_in_bounded_memory() -> None:
    """``seq 1 100000000 | wc -l`` (888,888,898 bytes through the pipe) in a fresh process."""
    code = textwrap.dedent("""
        from simk8s.node.shell import Shell
        from simk8s.node.shell.registry import all_commands
        from simk8s.node.vfs import MemFS
        r = Shell(all_commands(), MemFS(), {}, "bash").run("seq 1 100000000 | wc -l")
        # VmHWM is this process's own peak: ru_maxrss would carry the forking pytest's size over exec
        peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
        print(repr((r.stdout, r.stderr, r.code)), peak // 1024)
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=600, env={"PYTHONPATH": str(ROOT)}).stdout.split()
    result, rss_mb = " ".join(out[:-1]), int(out[-1])
    assert result == repr(("100000000\n", "", 0))
    assert rss_mb < 150, f"{rss_mb} MB"


def test_a_doubling_variable_is_killed_by_the_oom_killer_in_bounded_memory() -> None:
    code = textwrap.dedent("""
        from simk8s.node.shell import Shell
        from simk8s.node.shell.registry import all_commands
        from simk8s.node.vfs import MemFS
        r = Shell(all_commands(), MemFS(), {}, "bash").run("x=a; while :; do x=$x$x; done")
        # VmHWM is this process's own peak: ru_maxrss would carry the forking pytest's size over exec
        peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
        print(repr((r.stdout, r.stderr, r.code)), peak // 1024)
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=600, env={"PYTHONPATH": str(ROOT)}).stdout.split()
    result, rss_mb = " ".join(out[:-1]), int(out[-1])
    assert result == repr(("", "", 137))
    assert rss_mb < 250, f"{rss_mb} MB"


# ---- how each budget ends a command ---------------------------------------------------------------


def test_a_subshell_killed_by_oom_leaves_its_parent_running() -> None:
    r = sh(memory=100_000).run("(x=a; while :; do x=$x$x; done); echo after $?")
    assert r.stdout == "after 137\n"
    # ... but what $(...) prints is held by the parent shell: that one dies, as bash does
    r = sh(memory=100_000).run("y=$(seq 1 100000); echo never")
    assert (r.stdout, r.code) == ("", 137)


def test_output_past_the_budget_is_cut_and_the_command_ended() -> None:
    r = sh(output=1000).run("while :; do echo yyyyyyy; done")
    assert r.code == 143 and len(r.stdout) == 1000 and set(r.stdout) == {"y", "\n"}


def test_a_full_disk_is_enospc_reported_by_the_writer() -> None:
    shell = sh(disk=100_000)
    r = shell.run("seq 1 1000000 > /tmp/f; echo $?; wc -c < /tmp/f")
    assert r.stdout == "1\n100000\n" or r.stdout.startswith("1\n")
    assert r.stderr == "seq: write error: No space left on device\n"
    assert len(shell.fs.read("/tmp/f")) <= 100_000


def test_huge_brace_expansions_and_printf_widths_are_oom_kills() -> None:
    assert sh().run("echo {1..100000000}; echo never").code == 137
    assert sh().run("echo {a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}"
                    "{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}").code == 137
    assert sh().run("printf '%999999999999d' 1").code == 137


def test_a_whole_command_kill_tears_down_every_pipeline_stage() -> None:
    r = sh(steps=5000).run("seq 1 10 | while :; do :; done | cat; echo never")
    assert (r.stdout, r.code) == ("", 143)


def test_pipelines_stream_a_reader_that_stops_early_ends_its_writer() -> None:
    r = sh().run("seq 1 100000000 | head -3; echo ${PIPESTATUS:-}$?")
    assert r.stdout == "1\n2\n3\n0\n"
    r = sh().run("seq 1 100000 | { read a; read b; echo $a$b; }; seq 5 | tail -2; seq 3 | cat -n | grep 2")
    assert r.stdout == "12\n4\n5\n     2\t2\n"


def test_prefix_and_suffix_removal_on_a_huge_value_is_linear() -> None:
    r = sh().run("x=$(seq 1 300000); y=${x%%9*}; z=${x##*[!0-9]}; echo ${#x} ${#y} $z")
    assert r.stdout == "1988894 16 300000\n"


def test_an_interactive_session_reports_the_kill_and_keeps_its_prompt() -> None:
    shell = sh("bash", steps=5000)
    r = shell.interactive(["while :; do :; done", "echo $?"], prompt="$ ")
    assert r.output == "$ while :; do :; done\nTerminated\n$ echo $?\n143\n$ "


# ---- through kubectl exec and the host shell ------------------------------------------------------


@pytest.fixture(scope="module")
def web() -> Cluster:
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.settle()
    return c


@pytest.mark.parametrize("script,code", [("f() { f; }; f", 139), ("echo $((2**100000000))", 0),
                                         ("x=a; while :; do x=$x$x; done", 137)])
def test_kubectl_exec_shows_how_the_command_ended(web: Cluster, script: str, code: int) -> None:
    r = web.kubectl(["exec", "web-0", "--", "bash", "-c", script])
    assert r.code == code
    if code:
        assert r.stderr.endswith(f"command terminated with exit code {code}\n")


def test_the_host_shell_survives_an_endless_loop(web: Cluster) -> None:
    host = HostShell(web)
    r = host.run("while true; do :; done")
    assert (r.stderr, r.code) == ("Terminated\n", 143)
    assert host.run("kubectl exec web-0 -- sh -c 'while true; do :; done'").stderr == \
        "command terminated with exit code 143\n"
    assert host.run("echo ok").stdout == "ok\n"


def test_field_splitting_keeps_brackets_and_costs_steps_per_field() -> None:
    r = sh().run('x="a[b]c d"; for w in $x; do echo "<$w>"; done')
    assert r.stdout == "<a[b]c>\n<d>\n"  # brackets are not IFS characters
    r = sh(steps=5000).run("x=$(seq 1 50000); while :; do set -- $x; done")
    assert r.code == 143  # re-splitting a big value in a loop is work the budget sees


def test_printf_reuses_its_format_over_many_arguments_in_linear_time() -> None:
    r = sh().run("printf '%s\\n' $(seq 1 50000) | wc -l; printf '%d\\n' 99999999999999999999999")
    assert r.stdout == "50000\n9223372036854775807\n"

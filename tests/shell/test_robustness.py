"""Whatever a user types, the shell answers as a shell would: output and a status, never a crash."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simk8s.node.shell import ParseError, Shell, parse
from simk8s.node.shell.registry import all_commands
from simk8s.node.vfs import MemFS

PIECES = st.sampled_from(
    [*"abc $'\"\\`(){};|&<>#*?[]=-\n\t0129",
     "for ", " in ", "do ", "done", "if ", "then ", "fi", "${", "$(", "$((", "<<E\n", "\nE\n", "case ",
       "esac", ";;", "echo ", "cat ", "x=", "$x", "$@", "~", "${x:-", "${#", "}", "))", "2>&1",
       ">/dev/null", "&&", "||", "! ", "set -e;", "f() ", "return ", "exit ", "break ", "shift "])


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(PIECES, max_size=25).map("".join), st.sampled_from(["dash", "bash", "zsh", "ash"]))
def test_any_input_yields_a_status_not_an_exception(src, dialect):
    with contextlib.suppress(ParseError):  # a syntax error is a fine answer; anything else is not
        parse(src)
    r = Shell(all_commands(), MemFS({"/tmp/.k": ""}), {"HOME": "/root"}, dialect, "x").run(src)
    assert 0 <= r.code <= 255
    session = Shell(all_commands(), MemFS(), {"HOME": "/root"}, dialect, "x")
    assert 0 <= session.interactive(src.split("\n"), prompt="$ ").code <= 255


def test_an_expansion_error_in_a_redirection_target_is_reported_not_raised():
    r = Shell(all_commands(), MemFS(), {}, "dash", "x").run("echo hi 2>&1$(($)); echo never")
    assert (r.stdout, r.stderr, r.code) == ("", 'sh: 1: arithmetic expression: expecting primary: "$"\n', 2)

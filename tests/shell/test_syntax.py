"""Quoting, expansion and control flow behave as in a POSIX shell."""

from __future__ import annotations


def out(make_shell, script, **kw):
    r = make_shell(**kw).run(script)
    assert r.stderr == "", r.stderr
    return r.stdout


def test_quoting_and_escapes(make_shell):
    script = """echo 'a  $x' "b  $HOME" c\\ d \\$e "q\\"q" ''x"""
    assert out(make_shell, script) == "a  $x b  /root c d $e q\"q x\n"
    assert out(make_shell, "echo a#b # comment") == "a#b\n"
    assert out(make_shell, 'x="1  2"; set -- $x "$x"; echo $#') == "3\n"
    assert out(make_shell, 'echo "$(echo "inner quotes")" `echo back`') == "inner quotes back\n"


def test_parameter_expansion_forms(make_shell):
    script = ('f=/usr/share/nginx/html/index.html; echo ${f##*/} ${f%/*} ${#f} ${u:-dflt} ${u-x} '
              '${f:+set}; echo ${v:=assigned} $v; echo $? $$')
    assert out(make_shell, script) == (
        "index.html /usr/share/nginx/html 32 dflt x set\nassigned assigned\n0 1\n")


def test_arithmetic_and_loops(make_shell):
    script = """i=0; while [ $i -lt 5 ]; do i=$((i + 1))
  [ $i -eq 2 ] && continue; [ $i -eq 4 ] && break; echo $i; done
for n in 1 2 3; do for m in a b; do [ $m = b ] && continue 2; echo $n$m; done; done
echo $(( (7 / 2) * 2 + 7 % 3 )) $((-7 / 2))"""
    assert out(make_shell, script) == "1\n3\n1a\n2a\n3a\n7 -3\n"


def test_if_elif_else_and_test_operators(make_shell):
    script = """for v in 1 5 9; do
  if [ "$v" -lt 3 ]; then echo small
  elif test "$v" -lt 7 -a -n "$v"; then echo mid
  else echo big; fi
done
[ -d /etc ] && [ -f /etc/hostname ] && [ ! -e /nope ] && [ -z "" ] && echo files"""
    assert out(make_shell, script) == "small\nmid\nbig\nfiles\n"


def test_pipelines_subshells_and_brace_groups(make_shell):
    script = """x=outer; (x=inner; echo $x); echo $x
{ echo a; echo b; } | grep -c .
echo one two | while read first rest; do echo "$first|$rest"; done
cd /tmp && (cd /etc); pwd"""
    assert out(make_shell, script) == "inner\nouter\n2\none|two\n/tmp\n"


def test_globbing_matches_files_and_leaves_unmatched_patterns(make_shell):
    sh = make_shell()
    sh.run("touch /tmp/a.txt /tmp/b.txt /tmp/.hidden /tmp/c.log")
    assert sh.run("echo /tmp/*.txt; echo /tmp/*.none; echo '/tmp/*'").stdout == (
        "/tmp/a.txt /tmp/b.txt\n/tmp/*.none\n/tmp/*\n")
    assert sh.run("cd /tmp; echo *").stdout == "a.txt b.txt c.log\n"


def test_here_documents_expand_unless_the_delimiter_is_quoted(make_shell):
    script = "x=5\ncat <<EOF\nv=$x $(echo sub)\nEOF\ncat <<'EOF'\nv=$x\nEOF\necho after"
    assert out(make_shell, script) == "v=5 sub\nv=$x\nafter\n"


def test_set_e_stops_at_the_first_failing_command_outside_conditions(make_shell):
    r = make_shell().run("set -e; false || true; if false; then :; fi; echo reached; false; echo not")
    assert (r.stdout, r.code) == ("reached\n", 1)


def test_set_x_traces_commands_to_stderr(make_shell):
    r = make_shell().run("set -x; echo 'a b' c")
    assert (r.stdout, r.stderr) == ("a b c\n", "+ echo 'a b' c\n")


def test_dash_echo_interprets_escapes_and_bash_needs_e(make_shell):
    assert out(make_shell, r"echo 'a\tb'; echo -n x; echo -e y") == "a\tb\nx-e y\n"
    assert out(make_shell, r"echo 'a\tb'; echo -n x; echo -e 'y\tz'", dialect="bash") == "a\\tb\nxy\tz\n"

"""The seed lab's shell lines behave as on a real cluster's nodes and containers."""

from __future__ import annotations

from simk8s.node.shell import CommandContext, Shell
from simk8s.node.vfs import ContainerFS, MemFS


def test_writing_index_html_through_sh_c_lands_in_the_mounted_volume(make_shell):
    volume = MemFS()
    sh = make_shell(hostname="web-0", volume=volume)
    r = sh.run("""sh -c 'echo "$(hostname)-pv-test" > /usr/share/nginx/html/index.html'""")
    assert (r.stdout, r.stderr, r.code) == ("", "", 0)
    assert volume.read("/index.html") == "web-0-pv-test\n"


def test_host_for_loop_expands_web_dollar_i_and_runs_each_exec():
    calls: list[list[str]] = []

    def kubectl(ctx: CommandContext) -> int:
        calls.append(ctx.argv)
        pod = ctx.argv[2]
        inner = Shell({}, MemFS(), {}, hostname=pod)
        return inner.run_into(ctx.argv[-1], ctx=ctx) if ctx.argv[4:6] == ["sh", "-c"] else 0

    from simk8s.node.shell.registry import COREUTILS as COMMANDS
    host = Shell({**COMMANDS, "kubectl": kubectl}, MemFS(), {}, "bash", "k8s-m")
    r = host.run("""for i in 0 1; do kubectl exec "web-$i" -- sh -c 'hostname'; done""")
    assert calls[0] == ["kubectl", "exec", "web-0", "--", "sh", "-c", "hostname"]
    assert calls[1][2] == "web-1"
    # The inner shell has no hostname command installed: dash's not-found wording, per pod.
    assert r.stderr == "sh: 1: hostname: not found\nsh: 1: hostname: not found\n"


def test_and_and_runs_the_watch_only_when_apply_succeeds():
    ran: list[str] = []

    def kubectl(ctx: CommandContext) -> int:
        ran.append(ctx.argv[1])
        if ctx.argv[1] == "apply":
            ctx.err("error: the path \"web.yaml\" does not exist\n")
            return 1
        return 0

    host = Shell({"kubectl": kubectl}, MemFS(), {}, "bash", "k8s-m")
    r = host.run("kubectl apply -f web.yaml && kubectl get pods -w -l app=nginx")
    assert ran == ["apply"] and r.code == 1
    r = host.run("kubectl delete pod -l app=nginx || kubectl get pods; echo $?")
    assert ran == ["apply", "delete"]  # `||` skipped `kubectl get pods`
    assert r.stdout == "0\n"


def test_unknown_commands_are_worded_per_dialect_with_status_127(make_shell):
    expected = {
        "dash": "sh: 1: foo: not found\n",
        "ash": "sh: foo: not found\n",
        "bash": "bash: line 1: foo: command not found\n",
        "zsh": "zsh:1: command not found: foo\n",  # a script; interactive zsh omits the line
    }
    for dialect, text in expected.items():
        r = make_shell(dialect).run("foo")
        assert (r.stderr, r.code) == (text, 127), dialect


def test_dash_syntax_errors_use_dash_wording_and_status_2(make_shell):
    sh = make_shell()
    cases = {
        "for i in 1 2; do echo $i": 'sh: 1: Syntax error: end of file unexpected (expecting "done")\n',
        "echo a &&": "sh: 1: Syntax error: end of file unexpected\n",
        "if true; then echo; fi fi": 'sh: 1: Syntax error: "fi" unexpected\n',
        'echo "abc': "sh: 1: Syntax error: Unterminated quoted string\n",
        "for i in 1 2; echo; done": 'sh: 1: Syntax error: word unexpected (expecting "do")\n',
        "echo $(ls": 'sh: 1: Syntax error: end of file unexpected (expecting ")")\n',
    }
    for script, text in cases.items():
        r = sh.run(script)
        assert (r.stdout, r.stderr, r.code) == ("", text, 2), script
    # dash runs each line as soon as it is parsed: the first line's output comes before the error.
    r = sh.run("echo ok\ndone")
    assert (r.stdout, r.stderr, r.code) == ("ok\n", 'sh: 2: Syntax error: "done" unexpected\n', 2)


def test_exit_codes_propagate_and_exit_stops_the_script(make_shell):
    sh = make_shell()
    assert sh.run("exit 3; echo no").code == 3
    r = sh.run("(exit 4); echo $?; false; echo $?; ! false; echo $?")
    assert r.stdout == "4\n1\n0\n"
    r = sh.run("sh -c 'exit 7'; echo $?")
    assert r.stdout == "7\n"


def test_interactive_zsh_session_echoes_prompts_and_stops_at_exit(make_shell):
    sh = make_shell("zsh", hostname="netdebug")
    r = sh.interactive(["hostname", "nope", "exit", "echo never"], prompt="netdebug ~ ")
    assert r.output == ("netdebug ~ hostname\nnetdebug\nnetdebug ~ nope\n"
                        "zsh: command not found: nope\nnetdebug ~ exit\n")
    assert r.code == 127  # `exit` without an argument keeps the last status


def test_interactive_continues_an_open_loop_on_the_next_line(make_shell):
    sh = make_shell("zsh")
    r = sh.interactive(["for i in 1 2", "do echo $i", "done", "exit 0"], prompt="$ ",
                       continuation="for> ")
    assert r.output == "$ for i in 1 2\nfor> do echo $i\nfor> done\n1\n2\n$ exit 0\n"
    assert r.code == 0


def test_redirection_into_a_missing_directory_is_reported_per_dialect(make_shell):
    assert make_shell().run("echo hi > /nope/x").stderr == \
        "sh: 1: cannot create /nope/x: Directory nonexistent\n"
    assert make_shell("bash").run("echo hi > /nope/x").stderr == \
        "bash: line 1: /nope/x: No such file or directory\n"
    assert make_shell("zsh").run("echo hi > /nope/x").stderr == \
        "zsh:1: no such file or directory: /nope/x\n"


def test_stderr_redirections_and_dev_null(make_shell):
    sh = make_shell()
    r = sh.run("cat /missing 2>&1; cat /missing 2>/dev/null; echo $?; echo hidden > /dev/null")
    assert (r.stdout, r.stderr) == ("cat: /missing: No such file or directory\n1\n", "")


def test_container_fs_keeps_data_written_by_exec_across_recreated_containers(make_shell):
    volume = MemFS()
    make_shell(volume=volume).run("echo kept > /usr/share/nginx/html/index.html")
    again = Shell({}, ContainerFS({}, {"/usr/share/nginx/html": volume}), {})
    assert again.fs.read("/usr/share/nginx/html/index.html") == "kept\n"

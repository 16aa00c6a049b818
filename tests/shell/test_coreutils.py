"""Coreutils print what GNU (Debian/Ubuntu images) or busybox (alpine, busybox) print."""

from __future__ import annotations


def run(make_shell, script, **kw):
    r = make_shell(**kw).run(script)
    return r.stdout, r.stderr, r.code


def test_file_errors_use_gnu_wording_in_debian_images(make_shell):
    assert run(make_shell, "cat /x") == ("", "cat: /x: No such file or directory\n", 1)
    assert run(make_shell, "cat /etc") == ("", "cat: /etc: Is a directory\n", 1)
    assert run(make_shell, "ls /x") == ("", "ls: cannot access '/x': No such file or directory\n", 2)
    assert run(make_shell, "mkdir /etc") == ("", "mkdir: cannot create directory '/etc': File exists\n", 1)
    assert run(make_shell, "mkdir /a/b") == (
        "", "mkdir: cannot create directory '/a/b': No such file or directory\n", 1)
    assert run(make_shell, "rm /x") == ("", "rm: cannot remove '/x': No such file or directory\n", 1)
    assert run(make_shell, "rm /etc") == ("", "rm: cannot remove '/etc': Is a directory\n", 1)
    assert run(make_shell, "mv /x /y") == ("", "mv: cannot stat '/x': No such file or directory\n", 1)
    assert run(make_shell, "cp /etc /y") == ("", "cp: -r not specified; omitting directory '/etc'\n", 1)
    assert run(make_shell, "head /x") == (
        "", "head: cannot open '/x' for reading: No such file or directory\n", 1)
    assert run(make_shell, "grep a /x") == ("", "grep: /x: No such file or directory\n", 2)
    assert run(make_shell, "ls -z") == (
        "", "ls: invalid option -- 'z'\nTry 'ls --help' for more information.\n", 2)


def test_busybox_images_word_errors_the_busybox_way(make_shell):
    kw = {"dialect": "ash", "sh_dialect": "ash"}
    assert run(make_shell, "ls /x", **kw) == ("", "ls: /x: No such file or directory\n", 1)
    assert run(make_shell, "cat /x", **kw) == ("", "cat: can't open '/x': No such file or directory\n", 1)
    assert run(make_shell, "rm /x", **kw) == ("", "rm: can't remove '/x': No such file or directory\n", 1)


def test_text_tools(make_shell):
    script = """printf 'b\\na\\nc\\na\\n' > /tmp/f
sort /tmp/f | tr 2>/dev/null; sort -u /tmp/f; grep -c a /tmp/f; grep -v a /tmp/f
grep -i A /tmp/f | head -n 1; tail -1 /tmp/f; wc -l < /tmp/f; wc -l /tmp/f; seq 3 | tee /tmp/g
cat /tmp/g | wc -w"""
    out, err, code = run(make_shell, script)
    assert out == "a\nb\nc\n2\nb\nc\na\na\n4\n4 /tmp/f\n1\n2\n3\n3\n"
    assert err == "" and code == 0


def test_ls_mkdir_touch_rm_round_trip(make_shell):
    out, err, code = run(make_shell, "mkdir -p /data/x/y && touch /data/a /data/.h && ls /data && ls -a /data"
                                     " && rm -r /data/x && ls /data && cd /data && pwd && ls")
    assert (out, err, code) == ("a\nx\n.\n..\n.h\na\nx\na\n/data\na\n", "", 0)


def test_ls_long_format_shows_size_and_mtime(make_shell):
    sh = make_shell()
    sh.run("echo hello > /tmp/f")
    out = sh.run("ls -l /tmp").stdout
    assert out == "total 4\n-rw-r--r-- 1 root root 6 Jan  1 00:00 f\n"


def test_hostname_env_id_uname_date(make_shell):
    sh = make_shell(hostname="web-1", services=type("S", (), {"now": staticmethod(lambda: 1_700_000_000)})())
    assert sh.run("hostname").stdout == "web-1\n"
    assert sh.run("whoami; id").stdout == "root\nuid=0(root) gid=0(root) groups=0(root)\n"
    assert sh.run("uname; uname -n").stdout == "Linux\nweb-1\n"
    assert sh.run("date").stdout == "Tue Nov 14 22:13:20 UTC 2023\n"
    assert sh.run("date +%Y-%m-%d").stdout == "2023-11-14\n"
    assert "HOME=/root\n" in sh.run("env").stdout
    assert sh.run("X=1 env | grep X=").stdout == "X=1\n"


def test_sleep_goes_through_the_injected_clock(make_shell):
    slept: list[float] = []
    services = type("S", (), {"sleep": staticmethod(slept.append)})()
    sh = make_shell(services=services)
    assert sh.run("sleep 2; sleep 1m; sleep x").stderr == (
        "sleep: invalid time interval 'x'\nTry 'sleep --help' for more information.\n")
    assert slept == [2.0, 60.0]


def test_sh_bash_zsh_recurse_with_their_own_wording(make_shell):
    sh = make_shell()
    r = sh.run("sh -c 'nope'; bash -c 'nope'; zsh -c 'nope'; sh -c 'echo $0 $1' me arg")
    assert r.stderr == ("sh: 1: nope: not found\nbash: line 1: nope: command not found\n"
                        "zsh:1: command not found: nope\n")
    assert r.stdout == "me arg\n"
    assert sh.run("echo 'echo from stdin' | sh").stdout == "from stdin\n"


def test_exec_without_a_shell_finds_only_programs(make_shell):
    sh = make_shell()
    r = sh.exec_argv(["hostname"])
    assert r is not None and (r.stdout, r.code) == ("web-0\n", 0)
    assert sh.exec_argv(["cd", "/tmp"]) is None
    assert sh.exec_argv(["nope"]) is None
    assert sh.exec_argv(["/bin/sh", "-c", "exit 3"]).code == 3  # type: ignore[union-attr]


def test_ls_on_a_terminal_lays_names_out_in_columns_like_gnu_ls(make_shell):
    sh = make_shell()
    sh.tty = True
    names = ["50x.html", "index.html", "nginx.conf", "mime.types", "fastcgi_params", "koi-utf",
             "koi-win", "scgi_params", "uwsgi_params", "win-utf", "a", "bb", "ccc"]
    sh.run("mkdir /w && cd /w && touch " + " ".join(names))
    # Byte-for-byte what GNU ls 9.1 prints for these names at 80 columns (tabs included).
    assert sh.run("ls /w").stdout == (
        "50x.html  bb   fastcgi_params  koi-utf\tmime.types  scgi_params   win-utf\n"
        "a\t  ccc  index.html      koi-win\tnginx.conf  uwsgi_params\n")
    assert sh.run("ls /w | head -n 2").stdout == "50x.html\na\n"  # a pipe is not a terminal


def test_ctrl_c_from_a_service_stops_the_job_with_status_130(make_shell):
    from simk8s.node.shell import Interrupt

    def sleep(seconds: float) -> None:
        raise Interrupt

    sh = make_shell(services=type("S", (), {"sleep": staticmethod(sleep)})())
    r = sh.run("echo before; while true; do sleep 1; done; echo never")
    assert (r.stdout, r.code) == ("before\n", 130)
    r = sh.interactive(["sleep 10", "echo $?", "exit"], prompt="$ ")
    assert r.output == "$ sleep 10\n^C\n$ echo $?\n130\n$ exit\n"


def test_cat_n_printenv_and_source(make_shell):
    sh = make_shell()
    r = sh.run("printf 'a\\nb\\n' | cat -n; printenv HOME; echo 'X=sourced' > /tmp/rc; . /tmp/rc; echo $X")
    assert r.stdout == "     1\ta\n     2\tb\n/root\nsourced\n"


def test_ls_long_format_per_flavour_and_the_six_month_rule():
    import calendar
    from types import SimpleNamespace

    from simk8s.node.shell import Shell
    from simk8s.node.shell.registry import all_commands
    from simk8s.node.vfs import MemFS

    now = calendar.timegm((2026, 11, 28, 22, 40, 0))
    clock = [float(now)]
    fs = MemFS({"/w/.k": ""}, clock=lambda: clock[0])
    services = SimpleNamespace(now=lambda: now)
    gnu = Shell(all_commands(), fs, {}, "dash", "x", services, cwd="/w")
    gnu.run("echo hello > f; mkdir d; echo 0123456789abcdef > g")
    clock[0] = calendar.timegm((2020, 1, 2, 3, 4, 0))
    gnu.run("touch old")
    # as GNU ls 9.1 and BusyBox 1.35 print the same directory
    assert gnu.run("ls -l").stdout == (
        "total 12\ndrwxr-xr-x 2 root root 4096 Nov 28 22:40 d\n-rw-r--r-- 1 root root    6 Nov 28 22:40 f\n"
        "-rw-r--r-- 1 root root   17 Nov 28 22:40 g\n-rw-r--r-- 1 root root    0 Jan  2  2020 old\n")
    busybox = Shell(all_commands(), fs, {}, "ash", "x", services, cwd="/w", sh_dialect="ash")
    assert busybox.run("ls -l d f").stdout == (
        "-rw-r--r--    1 root     root             6 Nov 28 22:40 f\n\nd:\ntotal 0\n")

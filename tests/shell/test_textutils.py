"""The text tools scenario lines pipe kubectl output through behave like GNU's."""

from __future__ import annotations

from pathlib import Path

from simk8s.examples import WEB_YAML

TABLE = ("NAME    READY   STATUS    RESTARTS   AGE\\n"
         "web-0   1/1     Running   0          18s\\nweb-1   1/1     Running   0          20s\\n")


def test_awk_picks_columns_of_a_kubectl_table(make_shell):
    sh = make_shell()
    assert sh.run(f"printf '{TABLE}' | awk 'NR>1 {{print $1}}'").stdout == "web-0\nweb-1\n"
    assert sh.run(f"printf '{TABLE}' | awk '{{print $1, $NF}}' | tail -n 1").stdout == "web-1 20s\n"
    r = sh.run("echo x | awk 'BEGIN { x = 1 }'")
    assert r.code == 2 and "understands only" in r.stderr


def test_sed_tr_cut_uniq_and_friends(make_shell):
    sh = make_shell()
    script = ("echo web-0-pv-test | sed 's/-pv-test//'; echo a:b:c | cut -d: -f2 | tr a-z A-Z; "
              "printf 'x\\nx\\ny\\n' | uniq -c; basename /usr/share/nginx/html/index.html .html; "
              "dirname /usr/share/nginx/html/index.html; echo 'web-0 web-1' | xargs -n 1 echo pod")
    assert sh.run(script).stdout == (
        "web-0\nB\n      2 x\n      1 y\nindex\n/usr/share/nginx/html\npod web-0\npod web-1\n")


def test_sed_in_place_edits_the_simulated_file(make_shell):
    sh = make_shell()
    r = sh.run("echo 'listen 80;' > /tmp/conf; sed -i 's/80/8080/' /tmp/conf; cat /tmp/conf")
    assert r.stdout == "listen 8080;\n"


# The seed lab's web.yaml ends with an empty line (bat numbers it: line 47).
WEB_FILE = WEB_YAML + "\n"


def test_the_seed_hosts_cat_is_bat_and_draws_its_grid_at_201_columns(make_shell):
    sh = make_shell(dialect="bash")
    sh.tty = True
    sh.set("COLUMNS", "201", export=True)
    sh.fs.write("/root/web.yaml", WEB_FILE)
    out = sh.run("cd /root; alias cat=bat; cat web.yaml").stdout
    lines = out.split("\n")
    assert lines[0] == "─" * 7 + "┬" + "─" * 193 and lines[1] == "       │ File: web.yaml"
    assert lines[3] == "   1   │ apiVersion: v1" and lines[49] == "  47   │ "
    seed = Path("/work/shared/reference/seed/000_f08abbba5e3b957b.txt")
    if seed.exists():  # the seed page flattened the terminal's whitespace
        flat = " ".join(out.split())
        assert flat in " ".join(seed.read_text().split())
    assert sh.run("cat web.yaml | head -n 1").stdout == "apiVersion: v1\n"  # piped: plain cat

"""Whatever a user gets wrong, the CLI answers in one line, ``simk8s: error: ...``, exit 2 (1 for a
failed check), never a traceback; outputs are written atomically, also for a run that stops early."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from simk8s.cli import main
from simk8s.examples import WEB_YAML

ROOT = Path(__file__).resolve().parents[1]


def error_of(argv: list[str], capsys: pytest.CaptureFixture[str], code: int = 2) -> str:
    assert main(argv) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("simk8s: error: "), err
    return err


def scenario(tmp_path: Path, text: str) -> str:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return str(path)


def test_a_missing_scenario_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert error_of(["run", "no-such.yaml"], capsys) == "simk8s: error: no-such.yaml: No such file or directory\n"


def test_usage_errors_are_one_line_too(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["run"])
    assert e.value.code == 2
    assert capsys.readouterr().err == "simk8s: error: run: the following arguments are required: scenario\n"


@pytest.mark.parametrize("steps,message", [
    ("- sleep: -5", "step 1: sleep must be between 0 and 86400 seconds, not -5"),
    ("- sleep: abc", "step 1: sleep must be a number of seconds, not 'abc'"),
    ("- sleep: 1e12", "step 1: sleep must be between 0 and 86400 seconds, not '1e12'"),
    ("- sleep: .nan", "step 1: sleep must be between 0 and 86400 seconds, not nan"),
    ("- slep: 5", "step 1: expected one of check, explain, fault, note, run, sleep"),
    ("- run: kubectl get pods\n  expct: {exit: 0}", "step 1: unknown key 'expct'"),
    ("- run: kubectl get pods\n  expect: {regex: ['pvc-[']}", "step 1: expect: bad regex 'pvc-['"),
    ("- run: kubectl get pods\n  watch: forever", "step 1: watch (or \"quiet\") must be a number"),
    ("- check: everything", "step 1: unknown check 'everything'"),
    ("- fault: {explode: k8s-w1}", "step 1: fault is one of {fail: NODE}"),
])
def test_a_bad_step_is_refused_before_anything_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    steps: str, message: str) -> None:
    path = scenario(tmp_path, "steps:\n- run: echo ran\n" + steps.replace("step 1", "step 2"))
    err = error_of(["run", path], capsys)
    assert err.startswith(f"simk8s: error: {path}: {message.replace('step 1', 'step 2')}"), err
    assert "ran" not in capsys.readouterr().out


def test_not_yaml_and_not_a_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "not valid YAML" in error_of(["run", scenario(tmp_path, "steps: [")], capsys)
    assert "a scenario is a mapping with a list of steps" in error_of(["run", scenario(tmp_path, "- 1")], capsys)
    assert "seed is an integer" in error_of(["run", scenario(tmp_path, "seed: x\nsteps: []")], capsys)


def test_a_fault_on_a_missing_node_stops_the_run_and_still_writes_the_event_log(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario(tmp_path, "files: {web.yaml: {}}\nsteps:\n- run: kubectl apply -f web.yaml\n"
                    "- fault: {fail: no-such-node}\n- run: echo never\n".replace("{}", json.dumps(WEB_YAML)))
    events = tmp_path / "events.log"
    err = error_of(["run", path, "--events", str(events)], capsys)
    assert err == f'simk8s: error: {path}: step 2: fault: nodes "no-such-node" not found\n'
    log = events.read_text()
    assert " ADDED StatefulSet default/web" in log
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".events")]  # no temporary left


def test_outputs_replace_the_old_file_atomically_and_a_missing_directory_fails_first(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario(tmp_path, "steps:\n- run: echo hi\n")
    events = tmp_path / "events.log"
    events.write_text("old\n")
    inode = events.stat().st_ino
    assert main(["run", path, "--quiet", "--events", str(events)]) == 0
    assert events.read_text() != "old\n" and events.stat().st_ino != inode  # a new file renamed over
    err = error_of(["run", path, "--events", str(tmp_path / "nope" / "e.log")], capsys)
    assert "no directory" in err and "hi" not in capsys.readouterr().out


def test_a_failed_check_exits_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario(tmp_path, "steps:\n- run: echo hi\n  expect: {contains: [bye]}\n")
    assert main(["run", path, "--check"]) == 1


@pytest.mark.parametrize("command", ["dns", "serve"])
def test_an_invalid_manifest_or_missing_file_for_the_servers(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            command: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: Web}\nspec: {}\n")
    err = error_of([command, "-f", str(bad), "--port", "0"], capsys)
    assert err.startswith(f"simk8s: error: {bad}: ") and "Web" in err
    err = error_of([command, "-f", str(tmp_path / "none.yaml"), "--port", "0"], capsys)
    none = tmp_path / "none.yaml"
    if command == "dns":
        assert err == f'simk8s: error: {none}: the path "{none}" does not exist\n'  # kubectl's words
    else:
        assert err == f"simk8s: error: {none}: no such file or directory\n"


@pytest.mark.parametrize("command", ["dns", "serve"])
def test_a_port_in_use(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(WEB_YAML)
    kind = socket.SOCK_DGRAM if command == "dns" else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET, kind) as taken:
        taken.bind(("127.0.0.1", 0))
        if kind == socket.SOCK_STREAM:
            taken.listen()
        port = taken.getsockname()[1]
        err = error_of([command, "-f", str(manifest), "--port", str(port)], capsys)
    if command == "dns":
        assert err == f"simk8s: error: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    else:
        assert err.lower().endswith("address already in use\n")


def test_plotting_without_matplotlib_is_refused_before_the_run(tmp_path: Path) -> None:
    path = scenario(tmp_path, "steps:\n- run: echo ran\n")
    script = ("import sys; sys.modules['matplotlib'] = None\nfrom simk8s.cli import main\n"
              f"sys.exit(main(['run', {path!r}, '--timeline', {str(tmp_path / 't.png')!r}]))")
    r = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "ran" not in r.stdout
    assert r.stderr == ("simk8s: error: --timeline needs matplotlib, which is not installed: "
                        "pip install 'simk8s[plot]'\n")

"""`simk8s dns -f MANIFEST` serves the settled cluster's DNS until it is stopped."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import dns.message
import dns.query

from simk8s.examples import WEB_YAML


def test_simk8s_dns_serves_the_manifests_headless_service(tmp_path: Path) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(WEB_YAML)
    proc = subprocess.Popen([sys.executable, "-m", "simk8s.cli", "dns", "-f", str(manifest), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).parent.parent.parent)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"serving cluster\.local on 127\.0\.0\.1:(\d+) \(udp, tcp\)", line)
        assert m, line + (proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        q = dns.message.make_query("_web._tcp.nginx.default.svc.cluster.local", "SRV")
        reply = dns.query.udp(q, "127.0.0.1", port=int(m.group(1)), timeout=5)
        assert sorted(str(rr.target) for rr in reply.answer[0]) == [
            "web-0.nginx.default.svc.cluster.local.", "web-1.nginx.default.svc.cluster.local."]
    finally:
        proc.terminate()
        proc.wait(timeout=10)

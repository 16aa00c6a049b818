"""The kubelet's probe workers (pkg/kubelet/prober): one per container and probe kind.

A worker keeps upstream's bookkeeping: the committed result (readiness starts failed, liveness
succeeded, startup unknown), the run of equal raw results and the thresholds that commit a
change (``failureThreshold``, ``successThreshold``), ``initialDelaySeconds`` counted from the
container's start, and ``onHold`` after a liveness or startup failure until the container is
replaced. :func:`run_probe` performs one probe (exec, httpGet, tcpSocket, grpc) against the
simulated container and returns what the kubelet would: success, and the output its
``Unhealthy`` event quotes (``HTTP probe failed with statuscode: 500``, ``dial tcp ...:
connect: connection refused``, the command's output).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simk8s.api.frozen import get_in
from simk8s.node.runtime import ContainerRuntime, ExecError, ProbeTimeout

__all__ = ["KINDS", "ProbeWorker", "port_number", "probe_target", "run_probe", "workers_for"]

#: Probe kinds in the order the kubelet consults them, with their container fields.
KINDS = (("Startup", "startupProbe"), ("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"))


def _int(probe: Mapping[str, Any], key: str, default: int) -> int:
    value = probe.get(key)
    return int(value) if isinstance(value, int) and value > 0 else default


@dataclass
class ProbeWorker:
    kind: str
    probe: Mapping[str, Any]
    result: bool | None = None
    last: bool | None = None
    run: int = 0
    next_at: float = math.inf
    on_hold: bool = False

    @property
    def period(self) -> float:
        return float(_int(self.probe, "periodSeconds", 10))

    @property
    def timeout(self) -> float:
        return float(_int(self.probe, "timeoutSeconds", 1))

    @property
    def delay(self) -> float:
        return float(self.probe.get("initialDelaySeconds") or 0)

    def reset(self) -> None:
        """A new container: start over from the kind's initial result."""
        self.result = {"Readiness": False, "Liveness": True}.get(self.kind)
        self.last, self.run, self.on_hold = None, 0, False

    def record(self, ok: bool) -> bool:
        """Count one raw result; True when it commits a new result (its threshold is reached)."""
        if ok == self.last:
            self.run += 1
        else:
            self.last, self.run = ok, 1
        threshold = _int(self.probe, "successThreshold", 1) if ok else _int(self.probe, "failureThreshold", 3)
        if self.run < threshold:
            return False
        changed = self.result != ok
        self.result = ok
        if not ok and self.kind in ("Liveness", "Startup"):
            self.on_hold, self.run = True, 0  # the container will be replaced; stop probing it
        return changed

    @property
    def settled(self) -> bool:
        """The last result is the committed one (passing or failing): it can only change when
        something in the pod changes, so the simulation stops ticking the probe until then (see
        docs/decisions.md). A result on its way to a threshold keeps ticking."""
        return self.last is not None and self.result == self.last


def workers_for(container: Mapping[str, Any]) -> dict[str, ProbeWorker]:
    """The workers of ``container``'s probes, by kind."""
    out = {}
    for kind, fieldname in KINDS:
        probe = container.get(fieldname)
        if probe:
            worker = ProbeWorker(kind, probe)
            worker.reset()
            out[kind] = worker
    return out


def port_number(container: Mapping[str, Any], port: Any) -> int:
    """A probe's ``port`` (a number or a named container port) as a number; -1 if unknown."""
    if isinstance(port, int) or (isinstance(port, str) and port.isdigit()):
        return int(port)
    for p in container.get("ports") or ():
        if p.get("name") == port:
            return int(p["containerPort"])
    return -1


def probe_target(pod: Any, container: Any, probe: Any) -> tuple[str, int]:
    """(host, port) an httpGet/tcpSocket/grpc probe dials: the pod IP unless ``host`` is set."""
    action = probe.get("httpGet") or probe.get("tcpSocket") or probe.get("grpc") or {}
    host = action.get("host") or get_in(pod, ("status", "podIP")) or ""
    return str(host), port_number(container, action.get("port", 0))


def run_probe(runtime: ContainerRuntime, host_ip: str, pod: Any, container: Any, worker: ProbeWorker
              ) -> tuple[bool, str]:
    """One probe of ``container`` through the node's ``runtime`` (the kubelet dials from
    ``host_ip``): (success, the output a failure's event quotes)."""
    probe = worker.probe
    host, port = probe_target(pod, container, probe)
    if "exec" in probe:
        argv = list(get_in(probe, ("exec", "command")) or ["true"])
        try:
            result = runtime.exec(pod, container["name"], argv, probe_timeout=worker.timeout)
        except ProbeTimeout:
            return False, ""
        except ExecError as e:
            return False, str(e)
        return result.code == 0, result.stdout + result.stderr
    if "httpGet" in probe:
        path = get_in(probe, ("httpGet", "path")) or "/"
        url = f"http://{host}:{port}{path}"
        reply = runtime.serve_http(pod, port, "GET", path, host_ip, user_agent="kube-probe/1.32") \
            if runtime.listening(pod, port) else None
        if reply is None:
            return False, f'Get "{url}": dial tcp {host}:{port}: connect: connection refused'
        if 200 <= reply[0] < 400:
            return True, ""
        return False, f"HTTP probe failed with statuscode: {reply[0]}"
    if "tcpSocket" in probe:
        if runtime.listening(pod, port):
            return True, ""
        return False, f"dial tcp {host}:{port}: connect: connection refused"
    if "grpc" in probe:
        if runtime.grpc_serving(pod, port):
            return True, "service healthy"
        return False, (f'timeout: failed to connect service "{host}:{port}" within '
                       f"{int(worker.timeout)}s: context deadline exceeded")
    return True, ""

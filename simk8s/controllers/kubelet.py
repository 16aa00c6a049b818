"""The kubelet of one node: runs the pods bound to it through their lifecycle in virtual time.

Per pod, one simpy process walks the steps a real kubelet reports: ContainerCreating (sandbox,
pod IP), image pulls (slow the first time on a node), containers started and Ready, restarts with
back-off when a container exits, and graceful termination (SIGTERM, the grace period, the final
zero-grace delete). When the node fails the kubelet goes silent: nothing it owns changes until
the node recovers.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Generator, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import simpy

from simk8s.api.errors import ApiError
from simk8s.api.frozen import FrozenDict, get_in, thaw
from simk8s.controllers.base import Controller
from simk8s.events import EventRecorder
from simk8s.fork import resumer
from simk8s.images import canonical_name
from simk8s.logic import podstatus
from simk8s.store import WatchEvent

if TYPE_CHECKING:
    from simk8s.cluster import Cluster

__all__ = ["Kubelet", "KubeletDispatcher"]


class KubeletDispatcher:
    """One watch for all kubelets: routes each pod event to the kubelet of its node (old or new)."""

    def __init__(self, cluster: Cluster, kubelets: dict[str, Kubelet]) -> None:
        self.kubelets = kubelets
        cluster.store.subscribe(self._on_event, ("Pod",))

    def _on_event(self, ev: WatchEvent) -> None:
        if ev.kind.kind != "Pod":
            return
        node = get_in(ev.obj, ("spec", "nodeName"))
        if node in self.kubelets:
            self.kubelets[node].queue.add(ev.key)
        old = get_in(ev.old, ("spec", "nodeName")) if ev.old is not None else None
        if old and old != node and old in self.kubelets:
            self.kubelets[old].queue.add(ev.key)


class _Deleted(Exception):
    """The pod got a deletionTimestamp: stop what you are doing and terminate it."""


@dataclass
class PodRuntime:
    """What the node itself holds for a pod: its sandbox, IP and containers."""

    namespace: str
    name: str
    uid: str
    ip: str | None = None
    terminating: bool = False
    terminating_started: bool = False
    process: simpy.Process | None = None
    started_at: dict[str, str] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)
    running: set[str] = field(default_factory=set)
    ready: dict[str, bool] = field(default_factory=dict)
    last_state: dict[str, Any] = field(default_factory=dict)
    wake: simpy.Event | None = None
    # Exit codes of main processes that ended while attached (``kubectl run -it``, then ``exit``).
    exited: dict[str, int] = field(default_factory=dict)


class Kubelet(Controller):
    name = "kubelet"
    watch_kinds = frozenset(('Pod',))

    def __init__(self, cluster: Cluster, node_name: str) -> None:
        self.node_name = node_name
        self.alive = True
        self.up = cluster.env.event()
        self.pulled: set[str] = set()
        self.pods: dict[tuple[str, str], PodRuntime] = {}
        self.recorder = EventRecorder(cluster.store, "kubelet", host=node_name)
        self.cidr = cluster.pod_cidrs[node_name]
        net = ipaddress.ip_network(self.cidr)
        self._net_base, self._net_size = int(net.network_address), net.num_addresses
        from simk8s.runtime import ContainerRuntime

        self.runtime = ContainerRuntime(cluster, node_name)
        self._next_ip = 2
        self.host_ip = next(a["address"] for a in cluster.store.get("Node", node_name)["status"]["addresses"]
                            if a["type"] == "InternalIP")
        super().__init__(cluster, subscribe=False)

    # ----------------------------------------------------------------------------- wiring
    def keys_for(self, ev: WatchEvent) -> Iterable[Hashable]:
        if ev.kind.kind != "Pod":
            return ()
        if get_in(ev.obj, ("spec", "nodeName")) == self.node_name or (
                ev.old is not None and get_in(ev.old, ("spec", "nodeName")) == self.node_name):
            return (ev.key,)
        return ()

    def sync(self, key: Any) -> float | None:
        if not self.alive:
            return None
        ns, name = key
        pod = self.store.try_get("Pod", name, ns)
        rt = self.pods.get(key)
        if rt is not None and (pod is None or pod["metadata"]["uid"] != rt.uid
                               or pod["spec"].get("nodeName") != self.node_name):
            # Force-deleted or replaced behind our back: tear the sandbox down.
            if rt.process is not None and rt.process.is_alive:
                rt.process.interrupt("gone")
            self.pods.pop(key, None)
            rt = None
        if pod is None or pod["spec"].get("nodeName") != self.node_name:
            return None
        if rt is None:
            rt = PodRuntime(ns, name, pod["metadata"]["uid"])
            self.pods[key] = rt
            rt.process = self.env.process(self._lifecycle(rt))
        elif pod["metadata"].get("deletionTimestamp") and not rt.terminating:
            rt.terminating = True
            if rt.process is not None and rt.process.is_alive:
                rt.process.interrupt("delete")
        return None

    # ----------------------------------------------------------------------------- faults
    def fail(self) -> None:
        if not self.alive:
            return
        self.alive = False
        self.up = self.env.event()
        for rt in self.pods.values():
            if rt.process is not None and rt.process.is_alive:
                rt.process.interrupt("down")
        for c in self.cluster.controllers:
            if hasattr(c, "node_failed"):
                c.node_failed(self.node_name)

    def recover(self) -> None:
        if self.alive:
            return
        self.alive = True
        self.up.succeed()
        for c in self.cluster.controllers:
            if hasattr(c, "node_recovered"):
                c.node_recovered(self.node_name)
        for pod in self.store.list("Pod", None, where=lambda p: p["spec"].get("nodeName") == self.node_name):
            self.queue.add((pod["metadata"]["namespace"], pod["metadata"]["name"]))
        for key in list(self.pods):
            self.queue.add(key)

    # ---------------------------------------------------------------------------- helpers
    def _draw(self, span: tuple[float, float]) -> float:
        return self.cluster.timing.draw(self.cluster.rng, span)

    def _sleep(self, rt: PodRuntime, seconds: float) -> Generator[simpy.Event, Any, None]:
        """Wait ``seconds``; a node outage pauses the clock of this pod; a deletion raises."""
        end = self.env.now + seconds
        while True:
            try:
                if not self.alive:
                    yield self.up
                    self.node_ready_again(rt)
                remaining = end - self.env.now
                if remaining == float("inf"):
                    rt.wake = self.env.event()
                    yield rt.wake
                    return
                if remaining > 0:
                    yield self.env.timeout(remaining)
                if not self.alive:
                    continue
                return
            except simpy.Interrupt as interrupt:
                if interrupt.cause == "gone":
                    raise
                if interrupt.cause == "delete" and not rt.terminating_started:
                    raise _Deleted() from None

    def _pod(self, rt: PodRuntime) -> FrozenDict | None:
        pod = self.store.try_get("Pod", rt.name, rt.namespace)
        if pod is None or pod["metadata"]["uid"] != rt.uid:
            return None
        return pod

    def _write_status(self, rt: PodRuntime, status: dict[str, Any]) -> FrozenDict | None:
        try:
            return self.store.set_status("Pod", rt.name, rt.namespace, status, uid=rt.uid)
        except ApiError:
            return None

    def _alloc_ip(self) -> str:
        used = {rt.ip for rt in self.pods.values() if rt.ip}
        size, base = self._net_size, self._net_base
        for _ in range(size):
            if self._next_ip >= size - 1:
                self._next_ip = 2
            n = base + self._next_ip
            ip = f"{n >> 24}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
            self._next_ip += 1
            if ip not in used:
                return ip
        raise RuntimeError(f"node {self.node_name}: pod CIDR {self.cidr} is full")

    def _image(self, ref: str) -> Any:
        from simk8s.images import lookup_image

        return lookup_image(ref)

    # -------------------------------------------------------------------------- lifecycle
    def _lifecycle(self, rt: PodRuntime, parked: bool = False) -> Generator[simpy.Event, Any, None]:
        """The pod's worker; ``parked``: resume one that waits in :meth:`_park` (a fork's copy)."""
        try:
            try:
                if parked:
                    yield from self._park(rt)
                    yield from self._attached_exit(rt)
                first = self._pod(rt)
                if first is not None and first["metadata"].get("deletionTimestamp"):
                    raise _Deleted()
                yield from self._start(rt)
                yield from self._serve(rt)
            except _Deleted:
                pass
            rt.terminating_started = True
            yield from self._terminate(rt)
        except simpy.Interrupt:
            # "gone": the API object vanished (force delete); the sandbox goes with it.
            pass
        finally:
            if self.pods.get((rt.namespace, rt.name)) is rt and self._pod(rt) is None:
                self.pods.pop((rt.namespace, rt.name), None)

    def _start(self, rt: PodRuntime) -> Generator[simpy.Event, Any, None]:
        yield from self._sleep(rt, self._draw(self.cluster.timing.kubelet_notice))
        pod = self._pod(rt)
        if pod is None:
            return
        status = podstatus.creating_status(pod, self.host_ip, self.store.timestamp())
        self._write_status(rt, status)
        yield from self._wait_volumes(rt)
        yield from self._sleep(rt, self._draw(self.cluster.timing.sandbox))
        rt.ip = self._alloc_ip()
        pod = self._pod(rt)
        if pod is None:
            return
        status = dict(pod["status"])  # top-level fields replaced below; the rest stays shared (frozen)
        status["conditions"] = podstatus.set_condition(status["conditions"], "PodReadyToStartContainers", "True",
                                                       self.store.timestamp())
        status["podIP"] = rt.ip
        status["podIPs"] = [{"ip": rt.ip}]
        self._write_status(rt, status)
        for container in pod["spec"]["containers"]:
            yield from self._pull(rt, pod, container)
            self.recorder.event(pod, "Normal", "Created", f"Created container: {container['name']}",
                                field_path=f"spec.containers{{{container['name']}}}")
            self.recorder.event(pod, "Normal", "Started", f"Started container {container['name']}",
                                field_path=f"spec.containers{{{container['name']}}}")
        yield from self._sleep(rt, self._draw(self.cluster.timing.container_start))
        self._post_running(rt)

    def _wait_volumes(self, rt: PodRuntime) -> Generator[simpy.Event, Any, None]:
        """Wait until every claim the pod mounts is bound (the volume manager's attach/mount)."""
        while True:
            pod = self._pod(rt)
            if pod is None:
                return
            pending = []
            for vol in pod["spec"].get("volumes") or ():
                claim = get_in(vol, ("persistentVolumeClaim", "claimName"))
                if claim:
                    pvc = self.store.try_get("PersistentVolumeClaim", claim, rt.namespace)
                    if pvc is None or get_in(pvc, ("status", "phase")) != "Bound":
                        pending.append(claim)
            conflict = self._multi_attach(pod)
            if not pending and conflict is None:
                return
            if conflict is not None:
                pv, users = conflict
                self.recorder.event(pod, "Warning", "FailedAttachVolume",
                                    f'Multi-Attach error for volume "{pv}" Volume is already used by pod(s) '
                                    f"{', '.join(users)}")
            yield from self._sleep(rt, 2.0)

    def _multi_attach(self, pod: FrozenDict) -> tuple[str, list[str]] | None:
        """A ReadWriteOnce volume still attached to another node for a running pod there."""
        ns = pod["metadata"]["namespace"]
        for vol in pod["spec"].get("volumes") or ():
            claim = get_in(vol, ("persistentVolumeClaim", "claimName"))
            if not claim:
                continue
            pvc = self.store.try_get("PersistentVolumeClaim", claim, ns)
            modes = get_in(pvc, ("status", "accessModes")) or () if pvc is not None else ()
            if pvc is None or "ReadWriteOnce" not in modes or "ReadWriteMany" in modes:
                continue
            users = [p["metadata"]["name"] for p in self.store.by_index("Pod", "claim", (ns, claim))
                     if p["metadata"]["uid"] != pod["metadata"]["uid"]
                     and get_in(p, ("spec", "nodeName")) not in (None, self.node_name)
                     and get_in(p, ("status", "phase")) not in ("Succeeded", "Failed")]
            if users:
                return str(pvc["spec"].get("volumeName", "")), users
        return None

    def _pull(self, rt: PodRuntime, pod: FrozenDict, container: Any) -> Generator[simpy.Event, Any, None]:
        image_ref = container.get("image", "")
        fp = f"spec.containers{{{container['name']}}}"
        policy = container.get("imagePullPolicy", "IfNotPresent")
        spec = self._image(image_ref)
        backoff = self.cluster.timing.backoff_initial
        while spec is None:
            self.recorder.event(pod, "Normal", "Pulling", f'Pulling image "{image_ref}"', field_path=fp)
            yield from self._sleep(rt, self._draw((0.5, 1.5)))
            ref = canonical_name(image_ref)
            err = (f'failed to pull and unpack image "{ref}": failed to resolve reference "{ref}": '
                   f'{ref}: not found')
            self.recorder.event(pod, "Warning", "Failed",
                                f'Failed to pull image "{image_ref}": rpc error: code = NotFound desc = {err}',
                                field_path=fp)
            self.recorder.event(pod, "Warning", "Failed", "Error: ErrImagePull", field_path=fp)
            self._set_waiting(rt, container["name"], "ErrImagePull",
                              f"rpc error: code = NotFound desc = {err}")
            yield from self._sleep(rt, 1.0)
            self.recorder.event(pod, "Normal", "BackOff", f'Back-off pulling image "{image_ref}"', field_path=fp)
            self.recorder.event(pod, "Warning", "Failed", "Error: ImagePullBackOff", field_path=fp)
            self._set_waiting(rt, container["name"], "ImagePullBackOff", f'Back-off pulling image "{image_ref}"')
            yield from self._sleep(rt, backoff)
            backoff = min(backoff * 2, self.cluster.timing.backoff_cap)
            spec = self._image(image_ref)
        key = canonical_name(image_ref)
        if key in self.pulled and policy != "Always":
            self.recorder.event(pod, "Normal", "Pulled",
                                f'Container image "{image_ref}" already present on machine', field_path=fp)
            return
        self.recorder.event(pod, "Normal", "Pulling", f'Pulling image "{image_ref}"', field_path=fp)
        factor = float(getattr(spec, "pull_factor", 1.0))
        seconds = self._draw(self.cluster.timing.image_pull) * factor if key not in self.pulled else \
            self._draw((0.3, 0.9))
        yield from self._sleep(rt, seconds)
        self.pulled.add(key)
        size = int(getattr(spec, "size", 0) or 0)
        took = _go_duration(seconds)
        self.recorder.event(pod, "Normal", "Pulled",
                            f'Successfully pulled image "{image_ref}" in {took} ({took} including waiting). '
                            f"Image size: {size} bytes.", field_path=fp)

    def _set_waiting(self, rt: PodRuntime, name: str, reason: str, message: str) -> None:
        pod = self._pod(rt)
        if pod is None:
            return
        status = thaw(pod["status"])
        for cs in status.get("containerStatuses", []):
            if cs["name"] == name:
                cs["state"] = {"waiting": {"message": message, "reason": reason}}
        self._write_status(rt, status)

    def _post_running(self, rt: PodRuntime) -> None:
        pod = self._pod(rt)
        if pod is None:
            return
        now = self.store.timestamp()
        status = dict(pod["status"])  # top-level fields replaced below; the rest stays shared (frozen)
        statuses = []
        not_ready = []
        for c in pod["spec"]["containers"]:
            started = rt.started_at.setdefault(c["name"], now)
            rt.running.add(c["name"])
            ready = rt.ready.setdefault(c["name"], not c.get("readinessProbe"))
            if not ready:
                not_ready.append(c["name"])
            spec = self._image(c.get("image", ""))
            statuses.append({
                "containerID": f"containerd://{_hex_id(rt.uid, c['name'])}",
                "image": getattr(spec, "canonical", None) or c.get("image", ""),
                "imageID": getattr(spec, "image_id", "") or "",
                "lastState": rt.last_state.get(c["name"], {}),
                "name": c["name"],
                "ready": ready,
                "restartCount": rt.restarts.get(c["name"], 0),
                "started": True,
                "state": {"running": {"startedAt": started}},
            })
        status["containerStatuses"] = statuses
        status["conditions"] = podstatus.ready_conditions(status["conditions"], not_ready, now)
        status["phase"] = "Running"
        self._write_status(rt, status)

    def _serve(self, rt: PodRuntime) -> Generator[simpy.Event, Any, None]:
        """The pod runs until deleted. Readiness probes run after their initial delay, then again
        whenever something that could change their result happens (an exec into the pod), with
        the probe's period and thresholds: results only change when simulated state changes."""
        pod = self._pod(rt)
        if pod is None:
            return
        finite = [(c, run) for c in pod["spec"]["containers"]
                   if (run := main_process(c, self._image(c.get("image", "")))) is not None]
        if finite and len(pod["spec"]["containers"]) == 1:
            yield from self._run_to_exit(rt, finite[0][0], *finite[0][1])
        probed = [c for c in pod["spec"]["containers"] if c.get("readinessProbe")]
        if not probed:
            yield from self._park(rt)
            yield from self._attached_exit(rt)
        delay = max(float(get_in(c, ("readinessProbe", "initialDelaySeconds"), 0) or 0) for c in probed)
        yield from self._sleep(rt, delay + self._draw((0.0, 1.0)))
        fails: dict[str, int] = {}
        passes: dict[str, int] = {}
        while True:
            if rt.exited:
                yield from self._attached_exit(rt)
            pod = self._pod(rt)
            if pod is None:
                return
            changed = False
            pending = False
            for c in probed:
                probe = c["readinessProbe"]
                ok = self.probe(pod, c, probe)
                name = c["name"]
                if ok:
                    fails[name] = 0
                    passes[name] = passes.get(name, 0) + 1
                    if not rt.ready.get(name) and passes[name] >= int(probe.get("successThreshold", 1) or 1):
                        rt.ready[name] = True
                        changed = True
                    pending |= not rt.ready.get(name)
                else:
                    passes[name] = 0
                    fails[name] = fails.get(name, 0) + 1
                    if rt.ready.get(name) and fails[name] >= int(probe.get("failureThreshold", 3) or 3):
                        rt.ready[name] = False
                        changed = True
                    pending |= bool(rt.ready.get(name))
            if changed:
                self._post_running(rt)
            if pending:
                period = min(float(get_in(c, ("readinessProbe", "periodSeconds"), 10) or 10) for c in probed)
                yield from self._sleep(rt, period)
            else:
                yield from self._sleep(rt, float("inf"))
                if rt.exited:
                    yield from self._attached_exit(rt)
                period = min(float(get_in(c, ("readinessProbe", "periodSeconds"), 10) or 10) for c in probed)
                yield from self._sleep(rt, period * self.cluster.rng.random())

    def _park(self, rt: PodRuntime) -> Generator[simpy.Event, Any, None]:
        """Nothing more to do for this pod until it is deleted (which raises out of here); returns
        when an attached main process has ended (:meth:`main_exited`)."""
        while not rt.exited:
            yield from self._sleep(rt, float("inf"))

    def _attached_exit(self, rt: PodRuntime) -> Generator[simpy.Event, Any, None]:
        """A main process ended during an attach session (:meth:`main_exited`): the kubelet notices
        at its next relist and the container terminates with that exit code. Never returns: a pod
        that ends (restart policy Never, or OnFailure after exit 0) is parked until deleted, and a
        restarted container loops in :meth:`_run_to_exit`."""
        name, code = rt.exited.popitem()
        pod = self._pod(rt)
        container = next((c for c in pod["spec"]["containers"] if c["name"] == name), None) if pod else None
        if container is not None:
            yield from self._run_to_exit(rt, container, self._draw(self.cluster.timing.exit_notice), code)
        while True:
            yield from self._park(rt)
            rt.exited.clear()

    def main_exited(self, namespace: str, name: str, container: str, code: int) -> None:
        """The attached main process of ``container`` ended with ``code`` (a ``kubectl run -it``
        shell after ``exit``). With ``stdinOnce`` its stdin stays closed, so a restarted container's
        shell ends at once as well."""
        rt = self.pods.get((namespace, name))
        if rt is not None and container in rt.running:
            rt.exited[container] = code
            self.poke(namespace, name)

    def _run_to_exit(self, rt: PodRuntime, container: Any, seconds: float, code: int
                     ) -> Generator[simpy.Event, Any, None]:
        """A container whose main process ends: Completed/Error, then restarts with CrashLoopBackOff
        back-off (10 s doubling to 5 min) under restartPolicy Always (OnFailure: on failures only)."""
        name = container["name"]
        backoff = self.cluster.timing.backoff_initial
        fp = f"spec.containers{{{name}}}"
        while True:
            yield from self._sleep(rt, seconds)
            pod = self._pod(rt)
            if pod is None:
                return
            now = self.store.timestamp()
            restarts = rt.restarts.get(name, 0)
            terminated = {"containerID": f"containerd://{_hex_id(rt.uid, name + str(restarts))}", "exitCode": code,
                          "finishedAt": now, "reason": "Completed" if code == 0 else "Error",
                          "startedAt": rt.started_at.get(name, now)}
            status = thaw(pod["status"])
            for cs in status.get("containerStatuses", []):
                if cs["name"] == name:
                    cs.update(ready=False, started=False, state={"terminated": terminated})
            rt.running.discard(name)
            policy = pod["spec"].get("restartPolicy", "Always")
            restart = policy == "Always" or (policy == "OnFailure" and code != 0)
            status["phase"] = "Running" if restart else ("Succeeded" if code == 0 else "Failed")
            status["conditions"] = podstatus.ready_conditions(status["conditions"], [name], now)
            self._write_status(rt, status)
            if not restart:
                return
            if restarts > 0:
                yield from self._sleep(rt, self._draw((0.3, 0.8)))
                pod = self._pod(rt)
                if pod is None:
                    return
                message = (f"back-off {int(backoff)}s restarting failed container={name} "
                           f"pod={rt.name}_{rt.namespace}({rt.uid})")
                status = thaw(pod["status"])
                for cs in status.get("containerStatuses", []):
                    if cs["name"] == name:
                        cs.update(lastState={"terminated": terminated},
                                  state={"waiting": {"message": message, "reason": "CrashLoopBackOff"}})
                self._write_status(rt, status)
                self.recorder.event(pod, "Warning", "BackOff",
                                    f"Back-off restarting failed container {name} in pod "
                                    f"{rt.name}_{rt.namespace}({rt.uid})", field_path=fp)
                yield from self._sleep(rt, backoff)
                backoff = min(backoff * 2, self.cluster.timing.backoff_cap)
            else:
                yield from self._sleep(rt, self._draw((0.5, 1.0)))
            pod = self._pod(rt)
            if pod is None:
                return
            for reason, message in (("Pulled", f'Container image "{container.get("image", "")}" already present on '
                                               "machine"),
                                    ("Created", f"Created container: {name}"), ("Started", f"Started container {name}")):
                self.recorder.event(pod, "Normal", reason, message, field_path=fp)
            rt.restarts[name] = restarts + 1
            rt.started_at[name] = self.store.timestamp()
            rt.last_state[name] = {"terminated": terminated}
            self._post_running(rt)

    def probe(self, pod: Any, container: Any, probe: Any) -> bool:
        """One probe of ``container`` against the simulated container (httpGet, tcpSocket, exec)."""
        if "httpGet" in probe:
            port = self._port(container, probe["httpGet"].get("port", 80))
            reply = self.runtime.serve_http(pod, port, "GET", probe["httpGet"].get("path", "/"), self.host_ip,
                                            user_agent="kube-probe/1.32")
            return reply is not None and 200 <= reply[0] < 400
        if "tcpSocket" in probe:
            return self.runtime.listening(pod, self._port(container, probe["tcpSocket"].get("port", 0)))
        if "exec" in probe:
            try:
                return self.runtime.exec(pod, container["name"], list(probe["exec"].get("command") or ["true"])).code == 0
            except Exception:
                return False
        return True

    @staticmethod
    def _port(container: Any, port: Any) -> int:
        if isinstance(port, int) or (isinstance(port, str) and port.isdigit()):
            return int(port)
        for p in container.get("ports") or ():
            if p.get("name") == port:
                return int(p["containerPort"])
        return -1

    def poke(self, namespace: str, name: str) -> None:
        """Something inside the pod changed: probes should look again."""
        rt = self.pods.get((namespace, name))
        if rt is not None and rt.wake is not None and not rt.wake.triggered:
            rt.wake.succeed()

    def exec(self, namespace: str, pod_name: str, container: str | None, argv: list[str], stdin: str = "",
             tty: bool = False) -> Any:
        """``kubectl exec``: run ``argv`` in a running container of the pod."""
        from simk8s.runtime import ExecError

        pod = self.store.get("Pod", pod_name, namespace)
        rt = self.pods.get((namespace, pod_name))
        name = container or pod["spec"]["containers"][0]["name"]
        if not any(c["name"] == name for c in pod["spec"]["containers"]):
            raise ExecError(f'container {name} is not valid for pod {pod_name}')
        if get_in(pod, ("status", "phase")) in ("Succeeded", "Failed"):
            raise ExecError(f"cannot exec into a container in a completed pod; current phase is "
                            f"{pod['status']['phase']}")
        if not self.alive:
            raise ExecError(f"error dialing backend: dial tcp {self.host_ip}:10250: connect: no route to host")
        if rt is None or name not in rt.running:
            raise ExecError(f'unable to upgrade connection: container not found ("{name}")')
        result = self.runtime.exec(pod, name, argv, stdin, tty=tty)
        self.poke(namespace, pod_name)
        return result

    def node_ready_again(self, rt: PodRuntime) -> None:
        if rt.running:
            self._post_running(rt)

    def _terminate(self, rt: PodRuntime) -> Generator[simpy.Event, Any, None]:
        pod = self._pod(rt)
        if pod is None:
            return
        grace = int(pod["metadata"].get("deletionGracePeriodSeconds") or 0)
        for c in pod["spec"]["containers"]:
            if c["name"] in rt.running:
                self.recorder.event(pod, "Normal", "Killing", f"Stopping container {c['name']}",
                                    field_path=f"spec.containers{{{c['name']}}}")
        yield from self._sleep(rt, self._draw(self.cluster.timing.kill_notice))
        pod = self._pod(rt)
        if pod is None:
            return
        now = self.store.timestamp()
        status = thaw(pod["status"])
        names = podstatus.container_names(pod)
        status["conditions"] = podstatus.ready_conditions(status.get("conditions", []), names, now)
        if rt.running:
            self._write_status(rt, status)
        stop = 0.0
        for c in pod["spec"]["containers"]:
            if c["name"] not in rt.running:
                continue
            spec = self._image(c.get("image", ""))
            graceful = bool(getattr(spec, "stops_on_sigterm", True)) and not _ignores_sigterm(c)
            seconds = self._draw(getattr(spec, "stop_seconds", (0.1, 0.6))) if graceful else float(grace)
            stop = max(stop, min(seconds, float(grace)) if grace else 0.0)
        yield from self._sleep(rt, stop)
        pod = self._pod(rt)
        if pod is None:
            return
        now = self.store.timestamp()
        status = thaw(pod["status"])
        statuses = []
        for cs in status.get("containerStatuses", []):
            cs = dict(cs)
            name = cs["name"]
            if name in rt.running:
                c = next(c for c in pod["spec"]["containers"] if c["name"] == name)
                spec = self._image(c.get("image", ""))
                graceful = bool(getattr(spec, "stops_on_sigterm", True)) and not _ignores_sigterm(c)
                code = 0 if (graceful and stop < grace) or (grace == 0 and graceful) else 137
                cs["state"] = {"terminated": {
                    "containerID": cs.get("containerID", ""), "exitCode": code,
                    "finishedAt": now, "reason": "Completed" if code == 0 else "Error",
                    "startedAt": rt.started_at.get(name, now)}}
            else:
                cs["state"] = {"terminated": {"exitCode": 137, "finishedAt": None,
                                              "message": "The container could not be located when the pod "
                                                         "was terminated",
                                              "reason": "ContainerStatusUnknown", "startedAt": None}}
            cs["ready"] = False
            cs["started"] = False
            statuses.append(cs)
        rt.running.clear()
        if statuses:
            status["containerStatuses"] = statuses
            status["phase"] = podstatus.phase_for(pod, statuses, terminal=True)
        status["conditions"] = podstatus.ready_conditions(status.get("conditions", []), names, now)
        if status.get("podIP") or statuses:
            self._write_status(rt, status)
        rt.ip = None
        self.runtime.drop(rt.uid)
        pod = self._pod(rt)
        if pod is None:
            return
        try:
            self.store.delete("Pod", rt.name, rt.namespace, grace_period=0, uid=rt.uid)
        except ApiError:
            pass
        self.pods.pop((rt.namespace, rt.name), None)


@resumer
def _resume_parked(chain: list[Any], memo: Mapping[Any, Any]) -> Generator[simpy.Event, Any, None] | None:
    """A pod worker parked in :meth:`Kubelet._park`: the fork's kubelet parks its copy of the pod."""
    codes = [g.gi_code for g in chain]
    if codes[0] is not Kubelet._lifecycle.__code__ or Kubelet._park.__code__ not in codes:
        return None
    outer = chain[0].gi_frame.f_locals
    return memo[id(outer["self"])]._lifecycle(memo[id(outer["rt"])], parked=True)


def main_process(container: Any, image: Any) -> tuple[float, int] | None:
    """(seconds, exit code) for a container whose main process ends, or None if it runs on.

    Recognised: ``sleep N``, ``true``/``false``, ``sh -c 'exit N'`` / ``'sleep N; ...'``, and an
    image whose default process exits at once (busybox's ``sh`` without a terminal).
    """
    argv = [*(container.get("command") or []), *(container.get("args") or [])]
    if not argv:
        return None if image is None or getattr(image, "long_running", True) or container.get("stdin") else (0.0, 0)
    prog = argv[0].rsplit("/", 1)[-1]
    if prog == "sleep" and len(argv) > 1:
        try:
            return (float(argv[1]), 0) if argv[1] not in ("infinity", "inf") else None
        except ValueError:
            return (0.0, 1)
    if prog in ("true", "false"):
        return (0.0, 0 if prog == "true" else 1)
    if prog in ("sh", "bash", "ash") and len(argv) >= 3 and argv[1] == "-c":
        script = argv[2]
        m = re.fullmatch(r"\s*(?:sleep\s+(\d+)\s*(?:;|&&)\s*)?exit\s+(\d+)\s*", script)
        if m:
            return (float(m.group(1) or 0), int(m.group(2)))
        m = re.fullmatch(r"\s*sleep\s+(\d+)\s*", script)
        if m:
            return (float(m.group(1)), 0)
    return None


def _ignores_sigterm(container: Any) -> bool:
    """A shell or ``sleep`` as PID 1 has no SIGTERM handler: the kubelet must wait for SIGKILL."""
    argv = [*(container.get("command") or []), *(container.get("args") or [])]
    return bool(argv) and argv[0].rsplit("/", 1)[-1] in ("sleep", "sh", "bash", "zsh", "tail")


def _go_duration(seconds: float) -> str:
    """Go's time.Duration string rounded to milliseconds, as the kubelet prints pull times."""
    ms = round(seconds * 1000)
    if ms < 1000:
        return f"{ms}ms"
    text = f"{ms / 1000:.3f}".rstrip("0").rstrip(".")
    return f"{text}s"


def _hex_id(uid: str, name: str) -> str:
    import hashlib

    return hashlib.sha256(f"{uid}/{name}".encode()).hexdigest()

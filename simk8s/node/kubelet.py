"""The kubelet of one node: runs the pods bound to it through their lifecycle in virtual time.

Per pod, one simpy process walks the steps a real kubelet reports: ContainerCreating (sandbox,
pod IP), image pulls (slow the first time on a node), containers started and Ready, restarts with
back-off when a container exits, and graceful termination (SIGTERM, the grace period, the final
zero-grace delete). When the node fails the kubelet goes silent: nothing it owns changes until
the node recovers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Generator, Hashable, Iterable, Mapping
from typing import Any

import simpy

import simk8s.logic.admit as admit
import simk8s.logic.podstatus as podstatus
from simk8s.api.errors import ApiError
from simk8s.api.frozen import FrozenDict, get_in, thaw
from simk8s.core import Core
from simk8s.core.fork import resumer
from simk8s.core.reconciler import Controller
from simk8s.node.imageref import InvalidReference, canonical_name
from simk8s.node.imageref import parse as parse_reference
from simk8s.node.podstate import PodRuntime
from simk8s.node.podworker import ContainerSupervisor, container_id
from simk8s.node.prober import ProbeWorker, run_probe
from simk8s.node.runtime import ContainerRuntime, ExecError
from simk8s.store import WatchEvent
from simk8s.store.events import EventRecorder

__all__ = ["Kubelet", "KubeletDispatcher"]


class KubeletDispatcher:
    """One watch for all kubelets: routes each pod event to the kubelet of its node (old or new)."""

    def __init__(self, core: Core, kubelets: dict[str, Kubelet]) -> None:
        self.kubelets = kubelets
        core.store.subscribe(self._on_event, ("Pod",))

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


class Kubelet(Controller):
    name = "kubelet"
    watch_kinds = frozenset(('Pod',))

    def __init__(self, core: Core, node_name: str) -> None:
        self.node_name = node_name
        self.alive = True
        self.up = core.env.event()
        self.pulled: set[str] = set()
        self.pods: dict[tuple[str, str], PodRuntime] = {}
        self.recorder = EventRecorder(core.store, "kubelet", host=node_name)
        self.cidr = core.pod_cidrs[node_name]
        net = ipaddress.ip_network(self.cidr)
        self._net_base, self._net_size = int(net.network_address), net.num_addresses
        self.runtime = ContainerRuntime(core, node_name)
        self._next_ip = 2
        self.host_ip = next(a["address"] for a in core.store.get("Node", node_name)["status"]["addresses"]
                            if a["type"] == "InternalIP")
        super().__init__(core, subscribe=False)

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
        for c in self.core.controllers:
            if hasattr(c, "node_failed"):
                c.node_failed(self.node_name)

    def recover(self) -> None:
        if self.alive:
            return
        self.alive = True
        self.up.succeed()
        for c in self.core.controllers:
            if hasattr(c, "node_recovered"):
                c.node_recovered(self.node_name)
        for pod in self.store.list("Pod", None, where=lambda p: p["spec"].get("nodeName") == self.node_name):
            self.queue.add((pod["metadata"]["namespace"], pod["metadata"]["name"]))
        for key in list(self.pods):
            self.queue.add(key)

    # ---------------------------------------------------------------------------- helpers
    def _draw(self, span: tuple[float, float]) -> float:
        return self.core.timing.draw(self.core.rng, span)

    def _sleep(self, rt: PodRuntime, seconds: float, wakeable: bool = False) -> Generator[simpy.Event, Any, None]:
        """Wait ``seconds``; a node outage pauses the clock of this pod; a deletion raises. An
        endless wait, or any ``wakeable`` one, ends early when :meth:`poke` wakes the pod."""
        end = self.env.now + seconds
        while True:
            try:
                if not self.alive:
                    yield self.up
                    self.node_ready_again(rt)
                remaining = end - self.env.now
                if remaining == float("inf") or (wakeable and remaining > 0):
                    rt.wake = self.env.event()
                    if remaining == float("inf"):
                        yield rt.wake
                    else:
                        yield self.env.any_of([self.env.timeout(remaining), rt.wake])
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
        return self.core.images.lookup(ref)

    # -------------------------------------------------------------------------- lifecycle
    def _lifecycle(self, rt: PodRuntime, parked: bool = False) -> Generator[simpy.Event, Any, None]:
        """The pod's worker; ``parked``: resume one that waits in :meth:`_park` (a fork's copy)."""
        try:
            try:
                if parked and rt.supervisor is not None:
                    yield from rt.supervisor.loop(parked=True)
                elif parked:
                    yield from self._park_forever(rt)  # rejected, or no image to run
                else:
                    first = self._pod(rt)
                    if first is not None and first["metadata"].get("deletionTimestamp"):
                        raise _Deleted()
                    yield from self._start(rt)
                    if rt.rejected:
                        yield from self._park_forever(rt)
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
        yield from self._sleep(rt, self._draw(self.core.timing.kubelet_notice))
        pod = self._pod(rt)
        if pod is None:
            return
        verdict = self._admit(rt, pod)
        if verdict is not None:
            reason, message = verdict
            rt.rejected = True
            self.recorder.event(pod, "Warning", reason, message)
            self._write_status(rt, admit.rejected_status(pod, reason, message, self.store.timestamp()))
            return
        status = podstatus.creating_status(pod, self.host_ip, self.store.timestamp())
        self._write_status(rt, status)
        yield from self._wait_volumes(rt)
        yield from self._sleep(rt, self._draw(self.core.timing.sandbox))
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
        yield from self._sleep(rt, self._draw(self.core.timing.container_start))
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
        try:
            parse_reference(image_ref)
        except InvalidReference as e:
            # The image manager cannot even name the image: no pull, no back-off, nothing to retry.
            message = f'Failed to apply default image tag "{image_ref}": {e}'
            self.recorder.event(pod, "Warning", "InspectFailed", message, field_path=fp)
            self.recorder.event(pod, "Warning", "Failed", "Error: InvalidImageName", field_path=fp)
            self._set_waiting(rt, container["name"], "InvalidImageName", message)
            yield from self._park_forever(rt)
        spec = self._image(image_ref)
        backoff = self.core.timing.backoff_initial
        while spec is None:
            self.recorder.event(pod, "Normal", "Pulling", f'Pulling image "{image_ref}"', field_path=fp)
            yield from self._sleep(rt, self._draw((0.5, 1.5)))
            err = f"rpc error: {self.core.images.pull_error(image_ref)}"
            self.recorder.event(pod, "Warning", "Failed", f'Failed to pull image "{image_ref}": {err}',
                                field_path=fp)
            self.recorder.event(pod, "Warning", "Failed", "Error: ErrImagePull", field_path=fp)
            self._set_waiting(rt, container["name"], "ErrImagePull", err)
            yield from self._sleep(rt, 1.0)
            self.recorder.event(pod, "Normal", "BackOff", f'Back-off pulling image "{image_ref}"', field_path=fp)
            self.recorder.event(pod, "Warning", "Failed", "Error: ImagePullBackOff", field_path=fp)
            # Since 1.32 the back-off message carries the last pull's error (image_manager's prevPullErrMsg).
            self._set_waiting(rt, container["name"], "ImagePullBackOff",
                              f'Back-off pulling image "{image_ref}": ErrImagePull: {err}')
            yield from self._sleep(rt, backoff)
            backoff = min(backoff * 2, self.core.timing.backoff_cap)
            spec = self._image(image_ref)
        key = canonical_name(image_ref)
        if key in self.pulled and policy != "Always":
            self.recorder.event(pod, "Normal", "Pulled",
                                f'Container image "{image_ref}" already present on machine', field_path=fp)
            return
        self.recorder.event(pod, "Normal", "Pulling", f'Pulling image "{image_ref}"', field_path=fp)
        factor = float(getattr(spec, "pull_factor", 1.0))
        seconds = self._draw(self.core.timing.image_pull) * factor if key not in self.pulled else \
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

    def _post_running(self, rt: PodRuntime, terminal: bool = False) -> None:
        """Write the containers' statuses: running ones from their start, stopped ones from
        ``rt.state`` (terminated, or waiting in CrashLoopBackOff); ``terminal`` when no container
        will run again (the phase becomes Succeeded or Failed)."""
        pod = self._pod(rt)
        if pod is None:
            return
        now = self.store.timestamp()
        status = dict(pod["status"])  # top-level fields replaced below; the rest stays shared (frozen)
        statuses = []
        not_ready = []
        for c in pod["spec"]["containers"]:
            name = c["name"]
            stopped = rt.state.get(name)
            if stopped is None:
                started = rt.started_at.setdefault(name, now)
                rt.running.add(name)
            ready = stopped is None and rt.ready.setdefault(name, not c.get("readinessProbe"))
            if not ready:
                not_ready.append(name)
            spec = self._image(c.get("image", ""))
            restarts = rt.restarts.get(name, 0)
            statuses.append({
                "containerID": f"containerd://{container_id(rt.uid, name, restarts)}",
                "image": getattr(spec, "canonical", None) or c.get("image", ""),
                "imageID": getattr(spec, "image_id", "") or "",
                "lastState": rt.last_state.get(name, {}),
                "name": name,
                "ready": ready,
                "restartCount": restarts,
                "started": stopped is None and rt.started.get(name, True),
                "state": stopped if stopped is not None else {"running": {"startedAt": started}},
            })
        status["containerStatuses"] = statuses
        status["conditions"] = podstatus.ready_conditions(status["conditions"], not_ready, now)
        status["phase"] = podstatus.phase_for(pod, statuses, terminal=True) if terminal else "Running"
        self._write_status(rt, status)

    def _serve(self, rt: PodRuntime) -> Generator[simpy.Event, Any, None]:
        """The pod's containers run (main processes, probes, restarts) until it is deleted."""
        pod = self._pod(rt)
        if pod is None:
            return
        rt.supervisor = ContainerSupervisor(self, rt)
        yield from rt.supervisor.run(pod)

    def _park(self, rt: PodRuntime) -> Generator[simpy.Event, Any, None]:
        """Nothing is due for this pod until something happens to it: it is deleted (which raises
        out of here), something inside it changes (:meth:`poke`) or an attached main process ends
        (:meth:`main_exited`). A fork re-creates a pod worker waiting here (``_resume_parked``)."""
        while not rt.exited and not rt.poked:
            yield from self._sleep(rt, float("inf"))

    def _park_forever(self, rt: PodRuntime) -> Generator[simpy.Event, Any, None]:
        """Nothing will ever run in this pod (rejected, or an image it cannot name): wait for its
        deletion, ignoring pokes."""
        while True:
            yield from self._park(rt)
            rt.poked = False
            rt.exited.clear()

    def _admit(self, rt: PodRuntime, pod: FrozenDict) -> tuple[str, str] | None:
        """The kubelet's admission (logic/admit.py) against the pods it already admitted."""
        node = self.store.try_get("Node", self.node_name)
        if node is None:
            return None
        others = []
        for other in self.pods.values():
            if other is rt or other.rejected:
                continue
            p = self._pod(other)
            if p is not None and get_in(p, ("status", "phase")) not in ("Succeeded", "Failed"):
                others.append(p)
        return admit.admit(pod, node, others)

    def main_exited(self, namespace: str, name: str, container: str, code: int) -> None:
        """The attached main process of ``container`` ended with ``code`` (a ``kubectl run -it``
        shell after ``exit``). With ``stdinOnce`` its stdin stays closed, so a restarted container's
        shell ends at once as well."""
        rt = self.pods.get((namespace, name))
        if rt is not None and container in rt.running:
            rt.exited[container] = code
            self.poke(namespace, name)

    def run_probe(self, pod: Any, container: Any, worker: ProbeWorker) -> tuple[bool, str]:
        """One probe of ``container``: (success, the output a failure's event quotes)."""
        return run_probe(self.runtime, self.host_ip, pod, container, worker)

    def stop_time(self, container: Any, grace: float) -> tuple[float, int]:
        """How long stopping ``container`` takes and its exit code: an image that stops on SIGTERM
        exits 0 within moments; a shell or ``sleep`` as PID 1 is killed (137) when ``grace`` ends."""
        spec = self._image(container.get("image", ""))
        if bool(getattr(spec, "stops_on_sigterm", True)) and not _ignores_sigterm(container):
            return min(self._draw(getattr(spec, "stop_seconds", (0.1, 0.6))), grace), 0
        return grace, 137

    def poke(self, namespace: str, name: str) -> None:
        """Something inside the pod changed: probes should look again."""
        rt = self.pods.get((namespace, name))
        if rt is None:
            return
        rt.poked = True
        if rt.wake is not None and not rt.wake.triggered:
            rt.wake.succeed()

    def exec(self, namespace: str, pod_name: str, container: str | None, argv: list[str], stdin: str = "",
             tty: bool = False) -> Any:
        """``kubectl exec``: run ``argv`` in a running container of the pod."""
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
        yield from self._sleep(rt, self._draw(self.core.timing.kill_notice))
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
            elif "terminated" in (cs.get("state") or {}):
                pass  # it had already exited: that is how it ended
            elif "terminated" in (rt.last_state.get(name) or {}):
                cs["state"] = rt.last_state[name]  # waiting to restart: its last run is its end
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

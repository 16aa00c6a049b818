"""A running pod's containers under the kubelet: main processes, probes, restarts and back-off.

:class:`ContainerSupervisor` is the part of the kubelet's pod worker that runs once a pod's
containers have started. Per container it follows the main process's timeline
(:mod:`simk8s.logic.entrypoint`), runs the startup, liveness and readiness probe workers
(:mod:`simk8s.node.prober`) with upstream's timing, stops a container whose liveness or
startup probe fails (``Container web failed liveness probe, will be restarted``) and restarts
exited containers under the pod's ``restartPolicy`` with the kubelet's crash back-off: the first
restart at once, then 10 s doubling to 5 min (``CrashLoopBackOff``, ``back-off 20s restarting
failed container=...``), forgotten once a container has run for 10 minutes since its last
restart (client-go's flowcontrol.Backoff, as the kubelet uses it).

Probes tick while their result can change with time (failing, or not yet past their
thresholds); a passing probe rests until something inside the pod changes (an exec), as
docs/decisions.md explains.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import simpy

from simk8s.logic.entrypoint import Timeline, main_timeline
from simk8s.node.podstate import PodHost, PodRuntime
from simk8s.node.prober import ProbeWorker, workers_for

__all__ = ["ContainerSupervisor", "go_duration_s"]

_RESTART_DELAY = (0.5, 1.0)      # from a container's exit to the kubelet restarting it (no back-off)
_BACKOFF_NOTICE = (0.3, 0.8)     # from an exit to the CrashLoopBackOff status


def go_duration_s(seconds: float) -> str:
    """Go's ``time.Duration`` text for whole seconds: ``10s``, ``1m20s``, ``5m0s``."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    m, s = divmod(s, 60)
    return f"{m}m{s}s" if m < 60 else f"{m // 60}h{m % 60}m{s}s"


@dataclass
class _State:
    """One container as the kubelet tracks it between status writes."""

    spec: Any
    workers: dict[str, ProbeWorker]
    timeline: Timeline | None = None
    began: float = 0.0                 # virtual time the current instance started
    step: int = 0                      # next timeline step
    status: int = 0                    # exit status of the last step run
    stop_at: float = math.inf          # a kill in progress ends then
    stop_code: int = 0
    exit_at: float = math.inf
    exit_code: int = 0
    restart_at: float = math.inf
    notice_at: float = math.inf        # when the CrashLoopBackOff status shows
    backoff: float | None = None       # flowcontrol.Backoff entry: current delay and its last update
    backoff_updated: float = 0.0
    done: bool = False                 # terminated for good (restart policy)
    ready_at: float | None = None      # when its server starts accepting connections, if later
    attached: tuple[float, int] | None = None  # an attached shell that exited: restarts end alike
    terminated: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.spec["name"])


class ContainerSupervisor:
    """Runs the containers of one started pod until the pod is deleted (see the module doc)."""

    def __init__(self, kubelet: PodHost, rt: PodRuntime) -> None:
        self.k = kubelet
        self.rt = rt
        self.states: list[_State] = []

    @property
    def env(self) -> simpy.Environment:
        return self.k.env

    # ------------------------------------------------------------------------------ main loop
    def run(self, pod: Any) -> Generator[simpy.Event, Any, None]:
        """Start the containers' supervision, then :meth:`loop` until the pod is gone."""
        for spec in pod["spec"]["containers"]:
            st = _State(spec, workers_for(spec))
            self.states.append(st)
            self._begin(pod, st, first=True)
        yield from self.loop()

    def loop(self, parked: bool = False) -> Generator[simpy.Event, Any, None]:
        """Act on whatever is due, then wait for the next deadline or a poke; with nothing due the
        worker waits in the kubelet's ``_park`` (where ``parked``, a fork's copy, starts)."""
        if parked:
            yield from self.k._park(self.rt)
        while True:
            pod = self.k._pod(self.rt)
            if pod is None:
                return
            self._notice(pod)
            dirty = False
            for st in self.states:
                dirty |= self._tick(pod, st)
            self._notice(pod)
            if dirty:
                self._post()
            deadline = min((self._deadline(st) for st in self.states), default=math.inf)
            if deadline == math.inf:
                yield from self.k._park(self.rt)
            else:
                yield from self.k._sleep(self.rt, max(0.0, deadline - self.env.now), wakeable=True)

    def _notice(self, pod: Any) -> None:
        """Act on a poke (probes look again) and on attached main processes that ended: the
        kubelet notices at its next relist (``Timing.exit_notice``) and the container ends with
        that code; with ``stdinOnce`` a restarted container's shell ends as soon (stdin stays
        closed)."""
        if self.rt.poked:
            self.rt.poked = False
            self._wake_probes()
        while self.rt.exited:
            name, code = self.rt.exited.popitem()
            st = next((x for x in self.states if x.name == name), None)
            if st is None or st.name not in self.rt.running:
                continue
            seconds = self.k._draw(self.k.core.timing.exit_notice)
            st.attached = (seconds, code) if st.spec.get("stdinOnce") else None
            st.timeline = Timeline((), self.env.now - st.began + seconds, code)
            st.exit_at = self.env.now + seconds

    def _deadline(self, st: _State) -> float:
        if st.done:
            return math.inf
        if self.rt.running and st.name in self.rt.running:
            times = [st.stop_at, st.exit_at, st.ready_at if st.ready_at is not None else math.inf]
            if st.timeline is not None and st.step < len(st.timeline.steps):
                times.append(st.began + st.timeline.steps[st.step][0])
            times += [w.next_at for w in st.workers.values() if not w.on_hold]
            return min(times)
        return min(st.notice_at, st.restart_at)

    def _wake_probes(self) -> None:
        """Something inside the pod changed: resting probes look again within their period."""
        now = self.env.now
        for st in self.states:
            if st.name not in self.rt.running:
                continue
            for w in st.workers.values():
                if w.next_at == math.inf and not w.on_hold and not (w.kind == "Startup" and w.result):
                    w.next_at = now + w.period * self.k.core.rng.random()

    # --------------------------------------------------------------------------- one container
    def _begin(self, pod: Any, st: _State, first: bool) -> None:
        """A container instance starts: its entrypoint, its timeline, fresh probe workers."""
        now = self.env.now
        st.began, st.step, st.status = now, 0, 0
        st.stop_at = st.exit_at = st.restart_at = st.notice_at = math.inf
        image = self.k._image(st.spec.get("image", ""))
        startup = self.k.runtime.start(pod, st.name) if image is not None else None
        if st.attached is not None:
            st.timeline = Timeline((), st.attached[0], st.attached[1])
        elif startup is not None and startup.exit_code is not None:
            st.timeline = Timeline((), startup.exit_after, startup.exit_code)
        else:
            argv = [*(st.spec.get("command") or ()), *(st.spec.get("args") or ())]
            st.timeline = main_timeline(argv, image_exits=image is not None and not image.long_running,
                                        stdin=bool(st.spec.get("stdin")))
        if st.timeline is not None and st.timeline.end is not None:
            st.exit_at = now + st.timeline.end
        st.ready_at = now + startup.ready_after if startup is not None and startup.ready_after > 0 else None
        self.rt.ready[st.name] = not st.spec.get("readinessProbe")
        self.rt.started[st.name] = "Startup" not in st.workers
        for w in st.workers.values():
            w.reset()
            w.next_at = now + w.delay + self.k._draw((0.0, 1.0))

    def _tick(self, pod: Any, st: _State) -> bool:
        now = self.env.now
        if st.done:
            return False
        if st.name not in self.rt.running:
            if now >= st.notice_at:
                st.notice_at = math.inf
                self._crash_loop(pod, st)
                return True
            if now >= st.restart_at:
                self._restart(pod, st)
                return True
            return False
        timeline = st.timeline
        while timeline is not None and st.step < len(timeline.steps) and st.began + timeline.steps[st.step][0] <= now:
            st.status = self.k.runtime.run_main(pod, st.name, timeline.steps[st.step][1])
            st.step += 1
            self.rt.poked = True  # the main process changed the container: probes look again
        if st.ready_at is not None and st.ready_at <= now:
            st.ready_at = None
            self.rt.poked = True  # the server accepts connections now
        if now >= st.stop_at:
            return self._exited(pod, st, st.stop_code)
        if now >= st.exit_at:
            assert timeline is not None
            return self._exited(pod, st, timeline.exit_code if timeline.exit_code is not None else st.status)
        return self._probe(pod, st)

    def _probe(self, pod: Any, st: _State) -> bool:
        now = self.env.now
        dirty = False
        for kind in ("Startup", "Liveness", "Readiness"):
            w = st.workers.get(kind)
            if w is None or w.on_hold or w.next_at > now:
                continue
            if (kind == "Startup") == bool(self.rt.started.get(st.name)):
                w.next_at = math.inf if kind == "Startup" else now + w.period  # not its turn
                continue
            ok, output = self.k.run_probe(pod, st.spec, w)
            if not ok:
                self.k.recorder.event(pod, "Warning", "Unhealthy", f"{kind} probe failed: {output}",
                                      field_path=_field_path(st.name))
            changed = w.record(ok)
            w.next_at = math.inf if w.settled or (kind == "Startup" and w.result) else now + w.period
            if not changed:
                continue
            if kind == "Readiness":
                self.rt.ready[st.name] = ok
                dirty = True
            elif kind == "Startup" and ok:
                self.rt.started[st.name] = True
                dirty = True
                for other in st.workers.values():
                    if other.kind != "Startup":
                        other.next_at = now + other.delay + self.k._draw((0.0, 1.0))
            elif not ok:
                self._kill(pod, st, kind)
        return dirty

    def _kill(self, pod: Any, st: _State, kind: str) -> None:
        """A failed liveness or startup probe: stop the container (SIGTERM, then SIGKILL at the end
        of the grace period) so that it restarts."""
        self.k.recorder.event(pod, "Normal", "Killing",
                              f"Container {st.name} failed {kind.lower()} probe, will be restarted",
                              field_path=_field_path(st.name))
        probe = st.workers[kind].probe
        grace = probe.get("terminationGracePeriodSeconds")
        if grace is None:
            grace = pod["spec"].get("terminationGracePeriodSeconds", 30)
        seconds, code = self.k.stop_time(st.spec, float(grace))
        st.stop_at, st.stop_code = self.env.now + seconds, code

    def _exited(self, pod: Any, st: _State, code: int) -> bool:
        now = self.env.now
        restarts = self.rt.restarts.get(st.name, 0)
        stamp = self.k.store.timestamp()
        # (the first instance's terminated id reads name+"0": kept as the kubelet wrote it before)
        st.terminated = {"containerID": f"containerd://{container_id(self.rt.uid, st.name + str(restarts), 0)}",
                         "exitCode": code, "finishedAt": stamp, "reason": "Completed" if code == 0 else "Error",
                         "startedAt": self.rt.started_at.get(st.name, stamp)}
        self.rt.running.discard(st.name)
        self.rt.state[st.name] = {"terminated": st.terminated}
        self.rt.ready[st.name] = False
        st.stop_at = st.exit_at = math.inf
        policy = pod["spec"].get("restartPolicy", "Always")
        if not (policy == "Always" or (policy == "OnFailure" and code != 0)):
            st.done = True
            return True
        cap = self.k.core.timing.backoff_cap
        in_backoff = (st.backoff is not None and now - st.backoff_updated <= 2 * cap
                      and st.backoff > 0)
        if in_backoff and st.backoff is not None:
            st.notice_at = now + self.k._draw(_BACKOFF_NOTICE)
            st.restart_at = st.notice_at + st.backoff
        else:
            st.restart_at = now + self.k._draw(_RESTART_DELAY)
        return True

    def _crash_loop(self, pod: Any, st: _State) -> None:
        assert st.backoff is not None
        name = st.name
        message = (f"back-off {go_duration_s(st.backoff)} restarting failed container={name} "
                   f"pod={self.rt.name}_{self.rt.namespace}({self.rt.uid})")
        self.rt.state[name] = {"waiting": {"message": message, "reason": "CrashLoopBackOff"}}
        self.rt.last_state[name] = {"terminated": st.terminated}
        self.k.recorder.event(pod, "Warning", "BackOff",
                              f"Back-off restarting failed container {name} in pod "
                              f"{self.rt.name}_{self.rt.namespace}({self.rt.uid})", field_path=_field_path(name))

    def _restart(self, pod: Any, st: _State) -> None:
        now = self.env.now
        timing = self.k.core.timing
        if st.backoff is None or now - st.backoff_updated > 2 * timing.backoff_cap:
            st.backoff = timing.backoff_initial
        else:
            st.backoff = min(st.backoff * 2, timing.backoff_cap)
        st.backoff_updated = now
        fp = _field_path(st.name)
        image = st.spec.get("image", "")
        self.k.recorder.event(pod, "Normal", "Pulled", f'Container image "{image}" already present on machine',
                              field_path=fp)
        self.k.recorder.event(pod, "Normal", "Created", f"Created container: {st.name}", field_path=fp)
        self.k.recorder.event(pod, "Normal", "Started", f"Started container {st.name}", field_path=fp)
        self.rt.restarts[st.name] = self.rt.restarts.get(st.name, 0) + 1
        self.rt.started_at[st.name] = self.k.store.timestamp()
        self.rt.last_state[st.name] = {"terminated": st.terminated}
        self.rt.state.pop(st.name, None)
        self.rt.running.add(st.name)
        self._begin(pod, st, first=False)

    def _post(self) -> None:
        done = [st for st in self.states if st.done]
        if len(done) == len(self.states):
            self.k._post_running(self.rt, terminal=True)
        else:
            self.k._post_running(self.rt)


def container_id(uid: str, name: str, restarts: int) -> str:
    """The runtime's id of a container instance (a new one for every restart)."""
    import hashlib

    key = name if restarts == 0 else name + str(restarts)
    return hashlib.sha256(f"{uid}/{key}".encode()).hexdigest()


def _field_path(name: str) -> str:
    return f"spec.containers{{{name}}}"

"""kubectl verbs that talk to containers: exec, run (including ``-it --rm``), logs."""

from __future__ import annotations

from typing import Any

from simk8s.api.errors import ApiError, BadRequest, NotFound, kubectl_message
from simk8s.api.frozen import get_in
from simk8s.kubectl.args import parse_duration
from simk8s.kubectl.common import run_until
from simk8s.kubectl.context import CommandError, Context
from simk8s.node.runtime import ExecError

__all__ = ["cmd_exec", "cmd_logs", "cmd_run"]

ATTACH_HINT = "If you don't see a command prompt, try pressing enter.\n"


def _kubelet(ctx: Context, pod: Any) -> Any:
    return ctx.cluster.kubelet(get_in(pod, ("spec", "nodeName")))


def _pod_and_container(ctx: Context, ref: str) -> tuple[Any, str]:
    name = ref.removeprefix("pod/").removeprefix("pods/")
    pod = ctx.cluster.store.get("Pod", name, ctx.namespace)
    container = ctx.args.get("container")
    names = [c["name"] for c in pod["spec"]["containers"]]
    if container is None:
        if len(names) > 1:
            ctx.out.err(f'Defaulted container "{names[0]}" out of: {", ".join(names)}\n')
        container = names[0]
    elif container not in names:
        raise CommandError(f"container {container} not found in pod {name}")
    return pod, container


def cmd_exec(ctx: Context) -> int:
    a = ctx.args
    if not a.positional:
        raise CommandError("expected 'exec POD_NAME COMMAND [ARG1] [ARG2] ... [ARGN]'.\n"
                           "POD_NAME and COMMAND are required arguments for the exec command")
    argv = a.command or a.positional[1:]
    if not argv:
        raise CommandError("you must specify at least one command for the container")
    pod, container = _pod_and_container(ctx, a.positional[0])
    ctx.authorize("create", "Pod", pod["metadata"]["name"], "exec")
    kubelet = _kubelet(ctx, pod)
    if kubelet is None:
        raise CommandError("unable to upgrade connection: pod does not exist")
    stdin = ctx.stdin if a.bool("stdin") else ""
    try:
        if a.bool("stdin") and a.bool("tty") and argv[0].rsplit("/", 1)[-1] in ("sh", "bash", "zsh", "ash") \
                and len(argv) == 1:
            pod_now = ctx.cluster.store.get("Pod", pod["metadata"]["name"], ctx.namespace)
            result = kubelet.runtime.interactive(pod_now, container, argv, stdin.splitlines())
        else:
            result = kubelet.exec(ctx.namespace, pod["metadata"]["name"], container, argv, stdin,
                                  tty=a.bool("tty"))
    except ExecError as e:
        ctx.out.err(f"error: {e}\n")
        return e.code
    if a.bool("tty"):
        # A TTY merges the streams in the order they were written.
        ctx.out.out(result.output)
    else:
        ctx.out.out(result.stdout)
        ctx.out.err(result.stderr)
    if result.code:
        ctx.out.err(f"command terminated with exit code {result.code}\n")
    return int(result.code)


def cmd_logs(ctx: Context) -> int:
    # ``-p`` is --previous for logs (the shared short-flag table reads it as --patch's value).
    shifted = ctx.args.get("patch")
    if shifted is not None:
        ctx.args.positional.insert(0, shifted)
    previous = ctx.args.bool("previous") or shifted is not None
    if not ctx.args.positional:
        raise CommandError("expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
                           "POD or TYPE/NAME is a required argument for the logs command")
    pod, container = _pod_and_container(ctx, ctx.args.positional[0])
    ctx.authorize("get", "Pod", pod["metadata"]["name"], "log")
    kubelet = _kubelet(ctx, pod)
    if kubelet is None:
        raise ApiError("")
    status: Any = next((cs for cs in get_in(pod, ("status", "containerStatuses")) or () if cs["name"] == container), {})
    if previous and not (status.get("lastState") or {}).get("terminated"):
        raise BadRequest(f'previous terminated container "{container}" in pod "{pod["metadata"]["name"]}" '
                         "not found")
    text = kubelet.runtime.logs(pod, container, previous=previous)
    tail = ctx.args.get("tail")
    if tail is not None and int(tail) >= 0:
        lines = text.splitlines(keepends=True)
        text = "".join(lines[len(lines) - int(tail):]) if int(tail) else ""
    ctx.out.out(text)
    return 0


def cmd_run(ctx: Context) -> int:
    a = ctx.args
    if not a.positional:
        raise CommandError("NAME is required for run")
    name = a.positional[0]
    image = a.get("image")
    if not image:
        raise CommandError("--image is required")
    # getRestartPolicy: an interactive pod without --restart is OnFailure.
    restart = a.get("restart") or ("OnFailure" if a.bool("stdin") else "Always")
    if restart not in ("Always", "OnFailure", "Never"):
        raise CommandError(f"invalid restart policy: {restart}")
    interactive = a.bool("stdin") or a.bool("attach")
    if a.bool("rm") and not interactive:
        raise CommandError("--rm should only be used for attached containers")
    argv = a.command or a.positional[1:]
    container: dict[str, Any] = {"name": name, "image": image, "resources": {}}
    if argv:
        container["args"] = list(argv)
    if a.bool("stdin"):
        container["stdin"] = True
        container["stdinOnce"] = True
    if a.bool("tty"):
        container["tty"] = True
    labels = {"run": name}
    for spec in a.list("labels"):
        for kv in spec.split(","):
            k, _, v = kv.partition("=")
            labels[k] = v
    env = [{"name": k, "value": v} for k, _, v in (e.partition("=") for e in a.list("env"))]
    if env:
        container["env"] = env
    port = a.get("port")
    if port:
        container["ports"] = [{"containerPort": int(port)}]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
           "spec": {"containers": [container], "dnsPolicy": "ClusterFirst", "restartPolicy": restart}}
    store = ctx.cluster.store
    created = store.create("Pod", pod, ctx.namespace)
    if not interactive:
        ctx.out.out(f"pod/{name} created\n")
        return 0
    uid = created["metadata"]["uid"]

    def running_or_done() -> bool:
        cur = store.try_get("Pod", name, ctx.namespace)
        if cur is None or cur["metadata"]["uid"] != uid:
            return True
        return get_in(cur, ("status", "phase")) in ("Running", "Succeeded", "Failed")

    run_until(ctx.cluster, running_or_done, 300.0)
    cur = store.try_get("Pod", name, ctx.namespace)
    if cur is None or get_in(cur, ("status", "phase")) != "Running":
        ctx.out.err("error: timed out waiting for the condition\n")
        return 1
    kubelet = _kubelet(ctx, cur)
    ctx.out.out(ATTACH_HINT)
    code = 0
    error = ""
    try:
        result = kubelet.runtime.interactive(cur, name, list(argv), ctx.stdin.splitlines())
        ctx.out.out(result.output)
        # The session was attached to the container's main process: it has ended now.
        kubelet.main_exited(ctx.namespace, name, name, int(result.code))
    except ExecError as e:
        ctx.out.err(f"error: {e}\n")
        code = e.code
    if restart in ("Never", "OnFailure") and not a.bool("leave-stdin-open"):
        code, error = _wait_for_exit_code(ctx, name, uid, restart)
    if a.bool("rm"):
        # kubectl deletes without waiting (WaitForDeletion false); a pod whose containers have
        # ended is terminal, and the API server deletes a terminal pod at once.
        try:
            store.delete("Pod", name, ctx.namespace)
            ctx.out.out(f'pod "{name}" deleted\n')
        except NotFound:
            pass
        except ApiError as e:
            ctx.out.err(kubectl_message(e) + "\n")
    if error:
        ctx.out.err(error if error.endswith("\n") else error + "\n")
    return code


def _wait_for_exit_code(ctx: Context, name: str, uid: str, restart: str) -> tuple[int, str]:
    """kubectl run's wait after an attach: a terminal phase (Never) or Succeeded (OnFailure), then
    the exit code of the first container; (code, error text)."""
    store = ctx.cluster.store
    wanted = ("Succeeded", "Failed") if restart == "Never" else ("Succeeded",)

    def ended() -> bool:
        cur = store.try_get("Pod", name, ctx.namespace)
        return cur is None or cur["metadata"]["uid"] != uid or get_in(cur, ("status", "phase")) in wanted

    timeout = parse_duration(ctx.args.get("pod-running-timeout") or "1m")
    if not run_until(ctx.cluster, ended, timeout):
        return 1, "error: timed out waiting for the condition"
    cur = store.try_get("Pod", name, ctx.namespace)
    if cur is None or cur["metadata"]["uid"] != uid:
        return 1, 'Error from server (NotFound): pods "" not found'
    if cur["status"]["phase"] == "Succeeded":
        return 0, ""
    statuses = cur["status"].get("containerStatuses") or ()
    terminated = get_in(statuses[0], ("state", "terminated")) if statuses else None
    rc = int(terminated.get("exitCode", 0)) if terminated else 0
    if terminated is None or not rc:
        return 1, f"error: pod {ctx.namespace}/{name} failed with unknown exit code"
    return rc, f"pod {ctx.namespace}/{name} terminated ({terminated.get('reason', '')})\n{terminated.get('message', '')}"

"""Build (and execute) the lesson notebooks: ``python notebooks/build.py`` regenerates them all.

Each notebook is written from the cell sources below, executed top to bottom with nbclient (virtual
time: every lesson runs in seconds) and saved with its outputs, so it reads well on a code host.
``python notebooks/build.py --check`` executes them without writing (what the tests do).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).parent

SETUP = '''\
%matplotlib inline
from simk8s import Cluster
from simk8s import viz
from IPython.display import HTML, display

from simk8s.examples import WEB_YAML as WEB

def sh(cmd):
    print(c.kubectl(cmd).combined, end="")
'''

LESSONS: dict[str, list[tuple[str, str]]] = {
    "01-identity": [
        ("md", "# Ordinal identity\n\nA StatefulSet names its pods `<set>-<ordinal>` and creates them in order: "
               "`web-1` only after `web-0` is Running and Ready. Everything below runs in virtual time."),
        ("code", SETUP + "\nc = Cluster(seed=1)\nc.apply(WEB)\nc.settle()\nsh('get pods -o wide')"),
        ("md", "## The timeline\n\nOne lane per pod, coloured by state. `web-1`'s lane starts where `web-0` "
               "turns Ready."),
        ("code", "fig = viz.timeline(c, prefix='web-')"),
        ("code", "lanes = {lane.name: lane for lane in viz.lanes(c, prefix='web-')}\n"
                 "print('web-0 Ready at', round(lanes['web-0'].first('Ready'), 1), 's; web-1 created at',"
                 " round(lanes['web-1'].start, 1), 's')"),
        ("md", "## Same names after deletion\n\nDelete both pods: they come back as `web-0` then `web-1`, "
               "with the same hostnames."),
        ("code", "sh('delete pod -l app=nginx')\nc.settle()\nfor i in (0, 1):\n"
                 "    print(c.exec(f'web-{i}', 'hostname').stdout, end='')"),
        ("md", "## A Deployment for contrast\n\nReplicaSet pods get random names from the API server's "
               "alphabet; a replacement gets a new one."),
        ("code", "c.apply({'apiVersion': 'apps/v1', 'kind': 'Deployment', 'metadata': {'name': 'deploy'},\n"
                 "         'spec': {'replicas': 3, 'selector': {'matchLabels': {'app': 'deploy'}},\n"
                 "                  'template': {'metadata': {'labels': {'app': 'deploy'}},\n"
                 "                               'spec': {'containers': [{'name': 'nginx', 'image': 'nginx:1.25'}]}}}})\n"
                 "c.settle()\nsh('get pods -l app=deploy')"),
        ("code", "fig = viz.object_graph_figure(c)"),
    ],
    "02-headless-dns": [
        ("md", "# Headless-service DNS\n\nA Service with `clusterIP: None` answers with the pods' own IPs, "
               "and every pod gets a name `<pod>.<service>.<namespace>.svc.cluster.local`."),
        ("code", SETUP + "\nc = Cluster(seed=1)\nc.apply(WEB)\nc.settle()\n"
                 "print('A    ', c.resolve('nginx'))\nprint('SRV  ', c.resolve('nginx', 'SRV'))\n"
                 "print('web-0', c.resolve('web-0.nginx'))"),
        ("md", "## The answer path\n\nA name is tried with each search domain of the pod's `resolv.conf` until "
               "one matches a Service; a headless Service answers with the ready endpoints of its "
               "EndpointSlices, and `web-0.nginx` with the one endpoint whose hostname is `web-0`:"),
        ("code", "fig = viz.answer_path_figure(c, 'web-0.nginx')"),
        ("md", "The same answers, as `nslookup` prints them inside a pod:"),
        ("code", "print(c.exec('web-1', ['sh', '-c', 'true']).stdout)\n"
                 "r = c.kubectl(['run', '-it', '--rm', 'netdebug', '--image=nicolaka/netshoot', '--restart=Never', "
                 "'--', 'zsh'], stdin='nslookup -type=srv nginx\\nexit\\n')\nprint(r.combined)"),
        ("md", "## Readiness decides\n\nWhen web-0's node stops, its pod loses Ready after the grace period and "
               "drops out of the answers; `publishNotReadyAddresses: true` would keep it."),
        ("code", "node = c.get('pods', 'web-0')['spec']['nodeName']\nc.fail_node(node)\nc.run(60)\n"
                 "print('A after the node failed:', c.resolve('nginx'))\nc.recover_node(node)\nc.settle()\n"
                 "print('A after it came back:  ', c.resolve('nginx'))"),
        ("code", "from dnslib import QTYPE\n"
                 "reply = c.dns_reply('nginx.default.svc.cluster.local', 'SRV')\n"
                 "display(HTML(viz.html_table(['name', 'ttl', 'type', 'data'],\n"
                 "    [(str(r.rname), r.ttl, QTYPE[r.rtype], str(r.rdata)) for r in reply.rr + reply.ar])))"),
    ],
    "03-storage": [
        ("md", "# Stable storage\n\nEach ordinal gets its own claim (`www-web-0`, `www-web-1`), bound to its "
               "own volume, provisioned by local-path on the node the pod was scheduled to "
               "(WaitForFirstConsumer)."),
        ("code", SETUP + "\nc = Cluster(seed=1)\nc.apply(WEB)\nc.settle()\nsh('get pvc')\nsh('get pv')"),
        ("code", "for i in (0, 1):\n"
                 "    c.exec(f'web-{i}', 'echo \"$(hostname)-pv-test\" > /usr/share/nginx/html/index.html')\n"
                 "sh('delete pod -l app=nginx')\nc.settle()\nfor i in (0, 1):\n"
                 "    print(c.exec(f'web-{i}', ['curl', '-s', 'http://localhost/']).stdout, end='')"),
        ("md", "## Node loss with local-path\n\nThe data lives on one node. Force-delete a pod whose node died and "
               "its replacement cannot run anywhere else:"),
        ("code", "node = c.get('pods', 'web-1')['spec']['nodeName']\nc.fail_node(node)\nc.run(400)\n"
                 "sh('delete pod web-1 --grace-period=0 --force')\nc.run(30)\nsh('get pods')\n"
                 "print([e['message'] for e in c.get('events') if e['reason'] == 'FailedScheduling'][-1])"),
        ("code", "c.recover_node(node)\nc.settle()\nsh('get pods')"),
        ("md", "## Claims, volumes and nodes over time\n\nEach claim waits (Pending) until its first pod is "
               "scheduled: the scheduler picks a node (▼), local-path provisions a volume there and the claim "
               "binds to it (●); every later pod of that ordinal is placed (▲) on the volume's node."),
        ("code", "fig = viz.claim_timeline(c)"),
    ],
    "04-updates": [
        ("md", "# Rolling updates\n\nA template change replaces pods from the highest ordinal down, one at a "
               "time; a partition holds the lower ordinals back."),
        ("code", SETUP + "\nc = Cluster(seed=1)\nc.apply(WEB.replace('replicas: 2', 'replicas: 3'))\nc.settle()\n"
                 "start = c.now\nsh('set image sts/web nginx=k8s.gcr.io/nginx-slim:0.7')\nc.settle()\n"
                 "deleted = [(round(e.t - start, 1), e.obj['metadata']['name']) for e in c.store.log\n"
                 "           if e.kind.kind == 'Pod' and e.type == 'DELETED' and e.t >= start]\nprint(deleted)"),
        ("code", "fig = viz.timeline(c, prefix='web-')"),
        ("md", "## Partition and rollback"),
        ("code", "c.patch('statefulsets', 'web', {'spec': {'updateStrategy': {'rollingUpdate': {'partition': 2}}}})\n"
                 "sh('set image sts/web nginx=k8s.gcr.io/nginx-slim:0.8')\nc.settle()\n"
                 "sh(['get', 'pods', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.spec.containers[0].image}"
                 "{\"\\\\n\"}{end}'])\nsh('rollout history sts/web')"),
    ],
    "05-property-testing": [
        ("md", "# Property testing your controller\n\n`simk8s.testing.ClusterMachine` drives random scaling, "
               "updates, pod deletions and node failures against a StatefulSet and checks the upstream "
               "invariants, DNS and storage after each step. Add your own reconciler and invariant:"),
        ("code", "from hypothesis import settings\nfrom hypothesis.stateful import invariant, run_state_machine_as_test\n"
                 "from simk8s.testing import ClusterMachine, PrimaryReplicaController, check_single_primary\n\n"
                 "class PrimaryMachine(ClusterMachine):\n"
                 "    def setup_cluster(self, cluster):\n"
                 "        cluster.add_controller(PrimaryReplicaController(self.set_name))\n\n"
                 "    @invariant()\n    def one_primary(self):\n        if self._healthy():\n"
                 "            assert check_single_primary(self.cluster, self.set_name) == []\n\n"
                 "# derandomize: the same examples on every run (no example database), so this page is reproducible\n"
                 "run_state_machine_as_test(PrimaryMachine, settings=settings(max_examples=3, stateful_step_count=5,"
                 " deadline=None, database=None, derandomize=True))\nprint('no counterexample found')"),
        ("md", "## A bug it finds\n\nBreak the planner so an OrderedReady set is planned as Parallel: pod N+1 is "
               "created before N is Ready. The machine fails and prints a scenario that `simk8s run` replays."),
        ("code", "from hypothesis import Phase\nfrom simk8s.controllers import statefulset as ctl\n"
                 "real = ctl.sts_logic.plan\n\ndef broken(sts, *args, **kw):\n"
                 "    sts = {**sts, 'spec': {**sts['spec'], 'podManagementPolicy': 'Parallel'}}\n"
                 "    return real(sts, *args, **kw)\n\nctl.sts_logic.plan = broken\ntry:\n"
                 "    run_state_machine_as_test(ClusterMachine, settings=settings(max_examples=20, stateful_step_count=4,"
                 " deadline=None, database=None, derandomize=True, phases=[Phase.generate]))\n"
                 "except AssertionError as e:\n    print(e.__context__ or e)\n"
                 "    # the replay is one note of its own; hypothesis may add others after it\n"
                 "    marker = 'Replay with `simk8s run replay.yaml`:\\n'\n"
                 "    replay = next(n for n in e.__notes__ if n.startswith(marker))[len(marker):]\n"
                 "    print(replay)\nfinally:\n    ctl.sts_logic.plan = real"),
        ("md", "## Replay it\n\nThe printed scenario is complete: saved as `replay.yaml`, `simk8s run replay.yaml` "
               "repeats the example step for step. With the broken planner it fails the same way; with the real "
               "one it passes."),
        ("code", "import tempfile\nfrom pathlib import Path\nfrom simk8s.scenario import load_scenario, run_scenario\n\n"
                 "path = Path(tempfile.mkdtemp()) / 'replay.yaml'\npath.write_text(replay)\n"
                 "ctl.sts_logic.plan = broken\ntry:\n"
                 "    print('broken planner:', run_scenario(load_scenario(path)).failures)\nfinally:\n"
                 "    ctl.sts_logic.plan = real\nprint('real planner:  ', run_scenario(load_scenario(path)).failures)"),
    ],
    "06-network-policy": [
        ("md", "# NetworkPolicy: who may connect to whom\n\nWithout policies every pod reaches every pod. A "
               "NetworkPolicy *isolates* the pods it selects (for ingress, egress or both); an isolated pod "
               "accepts only what some rule of some policy allows. Below: the seed lab's StatefulSet `web` "
               "standing in for a database, an `app` pod and a `batch` pod, and the graph of who may open "
               "the database port (80) on whom."),
        ("code", SETUP + "\nfrom simk8s.scenario import load_scenario\n"
                 "files = load_scenario('../scenarios/access-control.yaml').files\n"
                 "c = Cluster(seed=1)\nc.apply(files['web.yaml'])\nc.apply(files['clients.yaml'])\nc.settle()\n"
                 "sh('get pods -o wide')\nfig = viz.connection_figure(c, port=80, title='before: no policies')"),
        ("md", "## A default-deny for the database, and one allow rule\n\n`web-default-deny` selects the set's "
               "pods and lists no ingress rule: they are isolated. `web-allow-app` lets pods labelled "
               "`role=app` in, on the container port named `web`."),
        ("code", "print(files['netpol.yaml'])\nc.apply(files['netpol.yaml'])\nsh('get networkpolicy')\n"
                 "fig = viz.connection_figure(c, port=80, title='after: only the app reaches the database')"),
        ("md", "## Why\n\n`Cluster.explain_connection` names the policies that isolate each end and the rule "
               "that let the connection through (or that none did). The same text comes from "
               "`simk8s explain` and from the `explain:` step of a scenario."),
        ("code", "print(c.explain_connection('batch', 'web-0', 80).explain())\n"
                 "print(c.explain_connection('app', 'web-0', 80).explain())\n"
                 "g = viz.connection_graph(c, port=80)\nprint(sorted(g.edges))"),
        ("md", "## A dropped packet is not a refused connection\n\nThe CNI drops what a policy denies: the "
               "client hears nothing and waits for its timeout, in virtual time."),
        ("code", "t = c.now\nr = c.exec('batch', 'curl -sS --connect-timeout 5 http://web-0.nginx')\n"
                 "print(r.stderr, end='')\nprint('waited', c.now - t, 'virtual seconds')"),
        ("md", "## The DNS gotcha\n\nA default-deny *egress* policy also cuts the pod off from the cluster DNS "
               "(CoreDNS in kube-system): names stop resolving until port 53 is allowed."),
        ("code", "c.apply({'apiVersion': 'networking.k8s.io/v1', 'kind': 'NetworkPolicy',\n"
                 "         'metadata': {'name': 'app-egress-deny'},\n"
                 "         'spec': {'podSelector': {'matchLabels': {'role': 'app'}}, 'policyTypes': ['Egress']}})\n"
                 "r = c.exec('app', 'curl -sS http://web-0.nginx')\nprint(r.stderr, end='')\n"
                 "c.apply({'apiVersion': 'networking.k8s.io/v1', 'kind': 'NetworkPolicy',\n"
                 "         'metadata': {'name': 'app-egress-allow'},\n"
                 "         'spec': {'podSelector': {'matchLabels': {'role': 'app'}}, 'egress': [\n"
                 "             {'to': [{'namespaceSelector': {}, 'podSelector': {'matchLabels': {'k8s-app': 'kube-dns'}}}],\n"
                 "              'ports': [{'port': 53, 'protocol': 'UDP'}]},\n"
                 "             {'to': [{'podSelector': {'matchLabels': {'app': 'nginx'}}}], 'ports': [{'port': 80}]}]}})\n"
                 "print(c.exec('app', 'curl -sS http://web-0.nginx').stdout, end='')"),
    ],
    "07-access-control": [
        ("md", "# Locking down a database as an auditor asks\n\nTwo demands: *only the app's pods reach the "
               "database port*, and *only the operator's service account may change the set*. The first is "
               "NetworkPolicy, the second RBAC. The whole lab is `scenarios/access-control.yaml` "
               "(`simk8s run scenarios/access-control.yaml --check` replays and checks it); here it is step "
               "by step."),
        ("code", SETUP + "\nfrom simk8s.scenario import load_scenario\n"
                 "files = load_scenario('../scenarios/access-control.yaml').files\n"
                 "c = Cluster(seed=1)\nfor f in ('web.yaml', 'clients.yaml', 'netpol.yaml', 'rbac.yaml'):\n"
                 "    c.apply(files[f])\nc.settle()\nprint(files['rbac.yaml'])"),
        ("md", "## The network side\n\nThe app gets an answer; the batch pod's connection is dropped and "
               "times out."),
        ("code", "c.exec('web-0', 'echo \"$(hostname) data\" > /usr/share/nginx/html/index.html')\n"
                 "for pod in ('app', 'batch'):\n"
                 "    sh(f'exec {pod} -- curl -sS --connect-timeout 3 http://web-0.nginx')"),
        ("md", "## Who may do what\n\n`kubectl auth can-i` asks the API server's authorizer; `--as` "
               "impersonates a user or a service account (`system:serviceaccount:<namespace>:<name>`)."),
        ("code", "who = ['kubernetes-admin', 'jane', 'system:serviceaccount:default:operator',\n"
                 "       'system:serviceaccount:default:default']\n"
                 "asks = ['get statefulsets/web', 'patch statefulsets/web', 'patch statefulsets/web --subresource=scale',\n"
                 "        'delete statefulsets/web', 'create pods/exec']\nrows = []\nfor user in who:\n"
                 "    flag = '' if user == 'kubernetes-admin' else f' --as={user}'\n"
                 "    rows.append([user] + [c.kubectl(f'auth can-i {a}{flag}').stdout.strip() for a in asks])\n"
                 "display(HTML(viz.html_table(['user'] + asks, rows)))"),
        ("md", "## Each denied attempt, as users see it"),
        ("code", "sh('scale sts web --replicas=3 --as=jane')\n"
                 "sh('--as=system:serviceaccount:default:default delete sts web')\n"
                 "sh('--as=system:serviceaccount:default:operator delete sts web')\n"
                 "sh('exec web-0 --as=jane -- cat /usr/share/nginx/html/index.html')"),
        ("md", "## The operator does its job"),
        ("code", "sh('--as=system:serviceaccount:default:operator scale sts web --replicas=3')\nc.settle()\n"
                 "sh('get pods -l app=nginx')\nprint(c.explain_connection('app', 'web-2', 80).explain())"),
    ],
    "08-sweeps": [
        ("md", "# Sweeps: many seeded runs, one table\n\n`simk8s sweep` runs a scenario for every combination of "
               "parameters and seeds on Dask and writes a tidy table: one row per run, one column per parameter "
               "or measure. Here: the seed lab's StatefulSet with 1, 2 and 4 replicas, both pod management policies, "
               "with and without an outage of `k8s-w1`, 2 seeds each (on two local worker processes)."),
        ("code", "import tempfile\nimport pandas as pd\nimport matplotlib.pyplot as plt\n"
                 "from simk8s.examples import WEB_YAML\nfrom simk8s.sweep import run_sweep, spec_from_dict\n\n"
                 "spec = spec_from_dict({\n"
                 "    'name': 'lesson',\n"
                 "    'scenario': {'files': {'web.yaml': WEB_YAML}, 'steps': [{'run': 'kubectl apply -f web.yaml'}]},\n"
                 "    'horizon': 200, 'seeds': 2,\n"
                 "    'grid': {'replicas': [1, 2, 4], 'pod_management_policy': ['OrderedReady', 'Parallel'],\n"
                 "             'faults': ['none', 'w1-outage']},\n"
                 "    'faults': {'w1-outage': [{'at': 100, 'fail': 'k8s-w1'}, {'at': 180, 'recover': 'k8s-w1'}]},\n"
                 "})\n"
                 "out = tempfile.mkdtemp()\n"
                 "result = run_sweep(spec, out, workers=2, plots=False, progress=False)\n"
                 "print(len(result.frame), 'points,', result.failed, 'failed')"),
        ("md", "## The table\n\n`results.parquet` holds a row per point: its index, key and seed, the parameters, "
               "`status`, then the measures (`events.<Reason>` columns count Events by reason)."),
        ("code", "df = pd.read_parquet(f'{out}/results.parquet')\n"
                 "df[['point', 'seed', 'replicas', 'pod_management_policy', 'faults', 'status', 'time_to_ready',\n"
                 "    'ready_pod_seconds_lost', 'dns_answer_changes']].head(8)"),
        ("md", "## Time to all Ready\n\nOrderedReady waits for each pod to be Ready before creating the next: the "
               "time grows with the replica count. Parallel creates them all at once."),
        ("code", "ok = df[df.status == 'ok']\n"
                 "ok.groupby(['replicas', 'pod_management_policy']).time_to_ready.mean().unstack().round(1)"),
        ("code", "fig, ax = plt.subplots(figsize=(6, 3.5))\n"
                 "for policy, g in ok[ok.faults == 'none'].groupby('pod_management_policy'):\n"
                 "    g.groupby('replicas').time_to_ready.mean().plot(ax=ax, marker='o', label=policy)\n"
                 "ax.set_ylabel('seconds to all Ready'); ax.legend(); plt.show()"),
        ("md", "## What an outage costs\n\n`k8s-w1` stops at 100 s and comes back at 180 s. Its pods turn NotReady "
               "after the node monitor's 40 s grace period, so the set is short of Ready pods for about 40 s per "
               "pod on that node: `ready_pod_seconds_lost` is that shortfall integrated over time."),
        ("code", "ok.pivot_table(index='replicas', columns='faults', values='ready_pod_seconds_lost', aggfunc='mean')"),
        ("code", "ok.groupby('faults')[['events.NodeNotReady', 'dns_answer_changes']].mean()"),
    ],
}


def text_outputs(nb: nbformat.NotebookNode) -> list[list[str]]:
    """Per code cell, its printed and displayed text (images left out: they are pixels of the same data)."""
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        texts = []
        streams: dict[str, str] = {}
        for o in cell.outputs:
            if o.output_type == "stream":
                # The kernel flushes a stream in chunks that vary from run to run: compare the whole.
                streams[o.name] = streams.get(o.name, "") + o.text
            elif o.output_type in ("execute_result", "display_data"):
                texts.extend(str(o.data[k]) for k in ("text/plain", "text/html") if k in o.data
                             and "image/png" not in o.data)
            elif o.output_type == "error":
                texts.append(f"{o.ename}: {o.evalue}")
        out.append([*(f"{k}: {v}" for k, v in sorted(streams.items())), *texts])
    return out


def build(name: str, cells: list[tuple[str, str]], write: bool) -> nbformat.NotebookNode:
    # The kernel imports simk8s from this checkout, whatever else is installed.
    path = os.environ.get("PYTHONPATH", "")
    if str(HERE.parent) not in path.split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(HERE.parent), path) if p)
    # Set iteration order (hash seeds) must not vary between builds: a fresh run equals the committed one.
    os.environ["PYTHONHASHSEED"] = "0"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src)
                for kind, src in cells]
    for i, cell in enumerate(nb.cells):
        cell.id = f"{name}-{i:02d}"
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)   # wall-clock timestamps: they differ on every build
    if write:
        nbformat.write(nb, HERE / f"{name}.ipynb")
    return nb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="execute without writing")
    ap.add_argument("names", nargs="*", help="only these lessons")
    args = ap.parse_args(argv)
    for name, cells in LESSONS.items():
        if args.names and name not in args.names:
            continue
        build(name, cells, write=not args.check)
        print(f"{name}: ok", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

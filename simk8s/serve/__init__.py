"""``simk8s serve``: a simulated cluster as a live, writable, watchable Kubernetes API.

One asyncio loop (aiohttp) owns the cluster: it advances the simulation against the wall clock
(:mod:`~simk8s.serve.loop`), answers the API (:mod:`~simk8s.serve.app`: discovery, OpenAPI, REST
verbs, watch, Tables, pod subresources) and the cluster DNS between simulation steps. Needs the
``serve`` extra (aiohttp).

    from simk8s import Cluster
    from simk8s.serve import wall_epoch

    cluster = Cluster(epoch=wall_epoch())
    with cluster.serve(speed=1) as endpoint:     # kubectl --kubeconfig endpoint.kubeconfig get pods
        ...
"""

from simk8s.serve.app import Server
from simk8s.serve.endpoint import Endpoint, kubeconfig_text, wall_epoch, write_kubeconfig
from simk8s.serve.loop import SimLoop

__all__ = ["Endpoint", "Server", "SimLoop", "kubeconfig_text", "wall_epoch", "write_kubeconfig"]

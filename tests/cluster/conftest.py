from __future__ import annotations

import pytest

from simk8s import Cluster
from simk8s.examples import WEB_YAML


@pytest.fixture
def cluster() -> Cluster:
    return Cluster(seed=1)


@pytest.fixture
def web(cluster: Cluster) -> Cluster:
    cluster.apply(WEB_YAML)
    cluster.settle()
    return cluster

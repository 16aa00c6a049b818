"""The serving loop's clock: simulated time follows the wall clock times the speed."""

from __future__ import annotations

import pytest

from simk8s import Cluster
from simk8s.examples import WEB_YAML

pytest.importorskip("aiohttp", reason="simk8s serve needs the serve extra (aiohttp)")

from simk8s.serve import SimLoop


class FakeWall:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_speed_one_keeps_simulated_time_on_the_wall_clock() -> None:
    c = Cluster(seed=1)
    wall = FakeWall()
    loop = SimLoop(c, 1.0, wall=wall)
    wall.t += 12.5
    loop.sync()
    assert c.now == 12.5


def test_speed_sixty_runs_a_minute_per_second_and_everything_due_has_run() -> None:
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    wall = FakeWall()
    loop = SimLoop(c, 60.0, wall=wall)
    wall.t += 1.0
    loop.sync()
    assert c.now == 60.0
    assert [p["status"]["phase"] for p in c.get("pods")] == ["Running", "Running"]


def test_same_inputs_same_history_whatever_the_speed() -> None:
    runs = []
    for speed in (1.0, 60.0, 1000.0):
        c = Cluster(seed=1)
        c.apply(WEB_YAML)
        wall = FakeWall()
        loop = SimLoop(c, speed, wall=wall)
        while not c.idle():
            wall.t += 0.37
            loop.sync()
        runs.append([(e.rv, e.type, e.kind.kind, e.obj["metadata"]["name"], round(e.t, 6)) for e in c.store.log])
    assert runs[0] == runs[1] == runs[2]


def test_speed_must_be_positive() -> None:
    with pytest.raises(ValueError):
        SimLoop(Cluster(seed=1), 0.0)

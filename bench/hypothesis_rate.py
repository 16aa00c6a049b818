"""Bench: ClusterMachine examples per second (3-worker cluster, 20-step sequences), against the same
hypothesis run of a machine with the same rules, strategies and invariants that do nothing.

    python bench/hypothesis_rate.py [--examples 20] [--steps 20] [--derandomize]

The baseline is what hypothesis itself costs for these examples on this machine (drawing the
operations, running 20 steps, checking 4 invariants per step), so the ratio is simk8s's share.
``--derandomize`` runs the same examples on every run (to compare two versions of the code).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from simk8s.testing import ClusterMachine
from simk8s.testing.strategies import operations, statefulsets


class NullMachine(RuleBasedStateMachine):
    """ClusterMachine's rules and invariants with empty bodies: hypothesis's own cost."""

    @initialize(manifest=statefulsets(), seed=st.integers(0, 2**16))
    def start(self, manifest: dict[str, Any], seed: int) -> None:
        self.steps = 0

    @rule(op=operations())
    def operate(self, op: tuple[Any, ...]) -> None:
        self.steps += 1

    @rule(ordinal=st.integers(0, 5))
    def write_data(self, ordinal: int) -> None:
        self.steps += 1

    @invariant()
    def ordered_writes(self) -> None:
        """The four invariants ClusterMachine checks after every step, doing nothing."""

    @invariant()
    def converged_state(self) -> None:
        """(empty)"""

    @invariant()
    def dns_matches_ready_pods(self) -> None:
        """(empty)"""

    @invariant()
    def data_survives(self) -> None:
        """(empty)"""


def rate(machine: type[RuleBasedStateMachine], examples: int, steps: int, derandomize: bool) -> float:
    start = time.perf_counter()
    run_state_machine_as_test(machine, settings=settings(
        max_examples=examples, stateful_step_count=steps, deadline=None, database=None,
        phases=[Phase.generate], derandomize=derandomize))
    return examples / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=20)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--derandomize", action="store_true", help="the same examples on every run")
    a = ap.parse_args()
    ours = rate(ClusterMachine, a.examples, a.steps, a.derandomize)
    base = rate(NullMachine, max(a.examples, 50), a.steps, a.derandomize)
    print(f"simk8s: {a.examples} ClusterMachine examples of up to {a.steps} steps: {ours:.2f} examples/s")
    print(f"baseline: the same rules doing nothing (hypothesis alone): {base:.1f} examples/s; "
          f"ratio {base / ours:.1f}x")


if __name__ == "__main__":
    main()

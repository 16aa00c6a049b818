"""The toolkit's property test (``ClusterMachine``) in the ``long`` profile, for many examples.

    python -m fuzz.property_long [--examples 10000] [--batch 300]

The test ``pytest --hypothesis-profile=long tests/testing/test_machine.py`` runs (examples of up to
40 steps: scaling, template and partition changes, pod and set deletions, node failures), repeated
in batches of ``--batch`` examples (the profile's own ``max_examples``) until ``--examples`` have
run, each batch from a fresh random seed, and counted. Prints examples, steps, failures and time;
a failure prints hypothesis's report with its replay scenario and exits 1.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback

from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from simk8s.cluster import Cluster
from simk8s.testing import ClusterMachine
from simk8s.testing.profiles import register_profiles


class CountingMachine(ClusterMachine):
    """ClusterMachine, counting its examples and steps through its hooks."""

    examples = 0
    steps = 0

    def setup_cluster(self, cluster: Cluster) -> None:
        CountingMachine.examples += 1

    def teardown(self) -> None:
        CountingMachine.steps += len(self.steps)
        super().teardown()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--examples", type=int, default=10000)
    ap.add_argument("--batch", type=int, default=300)
    args = ap.parse_args(argv)
    register_profiles()
    start = time.perf_counter()
    failures = 0
    batch = 0
    while CountingMachine.examples < args.examples and not failures:
        n = min(args.batch, args.examples - CountingMachine.examples)
        run = settings(settings.get_profile("long"), max_examples=n, database=None,
                       phases=[Phase.generate, Phase.shrink])
        try:
            run_state_machine_as_test(CountingMachine, settings=run)
        except Exception as e:  # the property failed: the shrunk example and its replay are in the notes
            failures += 1
            print(f"FAILED in batch {batch + 1}:", file=sys.stderr)
            traceback.print_exception(e, file=sys.stderr)
        batch += 1
        print(f"batch {batch}: {CountingMachine.examples} examples, {CountingMachine.steps} steps, "
              f"{time.perf_counter() - start:.0f} s", flush=True)
    seconds = time.perf_counter() - start
    print(f"examples: {CountingMachine.examples}  steps: {CountingMachine.steps}  failures: {failures}  "
          f"time: {seconds:.0f} s  ({CountingMachine.examples / seconds:.2f} examples/s)")
    print(f"command: python -m fuzz.property_long --examples {args.examples} --batch {args.batch}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""kubectl 1.32's rollout status viewers (polymorphichelpers/rollout_status.go), every branch."""

from __future__ import annotations

from typing import Any

from simk8s.logic.rollout import RolloutStatus, deployment_status, statefulset_status


def sts(strategy: dict[str, Any] | None = None, generation: int = 2, replicas: int | None = 3,
        **status: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"updateStrategy": strategy if strategy is not None else
                            {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return {"metadata": {"name": "web", "generation": generation}, "spec": spec, "status": status}


def test_on_delete_is_an_error_that_ends_the_watch() -> None:
    assert statefulset_status(sts({"type": "OnDelete"})) == RolloutStatus(
        done=True, error="rollout status is only available for RollingUpdate strategy type")


def test_unobserved_generation_and_zero_observed_generation_wait() -> None:
    msg = "Waiting for statefulset spec update to be observed...\n"
    assert statefulset_status(sts(observedGeneration=1)).message == msg
    assert statefulset_status(sts(generation=0)).message == msg


def test_ready_replicas_are_counted_down() -> None:
    got = statefulset_status(sts(observedGeneration=2, readyReplicas=1))
    assert got == RolloutStatus("Waiting for 2 pods to be ready...\n")


def test_default_partition_zero_takes_the_partitioned_branch() -> None:
    # The API server defaults rollingUpdate.partition to 0; kubectl only checks that it is set.
    waiting = statefulset_status(sts(observedGeneration=2, readyReplicas=3, updatedReplicas=1))
    assert waiting == RolloutStatus("Waiting for partitioned roll out to finish: 1 out of 3 new pods have been "
                                    "updated...\n")
    done = statefulset_status(sts(observedGeneration=2, readyReplicas=3, updatedReplicas=3,
                                  currentRevision="web-a", updateRevision="web-b"))
    assert done == RolloutStatus("partitioned roll out complete: 3 new pods have been updated...\n", True)


def test_a_partition_counts_only_the_ordinals_at_or_above_it() -> None:
    s = sts({"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}, observedGeneration=2,
            readyReplicas=3, updatedReplicas=1)
    assert statefulset_status(s).done
    assert statefulset_status(s).message == "partitioned roll out complete: 1 new pods have been updated...\n"


def test_rolling_update_without_partition_is_still_the_partitioned_message() -> None:
    s = sts({"type": "RollingUpdate", "rollingUpdate": {}}, observedGeneration=2, readyReplicas=3, updatedReplicas=0)
    assert statefulset_status(s) == RolloutStatus("partitioned roll out complete: 0 new pods have been updated...\n",
                                                  True)


def test_without_rolling_update_parameters_the_revisions_decide() -> None:
    plain = {"type": "RollingUpdate"}
    waiting = statefulset_status(sts(plain, observedGeneration=2, readyReplicas=3, updatedReplicas=1,
                                     currentRevision="web-a", updateRevision="web-b"))
    assert waiting == RolloutStatus("waiting for statefulset rolling update to complete 1 pods at revision "
                                    "web-b...\n")
    done = statefulset_status(sts(plain, observedGeneration=2, readyReplicas=3, currentReplicas=3,
                                  currentRevision="web-b", updateRevision="web-b"))
    assert done == RolloutStatus("statefulset rolling update complete 3 pods at revision web-b...\n", True)


def deploy(generation: int = 1, want: int = 2, annotations: dict[str, str] | None = None,
           **status: Any) -> dict[str, Any]:
    return {"metadata": {"name": "api", "generation": generation, "annotations": annotations or {}},
            "spec": {"replicas": want}, "status": status}


def test_deployment_branches_in_order() -> None:
    assert deployment_status(deploy(2, observedGeneration=1)).message == \
        "Waiting for deployment spec update to be observed...\n"
    assert deployment_status(deploy(observedGeneration=1, updatedReplicas=1)).message == \
        'Waiting for deployment "api" rollout to finish: 1 out of 2 new replicas have been updated...\n'
    assert deployment_status(deploy(observedGeneration=1, updatedReplicas=2, replicas=3)).message == \
        'Waiting for deployment "api" rollout to finish: 1 old replicas are pending termination...\n'
    assert deployment_status(deploy(observedGeneration=1, updatedReplicas=2, replicas=2,
                                    availableReplicas=1)).message == \
        'Waiting for deployment "api" rollout to finish: 1 of 2 updated replicas are available...\n'
    assert deployment_status(deploy(observedGeneration=1, updatedReplicas=2, replicas=2,
                                    availableReplicas=2)) == \
        RolloutStatus('deployment "api" successfully rolled out\n', True)


def test_deployment_progress_deadline_and_revision_pin_are_errors() -> None:
    stuck = deploy(observedGeneration=1, conditions=[{"type": "Progressing", "reason": "ProgressDeadlineExceeded"}])
    assert deployment_status(stuck).error == 'deployment "api" exceeded its progress deadline'
    pinned = deploy(annotations={"deployment.kubernetes.io/revision": "3"}, observedGeneration=1)
    assert deployment_status(pinned, revision=2).error == \
        "desired revision (2) is different from the running revision (3)"
    assert deployment_status(pinned, revision=3).error is None

"""The StatefulSet controller's pure decisions, one upstream seam per module.

- :mod:`.identity`: a pod's name, ordinal, labels and claim volumes (``stateful_set_utils.go``);
- :mod:`.retention`: claims' ownerReferences under the PVC retention policy;
- :mod:`.actions`: the planned writes and the events upstream records for them;
- :mod:`.status`: the status computed from the pods, and :class:`Plan`;
- :mod:`.memo`: what the planner keeps about a set between plans;
- :mod:`.plan`: one pass of upstream ``updateStatefulSet`` (:func:`plan`);
- :mod:`.adoption`: which pods a set adopts and releases (``ClaimPods``), decided, not written.
"""

from simk8s.logic.statefulset.actions import (
    Action,
    CreateClaim,
    CreatePod,
    DeletePod,
    Event,
    FailSync,
    UpdateClaim,
    UpdatePod,
    failure_event,
    failure_events,
)
from simk8s.logic.statefulset.identity import (
    POD_INDEX_LABEL,
    POD_NAME_LABEL,
    REVISION_LABEL,
    claim_name,
    identity_matches,
    new_pod,
    storage_matches,
    template_name,
    versioned_pod,
)
from simk8s.logic.statefulset.memo import PlanMemo
from simk8s.logic.statefulset.plan import plan
from simk8s.logic.statefulset.retention import (
    claims_match_retention_policy,
    is_claim_owner_up_to_date,
    new_claims,
    retention_policy,
    update_claim_owner_refs,
)
from simk8s.logic.statefulset.status import Plan

__all__ = [
    "POD_INDEX_LABEL", "POD_NAME_LABEL", "REVISION_LABEL", "Action", "CreateClaim", "CreatePod", "DeletePod", "Event",
    "FailSync", "Plan", "PlanMemo", "UpdateClaim", "UpdatePod", "claim_name", "claims_match_retention_policy",
    "failure_event", "failure_events", "identity_matches", "is_claim_owner_up_to_date", "new_claims", "new_pod", "plan",
    "retention_policy", "storage_matches", "template_name", "update_claim_owner_refs", "versioned_pod",
]

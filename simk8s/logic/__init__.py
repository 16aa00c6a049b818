"""The controllers' and the kubelet's decisions as pure functions of plain objects: the StatefulSet
planner, ReplicaSet and rollout decisions, scheduling, volumes, endpoints, pod status, DNS answers,
network policy and RBAC rules. No store, no clock: the callers read and write."""

__all__: list[str] = []

"""Cluster DNS on the wire: a dnslib resolver over ``logic.dns`` and a single-threaded UDP+TCP server."""

__all__: list[str] = []

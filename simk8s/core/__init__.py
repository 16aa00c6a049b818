"""The core a simulated cluster's parts share (:class:`Core`), and what lives next to it."""

from simk8s.core.base import FEATURE_GATES, Core, Images, NodeSpec, Topology, rng
from simk8s.core.timing import Timing

__all__ = ["FEATURE_GATES", "Core", "Images", "NodeSpec", "Timing", "Topology", "rng"]

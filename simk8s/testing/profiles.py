"""The toolkit's hypothesis profiles, registered where pytest sees them (never at import).

``ci`` is the short profile the project's suite runs; ``long`` the deep local one. pytest
registers them through the ``simk8s`` pytest plugin (an entry point of the installed package, and
the project's ``tests/conftest.py``), so ``pytest --hypothesis-profile=long`` works; elsewhere call
:func:`register_profiles` before ``settings.load_profile``.

:func:`machine_settings` is what a ``ClusterMachine`` test should use: the profile chosen on the
command line, or ``ci`` when none was.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings

__all__ = ["PROFILES", "machine_settings", "register_profiles"]

# A machine's steps run a simulation while hypothesis draws the next ones: "input generation is
# slow" is a false alarm there, above all on a loaded machine.
_SLOW_STEPS = (HealthCheck.too_slow,)
PROFILES: dict[str, dict[str, Any]] = {
    "ci": {"max_examples": 12, "stateful_step_count": 12, "deadline": None, "suppress_health_check": _SLOW_STEPS},
    "long": {"max_examples": 300, "stateful_step_count": 40, "deadline": None,
             "suppress_health_check": _SLOW_STEPS},
}


def register_profiles() -> None:
    """Register ``ci`` and ``long`` with hypothesis (idempotent)."""
    for name, values in PROFILES.items():
        settings.register_profile(name, **values)


def machine_settings(default: settings | None = None) -> settings:
    """The loaded profile when it is one of :data:`PROFILES` (``--hypothesis-profile=long``), else
    ``default`` (the ``ci`` profile when not given): what a ``ClusterMachine`` test should run with."""
    register_profiles()
    current = settings.get_current_profile_name()
    if current in PROFILES:
        return settings.get_profile(current)
    return default if default is not None else settings.get_profile("ci")

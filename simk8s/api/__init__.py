"""The Kubernetes API's rules as pure functions: kinds, errors, selectors, validation, patches."""

__all__: list[str] = []

"""How kubectl shows objects: the ``get`` tables (:mod:`.printers`), ``describe``, JSONPath
templates, the tab writer and human-readable ages."""

__all__: list[str] = []

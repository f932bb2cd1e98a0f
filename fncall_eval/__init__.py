"""fncall_eval: scoring of base models and adapters on function calling (coming: backends, matching,
metrics, reports). It installs and imports today so that the package layout is settled; it exports
nothing yet.
"""

__all__: list[str] = []

"""fncall_train: LoRA SFT of function-calling models (coming: config and recipes, model loading, backends).

It installs and imports today so that the package layout is settled; it exports nothing yet.
"""

__all__: list[str] = []

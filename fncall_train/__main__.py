"""``python -m fncall_train ...`` is ``fncall train ...``; ``torchrun -m fncall_train`` uses it.

Example: ``torchrun --nproc_per_node 2 -m fncall_train --model tiny --data d.jsonl -o runs/ddp``
"""

import sys

from fncall_data.cli.main import cli

if __name__ == "__main__":
    cli(args=["train", *sys.argv[1:]], prog_name="fncall")

"""GRPO training from a recipe.

    accelerate launch launch/grpo.py recipe=qwen05b_gsm8k [key=value ...] [~key] [--dry-run]
    python launch/grpo.py recipe=quickstart trainer.max_steps=2

Everything happens in grpo_math.train.run; this file only parses the command line.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from grpo_math.cli import guarded, train_main

if __name__ == "__main__":
    sys.exit(guarded(train_main, sys.argv[1:]))

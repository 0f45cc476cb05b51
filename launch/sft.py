"""Supervised fine-tuning from a recipe with `task: sft` (TRL's SFTTrainer; `trainer` -> trl.SFTConfig).

    python launch/sft.py recipe=quickstart_sft [key=value ...] [~key] [--dry-run]
    accelerate launch launch/sft.py recipe=metamath_gsm8k

Everything happens in grpo_math.sft.run; this file only parses the command line.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from grpo_math.cli import guarded, sft_main

if __name__ == "__main__":
    sys.exit(guarded(sft_main, sys.argv[1:]))

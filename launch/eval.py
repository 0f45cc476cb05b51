"""Evaluate a model (the recipe's, or any checkpoint) on the recipe's eval datasets; writes eval_results.json.

    python launch/eval.py recipe=quickstart "eval.datasets=[gsm8k,math500,mathqa]" eval.data_dir=../shared/data
    python launch/eval.py recipe=quickstart model.name_or_path=outputs/quickstart eval.limit=50
    accelerate launch launch/eval.py recipe=qwen05b_gsm8k    # each process takes a share of the problems

Everything happens in grpo_math.evaluate.runner.run_eval; this file only parses the command line.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from grpo_math.cli import eval_main, guarded

if __name__ == "__main__":
    sys.exit(guarded(eval_main, sys.argv[1:]))

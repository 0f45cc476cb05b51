"""Greedy held-out accuracy of several models on the same problems, each against the first with a paired SE.

    python benchmarks/paired_eval.py BASELINE_DIR MODEL_DIR [MODEL_DIR ...] [--recipe quickstart] [--limit 500]

The recipe's held-out problems (its eval section's first dataset, asked as launch/eval.py asks them). A paired
difference (the same problems, per-problem right minus right) has a smaller standard error than two accuracies
compared side by side; problems gained and lost are counted too.
"""

import argparse
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("models", nargs="+")
    parser.add_argument("--recipe", default="quickstart")
    parser.add_argument("--limit", type=int, default=500)
    args = parser.parse_args()

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from grpo_math.evaluate.datasets import messages_for
    from grpo_math.evaluate.generate import generate_hf, render_prompt
    from grpo_math.evaluate.runner import load_eval_problems
    from grpo_math.evaluate.scoring import score
    from grpo_math.recipe import load_recipe

    recipe = load_recipe([f"recipe={args.recipe}", f"eval.limit={args.limit}"])
    name, (style, problems, system) = next(iter(load_eval_problems(recipe).items()))
    right = {}
    for path in args.models:
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
        prompts = [render_prompt(tokenizer, messages_for(p, style, system), path, style) for p in problems]
        outs = generate_hf(model, tokenizer, prompts, max_new_tokens=recipe.eval.max_new_tokens, batch_size=50)
        right[path] = [score(o[0], p, style).correct for o, p in zip(outs, problems, strict=True)]
        print(f"{path}: {sum(right[path]) / len(problems):.1%} of {len(problems)} held-out {name} problems", flush=True)
    base = right[args.models[0]]
    for path in args.models[1:]:
        d = [int(b) - int(a) for a, b in zip(base, right[path], strict=True)]
        mean = sum(d) / len(d)
        se = math.sqrt(sum((x - mean) ** 2 for x in d) / (len(d) - 1) / len(d))
        print(f"{path}: {mean * 100:+.1f} points vs {args.models[0]} (paired SE {se * 100:.1f}; "
              f"{sum(x > 0 for x in d)} problems gained, {sum(x < 0 for x in d)} lost)")  # fmt: skip


if __name__ == "__main__":
    main()

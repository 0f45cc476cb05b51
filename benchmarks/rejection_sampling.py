"""The verifier-only control for GRPO: rejection-sampling fine-tuning (RFT / STaR) from the quickstart's cold start,
run by the product (recipes/quickstart_rft.yaml, grpo_math.rejection_sampling), then scored on held-out problems and
paired with the cold start's score on the same ones.

    python benchmarks/rejection_sampling.py [--out outputs/quickstart_rft] [--eval-limit 500] [--set key=value ...]

Prints the round's counts (problems, samples accepted, rows learnt, sampling seconds), the SFT time, and held-out
accuracy before and after with the paired difference and its standard error (`grpo-math compare`).
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "outputs" / "quickstart_rft"))
    parser.add_argument("--eval-limit", type=int, default=500)
    parser.add_argument("--set", nargs="*", default=[], help="overrides for recipes/quickstart_rft.yaml")
    args = parser.parse_args()

    from grpo_math.evaluate.compare import describe, paired_difference, read_samples
    from grpo_math.evaluate.runner import RESULTS_FILE, samples_file
    from grpo_math.recipe import load_recipe
    from grpo_math.rejection_sampling import COUNTS_FILE
    from grpo_math.warm_start import sft_output_dir

    overrides = [f"trainer.output_dir={args.out}", f"eval.limit={args.eval_limit}", *args.set]
    began = time.perf_counter()
    subprocess.run([sys.executable, "launch/sft.py", "recipe=quickstart_rft", *overrides], cwd=ROOT, check=True)
    minutes = (time.perf_counter() - began) / 60
    counts = json.loads((Path(args.out) / COUNTS_FILE).read_text())
    cold = sft_output_dir(load_recipe(["recipe=quickstart_rft", *overrides]))
    before = Path(args.out) / "cold_start_eval"
    subprocess.run([sys.executable, "launch/eval.py", "recipe=quickstart_rft", f"model.name_or_path={cold}",
                    f"trainer.output_dir={before}", f"eval.limit={args.eval_limit}"], cwd=ROOT, check=True)  # fmt: skip
    base = read_samples(samples_file(before / RESULTS_FILE))
    after = read_samples(samples_file(Path(args.out) / RESULTS_FILE))
    print(f"\nround 1: {counts['accepted_samples']} of {counts['samples']} samples accepted, "
          f"{counts['problems_kept']} of {counts['problems']} problems learnt ({counts['rows']} rows); sampling "
          f"{counts['sampling_seconds']:.0f} s; sampling + SFT + evaluation {minutes:.1f} min")  # fmt: skip
    for name in after:
        print(f"{name}: {describe(paired_difference(base[name], after[name]))}")


if __name__ == "__main__":
    main()

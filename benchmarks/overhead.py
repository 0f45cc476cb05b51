"""Step time of launch/grpo.py vs a plain TRL script: same model, rows and GRPOConfig, measured in one run.

    python benchmarks/overhead.py [--steps 4] [--repeats 2] [--max-completion-length 32]

Each side runs as its own process, alternating (A B A B ...) so drift in machine load hits both; the step time
is the Trainer's own `train_runtime / max_steps` (model loading and data building excluded). Both sides use the
quickstart recipe's GRPO config with a shorter completion length (a 2-core CPU generates slowly; the overhead being
measured is per step, not per token). Prints the ratio of medians (the goal is <= 1.03), the ratio of the fastest
runs, and each side's spread: on a shared 2-core machine a run-to-run spread of 3-5% is normal.
"""

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNTIME = re.compile(r"'train_runtime': '?([0-9.]+)")


def timed(cmd: list[str]) -> float:
    out = subprocess.run(cmd, check=False, cwd=ROOT, capture_output=True, text=True)
    found = RUNTIME.findall(out.stdout + out.stderr)
    if out.returncode or not found:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr[-3000:]}")
    return float(found[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--max-completion-length", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    from grpo_math.data import build_dataset
    from grpo_math.model import resolve_model_path
    from grpo_math.recipe import load_recipe
    from grpo_math.trl_config import build_trl_config

    overrides = [f"trainer.max_steps={args.steps}", f"trainer.max_completion_length={args.max_completion_length}",
                 "trainer.report_to=none", "eval.datasets=[]", "~warm_start"]  # fmt: skip
    recipe = load_recipe(["recipe=quickstart", *overrides])  # GRPO from the base model on both sides
    model_dir = resolve_model_path(recipe.model.name_or_path)
    config = build_trl_config(recipe)
    shared = {k: getattr(config, k) for k in recipe.trainer if k not in ("output_dir", "max_steps", "report_to")}
    shared = {k: v.value if hasattr(v, "value") else v for k, v in shared.items()}
    tmp = Path(tempfile.mkdtemp(prefix="grpo-overhead-"))
    data = tmp / "rows.jsonl"
    build_dataset(recipe.data).select_columns(["prompt", "answer"]).to_json(data)

    ours_cmd = [sys.executable, "launch/grpo.py", "recipe=quickstart", *overrides, f"trainer.output_dir={tmp}/ours"]
    peer_cmd = [sys.executable, "benchmarks/plain_trl_grpo.py", model_dir, str(data), f"{tmp}/peer", str(args.steps)]
    # bf16 as our side resolved it: TRL defaults bf16=True, which a plain script on a CPU must turn off by hand, and
    # bf16 autocast on a CPU (one with AMX) needs use_cpu, or transformers refuses it without a GPU
    peer_cmd.append(json.dumps({**shared, "report_to": "none", "bf16": config.bf16, "use_cpu": config.use_cpu}))
    ours, peer = [], []
    for i in range(args.repeats):
        ours.append(timed(ours_cmd) / args.steps)
        peer.append(timed(peer_cmd) / args.steps)
        print(f"repeat {i + 1}: grpo-math {ours[-1]:.2f} s/step, plain TRL {peer[-1]:.2f} s/step", flush=True)
    ratio = statistics.median(ours) / statistics.median(peer)
    print(
        f"step time, median of {args.repeats}: grpo-math {statistics.median(ours):.2f} s, plain TRL "
        f"{statistics.median(peer):.2f} s -> ratio {ratio:.3f} (goal <= 1.03)"
    )
    # The fastest run of each side: machine noise only ever adds time, so this ratio is the least noisy one.
    print(
        f"step time, fastest of {args.repeats}: grpo-math {min(ours):.2f} s, plain TRL {min(peer):.2f} s -> ratio "
        f"{min(ours) / min(peer):.3f}; spread of runs: grpo-math {max(ours) / min(ours) - 1:.1%}, plain TRL "
        f"{max(peer) / min(peer) - 1:.1%}"
    )


if __name__ == "__main__":
    main()

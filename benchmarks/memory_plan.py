"""The memory plan against a measured peak: GRPO steps of a random-weight Llama on this CPU, their peak resident
memory beside the plan's estimate for the same recipe, launch and prompt lengths (the plan's CPU mode: fp32 weights,
no CUDA context). Activation checkpointing off and on, so both activation estimates meet a measurement.

    python benchmarks/memory_plan.py [--hidden 512] [--layers 8] [--batch 32] [--completion 128] [--steps 2]

Each case is its own process. Measured: the process's peak resident set (VmHWM, reset just before the run) minus its
resident set then, so imports, the tokenizer and Python are not counted and everything the run adds is: weights,
the optimizer, gradients, activations, the KV cache, the allocator's own slack. TRL's forward (each group's prompt
read in full: GRPO_MATH_SHARED_PROMPTS=0) is the one a GPU runs. The random model never stops early: every
completion has the full length, the plan's worst case.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GiB = 2**30


def status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def build_model(out: Path, hidden: int, layers: int) -> None:
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from grpo_math.embedded import EMBEDDED_MODELS, _gguf_path

    path = _gguf_path(*EMBEDDED_MODELS["smollm2-135m"])
    tok = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    tok.pad_token = tok.pad_token or tok.eos_token
    config = LlamaConfig(
        hidden_size=hidden, intermediate_size=3 * hidden, num_hidden_layers=layers, num_attention_heads=8,
        num_key_value_heads=4, vocab_size=len(tok), tie_word_embeddings=True, bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
    )  # fmt: skip
    LlamaForCausalLM(config).save_pretrained(out)
    tok.save_pretrained(out)


def measure(args) -> dict:
    """One case, in this process: plan it, then run it and read the peak."""
    from grpo_math.interrupt import Interruption
    from grpo_math.memory.estimate import estimate, peak
    from grpo_math.memory.knobs import knobs_for
    from grpo_math.memory.launch import Launch
    from grpo_math.memory.shape import model_shape
    from grpo_math.model import model_config
    from grpo_math.plan import make_plan
    from grpo_math.preview import DryRunData
    from grpo_math.recipe import load_recipe
    from grpo_math.train import train

    recipe = load_recipe([
        "recipe=quickstart", "~warm_start", f"model.name_or_path={args.model}", "eval.datasets=[]",
        f"trainer.max_steps={args.steps}", f"trainer.per_device_train_batch_size={args.batch}",
        f"trainer.max_completion_length={args.completion}", "trainer.report_to=[]", "trainer.bf16=false",
        f"trainer.activation_checkpointing={str(args.checkpointing).lower()}", "trainer.save_strategy=no",
        f"trainer.output_dir={args.out}", "wandb.mode=disabled",
    ])  # fmt: skip
    plan = make_plan(recipe)
    data = DryRunData.load(recipe)
    shape = model_shape(model_config(args.model))
    knobs = knobs_for(recipe, plan.config, shape.model_type, Launch(), data.longest_prompt(), device="cpu")
    items = estimate(shape, knobs)
    before = status_kib("VmRSS") * 1024
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current resident set
    with Interruption() as interruption:
        train(plan, interruption)
    measured = status_kib("VmHWM") * 1024 - before
    return {
        "checkpointing": args.checkpointing, "estimate": peak(items), "measured": measured,
        "items": {i.name: i.bytes for i in items}, "prompt_tokens": knobs.prompt_tokens, "params": shape.params,
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--batch", type=int, default=32, help="per_device_train_batch_size (completions)")
    parser.add_argument("--completion", type=int, default=128)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--case", choices=["off", "on"], help=argparse.SUPPRESS)  # a child process's one case
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        from grpo_math.cpu_heap import keep_heap_when_training_on_cpu

        keep_heap_when_training_on_cpu()  # as launch/grpo.py does: the heap the product trains with
        args.checkpointing = args.case == "on"
        print("RESULT " + json.dumps(measure(args)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "model"
        build_model(model, args.hidden, args.layers)
        rows = []
        for case in ("off", "on"):
            cmd = [sys.executable, __file__, "--case", case, "--model", str(model), "--out", str(Path(tmp) / case),
                   "--batch", str(args.batch), "--completion", str(args.completion), "--steps", str(args.steps)]  # fmt: skip
            env = {**os.environ, "GRPO_MATH_SHARED_PROMPTS": "0", "WANDB_MODE": "disabled"}
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            result = next((line for line in done.stdout.splitlines() if line.startswith("RESULT ")), None)
            if done.returncode or result is None:
                print(done.stdout[-3000:], done.stderr[-3000:], file=sys.stderr)
                return 1
            rows.append(json.loads(result.removeprefix("RESULT ")))
    first = rows[0]
    print(f"random Llama, hidden {args.hidden}, {args.layers} layers: {first['params'] / 1e6:.1f}M parameters, fp32;"
          f" {args.batch} completions x ({first['prompt_tokens']} + {args.completion}) tokens per micro-batch,"
          f" {args.steps} GRPO steps")  # fmt: skip
    print(f"{'activation checkpointing':<26}{'plan (GiB)':>11}{'measured peak (GiB)':>21}{'plan / measured':>17}")
    for r in rows:
        print(f"{'on' if r['checkpointing'] else 'off':<26}{r['estimate'] / GiB:>11.2f}{r['measured'] / GiB:>21.2f}"
              f"{r['estimate'] / r['measured']:>17.2f}")  # fmt: skip
    for r in rows:
        parts = ", ".join(f"{k} {v / GiB:.2f}" for k, v in r["items"].items())
        print(f"  plan, checkpointing {'on' if r['checkpointing'] else 'off'} (GiB): {parts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

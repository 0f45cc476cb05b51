"""Issue 12's remaining CPU levers on the quickstart's batch: bf16 autocast, torch.compile, continuous batching,
inverse-CDF sampling.

    python benchmarks/cpu_levers.py [--model DIR] [--prompts 2] [--group 8] [--repeats 4] [--skip compile,...]

Each lever against its fp32 peer, measured in the same run, alternating, nothing else running:
  train    the GRPO training pass as the recipe runs it (grpo_math.shared_prompt_pass, TRL's fused LM head at the
           recipe's temperature, full fine-tuning): forward + backward, in fp32, under torch.autocast("cpu", bf16),
           and through torch.compile (inductor; its compile time printed apart). Each prints its median seconds, the
           ratio to fp32 and the mean and largest log-probability differences from fp32 over the real completion
           tokens (bf16 keeps 8 bits of mantissa).
  generate the quickstart's completions (max_completion_length new tokens, sampled): the model's `generate` in fp32
           (tokens drawn by torch.multinomial, as transformers does), in fp32 with each token drawn by inverse CDF
           (grpo_math.cpu_sampling, as the trainer does on a CPU; the bf16 sides draw with torch.multinomial), under
           bf16 autocast (one region around the call, as the trainer does: the bf16 copy of each weight is
           made once per call, not at every decode step), bf16 autocast entered per forward only (accelerate's
           wrapper without that region), bf16 with every weight frozen (a LoRA base), and transformers' continuous
           batching (`generate_batch`, TRL's
           use_transformers_continuous_batching); tokens per second and the ratio to fp32.
The CPU's bf16 support is printed first: without AMX, bf16 matrix products have no native instructions to run on.
"""

import argparse
import statistics
import time

from quickstart_batch import MODEL_HELP, quickstart_batch, sampled_rows

from grpo_math.cpu_sampling import tokens_by_inverse_cdf


def cpu_bf16_support() -> str:
    """What grpo_math.model.cpu_precision decides on (AMX), and avx512_bf16 beside it."""
    import torch

    from grpo_math.model import cpu_has_amx

    amx, avx512_bf16 = cpu_has_amx(), torch.cpu._is_avx512_bf16_supported()
    return f"AMX tiles: {'yes' if amx else 'no'}, avx512_bf16: {'yes' if avx512_bf16 else 'no'}"


def timed(fn, repeats: int, sides: dict) -> dict:
    """Median seconds of each side, alternating; the first round warms up and is left out."""
    times = {name: [] for name in sides}
    for repeat in range(repeats + 1):
        for name, side in sides.items():
            start = time.perf_counter()
            fn(name, side)
            if repeat:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(runs) for name, runs in times.items()}


def training_pass(args, recipe, model, tokenizer, prompts):
    import torch
    from trl.trainer.utils import add_fused_lm_head

    from grpo_math.shared_prompt_pass import completion_logps_sharing_prompts

    ids, mask, mask_c, keep = sampled_rows(recipe, model, tokenizer, prompts)
    add_fused_lm_head(model, temperature=recipe.trainer.temperature, outputs=("log_probs", "entropy"))
    model.train()
    advantages = torch.randn(ids.shape[0], 1, generator=torch.Generator().manual_seed(1))

    def run(m, precision):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            lp, _ = completion_logps_sharing_prompts(m, m, ids, mask, keep, True)
        (-(lp.float() * advantages * mask_c).sum() / mask_c.sum()).backward()
        return lp.detach().float() * mask_c

    sides = {"fp32": (model, "fp32"), "bf16 autocast": (model, "bf16")}
    if "compile" not in args.skip:
        compiled = torch.compile(model, dynamic=True)
        start = time.perf_counter()
        model.zero_grad(set_to_none=True)
        run(compiled, "fp32")
        print(f"  torch.compile (inductor, dynamic shapes): first call {time.perf_counter() - start:.1f} s")
        sides["compiled fp32"] = (compiled, "fp32")
    logps = {}

    def one(name, side):
        model.zero_grad(set_to_none=True)
        logps[name] = run(*side)

    medians = timed(one, args.repeats, sides)
    print(f"training pass, {ids.shape[0]} rows x {ids.shape[1]} tokens ({int(mask_c.sum())} real completion tokens):")
    for name, seconds in medians.items():
        diff = (logps[name] - logps["fp32"]).abs()[mask_c.bool()]
        print(f"  {name:>14}: {seconds:6.2f} s forward+backward, {medians['fp32'] / seconds:.2f}x fp32's speed, "
              f"log-prob difference from fp32: mean {diff.mean().item():.1e}, largest {diff.max().item():.1e}")  # fmt: skip


def generation(args, recipe, model, tokenizer, prompts):
    import torch

    new = recipe.trainer.max_completion_length
    sample = {
        "do_sample": True,
        "temperature": recipe.trainer.temperature,
        "top_k": 0,
        "top_p": 1.0,
        "max_new_tokens": new,
        "pad_token_id": tokenizer.pad_token_id,
        "eos_token_id": tokenizer.eos_token_id,
    }
    model.eval()
    tokens = {}

    def hf(precision, inverse_cdf=False):
        def go():
            with (
                torch.no_grad(),
                torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"),
                tokens_by_inverse_cdf(inverse_cdf),
            ):
                out = model.generate(**prompts, **sample)[:, prompts["input_ids"].shape[1] :]
            return int(((out != tokenizer.pad_token_id) | (out == tokenizer.eos_token_id)).sum())

        return go

    def per_forward():
        """bf16 autocast entered by each forward only, as accelerate's mixed-precision wrapper does: with no region
        around the call, autocast drops its bf16 weight copies after every decode step."""
        own = model.forward

        def forward(*args, **kwargs):
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return own(*args, **kwargs)

        model.forward = forward
        try:
            with torch.no_grad():
                out = model.generate(**prompts, **sample)[:, prompts["input_ids"].shape[1] :]
        finally:
            del model.forward
        return int(((out != tokenizer.pad_token_id) | (out == tokenizer.eos_token_id)).sum())

    def frozen():
        """bf16 in one region with every weight frozen, as a LoRA base is: autocast keeps bf16 copies only of weights
        that require grad, so frozen ones are cast again at every use."""
        for p in model.parameters():
            p.requires_grad_(False)
        try:
            return hf("bf16")()
        finally:
            for p in model.parameters():
                p.requires_grad_(True)

    sides = {"fp32 generate": hf("fp32"), "fp32 inverse CDF": hf("fp32", inverse_cdf=True), "bf16 autocast": hf("bf16"),
             "bf16 per forward": per_forward, "bf16 frozen weights": frozen}  # fmt: skip
    if "continuous" not in args.skip:
        from transformers import GenerationConfig

        rows = [ids[m.bool()].tolist() for ids, m in zip(prompts["input_ids"], prompts["attention_mask"])]
        config = GenerationConfig(**sample)

        def cb():
            with torch.no_grad():
                outputs = model.generate_batch(rows, generation_config=config, progress_bar=False)
            return sum(len(o.generated_tokens) for o in outputs.values())

        sides["continuous batching"] = cb

    def one(name, side):
        tokens[name] = side()

    torch.manual_seed(0)
    medians = timed(one, args.repeats, sides)
    print(f"generation, {prompts['input_ids'].shape[0]} completions x up to {new} new tokens:")
    fp32_rate = tokens["fp32 generate"] / medians["fp32 generate"]
    for name, seconds in medians.items():
        rate = tokens[name] / seconds
        print(f"  {name:>20}: {seconds:6.2f} s a call, {rate:6.1f} tokens/s, {rate / fp32_rate:.2f}x fp32's rate")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None, help=MODEL_HELP)
    parser.add_argument("--prompts", type=int, default=2)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--skip", default="", help="comma-separated: compile, continuous, train, generate")
    args = parser.parse_args()
    args.skip = set(filter(None, args.skip.split(",")))

    import torch

    recipe, path, tokenizer, model, prompts = quickstart_batch(args.model, args.prompts, args.group)
    print(f"{path}: {args.prompts} prompts x {args.group}, {torch.get_num_threads()} threads; {cpu_bf16_support()}")
    if "generate" not in args.skip:
        generation(args, recipe, model, tokenizer, prompts)
    if "train" not in args.skip:
        training_pass(args, recipe, model, tokenizer, prompts)


if __name__ == "__main__":
    main()

"""GRPO's training pass with each group's prompt read once (grpo_math.shared_prompt_pass) vs TRL's own.

    python benchmarks/shared_prompt_pass.py [--model DIR] [--prompts 2] [--group 8] [--lora 0] [--repeats 5]

The quickstart's batch: its recipe's problems, system prompt and chat template, 2 prompts x 8 completions sampled by
the model itself at the recipe's temperature (as GRPO samples them), TRL's fused LM head at that temperature, and
full fine-tuning as the recipe trains (--lora 16: LoRA r=16 on the attention and MLP projections). Each side runs the forward and
backward pass of a GRPO loss on the same rows, alternating, so drift in machine load hits both. Prints each side's
median seconds, the ratio, the tokens each side reads, and the largest log-probability difference (it should be
float rounding). Take figures only from an idle machine.
"""

import argparse
import contextlib
import statistics
import time
from types import SimpleNamespace

from quickstart_batch import MODEL_HELP, quickstart_batch, sampled_rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None, help=MODEL_HELP)
    parser.add_argument("--prompts", type=int, default=2)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--lora", type=int, default=0, help="LoRA rank; 0 = full fine-tuning")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    import torch
    from trl import GRPOTrainer
    from trl.trainer.utils import add_fused_lm_head

    from grpo_math.shared_prompt_pass import completion_logps_sharing_prompts

    recipe, path, tokenizer, model, prompts = quickstart_batch(args.model, args.prompts, args.group)
    ids, mask, completion_mask, keep = sampled_rows(recipe, model, tokenizer, prompts)

    add_fused_lm_head(model, temperature=recipe.trainer.temperature, outputs=("log_probs", "entropy"))
    if args.lora:
        from peft import LoraConfig, get_peft_model

        targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
        model = get_peft_model(model, LoraConfig(r=args.lora, lora_alpha=2 * args.lora, target_modules=targets))
    model.train()
    fake = SimpleNamespace(accelerator=SimpleNamespace(autocast=contextlib.nullcontext, is_main_process=True))
    trl_pass = GRPOTrainer._get_per_token_logps_and_entropies
    sides = {
        "trl": lambda: trl_pass(fake, model, ids, mask, keep, compute_entropy=True)[:2],
        "shared": lambda: completion_logps_sharing_prompts(model, model, ids, mask, keep, True),
    }
    advantages = torch.randn(ids.shape[0], 1, generator=torch.Generator().manual_seed(1))
    times, logps = {name: [] for name in sides}, {}
    prompt_tokens, completion_tokens = prompts["input_ids"].shape[1], keep
    print(f"{path}: {args.prompts} prompts x {args.group}, {prompt_tokens} prompt + {completion_tokens} completion "
          f"tokens (padded; {int(completion_mask.sum())} real completion tokens), "
          f"{'LoRA r=' + str(args.lora) if args.lora else 'full fine-tuning'}, {torch.get_num_threads()} threads")  # fmt: skip
    for repeat in range(args.repeats + 1):  # the first round warms up and is left out
        for name, forward in sides.items():
            model.zero_grad(set_to_none=True)
            start = time.perf_counter()
            lp, _ = forward()
            (-(lp * advantages * completion_mask).sum() / completion_mask.sum()).backward()
            if repeat:
                times[name].append(time.perf_counter() - start)
            logps[name] = lp.detach() * completion_mask
    trl, shared = (statistics.median(times[name]) for name in sides)
    read = {"trl": ids.shape[0] * ids.shape[1],
            "shared": args.prompts * (prompt_tokens - 1) + ids.shape[0] * completion_tokens}  # fmt: skip
    for name in sides:
        print(f"{name:>7}: median {statistics.median(times[name]):.2f} s forward+backward, {read[name]} token "
              f"positions (runs: {', '.join(f'{t:.2f}' for t in times[name])})")  # fmt: skip
    print(f"shared / trl: {shared / trl:.2f}x the time ({trl / shared:.2f}x faster); largest log-prob difference "
          f"{(logps['trl'] - logps['shared']).abs().max().item():.1e}")  # fmt: skip


if __name__ == "__main__":
    main()

"""GRPO's generate call with each group's prompt prefilled once (grpo_math.shared_prefill) vs transformers' own.

    python benchmarks/shared_prefill.py [--model DIR] [--prompts 4] [--group 8] [--new-tokens 32] [--repeats 5]

The quickstart's batch (its recipe's problems, system prompt and chat template, 4 prompts x 8 by default), sampled
at temperature 1.0 with the same seed on both sides, alternating plain and shared so drift in machine load hits
both. Prints each side's median seconds per call, the ratio, and whether both drew the same tokens (they should:
the same forward pass over the same tokens). Take figures only from an idle machine.
"""

import argparse
import statistics
import time

from quickstart_batch import MODEL_HELP, quickstart_batch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None, help=MODEL_HELP)
    parser.add_argument("--prompts", type=int, default=4)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    import torch
    from transformers import GenerationConfig

    from grpo_math.shared_prefill import generate_sharing_prompts

    _, path, tokenizer, model, batch = quickstart_batch(args.model, args.prompts, args.group)
    model.eval()
    # a fixed number of new tokens, so both sides do the same work whatever the model answers
    config = GenerationConfig(max_new_tokens=args.new_tokens, min_new_tokens=args.new_tokens, do_sample=True,
                              temperature=1.0, top_k=0, top_p=1.0, pad_token_id=tokenizer.pad_token_id)  # fmt: skip
    sides = {"plain": model.generate, "shared": generate_sharing_prompts(model, model.generate, args.group)}
    times, tokens = {name: [] for name in sides}, {}
    print(f"{path}: {args.prompts} prompts x {args.group}, {batch['input_ids'].shape[1]} prompt tokens (padded), "
          f"{args.new_tokens} new tokens, {torch.get_num_threads()} threads")  # fmt: skip
    for repeat in range(args.repeats + 1):  # the first round warms up and is left out
        for name, generate in sides.items():
            torch.manual_seed(repeat)
            start = time.perf_counter()
            with torch.no_grad():
                out = generate(**batch, generation_config=config)
            if repeat:
                times[name].append(time.perf_counter() - start)
            tokens[name] = out
    plain, shared = (statistics.median(times[name]) for name in sides)
    for name in sides:
        print(f"{name:>7}: median {statistics.median(times[name]):.2f} s a call  (runs: "
              f"{', '.join(f'{t:.2f}' for t in times[name])})")  # fmt: skip
    print(
        f"shared / plain: {shared / plain:.2f}x the time ({plain / shared:.2f}x faster); "
        f"same tokens drawn: {torch.equal(tokens['plain'], tokens['shared'])}"
    )


if __name__ == "__main__":
    main()

"""Problems/s of the batched evaluator vs a one-problem-at-a-time `generate` loop: same model, problems, settings.

    python benchmarks/eval.py [--problems 32] [--batch-size 32] [--max-new-tokens 96] [--data-dir ../shared/data]

Both sides are greedy with the same prompts (GSM8K test from --data-dir when it is there, else the offline
gsm_symbolic held-out split) and the same model (the recipe's, the embedded SmolLM2 by default). The peer is the
loop a user writes first: tokenize one prompt, generate, decode. Prints problems/s for each, the ratio, and how
many completions agree (left padding can move a float far enough to change a greedy token, rarely).
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def one_at_a_time(model, tokenizer, prompts: list[str], max_new_tokens: int) -> list[str]:
    import torch

    texts = []
    for prompt in prompts:
        inputs = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
        with torch.no_grad():
            out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tokenizer.pad_token_id)  # fmt: skip
        texts.append(tokenizer.decode(out[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True))
    return texts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipe", default="quickstart")
    parser.add_argument("--model", help="model.name_or_path (default: the recipe's)")
    parser.add_argument("--problems", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-new-tokens", type=int, default=96)
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    args = parser.parse_args()

    from grpo_math.evaluate.datasets import messages_for
    from grpo_math.evaluate.generate import generate_hf, load_eval_tokenizer, render_prompt
    from grpo_math.evaluate.runner import load_eval_problems
    from grpo_math.evaluate.scoring import score_dataset
    from grpo_math.model import load_policy, resolve_model_path
    from grpo_math.recipe import load_recipe

    dataset = "gsm8k" if (Path(args.data_dir) / "gsm8k" / "test.jsonl").is_file() else "gsm_symbolic"
    overrides = [f"eval.datasets=[{dataset}]", f"eval.limit={args.problems}"]
    overrides += [f"model.name_or_path={args.model}"] if args.model else []
    recipe = load_recipe([f"recipe={args.recipe}", *overrides, f"eval.data_dir={args.data_dir}"])
    ((style, problems, system),) = load_eval_problems(recipe).values()
    path = resolve_model_path(recipe.model.name_or_path)
    tokenizer = load_eval_tokenizer(recipe.model, path)
    model = load_policy(recipe.model, path).eval()
    prompts = [render_prompt(tokenizer, messages_for(p, style, system), path, style) for p in problems]
    print(f"{len(prompts)} {dataset} problems, {style} prompt, {args.max_new_tokens} new tokens, greedy, {path}")

    start = time.perf_counter()
    batched = generate_hf(model, tokenizer, prompts, max_new_tokens=args.max_new_tokens,
                          batch_size=args.batch_size, progress=False)  # fmt: skip
    batched_s = time.perf_counter() - start
    start = time.perf_counter()
    single = one_at_a_time(model, tokenizer, prompts, args.max_new_tokens)
    single_s = time.perf_counter() - start

    same = sum(b[0].text == s for b, s in zip(batched, single))
    acc = score_dataset(problems, batched, style)["accuracy"]
    print(f"batched (batch {args.batch_size}):  {len(prompts) / batched_s:7.3f} problems/s  ({batched_s:.1f}s)")
    print(f"one at a time:       {len(prompts) / single_s:7.3f} problems/s  ({single_s:.1f}s)")
    print(f"ratio batched / one-at-a-time: {single_s / batched_s:.2f}x")
    print(f"identical completions: {same}/{len(prompts)}; batched accuracy {100 * acc:.1f}%")


if __name__ == "__main__":
    main()

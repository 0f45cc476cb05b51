"""The verifier-only control for GRPO: rejection-sampling fine-tuning data (RFT / STaR) from a model's own samples.

    python benchmarks/rejection_sampling.py MODEL_DIR OUT.jsonl [--k 4] [--problems 400] [--offset 0] [--seed 5]

MODEL_DIR samples --k completions at temperature 1.0 for each of the quickstart's GRPO training problems (its recipe's
data, problems offset..offset+problems); the first completion per problem that is in the strict XML format and right
(the rewards' own checker; no worked solution is read) becomes a GSM8K-format row, so `launch/sft.py` learns it:

    python launch/sft.py recipe=quickstart_sft model.name_or_path=MODEL_DIR "~data.sources.basic_arithmetic" \\
        data.sources.gsm8k.path=OUT.jsonl trainer.output_dir=outputs/rft

Prints the sampling time, the problems kept and the share of right samples.
"""

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

XML = re.compile(r"\s*<reasoning>\n(.*?)\n</reasoning>\n<answer>\n(.*?)\n</answer>\s*", re.DOTALL)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("out")
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--problems", type=int, default=400)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from grpo_math.data import build_dataset
    from grpo_math.evaluate.generate import generate_hf
    from grpo_math.grading import answers_match, extract_answer
    from grpo_math.recipe import load_recipe

    size = args.offset + args.problems
    recipe = load_recipe(["recipe=quickstart", f"data.sources.basic_arithmetic.size={size}"])
    rows = build_dataset(recipe.data).select(range(args.offset, size))
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32).eval()
    prompts = [tokenizer.apply_chat_template(r["prompt"], add_generation_prompt=True, tokenize=False) for r in rows]
    start = time.perf_counter()
    samples = generate_hf(
        model, tokenizer, prompts, k=args.k, temperature=1.0, max_new_tokens=64, batch_size=25, seed=args.seed
    )
    print(f"sampled {len(rows)} problems x {args.k} in {time.perf_counter() - start:.0f} s")
    kept = right = 0
    with open(args.out, "w") as f:
        for row, group in zip(rows, samples, strict=True):
            good = [c for c in group if answers_match(extract_answer(c.text), str(row["answer"])) is True]
            right += len(good)
            formatted = next((m for c in good if (m := XML.fullmatch(c.text))), None)
            if formatted:
                f.write(
                    json.dumps({"question": row["question"], "answer": f"{formatted[1]}\n#### {row['answer']}"}) + "\n"
                )
                kept += 1
    print(f"kept {kept} of {len(rows)} problems; right samples {right} of {len(rows) * args.k} -> {args.out}")


if __name__ == "__main__":
    main()

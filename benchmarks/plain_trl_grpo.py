"""The peer for benchmarks/overhead.py: what a TRL user writes by hand, no grpo-math in the loop.

    python benchmarks/plain_trl_grpo.py MODEL_DIR DATA.jsonl OUTPUT_DIR MAX_STEPS

Same model, same rows, same GRPOConfig values as recipes/quickstart.yaml; rewards written inline the usual way.
"""

import re
import sys

import datasets
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import GRPOConfig, GRPOTrainer

FORMAT = re.compile(r"^<reasoning>\n.*?\n</reasoning>\n<answer>\n.*?\n</answer>\n?$", re.DOTALL)
ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)


def xml_format(completions, **kwargs):
    return [1.0 if FORMAT.match(c[0]["content"]) else 0.0 for c in completions]


def numeric_correctness(completions, answer, **kwargs):
    out = []
    for c, gold in zip(completions, answer):
        m = ANSWER.search(c[0]["content"])
        out.append(1.0 if m and m.group(1).strip().replace(",", "") == gold else 0.0)
    return out


def main(model_dir, data_path, output_dir, max_steps, **config_values):
    tokenizer = AutoTokenizer.from_pretrained(model_dir, padding_side="left")
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    dataset = datasets.load_dataset("json", data_files=data_path, split="train")
    args = GRPOConfig(output_dir=output_dir, max_steps=int(max_steps), **config_values)
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=[xml_format, numeric_correctness],
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
    )
    trainer.train()


if __name__ == "__main__":
    import json

    main(*sys.argv[1:5], **json.loads(sys.argv[5]))

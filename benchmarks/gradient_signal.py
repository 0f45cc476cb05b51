"""How much of an update is signal: GRPO's per-problem gradient against SFT's, on the same problems.

    python benchmarks/gradient_signal.py [--model DIR] [--problems 64] [--group 8] [--temperature 0.7]

For each of N of the quickstart's GRPO training problems, the gradient (every parameter, fp32) that one problem
contributes to an update:
- GRPO: a group of G completions sampled at the temperature, scored with the recipe's rewards; advantages
  (r - mean) / std within the group; loss -sum_i A_i sum_t log p_T(token) / (the group's completion tokens), with
  p_T the model's probabilities at the temperature. That is the gradient of TRL's loss at beta=0 on a batch's first
  pass (ratio 1; its DAPO normaliser is the batch's tokens). A group whose completions all scored the same gives 0.
- SFT: the cross-entropy of the problem's worked solution in the target format, per token (the cold start's data).

Kept as running sums only (S = sum of g_p, Q = sum of |g_p|^2), since N copies of 135M parameters do not fit:
(|S|^2 - Q) / (N (N - 1)), the mean dot product of two problems' gradients, estimates |mu|^2, the squared length of
the expected gradient, and Q / N - |mu|^2 the noise one problem adds. Their ratio is one problem's signal-to-noise
ratio; a batch of n problems has n times it, so 1 / ratio problems make an update whose signal equals its noise.
Adam moves every parameter about as far whatever its gradient's size, so in an update below that the noise moves
the model about as much as the signal does.
"""

import argparse
import math
import sys
import time

from quickstart_batch import MODEL_HELP, sampled_rows, warm_model_path  # importing it also puts the project on sys.path


def flat_grad(model):
    import torch

    return torch.cat([p.grad.reshape(-1) for p in model.parameters()])


def cosine(a, b) -> float:
    """In float64: over 135M entries float32 sums drift past 1."""
    a, b = a.double(), b.double()
    return float(a @ b / (a.norm() * b.norm()))


class Sums:
    """Running S and Q of per-problem gradients, and how many were zero (a group that scored alike)."""

    def __init__(self):
        self.s, self.q, self.n, self.zero = None, 0.0, 0, 0

    def add(self, g):
        self.s = g.clone() if self.s is None else self.s.add_(g)
        self.q += float(g.double().pow(2).sum())
        self.n += 1
        self.zero += int(not g.any())

    def signal_noise(self):
        """(|mu|^2, one problem's noise, their ratio)."""
        s2 = float(self.s.double().pow(2).sum())
        mu2 = (s2 - self.q) / (self.n * (self.n - 1))
        noise = self.q / self.n - mu2
        return mu2, noise, mu2 / noise if noise > 0 else float("nan")  # nan: every gradient was zero


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help=MODEL_HELP)
    parser.add_argument("--problems", type=int, default=64)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--offset", type=int, default=0, help="first training problem used")
    args = parser.parse_args()
    if args.problems < 2:
        parser.error("--problems must be at least 2: the signal is estimated from pairs of problems")

    import torch
    import torch.nn.functional as F
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from grpo_math.coldstart import build_sft_dataset
    from grpo_math.data.build import source_columns
    from grpo_math.grading import answers_match, extract_answer
    from grpo_math.recipe import load_recipe
    from grpo_math.reward_funcs import build_reward_funcs, run_settings

    # the recipe's own training draw (a smaller one has an easier mix), sampled at --temperature
    recipe = load_recipe(["recipe=quickstart", f"trainer.temperature={args.temperature}"])
    path = warm_model_path(recipe, args.model)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    rows = build_sft_dataset(recipe.data)  # GRPO's problems, each with its worked solution
    if args.offset + args.problems > len(rows):
        parser.error(f"--offset + --problems is over the recipe's {len(rows)} training problems")
    rows = rows.select(range(args.offset, args.offset + args.problems))
    funcs, weights = build_reward_funcs(recipe.rewards, source_columns(recipe.data), run_settings(recipe))

    def token_logps(ids, mask, start, temperature):
        logits = model(input_ids=ids, attention_mask=mask).logits[:, start - 1 : -1] / temperature
        return torch.gather(F.log_softmax(logits.float(), -1), 2, ids[:, start:, None])[..., 0]

    def prompt_ids(row):
        text = tokenizer.apply_chat_template(row["prompt"], add_generation_prompt=True, tokenize=False)
        return tokenizer(text, add_special_tokens=False, return_tensors="pt")["input_ids"]

    def sft_grad(row):
        prompt = prompt_ids(row)
        full = tokenizer.apply_chat_template(row["prompt"] + row["completion"], tokenize=False)
        ids = tokenizer(full, add_special_tokens=False, return_tensors="pt")["input_ids"]
        assert torch.equal(ids[:, : prompt.shape[1]], prompt), "the chat template must extend the prompt"
        model.zero_grad(set_to_none=False)
        (-token_logps(ids, torch.ones_like(ids), prompt.shape[1], 1.0).mean()).backward()
        return flat_grad(model)

    def grpo_grad(row):
        """(gradient, the share of the group's completions that are right)."""
        prompt = prompt_ids(row).repeat(args.group, 1)
        out, mask, cmask, length = sampled_rows(recipe, model, tokenizer, {"input_ids": prompt,
                                                                           "attention_mask": torch.ones_like(prompt)})  # fmt: skip
        texts = tokenizer.batch_decode(out[:, -length:] * cmask, skip_special_tokens=True)
        completions = [[{"role": "assistant", "content": t}] for t in texts]
        columns = {k: [row[k]] * args.group for k in ("answer",)}
        rewards = torch.zeros(args.group)
        for func, weight in zip(funcs, weights, strict=True):
            scores = func(prompts=[row["prompt"]] * args.group, completions=completions, **columns)
            rewards += weight * torch.tensor([0.0 if s is None else float(s) for s in scores])
        right = sum(answers_match(extract_answer(t), str(row["answer"])) is True for t in texts) / args.group
        model.zero_grad(set_to_none=False)
        std = rewards.std()
        if std < 1e-6:
            return flat_grad(model), right  # zeros: no gradient, as in TRL
        adv = (rewards - rewards.mean()) / (std + 1e-4)
        logps = token_logps(out, mask, prompt.shape[1], args.temperature)
        (-(adv[:, None] * logps * cmask).sum() / cmask.sum()).backward()
        return flat_grad(model), right

    grpo, sft = Sums(), Sums()
    aligned, correct = [], []
    start = time.perf_counter()
    for i, row in enumerate(rows):
        gs = sft_grad(row)
        gg, right = grpo_grad(row)
        sft.add(gs)
        grpo.add(gg)
        correct.append(right)
        if gg.any():
            aligned.append(cosine(gg, gs))
        if (i + 1) % 16 == 0:
            print(f"{i + 1}/{len(rows)} problems, {time.perf_counter() - start:.0f} s", flush=True)

    print(f"model: {path}; {len(rows)} problems; GRPO groups of {args.group} at temperature {args.temperature}")
    print(f"GRPO: sampled correctness {sum(correct) / len(correct):.3f}; {grpo.zero} of {grpo.n} groups scored alike")
    for name, sums in (("GRPO", grpo), ("SFT", sft)):
        mu2, noise, ratio = sums.signal_noise()
        need = 1 / ratio if ratio > 0 else math.inf
        print(f"{name}: |mean gradient|^2 {mu2:.3e}, one problem's noise {noise:.3e}, signal/noise per problem "
              f"{ratio:.4f}: {need:.0f} problems per update for signal = noise")  # fmt: skip
    cos = cosine(grpo.s, sft.s)
    mean_aligned = sum(aligned) / len(aligned) if aligned else float("nan")
    print(f"GRPO vs SFT: cosine of the summed gradients {cos:.4f}; per problem (groups with a gradient, "
          f"n={len(aligned)}) {mean_aligned:.4f}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())

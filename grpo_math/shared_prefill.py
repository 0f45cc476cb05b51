"""GRPO's transformers generation with each group's prompt read once.

TRL hands `generate` every prompt num_generations times, and transformers computes the prompt's keys and values for
each copy. On a CPU that prefill is a quarter of a generate call (SmolLM2-135M, 4 prompts x 8, 54 prompt and 32 new
tokens: 1.55 of 6.0 s). Here the first row of each group is run once, its cache copied to the group, and `generate`
continues from it: the same forward pass over the same tokens, so the same distribution (logits agree within float
rounding; the tests compare greedy tokens). `prompt_runs` and `prefilled_cache` serve the training pass too
(grpo_math.shared_prompt_pass).
"""

import contextlib

import torch


def grouped(input_ids: torch.Tensor, group: int) -> bool:
    """Are the rows consecutive groups of `group` identical prompts (as TRL lays them out)?"""
    rows = input_ids.shape[0]
    if group < 2 or rows % group:
        return False
    groups = input_ids.view(rows // group, group, -1)
    return bool((groups == groups[:, :1]).all())


def prompt_runs(prompt_ids: torch.Tensor, prompt_mask: torch.Tensor) -> list[int]:
    """Lengths of the runs of consecutive rows that hold the same prompt (a GRPO batch: runs of num_generations)."""
    same = ((prompt_ids[1:] == prompt_ids[:-1]) & (prompt_mask[1:] == prompt_mask[:-1])).all(-1).tolist()
    runs = [1]
    for continues in same:
        if continues:
            runs[-1] += 1
        else:
            runs.append(1)
    return runs


def prefilled_cache(model, prefix_ids, prefix_mask, runs: list[int], position_ids=None):
    """The KV cache of each run's prefix, computed once on the run's first row and copied to every row of the run
    (an index_select: differentiable, so a training pass's gradients from the copies flow back to the one pass)."""
    from transformers import DynamicCache

    device = prefix_ids.device
    firsts = torch.tensor([0, *runs[:-1]], device=device).cumsum(0)
    positions = {} if position_ids is None else {"position_ids": position_ids[firsts]}
    cache = DynamicCache(config=model.config)
    model(input_ids=prefix_ids[firsts], attention_mask=prefix_mask[firsts], past_key_values=cache, use_cache=True,
          logits_to_keep=1, **positions)  # fmt: skip
    cache.reorder_cache(
        torch.repeat_interleave(torch.arange(len(runs), device=device), torch.tensor(runs, device=device))
    )
    return cache


def generate_sharing_prompts(model, generate, group: int):
    """`generate` (the model's bound method) that prefills each group's prompt once when the batch is grouped, and
    falls back to plain `generate` for anything else (other inputs, a configured cache, a one-token prompt)."""

    def wrapped(input_ids=None, attention_mask=None, generation_config=None, **kwargs):
        plain = (
            kwargs
            or input_ids is None
            or attention_mask is None
            or input_ids.shape[1] < 2
            or getattr(generation_config, "cache_implementation", None) is not None
            or not grouped(input_ids, group)
        )
        if plain:
            return generate(input_ids=input_ids, attention_mask=attention_mask, generation_config=generation_config,
                            **kwargs)  # fmt: skip
        # All but the last prompt token: generate's first step then reads that token against the cache and samples.
        heads, head_mask = input_ids[:, :-1], attention_mask[:, :-1]
        positions = (head_mask.long().cumsum(-1) - 1).clamp(min=0)  # left padding, as generate numbers positions
        cache = prefilled_cache(model, heads, head_mask, [group] * (len(input_ids) // group), positions)
        return generate(input_ids=input_ids, attention_mask=attention_mask, generation_config=generation_config,
                        past_key_values=cache)  # fmt: skip

    return wrapped


@contextlib.contextmanager
def prompts_shared(model, group: int, share: bool):
    """Within the block, `model.generate` prefills each group's prompt once (no-op if not `share`)."""
    if not share:
        yield
        return
    model.generate = generate_sharing_prompts(model, model.generate, group)
    try:
        yield
    finally:
        del model.generate  # the instance attribute: the class's method shows through again

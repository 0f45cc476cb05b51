"""GRPO's training pass with each group's prompt read once.

TRL scores a batch of G completions per prompt as G rows of prompt + completion, so every forward and backward pass
re-reads each prompt G times, and on a CPU (no Triton) its fused LM head projects every prompt position onto the
vocabulary too, only to mask them out. Here the prompt, but for its last token, runs once per group with gradients
on; its keys and values are copied to the group's rows (a differentiable index, so each copy's gradient flows back
to the one pass), and the rows continue from the prompt's last token through their completions. The same positions,
the same masks, the same tokens scored: the log-probabilities agree with TRL's within float rounding (the tests
compare them and their gradients on four model families).
"""

from grpo_math.shared_prefill import prefilled_cache, prompt_runs

# Attention kernels this is tested with (a padded cache under a 2-D mask); others (flash, flex) take TRL's own pass.
CHECKED_ATTENTION = ("sdpa", "eager")


def completion_logps_sharing_prompts(prefix_model, model, input_ids, attention_mask, logits_to_keep: int,
                                     compute_entropy: bool):  # fmt: skip
    """(log-probabilities, entropies or None) of the last `logits_to_keep` tokens of each row, as TRL's
    _get_per_token_logps_and_entropies computes them; None when no two consecutive rows share a prompt, or the
    model's attention kernel is not one of CHECKED_ATTENTION.

    `prefix_model` runs the prompts (the bare model: a DDP wrapper is entered once per backward, by `model`);
    `model` is the one TRL fused its LM head into (`fused_lm_head=True`).
    """
    prompt_length = input_ids.shape[1] - logits_to_keep
    if prompt_length < 2 or getattr(prefix_model.config, "_attn_implementation", None) not in CHECKED_ATTENTION:
        return None
    runs = prompt_runs(input_ids[:, :prompt_length], attention_mask[:, :prompt_length])
    if len(runs) == input_ids.shape[0]:
        return None
    # Positions as TRL's own pass numbers them (from the cache, padding included), so nothing here moves a token.
    cache = prefilled_cache(
        prefix_model, input_ids[:, : prompt_length - 1], attention_mask[:, : prompt_length - 1], runs
    )
    completion = input_ids[:, prompt_length:]
    labels = completion.masked_fill(attention_mask[:, prompt_length:] == 0, -100)
    out = model(input_ids=input_ids[:, prompt_length - 1 : -1], attention_mask=attention_mask[:, :-1],
                past_key_values=cache, shift_labels=labels, fused_lm_head=True)  # fmt: skip
    return out.log_probs, (out.entropy if compute_entropy else None)

"""The batch GRPO trains on holds the right advantage beside each completion, and one optimizer step moves the policy
towards the completions that scored above their group's mean: for full fine-tuning and LoRA with merged generation,
with dynamic sampling's drops and refills joining batches in between. Held-out accuracy cannot see a misaligned
row or a flipped sign in a short CPU run; this can."""

import pytest
import torch
from trl.trainer.utils import selective_log_softmax  # TRL's own per-token log-probabilities

from grpo_math.recipe import load_recipe
from grpo_math.registry import register_reward


def _text(completion) -> str:
    return completion[-1]["content"] if isinstance(completion, list) else completion


@register_reward("length_mod_3", kind="shaping")
def length_mod_3(completions, **kwargs):
    """Depends only on the completion's text, so it can be recomputed from the trained batch's token ids."""
    return [float(len(_text(c)) % 3) for c in completions]


def _sequence_logps(model, batch, temperature: float) -> torch.Tensor:
    """Sum of each row's completion-token log-probabilities, at the sampling temperature (TRL's loss uses it)."""
    ids = torch.cat([batch["prompt_ids"], batch["completion_ids"]], dim=1)
    mask = torch.cat([batch["prompt_mask"], batch["completion_mask"]], dim=1)
    n = batch["completion_ids"].shape[1]
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask).logits[:, -n - 1 : -1].float() / temperature
    return (selective_log_softmax(logits, batch["completion_ids"]) * batch["completion_mask"]).sum(1)


@pytest.mark.parametrize("lora", [False, True], ids=["full", "lora"])
def test_one_step_raises_the_log_probability_of_completions_with_positive_advantage(
    tiny_model_dir, tmp_path, handed_batches, lora
):
    from transformers import AutoModelForCausalLM

    from grpo_math.train import run

    g = 4
    trainer = run(load_recipe([
        "recipe=quickstart", "~warm_start", f"model.name_or_path={tiny_model_dir}", f"trainer.output_dir={tmp_path}",
        "trainer.max_steps=1", "trainer.per_device_train_batch_size=16", f"trainer.num_generations={g}",
        "trainer.max_completion_length=8", "trainer.learning_rate=1e-4", "trainer.warmup_steps=0",
        "trainer.report_to=none", "data.sources.basic_arithmetic.size=40", "eval.datasets=[]", "~rewards",
        "rewards.length_mod_3.weight=1.0", "wandb.table_rows=0", "dynamic_sampling.max_refills=2",
        *(["model.lora.r=4"] if lora else []),
    ]))  # fmt: skip
    (batch,) = handed_batches  # the rows the step trained on, after drops and refills
    adv = batch["advantages"]
    assert sorted(adv.tolist()) == sorted(trainer._buffered_inputs[0]["advantages"].tolist())
    assert (adv != 0).any()

    # 1. every advantage belongs to its own row: recomputed from the row's tokens, group by group
    texts = [
        trainer.processing_class.decode(ids[m.bool()], skip_special_tokens=True)
        for ids, m in zip(batch["completion_ids"], batch["completion_mask"], strict=True)
    ]
    rewards = torch.tensor(length_mod_3(texts)).view(-1, g)
    centred = (rewards - rewards.mean(1, keepdim=True)).flatten()
    assert torch.equal(torch.sign(centred), torch.sign(adv)), (centred, adv)

    # 2. the step went the right way: sum_i A_i * (log p_after(row i) - log p_before(row i)) > 0
    before = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()  # LoRA starts as the base (B = 0)
    after = trainer.model.eval()
    temperature = trainer.args.temperature
    gain = (adv * (_sequence_logps(after, batch, temperature) - _sequence_logps(before, batch, temperature))).sum()
    assert gain > 0, gain

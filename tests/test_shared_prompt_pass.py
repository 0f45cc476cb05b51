"""The training pass with each group's prompt read once: TRL's log-probabilities, entropies and gradients, for every
family, with left-padded prompts, right-padded completions and groups of uneven size."""

import contextlib
import os
from types import SimpleNamespace

import pytest
import torch

from grpo_math.shared_prefill import prompt_runs
from grpo_math.shared_prompt_pass import completion_logps_sharing_prompts

QUESTIONS = ["What is 7 + 5?", "Calculate 83 - 91, then add 4 to the result.", "2 + 2?"]
GROUPS = [4, 1, 3]  # rows per prompt: a group of one is read on its own


def test_prompt_runs_counts_consecutive_rows_of_one_prompt():
    a, b = [0, 5, 6], [4, 5, 7]
    ones = torch.ones(3, dtype=torch.long)
    ids = torch.tensor([a, a, b, a, a, a])
    assert prompt_runs(ids, ones.expand(6, 3)) == [2, 1, 3]
    mask = ones.expand(6, 3).clone()
    mask[1, 0] = 0  # the same ids, padded differently: not the same prompt
    assert prompt_runs(ids, mask) == [1, 1, 1, 3]


def _batch(tokenizer, seed=0):
    """TRL's layout: left-padded prompts, right-padded completions (random tokens, random lengths)."""
    prompts = [tokenizer.apply_chat_template([{"role": "user", "content": q}], add_generation_prompt=True,
                                             tokenize=False) for q, n in zip(QUESTIONS, GROUPS) for _ in range(n)]  # fmt: skip
    p = tokenizer(prompts, add_special_tokens=False, padding=True, padding_side="left", return_tensors="pt")
    g = torch.Generator().manual_seed(seed)
    rows, length = len(prompts), 9
    completion = torch.randint(10, len(tokenizer), (rows, length), generator=g)
    lengths = torch.randint(3, length + 1, (rows,), generator=g)
    completion_mask = (torch.arange(length) < lengths[:, None]).long()
    completion = completion.masked_fill(completion_mask == 0, tokenizer.pad_token_id)
    ids = torch.cat([p["input_ids"], completion], 1)
    return ids, torch.cat([p["attention_mask"], completion_mask], 1), completion_mask


def _trl_pass(model, ids, mask, keep):
    from trl import GRPOTrainer

    fake = SimpleNamespace(accelerator=SimpleNamespace(autocast=contextlib.nullcontext, is_main_process=True))
    logps, entropies, _ = GRPOTrainer._get_per_token_logps_and_entropies(fake, model, ids, mask, keep,
                                                                         compute_entropy=True)  # fmt: skip
    return logps, entropies


@pytest.mark.parametrize("family", ["llama", "mistral", "qwen2", "gemma2"])
def test_the_same_log_probs_entropies_and_gradients_as_trl(family, family_model):
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl.trainer.utils import add_fused_lm_head

    path = family_model(family)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    add_fused_lm_head(model, temperature=0.7, outputs=("log_probs", "entropy"))
    ids, mask, completion_mask = _batch(tokenizer)
    keep = completion_mask.shape[1]
    weights = torch.randn(completion_mask.shape, generator=torch.Generator().manual_seed(1))  # advantages, say
    rows = []
    hook = model.model.register_forward_pre_hook(lambda m, a, kw: rows.append(len(kw["input_ids"])), with_kwargs=True)

    results = {}
    for name, run in (("trl", lambda: _trl_pass(model, ids, mask, keep)),
                      ("shared", lambda: completion_logps_sharing_prompts(model, model, ids, mask, keep, True))):  # fmt: skip
        model.zero_grad()
        logps, entropies = run()
        (logps * weights * completion_mask).sum().backward()
        grads = {n: p.grad.clone() for n, p in model.named_parameters()}
        results[name] = (logps * completion_mask, entropies * completion_mask, grads)
    hook.remove()

    assert rows == [8, 3, 8]  # TRL: every row; shared: one row per prompt, then every row's completion
    (a_logps, a_ent, a_grads), (b_logps, b_ent, b_grads) = results["trl"], results["shared"]
    torch.testing.assert_close(b_logps, a_logps, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(b_ent, a_ent, atol=1e-5, rtol=1e-5)
    assert a_logps.abs().sum() > 0 and (a_ent > 0).any()  # something was scored
    for name, grad in a_grads.items():
        torch.testing.assert_close(b_grads[name], grad, atol=1e-5, rtol=1e-4, msg=name)


def test_rows_that_share_no_prompt_are_left_to_trl():
    model = SimpleNamespace(config=SimpleNamespace(_attn_implementation="sdpa"))  # never called: no forward runs
    ids = torch.tensor([[1, 2, 3, 4], [5, 6, 7, 8]])
    assert completion_logps_sharing_prompts(model, model, ids, torch.ones_like(ids), 2, True) is None
    same = torch.tensor([[1, 2, 3, 4], [1, 2, 5, 6]])
    assert (
        completion_logps_sharing_prompts(model, model, same, torch.ones_like(same), 3, True) is None
    )  # 1-token prompt
    shared = torch.tensor([[1, 2, 3, 4], [1, 2, 5, 6]])
    model.config._attn_implementation = "flash_attention_2"  # not checked with a padded cache: TRL's own pass
    assert completion_logps_sharing_prompts(model, model, shared, torch.ones_like(shared), 2, True) is None


@pytest.mark.parametrize(
    "extra",
    [
        [],
        ["model.lora.r=8"],
        ["trainer.beta=0.04"],
        ["model.lora.r=8", "trainer.beta=0.04"],
        ["trainer.num_iterations=2"],
        ["trainer.activation_checkpointing=true"],
        ["GRPO_MATH_SHARED_PROMPTS=0"],
    ],
    ids=["full", "lora", "kl_reference", "kl_adapter_off", "reused_batch", "checkpointed", "switched_off"],
)
def test_a_grpo_run_trains_with_each_prompt_read_once(tiny_model_dir, tmp_path, monkeypatch, extra):
    from grpo_math import grpo_math_trainer, shared_prefill
    from grpo_math.recipe import load_recipe
    from grpo_math.train import run

    shared, original = [], grpo_math_trainer.completion_logps_sharing_prompts
    prefilled, grouped = [], shared_prefill.grouped

    def spy(*args):
        shared.append(original(*args) is not None)
        return original(*args)

    monkeypatch.setattr(grpo_math_trainer, "completion_logps_sharing_prompts", spy)
    monkeypatch.setattr(
        shared_prefill, "grouped", lambda ids, group: prefilled.append(grouped(ids, group)) or prefilled[-1]
    )
    if "GRPO_MATH_SHARED_PROMPTS=0" in extra:
        monkeypatch.setenv("GRPO_MATH_SHARED_PROMPTS", "0")
        extra = []
    trainer = run(load_recipe(["recipe=quickstart", "~warm_start", f"model.name_or_path={tiny_model_dir}", *extra,
                               f"trainer.output_dir={tmp_path}", "trainer.max_steps=2",
                               "trainer.per_device_train_batch_size=8", "trainer.num_generations=4",
                               "trainer.max_completion_length=6", "trainer.report_to=none",
                               "data.sources.basic_arithmetic.size=8", "eval.datasets=[]", "wandb.table_rows=0"]))  # fmt: skip
    if "trainer.activation_checkpointing=true" in extra:
        assert shared == []  # recomputing a layer would append its keys to the shared cache a second time
    elif os.environ.get("GRPO_MATH_SHARED_PROMPTS") == "0":
        assert shared == [] and prefilled == []  # neither the training pass nor generation shares: TRL's own way
    else:
        assert shared and all(shared) and prefilled and all(prefilled)
    assert all(torch.isfinite(torch.tensor(e["loss"])) for e in trainer.state.log_history if "loss" in e)

"""Each group's prompt prefilled once: the same tokens and scores as transformers' own generate, for every family."""

import pytest
import torch

from grpo_math.shared_prefill import generate_sharing_prompts, grouped, prompts_shared

QUESTIONS = ["What is 7 + 5?", "Calculate 83 - 91, then add 4 to the result.", "2 + 2?"]


def test_a_batch_is_grouped_only_when_each_run_of_rows_is_one_prompt():
    a, b = [0, 5, 6], [4, 5, 7]
    assert grouped(torch.tensor([a, a, b, b]), 2)
    assert not grouped(torch.tensor([a, b, a, b]), 2)
    assert not grouped(torch.tensor([a, a, a]), 2)  # rows not a multiple of the group
    assert not grouped(torch.tensor([a, a]), 1)


def _batch(tokenizer, group):
    prompts = [tokenizer.apply_chat_template([{"role": "user", "content": q}], add_generation_prompt=True,
                                             tokenize=False) for q in QUESTIONS for _ in range(group)]  # fmt: skip
    return tokenizer(prompts, add_special_tokens=False, padding=True, padding_side="left", return_tensors="pt")


@pytest.mark.parametrize("family", ["llama", "mistral", "qwen2", "gemma2"])
def test_sharing_the_prompt_changes_no_token_and_no_score(family, family_model):
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    path = family_model(family)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    batch = _batch(tokenizer, group=4)  # three prompts of different lengths: left padding is exercised
    config = GenerationConfig(max_new_tokens=12, min_new_tokens=12, do_sample=False, output_scores=True,
                              return_dict_in_generate=True, pad_token_id=tokenizer.pad_token_id)  # fmt: skip
    calls = []  # rows of each forward pass; a hook, so generate still sees forward's own signature

    with torch.no_grad():
        plain = model.generate(**batch, generation_config=config)
        hook = model.register_forward_pre_hook(lambda m, args, kw: calls.append(len(kw["input_ids"])), with_kwargs=True)
        shared = generate_sharing_prompts(model, model.generate, group=4)(**batch, generation_config=config)
        hook.remove()
    assert calls[0] == 3 and calls[1] == 12  # the prefill ran on one row per group, generation on all rows
    assert torch.equal(plain.sequences, shared.sequences)
    for a, b in zip(plain.scores, shared.scores, strict=True):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)


def test_sampling_draws_the_same_completions_with_the_same_seed(tiny_model_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32).eval()
    batch = _batch(tokenizer, group=8)
    config = GenerationConfig(max_new_tokens=10, do_sample=True, temperature=1.0, top_k=0, top_p=1.0,
                              pad_token_id=tokenizer.pad_token_id)  # fmt: skip
    with torch.no_grad():
        torch.manual_seed(3)
        plain = model.generate(**batch, generation_config=config)
        torch.manual_seed(3)
        with prompts_shared(model, 8, share=True):
            shared = model.generate(**batch, generation_config=config)
    assert torch.equal(plain, shared)
    assert "generate" not in vars(model)  # the class's method is back after the block
    assert len({tuple(row) for row in plain[:8, -10:].tolist()}) > 1  # a group's samples differ: sampling ran


def test_other_batches_go_to_generate_unchanged():
    seen = []

    def generate(**kwargs):
        seen.append(kwargs)
        return "plain"

    class Model:
        config = None

    wrapped = generate_sharing_prompts(Model(), generate, group=2)
    ids, mask = torch.tensor([[1, 2], [3, 4]]), torch.ones(2, 2)
    assert wrapped(input_ids=ids, attention_mask=mask, generation_config=None) == "plain"  # two different prompts
    assert wrapped(input_ids=ids[:1].repeat(2, 1), attention_mask=mask, generation_config=None,
                   pixel_values=torch.zeros(1)) == "plain"  # fmt: skip
    assert all("past_key_values" not in kwargs for kwargs in seen) and len(seen) == 2


@pytest.mark.parametrize("lora", [[], ["model.lora.r=8"]], ids=["full", "lora"])
def test_a_grpo_run_generates_with_each_prompt_read_once(tiny_model_dir, tmp_path, monkeypatch, lora):
    from grpo_math import shared_prefill
    from grpo_math.recipe import load_recipe
    from grpo_math.train import run

    seen, original = [], shared_prefill.grouped
    monkeypatch.setattr(shared_prefill, "grouped", lambda ids, group: seen.append(original(ids, group)) or seen[-1])
    run(load_recipe(["recipe=quickstart", "~warm_start", f"model.name_or_path={tiny_model_dir}", *lora,
                     f"trainer.output_dir={tmp_path}", "trainer.max_steps=1", "trainer.per_device_train_batch_size=8",
                     "trainer.num_generations=4", "trainer.max_completion_length=6", "trainer.report_to=none",
                     "data.sources.basic_arithmetic.size=8", "eval.datasets=[]", "wandb.table_rows=0"]))  # fmt: skip
    assert seen == [True]

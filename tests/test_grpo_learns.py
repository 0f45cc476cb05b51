"""GRPO follows the reward, through every path of ours that changes the loss or the batch.

A tiny random-weight model whose first answer token is TARGET about 10% of the time, and a reward that is 1 exactly
when the completion starts with TARGET: nothing but learning can raise it. Through GRPOMathTrainer (inverse-CDF
sampling and each group's prompt prefilled once in generation, as on every CPU run), the mean reward must climb from
about 0.1 to >= 0.9 (three logged steps in a row) within STEPS steps on TRL's own training pass, on the shared-prompt pass, with dynamic sampling's
dropped and refilled groups, with LoRA (its adapters merged for generation) and with num_iterations=2 (the buffer
replayed, so the importance ratio is no longer 1). A flipped advantage sign, a misaligned row or a broken loss
normaliser in any of them drives the reward down or leaves it near 0.1, and the test fails (see the note of
`test_each_path_raises_the_reward_to_0_9`). Seconds per path.
"""

import pytest
import torch

from grpo_math.recipe import load_recipe
from grpo_math.registry import register_reward

TARGET = 44  # '<': an ordinary token, moved by the fixture to where the model puts ~10% of its first-token mass
STEPS = 20
LM_HEAD_SCALE = 27.0  # sharpens the random head until its likeliest first token holds ~10% (measured: 0.09-0.11)


@register_reward("starts_with_target", kind="shaping")
def starts_with_target(completions, completion_ids, **kwargs):
    """1.0 when the completion's first token is TARGET, else 0.0."""
    return [float(len(ids) > 0 and ids[0] == TARGET) for ids in completion_ids]


def _first_token_probs(model, tokenizer, questions) -> torch.Tensor:
    rows = []
    for q in questions:
        chat = [{"role": "system", "content": "Answer in XML."}, {"role": "user", "content": q}]
        ids = tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=True, return_dict=True)
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([list(ids["input_ids"])])).logits[0, -1]
        rows.append(torch.softmax(logits.float(), -1))
    return torch.stack(rows)


@pytest.fixture(scope="module")
def target_model_dir(tmp_path_factory, embedded_tokenizer, tiny_llama):
    """A 2-layer Llama with an untied head, sharpened, and its likeliest first answer token swapped onto TARGET."""
    from conftest import saved

    model = tiny_llama(tie_word_embeddings=False).eval()
    questions = [f"What is {a} + {b}?" for a, b in [(3, 4), (12, 55), (9, 81), (40, 2), (77, 13)]]
    head = model.lm_head.weight
    with torch.no_grad():
        head.mul_(LM_HEAD_SCALE)
        likeliest = int(_first_token_probs(model, embedded_tokenizer, questions).mean(0).argmax())
        head[[likeliest, TARGET]] = head[[TARGET, likeliest]]
    share = _first_token_probs(model, embedded_tokenizer, questions)[:, TARGET]
    assert ((share > 0.05) & (share < 0.2)).all(), share  # rare enough to learn, common enough to be sampled
    return saved(model, embedded_tokenizer, tmp_path_factory.mktemp("target-llama"))


PATHS = {
    "trl_pass": ["GRPO_MATH_SHARED_PROMPTS=0"],  # TRL's own _get_per_token_logps_and_entropies
    "shared_prompt_pass": [],  # grpo_math.shared_prompt_pass (the default)
    "dynamic_sampling": ["dynamic_sampling.max_refills=2"],  # groups that scored alike dropped, batches joined
    "lora": ["model.lora.r=8", "trainer.learning_rate=5e-3"],  # adapters only; merged while generating
    "num_iterations": ["trainer.num_iterations=2"],  # each batch trained twice, the second time off-policy
}


@pytest.mark.parametrize("path", list(PATHS))
def test_each_path_raises_the_reward_to_0_9(target_model_dir, tmp_path, monkeypatch, path):
    """Checked to fail with the advantage's sign flipped (`out["advantages"] = -out["advantages"]` after TRL's
    _generate_and_score_completions in GRPOMathTrainer): all five failed, the reward 0.25 at step 1, then 0.0."""
    import grpo_math.grpo_math_trainer as trainer_module
    from grpo_math.train import run

    switches = [o for o in PATHS[path] if o.startswith("GRPO_MATH_")]
    overrides = [o for o in PATHS[path] if o not in switches]
    for switch in switches:
        monkeypatch.setenv(*switch.split("=", 1))
    shared_passes = []
    sharing = trainer_module.completion_logps_sharing_prompts
    monkeypatch.setattr(trainer_module, "completion_logps_sharing_prompts",
                        lambda *a, **k: shared_passes.append(1) or sharing(*a, **k))  # fmt: skip

    trainer = run(load_recipe([
        "recipe=quickstart", "~warm_start", f"model.name_or_path={target_model_dir}", f"trainer.output_dir={tmp_path}",
        f"trainer.max_steps={STEPS}", "trainer.per_device_train_batch_size=32", "trainer.num_generations=8",
        "trainer.max_completion_length=2", "trainer.learning_rate=3e-3", "trainer.warmup_steps=0",
        "trainer.lr_scheduler_type=constant", "trainer.temperature=1.0", "trainer.bf16=false",
        "trainer.report_to=none", "trainer.save_strategy=no", "trainer.logging_steps=1",
        "data.sources.basic_arithmetic.size=64", "eval.datasets=[]", "~rewards", "rewards.starts_with_target.weight=1.0",
        "wandb.table_rows=0", *overrides,
    ]))  # fmt: skip

    logs = [h for h in trainer.state.log_history if "reward" in h]
    rewards = [h["reward"] for h in logs]
    assert rewards[0] < 0.4, rewards  # the start: TARGET is rare (0.1 on the fixture's prompts, 0.25 on the run's)
    # learnt: three logged steps in a row average 0.9 or more (one lucky batch is not enough); once the policy is
    # near 1.0, a group with one miss gives that miss a large negative advantage, so later steps may wobble
    best = max(sum(rewards[i : i + 3]) / 3 for i in range(len(rewards) - 2))
    assert best >= 0.9, rewards
    # the path under test is the one that ran
    assert bool(shared_passes) == (path != "trl_pass"), len(shared_passes)
    assert ("dynamic_sampling/batch_fill" in logs[0]) == (path == "dynamic_sampling")
    assert (type(trainer.model).__name__ == "PeftModelForCausalLM") == (path == "lora")
    assert trainer.args.num_iterations == (2 if path == "num_iterations" else 1)

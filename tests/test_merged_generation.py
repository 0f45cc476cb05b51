"""LoRA adapters are merged into the weights while transformers generates, and given back exactly after."""

import torch
from peft import LoraConfig, get_peft_model
from peft.tuners.tuners_utils import BaseTunerLayer
from transformers import LlamaConfig, LlamaForCausalLM

from grpo_math.grpo_math_trainer import adapters_merged
from grpo_math.recipe import load_recipe


def _lora_model(dtype=torch.float32):
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)  # fmt: skip
    base = LlamaForCausalLM(config).to(dtype)
    # init_lora_weights=False: B is random, so the adapter changes the output (a fresh LoRA's B is zero)
    return get_peft_model(base, LoraConfig(r=4, target_modules="all-linear", init_lora_weights=False))


def test_merged_adapters_give_the_same_logits_and_the_weights_come_back():
    model = _lora_model().eval()
    ids = torch.randint(0, 64, (2, 9))
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    with torch.no_grad():
        unmerged = model(input_ids=ids).logits
        for _ in range(50):  # a run merges once per generation call
            with adapters_merged(model, True):
                assert all(m.merged for m in model.modules() if isinstance(m, BaseTunerLayer))
                merged = model(input_ids=ids).logits
    torch.testing.assert_close(merged, unmerged, atol=1e-5, rtol=1e-5)
    assert not any(m.merged for m in model.modules() if isinstance(m, BaseTunerLayer))
    for name, p in model.named_parameters():
        torch.testing.assert_close(p, before[name], atol=1e-6, rtol=1e-6)


def test_without_merge_nothing_changes():
    model = _lora_model()
    with adapters_merged(model, False):
        assert not any(m.merged for m in model.modules() if isinstance(m, BaseTunerLayer))


def test_a_lora_grpo_run_generates_merged_and_trains_unmerged(tiny_model_dir, tmp_path, monkeypatch):
    from grpo_math.grpo_math_trainer import GRPOMathTrainer
    from grpo_math.train import run

    seen = []
    original = GRPOMathTrainer._generate

    def spy(self, prompts):
        seen.append(self._merge_for_generation())
        return original(self, prompts)

    monkeypatch.setattr(GRPOMathTrainer, "_generate", spy)
    trainer = run(load_recipe([
        "recipe=quickstart", "~warm_start", f"model.name_or_path={tiny_model_dir}", f"trainer.output_dir={tmp_path}",
        "model.lora.r=4", "trainer.max_steps=2", "trainer.per_device_train_batch_size=8", "trainer.num_generations=4",
        "trainer.max_completion_length=6", "trainer.report_to=none", "data.sources.basic_arithmetic.size=16",
        "eval.datasets=[]", "wandb.table_rows=0",
    ]))  # fmt: skip
    assert seen and all(seen)
    assert not any(m.merged for m in trainer.model.modules() if isinstance(m, BaseTunerLayer))


def test_merging_only_where_unmerging_gives_the_weights_back():
    from types import SimpleNamespace

    from grpo_math.grpo_math_trainer import GRPOMathTrainer

    def merges(**setup):
        trainer = SimpleNamespace(
            **{"use_vllm": False, "is_deepspeed_enabled": False, "is_fsdp_enabled": False, **setup}
        )
        trainer._whole_weights_here = lambda: GRPOMathTrainer._whole_weights_here(trainer)
        return GRPOMathTrainer._merge_for_generation(trainer)

    assert merges(model=_lora_model())
    assert not merges(model=_lora_model(torch.bfloat16))  # a bf16 round trip would drift the base weights
    assert not merges(model=_lora_model().get_base_model())  # no adapters
    assert not merges(model=_lora_model(), use_vllm=True)  # vLLM's weight sync merges for itself
    assert not merges(model=_lora_model(), is_fsdp_enabled=True)  # sharded weights

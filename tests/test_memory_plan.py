"""The dry run's GPU memory plan: parameter counts from configs alone against the published ones, model states
against the ZeRO paper's figures, the launch read from accelerate, activations' levers, the verdict and the report.
Its estimate against a measured peak is benchmarks/memory_plan.py (minutes; not a test)."""

import json
from dataclasses import replace
from pathlib import Path

import pytest

from grpo_math.memory.estimate import activations, estimate, model_states, peak
from grpo_math.memory.knobs import Knobs
from grpo_math.memory.launch import Launch, launch_from_env, launch_from_file
from grpo_math.memory.report import GiB, parse_gpu_memory, plan_report
from grpo_math.memory.shape import ModelShape, model_shape

ROOT = Path(__file__).resolve().parent.parent
QWEN05B = {"hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
               "num_key_value_heads": 2, "vocab_size": 151936, "tie_word_embeddings": True}  # fmt: skip


def qwen05b():
    from transformers import Qwen2Config

    return Qwen2Config(**QWEN05B)


def knobs(**changes) -> Knobs:
    base = Knobs(device="cuda", weight_bytes=2, compute_bytes=2, optimizer="adamw_torch", beta=0.0, micro_batch=16,
                 generation_batch=64, prompt_tokens=256, completion_tokens=200, checkpointing=True, attention="sdpa",
                 vllm="off")  # fmt: skip
    return replace(base, **changes)


@pytest.mark.parametrize(
    "family, config, published",
    [
        ("qwen2", QWEN05B, 494_032_768),  # Qwen2.5-0.5B: "0.49B"
        ("qwen2", {"hidden_size": 3584, "intermediate_size": 18944, "num_hidden_layers": 28, "num_attention_heads": 28,
                       "num_key_value_heads": 4, "vocab_size": 152064, "tie_word_embeddings": False}, 7_615_616_512),  # Qwen2.5-7B
        ("llama", {"hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32, "num_attention_heads": 32,
                       "num_key_value_heads": 32, "vocab_size": 32000, "tie_word_embeddings": False}, 6_738_415_616),  # Llama-2-7b
    ],
)  # fmt: skip
def test_parameters_are_counted_from_the_config_alone_as_published(family, config, published):
    from transformers import AutoConfig

    shape = model_shape(AutoConfig.for_model(family, **config))
    assert shape.params == published
    assert shape.layers == config["num_hidden_layers"]


def test_lora_counts_r_times_in_plus_out_on_every_linear_but_the_head():
    shape = model_shape(qwen05b())
    h, kv, i = 896, 128, 4864  # kv: 2 heads of 64
    per_layer = (h + h) + (h + kv) * 2 + (h + h) + (h + i) * 2 + (i + h)
    assert shape.lora_params(16, "all-linear") == 16 * 24 * per_layer
    assert shape.lora_params(8, ["q_proj", "v_proj"]) == 8 * 24 * ((h + h) + (h + kv))


def _states(shape, sharding, n):
    return sum(i.bytes for i in model_states(shape, knobs(launch=Launch(n, sharding))) if i.name != "gathered layers")


def test_model_states_match_the_zero_papers_figure_1():
    """Rajbhandari et al. 2020, Figure 1: a 7.5B model, mixed-precision Adam, 64 GPUs: 31.4 / 16.6 / 1.9 GB per GPU
    with optimizer / + gradient / + parameter partitioning (2 + 2 + 12 bytes per parameter, 120 GB unpartitioned)."""
    shape = ModelShape("gpt", 7_500_000_000, 0, 0, (), 1, 1, 1, 1, 1, 1, 1)
    assert _states(shape, "zero1", 1) / 1e9 == pytest.approx(120, abs=0.05)
    assert _states(shape, "zero1", 64) / 1e9 == pytest.approx(31.4, abs=0.05)
    assert _states(shape, "zero2", 64) / 1e9 == pytest.approx(16.6, abs=0.05)
    assert _states(shape, "zero3", 64) / 1e9 == pytest.approx(1.9, abs=0.05)


def test_a_plain_bf16_run_keeps_adamw_states_in_bf16_and_ddp_adds_its_gradient_buckets():
    shape = ModelShape("x", 1_000_000_000, 0, 0, (), 1, 1, 1, 1, 1, 1, 1)
    assert _states(shape, "none", 1) == 8e9  # weights 2 + gradients 2 + two bf16 states 4
    assert _states(shape, "none", 8) == 10e9
    eight_bit = sum(i.bytes for i in model_states(shape, knobs(optimizer="adamw_8bit")))
    assert eight_bit == 6e9
    fsdp = sum(i.bytes for i in model_states(shape, knobs(launch=Launch(8, "fsdp"))) if i.name != "gathered layers")
    assert fsdp == 16e9 / 8  # accelerate's FSDP keeps fp32 shards under mixed precision


def test_qlora_keeps_the_linears_in_4_bits_and_trains_fp32_adapters():
    shape = model_shape(qwen05b())
    full = sum(i.bytes for i in model_states(shape, knobs()))
    lora = sum(i.bytes for i in model_states(shape, knobs(lora_r=16)))
    qlora = sum(i.bytes for i in model_states(shape, knobs(lora_r=16, qlora=True)))
    adapters = shape.lora_params(16, "all-linear") * 16
    assert lora == pytest.approx(shape.params * 2 + adapters)
    assert qlora == pytest.approx(
        shape.linear_params * 0.516 + (shape.params - shape.linear_params) * 2 + adapters, rel=1e-3
    )
    assert qlora < lora < full


def test_checkpointing_and_smaller_micro_batches_lower_activations_and_eager_attention_grows_with_length():
    shape = model_shape(qwen05b())
    on, off = activations(shape, knobs(), True), activations(shape, knobs(), False)
    assert on < off / 3
    assert activations(shape, knobs(micro_batch=8), False) < 0.6 * off
    eager = activations(shape, knobs(attention="eager"), False) - off
    eager_long = activations(shape, knobs(attention="eager", completion_tokens=712), False) - activations(
        shape, knobs(completion_tokens=712), False
    )
    assert eager > 0 and eager_long > 3 * eager  # the attention probabilities: quadratic in length
    assert activations(shape, knobs(attention="flash_attention_2"), False) < off  # grouped k/v not repeated


def test_vllm_share_is_a_fraction_of_the_gpu_and_sleep_mode_moves_it_out_of_training():
    shape = model_shape(qwen05b())
    awake = estimate(shape, knobs(vllm="colocate", vllm_share=0.3))
    asleep = estimate(shape, knobs(vllm="colocate", vllm_share=0.3, vllm_sleep=True))
    gpu = 80 * GiB
    assert peak(awake, gpu) - peak(awake) == pytest.approx(0.3 * gpu)
    assert peak(asleep, gpu) < peak(awake, gpu)
    assert not any("KV cache" in i.name for i in awake)  # vLLM samples: no transformers cache


def test_the_shipped_accelerate_configs_and_accelerate_launch_environment_are_read():
    configs = ROOT / "launch" / "accelerate"
    assert launch_from_file(configs / "ddp.yaml") == Launch(8, "none", source="ddp.yaml")
    assert launch_from_file(configs / "zero2.yaml").sharding == "zero2"
    assert launch_from_file(configs / "zero3.yaml").sharding == "zero3"
    assert launch_from_file(configs / "fsdp.yaml").sharding == "fsdp"
    env = {"WORLD_SIZE": "4", "ACCELERATE_USE_DEEPSPEED": "true", "ACCELERATE_DEEPSPEED_ZERO_STAGE": "3",
           "ACCELERATE_DEEPSPEED_OFFLOAD_OPTIMIZER_DEVICE": "cpu"}  # fmt: skip
    launch = launch_from_env(env)
    assert (launch.processes, launch.sharding, launch.offload_optimizer) == (4, "zero3", True)
    assert launch_from_env({"WORLD_SIZE": "2", "ACCELERATE_USE_FSDP": "true"}).sharding == "fsdp"
    assert launch_from_env({}) == Launch()


def test_an_unplannable_accelerate_config_is_one_line(tmp_path):
    from grpo_math.errors import RecipeError

    (tmp_path / "xla.yaml").write_text("distributed_type: XLA\nnum_processes: 8\n")
    with pytest.raises(RecipeError, match="distributed_type XLA has no memory plan"):
        launch_from_file(tmp_path / "xla.yaml")


@pytest.mark.parametrize("text, gib", [("80GB", 80), ("80GiB", 80), ("24g", 24), ("40960MiB", 40), ("141", 141)])
def test_gpu_memory_is_read_as_gpus_are_sold(text, gib):
    assert parse_gpu_memory(text) == gib * GiB


def test_the_report_gives_a_verdict_and_the_levers_that_make_it_fit():
    shape = model_shape(qwen05b())
    tight = knobs(checkpointing=False, micro_batch=64, beta=0.04, vllm="colocate", vllm_share=0.3)
    small = plan_report(shape, tight, "Qwen2.5-0.5B", 24 * GiB, "--gpu-memory 24GB")
    assert "DOES NOT FIT" in small
    levers = [line for line in small.splitlines() if line.startswith("  lever:")]
    assert levers and "activation_checkpointing=true" in levers[0]  # the largest saving first
    big = plan_report(shape, tight, "Qwen2.5-0.5B", 141 * GiB, "--gpu-memory 141GB")
    assert ": fits" in big
    unnamed = plan_report(shape, tight, "Qwen2.5-0.5B", None, "")
    assert "+ 30% of the GPU for vLLM" in unnamed and "--gpu-memory 80GB" in unnamed


def test_a_dry_run_of_a_hub_recipe_plans_from_a_cached_config_alone(tmp_path, monkeypatch, capsys):
    """qwen05b_gsm8k with only Qwen2.5-0.5B's config.json in the Hugging Face cache (no weights, no tokenizer)."""
    from grpo_math.cli import guarded, train_main

    snapshot = tmp_path / "models--Qwen--Qwen2.5-0.5B-Instruct" / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text(
        json.dumps({"model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"], **QWEN05B})
    )
    (tmp_path / "models--Qwen--Qwen2.5-0.5B-Instruct" / "refs").mkdir()
    (tmp_path / "models--Qwen--Qwen2.5-0.5B-Instruct" / "refs" / "main").write_text("0" * 40)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    import huggingface_hub.constants as hub

    monkeypatch.setattr(hub, "HF_HUB_CACHE", str(tmp_path))
    argv = ["recipe=qwen05b_gsm8k", "--dry-run", "--gpu-memory", "80GB", "--accelerate-config",
            str(ROOT / "launch/accelerate/zero2.yaml")]  # fmt: skip
    assert guarded(train_main, argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    plan = out[out.index("memory plan per GPU") :]
    assert "494M parameters, 24 layers" in plan and "8 processes, ZeRO-2 (zero2.yaml)" in plan
    assert "reference model" in plan and "gpu_memory_utilization=0.3" in plan
    assert "prompt length: 256 tokens (data.max_prompt_length)" in plan
    assert "of 80.0 GiB (--gpu-memory 80GB): fits" in plan


def test_the_quickstart_dry_run_prints_its_plan(tiny_model_dir, capsys):
    from grpo_math.cli import guarded, train_main

    assert (
        guarded(train_main, ["recipe=quickstart", "~warm_start", f"model.name_or_path={tiny_model_dir}", "--dry-run"])
        == 0
    )
    out = capsys.readouterr().out
    assert "memory plan per GPU" in out
    assert "the longest of the first 2000 training prompts, tokenized" in out
    assert "name the GPU for a verdict: --gpu-memory 80GB" in out

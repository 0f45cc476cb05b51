"""The accelerate configs load and resolve in accelerate's own config class; the Slurm script parses and has what
preemption needs. (Running them needs GPUs; what was run where is in the README.)"""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = sorted((ROOT / "launch" / "accelerate").glob("*.yaml"))
EXPECTED = {  # file -> (distributed_type, what it shards)
    "ddp.yaml": ("MULTI_GPU", None),
    "zero2.yaml": ("DEEPSPEED", ("deepspeed_config", "zero_stage", 2)),
    "zero3.yaml": ("DEEPSPEED", ("deepspeed_config", "zero_stage", 3)),
    "fsdp.yaml": ("FSDP", ("fsdp_config", "fsdp_version", 2)),
}


def test_every_config_is_tested():
    assert sorted(p.name for p in CONFIGS) == sorted(EXPECTED)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_accelerate_config_loads_and_resolves(path):
    from accelerate.commands.config.config_args import ClusterConfig

    config = ClusterConfig.from_yaml_file(path)  # accelerate's own reader: unknown keys are errors there
    kind, shard = EXPECTED[path.name]
    assert config.distributed_type.value == kind
    assert config.num_processes == 8 and config.num_machines == 1 and config.mixed_precision == "bf16"
    if shard:
        section, key, value = shard
        assert getattr(config, section)[key] == value
    first = path.read_text().splitlines()[0]
    assert (
        first == f"# accelerate launch --config_file launch/accelerate/{path.name} launch/grpo.py recipe=qwen05b_gsm8k"
    )


def test_slurm_script_parses_and_is_ready_for_preemption():
    script = ROOT / "launch" / "slurm" / "grpo_vllm_server.sbatch"
    subprocess.run(["bash", "-n", str(script)], check=True)  # syntax
    text = script.read_text()
    assert "#SBATCH --signal=TERM@" in text  # time to checkpoint before the limit
    assert "exec accelerate launch" in text  # the signal reaches the launcher, not a shell that ignores it
    (out,) = [line.split("=", 1)[1] for line in text.splitlines() if line.startswith("#SBATCH --output=")]
    assert (ROOT / Path(out).parent).is_dir()  # Slurm opens the log before the script runs: the dir must exist

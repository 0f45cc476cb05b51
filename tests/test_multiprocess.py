"""Two processes on a CPU train one model together: `accelerate launch --cpu` and a plain `torchrun` alike.

Each run is 2 GRPO steps of the tiny model; a driver script records, on every rank, a digest of the weights it
ends with. About 15-20 s per launch on 2 cores.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

DRIVER = """
import hashlib, os, sys
sys.path.insert(0, {root!r})
from grpo_math.recipe import load_recipe
from grpo_math.train import run

trainer = run(load_recipe(sys.argv[1:]))
model = trainer.accelerator.unwrap_model(trainer.model)
digest = hashlib.sha256()
for name, tensor in sorted(model.state_dict().items()):
    digest.update(name.encode()); digest.update(tensor.detach().float().cpu().numpy().tobytes())
rank = trainer.accelerator.process_index
open(os.path.join(trainer.args.output_dir, f"weights_rank{{rank}}.sha256"), "w").write(digest.hexdigest())
"""


def args(model_dir, out):
    return [
        "recipe=quickstart", "~warm_start", f"model.name_or_path={model_dir}", f"trainer.output_dir={out}",
        "trainer.max_steps=2", "trainer.per_device_train_batch_size=4", "trainer.num_generations=4",
        "trainer.max_completion_length=8", "trainer.learning_rate=1e-2", "trainer.report_to=[wandb]",
        "wandb.mode=offline", "eval.datasets=[basic_arithmetic]", "eval.limit=4", "eval.max_new_tokens=4",
        "data.sources.basic_arithmetic.size=16",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "launcher",
    [
        # --multi_gpu is accelerate's torchrun path, CPU or not; `--cpu --num_processes 2` starts ONE process
        # (accelerate's multi-CPU launch needs MPI and a hostfile): README says so.
        ["-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
         "--mixed_precision", "no", "--dynamo_backend", "no"],
        ["-m", "torch.distributed.run", "--nproc_per_node", "2"],  # no use_cpu given: set, not two copies
    ],
    ids=["accelerate", "torchrun"],
)  # fmt: skip
def test_two_cpu_processes_train_one_model(tiny_model_dir, tmp_path, launcher):
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER.format(root=str(ROOT)))
    out = tmp_path / "out"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "WANDB_MODE": "offline", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, *launcher, str(driver), *args(tiny_model_dir, out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "parallel_mode != ParallelMode.DISTRIBUTED" not in done.stderr  # not two independent copies
    assert done.stdout.count("preflight:") == 1  # one main process reports
    digests = {p.read_text() for p in out.glob("weights_rank*.sha256")}
    assert len(list(out.glob("weights_rank*.sha256"))) == 2 and len(digests) == 1  # identical weights on both ranks
    assert len(list((out / "wandb").glob("offline-run-*"))) == 1  # one W&B run
    assert (out / "README.md").is_file() and (out / "model.safetensors").is_file()  # one model card, one model
    assert sorted(p.name for p in (out / "eval").glob("step_*.json")) == ["step_0.json", "step_2.json"]

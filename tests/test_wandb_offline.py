"""A tiny GRPO run with W&B unreachable: it falls back to offline, trains in bounded time, and the files W&B and
TensorBoard wrote are read back and checked.

One 2-step training (tiny model, 8 completions per step) is shared by the tests in this module. W&B is asked
for online, with a bogus key, against a closed localhost port: no network is ever reached.
"""

import json
import math
import socket
import struct
import time

import pytest

from grpo_math.callbacks.completion_table import TABLE_KEY
from grpo_math.callbacks.timing import PHASES
from grpo_math.evaluate.callback import SAMPLE_COLUMNS, SAMPLES_KEY
from grpo_math.plots import PNG_NAME
from grpo_math.recipe import load_recipe
from grpo_math.train import run

STEPS = 2
INIT_TIMEOUT = 3
TINY = [
    f"trainer.max_steps={STEPS}",
    "trainer.per_device_train_batch_size=4",
    "trainer.num_generations=4",
    "trainer.gradient_accumulation_steps=2",  # two micro-steps: the split has a forward_backward to add up
    "trainer.max_completion_length=8",
    "trainer.logging_steps=1",
    "trainer.report_to=[wandb,tensorboard]",
    "data.sources.basic_arithmetic.size=8",
    "data.sources.gsm_symbolic.size=4",
    "eval.datasets=[basic_arithmetic]",
    "eval.limit=3",
    "eval.max_new_tokens=4",
    "wandb.mode=online",  # beats conftest's WANDB_MODE=disabled: the recipe decides
    "wandb.table_rows=6",
    "wandb.tags=[test]",
]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


@pytest.fixture(scope="module")
def trained(tiny_model_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("wandb-run")
    recipe = load_recipe(
        ["recipe=quickstart", f"model.name_or_path={tiny_model_dir}", f"trainer.output_dir={out}", *TINY]
    )
    if recipe.get("warm_start") is not None:
        recipe.warm_start = None
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WANDB_API_KEY", "bogus" * 8)
        env.setenv("WANDB_BASE_URL", f"http://127.0.0.1:{closed_port()}")
        env.setenv("WANDB_INIT_TIMEOUT", str(INIT_TIMEOUT))
        start = time.monotonic()
        trainer = run(recipe)
        elapsed = time.monotonic() - start
    (run_dir,) = (out / "wandb").glob("offline-run-*")  # the online start failed; the offline fallback logged
    return trainer, out, run_dir, elapsed


def test_unreachable_wandb_costs_a_bounded_wait(trained):
    trainer, _, _, elapsed = trained
    assert trainer.state.global_step == STEPS
    assert "wandb" in trainer.args.report_to  # still logging, offline
    assert elapsed < INIT_TIMEOUT + 90  # the wait is bounded; the rest is the tiny training on a loaded CPU


def wandb_records(path):
    """Records of a .wandb file: W&B's leveldb-style log (7-byte header; 32 KiB blocks of crc/len/type chunks)."""
    from wandb.proto import wandb_internal_pb2 as pb

    data, pos, buf = path.read_bytes(), 7, b""
    assert data[:4] == b":W&B"
    while pos + 7 <= len(data):
        if 32768 - pos % 32768 < 7:  # a block's tail too short for a chunk header is padding
            pos += 32768 - pos % 32768
            continue
        _, length, kind = struct.unpack("<IHB", data[pos : pos + 7])
        buf, pos = buf + data[pos + 7 : pos + 7 + length], pos + 7 + length
        if kind in (1, 4):  # FULL or LAST chunk: a whole record
            record = pb.Record()
            record.ParseFromString(buf)
            buf = b""
            yield record


def history(run_dir) -> list[dict]:
    (path,) = run_dir.glob("run-*.wandb")
    rows = []
    for r in wandb_records(path):
        if r.WhichOneof("record_type") == "history":
            rows.append({i.key or "/".join(i.nested_key): json.loads(i.value_json) for i in r.history.item})
    return rows


def steps_of(rows, key):
    return {int(r["train/global_step"]): r[key] for r in rows if key in r}


def test_metrics_per_step(trained):
    trainer, _, run_dir, _ = trained
    rows = history(run_dir)
    for key in trainer.reward_func_names:  # per-reward metrics under the recipe's keys
        for stat in ("mean", "std"):
            values = steps_of(rows, f"train/rewards/{key}/{stat}")
            assert sorted(values) == list(range(1, STEPS + 1)) and all(0.0 <= v <= 1.0 for v in values.values())
    for key in ("train/frac_reward_zero_std", "train/batch/format_rate", "train/batch/accuracy",
                "train/completions/clipped_ratio", "train/loss", "alarms/reward_hacking"):  # fmt: skip
        assert sorted(steps_of(rows, key)) == list(range(1, STEPS + 1)), key
        assert all(0.0 <= v <= 1.0 for v in steps_of(rows, key).values() if key != "train/loss")


def test_timing_split_adds_up(trained):
    _, _, run_dir, _ = trained
    rows = [r for r in history(run_dir) if "train/timing/step_s" in r]
    assert [r["train/global_step"] for r in rows] == list(range(1, STEPS + 1))
    for r in rows:
        parts = [r[f"train/timing/{p}_s"] for p in PHASES]
        assert all(p >= 0 for p in parts) and r["train/timing/generation_s"] > 0
        assert math.isclose(sum(parts), r["train/timing/step_s"], rel_tol=1e-6)
        assert r["train/timing/generation_tokens_per_s"] > 0 and r["train/timing/train_tokens_per_s"] > 0


def test_one_completion_table_per_logged_step(trained):
    trainer, _, run_dir, _ = trained
    logged = [r for r in history(run_dir) if f"{TABLE_KEY}/path" in r]
    assert [r["train/global_step"] for r in logged] == list(range(1, STEPS + 1))
    columns = ["step", "question", "completion", "gold", "correct", "formatted",
               *trainer.reward_func_names, "total", "advantage"]  # fmt: skip
    for r in logged:
        table = json.loads((run_dir / "files" / r[f"{TABLE_KEY}/path"]).read_text())  # this step's increment only
        assert table["columns"] == columns
        assert len(table["data"]) == 6  # wandb.table_rows
        for row in map(dict, (zip(columns, d, strict=True) for d in table["data"])):
            assert row["step"] == r["train/global_step"] and row["question"] and row["gold"]
            assert row["correct"] in (True, False) and isinstance(row["completion"], str)


def test_each_evaluation_logs_its_completions_as_a_table(trained):
    _, out, run_dir, _ = trained
    key = SAMPLES_KEY.format("basic_arithmetic")
    logged = [r for r in history(run_dir) if f"{key}/path" in r]
    assert [r["train/global_step"] for r in logged] == [0, STEPS]  # before training and at the end
    assert sorted(steps_of(history(run_dir), "eval/basic_arithmetic/accuracy")) == [0, STEPS]  # the curve beside
    for r in logged:
        table = json.loads((run_dir / "files" / r[f"{key}/path"]).read_text())
        assert table["columns"] == SAMPLE_COLUMNS and len(table["data"]) == 3  # eval.limit problems, k=1
        written = [json.loads(line) for line in (out / "eval" / f"step_{r['train/global_step']}.samples.jsonl")
                   .read_text().splitlines()]  # fmt: skip
        for row, record in zip(table["data"], written, strict=True):
            assert row == [r["train/global_step"], record["question"], record["gold"], record["completions"][0],
                           record["answers"][0], record["correct"][0], record["strict_correct"][0]]  # fmt: skip


def test_run_config_is_the_resolved_recipe(trained):
    _, out, run_dir, _ = trained
    (path,) = run_dir.glob("run-*.wandb")
    (run_record,) = [r.run for r in wandb_records(path) if r.WhichOneof("record_type") == "run"]
    config = {i.key: json.loads(i.value_json) for i in run_record.config.update}
    recipe = config["recipe"]
    assert recipe["trainer"]["output_dir"] == str(out) and recipe["wandb"]["table_rows"] == 6
    assert list(run_record.tags) == ["test"]


def test_tensorboard_and_png_without_wandb(trained):
    _, out, _, _ = trained
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    (events,) = out.rglob("events.out.tfevents.*")
    scalars = EventAccumulator(str(events.parent)).Reload().Tags()["scalars"]
    assert {"train/timing/generation_s", "train/batch/accuracy", "train/rewards/xml_format/mean"} <= set(scalars)
    assert (out / PNG_NAME).read_bytes()[:4] == b"\x89PNG"

"""The reference systems as recipes (shared/references 000, 001, 003, 004): each dry-runs with its card's values,
each adapter reads its dataset's real schema, and each recipe runs for real, 2 steps, on a tiny random-weight model
of its family (Gemma-2, Mistral, Llama, Qwen2) with fixture files in place of the hub: SFT, GRPO and evaluation."""

import pytest
import reference_fixtures as fx
from omegaconf import OmegaConf

from grpo_math.data.adapters import get_adapter
from grpo_math.errors import RecipeError
from grpo_math.recipe import load_recipe

CARD_VALUES = {  # recipe -> lines its dry run must print (the card's values, as TRL 1.x / peft spell them)
    "gemma2_9b_orca_sft": ["name_or_path: google/gemma-2-9b", "learning_rate: 0.0002", "optim: adamw_8bit",
                           "per_device_train_batch_size: 4", "gradient_accumulation_steps: 4", "num_train_epochs: 1",
                           "examples per optimizer step: 16", "training examples:         200035",
                           "orca_math:", "weights trained:           LoRA r=16"],
    "gemma2_9b_mathqa": ["name_or_path: google/gemma-2-9b", "learning_rate: 0.0002", "optim: adamw_8bit",
                         "num_train_epochs: 3", "examples per optimizer step: 16", "training examples:         29837",
                         "- mathqa", "prompt: mathqa", "starts from:               SFT recipe gemma2_9b_orca_sft"],
    "gemma2_9b_mathqa_grpo": ["multiple_choice x1", "- mathqa", "warm start:                SFT recipe gemma2_9b_mathqa",
                              "weights trained:           LoRA r=16"],
    "mistral7b_mathinstruct": ["name_or_path: mistralai/Mistral-7B-v0.1", "math_instruct:", "size: 5000",
                               "cot_only: true", "prompt: alpaca", "training examples:         5000",
                               "weights trained:           LoRA r=16"],
    "metamath_llemma7b": ["name_or_path: EleutherAI/llemma_7b", "metamathqa:", "prompt: metamath",
                          "learning_rate: 2.0e-05", "num_train_epochs: 3", "warmup_steps: 0.03",
                          "lr_scheduler_type: cosine", "weights trained:           all (full fine-tuning)",
                          "- gsm8k", "- math500", "training examples:         395000"],
    "math_boxed": ["hendrycks_math:", "prompt: boxed", "numeric_correctness x1", "- math500",
                   "training prompts:          7500"],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CARD_VALUES))
def test_dry_run_prints_the_card_values(name, capsys):
    from grpo_math.sft import run as run_sft
    from grpo_math.train import run as run_grpo

    recipe = load_recipe([f"recipe={name}"])
    (run_sft if recipe.task == "sft" else run_grpo)(recipe, dry_run=True)
    text = capsys.readouterr().out
    for line in CARD_VALUES[name]:
        assert line in text, f"{name}: {line!r} not in its dry run"


def test_the_metamath_prompt_is_the_cards_verbatim():
    from grpo_math.prompts import get_prompt_style

    user = get_prompt_style("metamath").messages("Q")[0]["content"]
    assert user == ("Below is an instruction that describes a task. Write a response that appropriately completes "
                    "the request.\n\n### Instruction:\nQ\n\n### Response: Let's think step by step.")  # fmt: skip


def _records(adapter: str, path: str, **source):
    src = OmegaConf.create({"adapter": adapter, "path": path, "split": "train", "size": None, "config": {}, **source})
    return list(get_adapter(adapter).records(src, 0))


def test_adapters_read_each_datasets_schema(tmp_path):
    files = fx.write_all(tmp_path)
    orca = _records("orca_math", files["orca_math"])
    assert orca[0] == {"question": fx.ORCA[0]["question"], "answer": "7", "solution": fx.ORCA[0]["answer"]}

    qa = _records("mathqa", files["mathqa"])
    # the rationale loses its quotes and its stated letter; options are written as every prompt shows them
    assert qa[0] == {"question": "the compound ratio of 5 : 6 , 3 : 2 and 6 : 5 ?", "answer": "d",
                     "options": "a) 1 : 1, b) 1 : 87, c) 1 : 6, d) 3 : 2, e) 1 : 2",
                     "solution": "5 / 6 * 3 / 2 * 6 / 5 = 3 / 2 3 : 2"}  # fmt: skip

    mi = _records("math_instruct", files["math_instruct"])
    assert [r["question"] for r in mi] == ["What is 6 times 7?", "Which is prime? (A) 4 (B) 7", "Solve x + 3 = 5."]
    assert (mi[0]["answer"], mi[0]["solution"]) == ("42", "6 times 7 is 42.")  # PoT row left out
    assert (mi[1]["answer"], mi[2]["answer"]) == ("B", "")  # no "The answer is": the whole output, no gold
    assert len(_records("math_instruct", files["math_instruct"], size=2)) == 2  # size counts CoT rows kept
    assert len(_records("math_instruct", files["math_instruct"], config={"cot_only": False})) == 4

    mm = _records("metamathqa", files["metamathqa"])
    assert mm[0] == {"question": fx.METAMATHQA[0]["query"], "answer": "5", "solution": "Ann has 3 + 2 = 5 pens."}
    assert len(_records("metamathqa", files["metamathqa"], config={"types": ["MATH_FOBAR"]})) == 2

    hm = _records("hendrycks_math", files["hendrycks_math"])
    assert [r["answer"] for r in hm] == ["\\frac{3}{4}", "5"] * 2
    assert len(_records("hendrycks_math", files["hendrycks_math"], config={"levels": [2]})) == 2


def test_metamath_completions_are_written_back_exactly(tmp_path):
    from grpo_math.prompts import get_prompt_style

    row = _records("metamathqa", fx.write_all(tmp_path)["metamathqa"])[1]
    completion = get_prompt_style("metamath").format_completion(row["solution"], row["answer"])
    assert completion == " " + fx.METAMATHQA[1]["response"]  # after "Let's think step by step."


@pytest.mark.parametrize(
    "adapter, rows, message",
    [
        ("mathqa", [{"Problem": "q", "options": "a ) 1 , b ) 2", "correct": "a"}], "expected options a-e"),
        ("mathqa", [{"Problem": "q", "options": fx.MATHQA[0]["options"]}], "lacks column(s) correct"),
        ("metamathqa", [{"query": "q"}], "lacks column(s) response"),
        ("hendrycks_math", [{"problem": "p", "solution": "x = 5"}], "has no \\boxed{} answer"),
        ("math_instruct", [{"instruction": "i", "output": "print(1)", "source": "data/PoT/x.json"}], "cot_only=false"),
        ("orca_math", [{"question": "q"}], "lacks column(s) answer"),
    ],
)
def test_bad_files_are_one_line_errors(tmp_path, adapter, rows, message):
    path = fx.write_jsonl(tmp_path / "bad.jsonl", rows)
    with pytest.raises(RecipeError, match=None) as e:
        _records(adapter, path)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_hub_ids_load_the_normal_way_and_fail_in_one_line_offline(monkeypatch):
    """Without a path, each adapter asks `datasets.load_dataset` for its hub id (offline here: one line, the fix)."""
    import datasets

    asked = []

    def fake_load(hub_id, config=None, split=None):
        asked.append((hub_id, config, split))
        raise ConnectionError("offline")

    monkeypatch.setattr(datasets, "load_dataset", fake_load)
    for name, hub_id in [("orca_math", "microsoft/orca-math-word-problems-200k"), ("mathqa", "regisss/math_qa"),
                         ("math_instruct", "TIGER-Lab/MathInstruct"), ("metamathqa", "meta-math/MetaMathQA"),
                         ("hendrycks_math", "EleutherAI/hendrycks_math")]:  # fmt: skip
        with pytest.raises(RecipeError, match=f"cannot load {hub_id} split 'train'.*data.sources.{name}.path"):
            _records(name, None)
    assert ("EleutherAI/hendrycks_math", "algebra", "train") in asked  # one config per subject


# --- each recipe, 2 steps on its family's tiny stand-in --------------------------------------------------------

TINY = ["trainer.max_steps=2", "trainer.report_to=none", "trainer.optim=adamw_torch", "trainer.save_strategy='no'",
        "trainer.gradient_accumulation_steps=1", "trainer.activation_checkpointing=false", "eval.limit=2",
        "eval.max_new_tokens=8", "eval.batch_size=2", "eval.every=null"]  # fmt: skip
TINY_SFT = [*TINY, "trainer.per_device_train_batch_size=2", "trainer.max_length=128", "trainer.num_train_epochs=1"]
TINY_GRPO = [*TINY, "trainer.per_device_train_batch_size=4", "trainer.num_generations=4", "trainer.use_vllm=false",
             "trainer.max_completion_length=8"]  # fmt: skip


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return fx.write_all(tmp_path_factory.mktemp("reference-data"))


def _recipe(name, model_dir, out, files, *extra):
    probe = load_recipe([f"recipe={name}"])
    tiny = TINY_SFT if probe.task == "sft" else TINY_GRPO
    return load_recipe([f"recipe={name}", f"model.name_or_path={model_dir}", f"trainer.output_dir={out}",
                        f"eval.data_dir={files['eval_dir']}", *tiny, *extra,
                        *[f"data.sources.{s}.path={files[s]}" for s in probe.data.sources]])  # fmt: skip


def _run(name, model_dir, out, files, *extra, recipe=None):
    from grpo_math.sft import run as run_sft
    from grpo_math.train import run as run_grpo

    recipe = recipe or _recipe(name, model_dir, out, files, *extra)
    trainer = (run_sft if recipe.task == "sft" else run_grpo)(recipe)
    assert trainer.state.global_step == 2
    return trainer


def _eval_n(out, dataset):
    """n of the run's last evaluation: SFT's eval_results.json, else GRPO's highest eval/step_<N>.json."""
    import json
    from pathlib import Path

    path = Path(out, "eval_results.json")
    if not path.exists():
        path = max(Path(out, "eval").glob("step_*.json"), key=lambda p: int(p.stem.split("_")[1]))
    report = json.loads(path.read_text())
    return report["datasets"][dataset]["n"]


def test_gemma2_mathqa_chain_runs_sft_sft_grpo(family_model, files, tmp_path, capsys, monkeypatch):
    """Stage 2 names stage 1 as its warm start and runs it first (here in this process), then GRPO on top."""
    import subprocess

    from grpo_math import cli

    def in_process(command, env, check):  # the warm start's SFT command, without a second interpreter
        assert command[1:4] == ["-m", "grpo_math.cli", "sft"] and "recipe=gemma2_9b_orca_sft" in command
        return subprocess.CompletedProcess(command, cli.main(command[3:]))

    monkeypatch.setattr(subprocess, "run", in_process)
    gemma = family_model("gemma2")
    stage2 = _recipe("gemma2_9b_mathqa", gemma, tmp_path / "mathqa", files)
    stage1 = _recipe("gemma2_9b_orca_sft", gemma, tmp_path / "orca", files)
    stage2.warm_start.overrides = [f"{k}={v}" for k, v in _flat(stage1, ("model.name_or_path", "trainer.",
                                                                       "data.sources.orca_math.path"))]  # fmt: skip
    mathqa = _run("gemma2_9b_mathqa", gemma, tmp_path / "mathqa", files, recipe=stage2)
    assert (tmp_path / "orca" / "sft_complete.json").is_file()  # stage 1 ran first, to its end
    assert mathqa.model.config._attn_implementation == "eager"  # soft-capping: eager whatever the recipe says
    assert "gemma2: attention set to eager" in capsys.readouterr().out
    assert _eval_n(tmp_path / "mathqa", "mathqa") == 2  # the card's evaluation: MathQA test, 5 options
    _run(
        "gemma2_9b_mathqa_grpo",
        gemma,
        tmp_path / "grpo",
        files,
        "warm_start.recipe=null",
        f"warm_start.checkpoint={tmp_path / 'mathqa'}",
    )
    assert _eval_n(tmp_path / "grpo", "mathqa") == 2


def _flat(recipe, prefixes) -> list[tuple[str, object]]:
    """(dotted key, value) of the recipe's leaves under `prefixes`, as overrides for another recipe."""
    flat = OmegaConf.to_container(recipe, resolve=True)
    out = []

    def walk(node, key):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{key}.{k}" if key else k)
        elif key.startswith(prefixes) and node is not None and not isinstance(node, list):
            out.append((key, node))

    walk(flat, "")
    return out


def test_mistral_mathinstruct_runs(family_model, files, tmp_path):
    _run("mistral7b_mathinstruct", family_model("mistral"), tmp_path / "out", files)
    assert _eval_n(tmp_path / "out", "gsm8k") == 2 and _eval_n(tmp_path / "out", "math500") == 2


def test_metamath_runs_on_a_llama(family_model, files, tmp_path):
    _run("metamath_llemma7b", family_model("llama"), tmp_path / "out", files)
    assert _eval_n(tmp_path / "out", "gsm8k") == 2 and _eval_n(tmp_path / "out", "math500") == 2


def test_math_boxed_runs_grpo_on_a_qwen2(family_model, files, tmp_path):
    _run("math_boxed", family_model("qwen2"), tmp_path / "out", files)
    assert _eval_n(tmp_path / "out", "math500") == 2


def test_an_8bit_optimizer_without_cuda_stops_in_preflight(family_model, files, tmp_path):
    from grpo_math.sft import run as run_sft

    recipe = load_recipe(["recipe=gemma2_9b_orca_sft", f"model.name_or_path={family_model('gemma2')}",
                          f"data.sources.orca_math.path={files['orca_math']}", f"trainer.output_dir={tmp_path}"])  # fmt: skip
    with pytest.raises(
        RecipeError, match=r"trainer.optim=adamw_8bit .* needs a CUDA GPU: add trainer.optim=adamw_torch"
    ):
        run_sft(recipe)

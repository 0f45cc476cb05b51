"""Every recipe loads; overrides, deletions and typos behave; the launch-command header is right."""

import pytest

from grpo_math.errors import RecipeError
from grpo_math.recipe import LAUNCHERS, REPO_RECIPES, load_recipe, save_recipe

RECIPES = sorted(REPO_RECIPES.glob("*.yaml"))


def test_there_are_recipes():
    assert {"quickstart", "qwen05b_gsm8k"} <= {p.stem for p in RECIPES}


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.stem)
def test_recipe_loads_and_builds_its_trl_config(path):
    from grpo_math.trl_config import build_trl_config

    recipe = load_recipe([f"recipe={path.stem}"])
    config = build_trl_config(recipe)
    assert config.output_dir


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.stem)
def test_first_line_is_the_launch_command(path):
    recipe = load_recipe([f"recipe={path.stem}"])
    first = path.read_text().splitlines()[0]
    # e.g. "# accelerate launch launch/grpo.py recipe=qwen05b_gsm8k" or "# python launch/sft.py recipe=x"
    assert first.startswith("# "), first
    assert f"{LAUNCHERS[recipe.task]} recipe={path.stem}" in first, first
    assert first[2:].split()[0] in ("python", "accelerate"), first


def test_overrides_merge_with_omegaconf_semantics():
    recipe = load_recipe(
        ["recipe=quickstart", "trainer.max_steps=7", "rewards.xml_format.weight=3", "eval.datasets=[gsm8k,math500]"]
    )
    assert recipe.trainer.max_steps == 7
    assert recipe.rewards.xml_format.weight == 3
    assert list(recipe.eval.datasets) == ["gsm8k", "math500"]


def test_tilde_deletes_a_key():
    recipe = load_recipe(["recipe=quickstart", "~trainer.max_steps", "~rewards.xml_format"])
    assert "max_steps" not in recipe.trainer
    assert "xml_format" not in recipe.rewards


def test_new_mapping_entries_get_their_defaults():
    recipe = load_recipe(["recipe=quickstart", "rewards.xml_count.weight=0.5", "model.lora.r=8"])
    assert recipe.rewards.xml_count == {
        "weight": 0.5,
        "fn": None,
        "kwargs": {},
        "kind": None,
        "factory": False,
        "check": True,
    }
    assert recipe.model.lora.r == 8 and recipe.model.lora.alpha == 32


@pytest.mark.parametrize(
    "override, message",
    [
        ("trainer.learning_rat=1e-5", "did you mean trainer.learning_rate?"),  # TRL field typo
        ("modle.name_or_path=x", "did you mean model?"),  # section typo
        ("data.sources.basic_arithmetic.sise=3", "did you mean data.sources.basic_arithmetic.size?"),  # nested
        ("rewards.xml_format.wieght=2", "did you mean rewards.xml_format.weight?"),  # reward entry
        ("eval.limit=abc", "eval.limit='abc' should be int"),  # wrong type
        ("~trainer.nope", "no such key"),  # deleting what is not there
        ("task=rl", "task='rl' is not one of"),
        ("novalue", "overrides are key=value"),
    ],
)
def test_bad_overrides_are_one_line_errors(override, message):
    with pytest.raises(RecipeError, match=None) as e:
        load_recipe(["recipe=quickstart", override])
    assert message in str(e.value)
    assert "\n" not in str(e.value)


def test_unknown_recipe_suggests_the_closest():
    with pytest.raises(RecipeError, match="did you mean quickstart"):
        load_recipe(["recipe=quickstrat"])


def test_recipe_by_path_and_broken_yaml(tmp_path):
    good = tmp_path / "mine.yaml"
    good.write_text((REPO_RECIPES / "quickstart.yaml").read_text())
    assert load_recipe([f"recipe={good}"]).name == "mine"
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed\n")
    with pytest.raises(RecipeError, match="cannot read recipe"):
        load_recipe([f"recipe={bad}"])


def test_saved_recipe_reloads_identically(tmp_path):
    recipe = load_recipe(["recipe=qwen05b_gsm8k", "trainer.max_steps=5"])
    path = save_recipe(recipe, tmp_path)
    again = load_recipe([f"recipe={path}"])
    again.name = recipe.name
    assert again == recipe


def test_reward_weight_shorthand():
    recipe = load_recipe(["recipe=quickstart", "rewards.xml_format=0.25"])
    assert recipe.rewards.xml_format.weight == 0.25


def test_save_strategy_no_on_the_command_line_is_the_word_no():
    """`no` reads as False in YAML 1.1; a setting that takes a string and no boolean gets the word back."""
    from grpo_math.trl_config import build_trl_config

    config = build_trl_config(
        load_recipe(["recipe=quickstart", "trainer.save_strategy=no", "trainer.eval_strategy=no"])
    )
    assert config.save_strategy == "no" and config.eval_strategy == "no"
    with pytest.raises(RecipeError, match="trainer.bf16='yes' should be"):  # a real boolean setting stays strict
        build_trl_config(load_recipe(["recipe=quickstart", "trainer.bf16='yes'"]))

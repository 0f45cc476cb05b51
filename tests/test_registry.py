"""grpo_math.registry with monkeypatched entry points (tests never depend on what else is installed)."""

import asyncio
import pickle
import textwrap
from importlib.metadata import EntryPoint

import pytest

from grpo_math import registry
from grpo_math.errors import RecipeError
from grpo_math.registry import get_reward, list_rewards, register_reward
from grpo_math.reward_funcs import build_reward_funcs

GROUP = registry.ENTRY_POINT_GROUP
BUILTINS = {
    "xml_format": "rewards.format:xml_format",
    "numeric_correctness": "rewards.correctness:numeric_correctness",
    "soft_overlong": "rewards.shaping:soft_overlong",
}


def entry_points(**values):
    return {name: [EntryPoint(name, value, GROUP)] for name, value in values.items()}


@pytest.fixture(autouse=True)
def isolated(monkeypatch):
    """Only the entry points a test declares, and an empty decorator registry."""
    monkeypatch.setattr(registry, "_entry_points", lambda: entry_points(**BUILTINS))
    monkeypatch.setattr(registry, "_registered", {})


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """A third-party package on sys.path, as `pip install my-rewards` would provide."""
    (tmp_path / "my_rewards.py").write_text(
        textwrap.dedent(
            '''
            def length_bonus(completions, scale=1.0, **kwargs):
                """Longer is better (a test plugin)."""
                return [scale * len(c) for c in completions]

            def needs_difficulty(completions, difficulty, **kwargs):
                return [float(d) for d in difficulty]

            def strict_signature(completions, answer):
                return [1.0 if c == a else 0.0 for c, a in zip(completions, answer)]

            class Scaled:
                """A parameterised reward as a picklable callable class."""
                def __init__(self, factor):
                    self.factor = factor
                def __call__(self, completions, **kwargs):
                    return [self.factor] * len(completions)

            from grpo_math.registry import reward

            @reward(factory=True)
            def make_constant(value):
                """A factory, declared: called with the kwargs, returns the reward."""
                return Scaled(value)

            def make_undeclared(value):
                """A factory nobody said is one: never guessed from its signature."""
                return Scaled(value)

            async def async_reward(completions, **kwargs):
                return [1.0] * len(completions)
            '''
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_builtin_names_resolve_through_entry_points():
    from rewards.format import xml_format

    assert get_reward("xml_format") is xml_format


def test_unknown_name_says_did_you_mean_and_lists_what_exists():
    with pytest.raises(RecipeError) as e:
        get_reward("numeric_corectness")
    message = str(e.value)
    assert "did you mean numeric_correctness?" in message
    assert "available: numeric_correctness, soft_overlong, xml_format" in message


def test_no_rewards_installed_says_how_to_register_them(monkeypatch):
    monkeypatch.setattr(registry, "_entry_points", dict)
    with pytest.raises(RecipeError, match="pip install -e"):
        get_reward("xml_format")


def test_third_party_entry_point_is_loaded_lazily(plugin, monkeypatch):
    import sys

    monkeypatch.setattr(registry, "_entry_points", lambda: entry_points(length="my_rewards:length_bonus", **BUILTINS))
    sys.modules.pop("my_rewards", None)
    assert "length" in registry.available() and "my_rewards" not in sys.modules  # listing names imports nothing
    assert get_reward("length", scale=2.0)(["ab"]) == [4.0]


def test_two_packages_claiming_one_name_is_an_error(monkeypatch):
    points = {"dup": [EntryPoint("dup", "a.b:c", GROUP), EntryPoint("dup", "d.e:f", GROUP)]}
    monkeypatch.setattr(registry, "_entry_points", lambda: points)
    with pytest.raises(RecipeError, match="claimed by several packages: a.b:c, d.e:f"):
        get_reward("dup")


def test_register_reward_decorator_and_duplicates():
    @register_reward("mine")
    def mine(completions, **kwargs):
        return [1.0] * len(completions)

    assert get_reward("mine") is mine
    register_reward("mine")(mine)  # the same function again (a re-import) is fine

    def other(completions, **kwargs):
        return []

    with pytest.raises(RecipeError, match="registered twice"):
        register_reward("mine")(other)


def test_decorator_name_that_clashes_with_an_entry_point_is_an_error():
    register_reward("xml_format")(lambda completions, **kw: [])
    with pytest.raises(RecipeError, match="reward name 'xml_format' is both"):
        get_reward("xml_format")


@pytest.mark.parametrize(
    "ref, kwargs, completions, expected",
    [
        ("my_rewards:length_bonus", {}, ["abc"], [3.0]),  # module:function
        ("my_rewards:length_bonus", {"scale": 0.5}, ["ab"], [1.0]),  # kwargs bound to a function
        ("my_rewards:Scaled", {"factor": 0.3}, ["x"], [0.3]),  # a class, instantiated with kwargs
        ("my_rewards:make_constant", {"value": 0.7}, ["x"], [0.7]),  # a factory, called with kwargs
        ("soft_overlong", {"max_completion_len": 4, "soft_punish_cache": 2}, None, [0.0, -0.5, -1.0]),  # TRL's factory
    ],
)
def test_reference_forms(plugin, ref, kwargs, completions, expected):
    reward = get_reward(ref, **kwargs)
    if completions is None:
        assert reward(completion_ids=[[1, 1], [1, 1, 1], [1] * 5]) == expected
    else:
        assert reward(completions) == expected


def test_file_path_reference(tmp_path):
    path = tmp_path / "reward_file.py"
    path.write_text("def shout(completions, **kwargs):\n    return [float(c.isupper()) for c in completions]\n")
    assert get_reward(f"{path}:shout")(["HI", "hi"]) == [1.0, 0.0]
    (funcs, _) = build_reward_funcs({"shout": {"fn": f"{path}:shout"}}, [])
    assert pickle.loads(pickle.dumps(funcs[0]))(completions=["OK"]) == [1.0]  # rebuilt from its path


@pytest.mark.parametrize(
    "ref, kwargs, message",
    [
        ("my_rewards:length_bonus", {"scael": 2}, "takes no kwarg 'scael' (did you mean scale?)"),  # kwarg typo
        ("my_rewards:Scaled", {}, "needs kwargs factor"),  # class without its required kwarg
        ("soft_overlong", {}, "needs kwargs max_completion_len, soft_punish_cache"),  # factory likewise
        ("my_rewards:lenght_bonus", {}, "did you mean length_bonus?"),  # attribute typo
        ("no_such_module:f", {}, "cannot import reward module 'no_such_module'"),  # module missing
        ("missing/file.py:f", {}, "does not exist"),  # file missing
        ("my_rewards:make_undeclared", {"value": 1}, "declare it a factory"),  # factories are explicit
    ],
)
def test_reference_errors(plugin, ref, kwargs, message):
    with pytest.raises(RecipeError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        get_reward(ref, **kwargs)


def test_build_names_each_callable_by_its_recipe_key():
    """TRL logs rewards/<getattr(func, '__name__')>/mean: the key must be the name, also for the same fn twice."""
    from trl.trainer.utils import get_callable_name

    cfg = {
        "xml_format": {"weight": 0.5, "kwargs": {"strict": True}},
        "xml_format_soft": {"fn": "xml_format", "weight": 0.5, "kwargs": {"strict": False}},
        "numeric_correctness": {"weight": 2.0},
    }
    funcs, weights = build_reward_funcs(cfg, ["prompt", "answer"])
    assert [get_callable_name(f) for f in funcs] == ["xml_format", "xml_format_soft", "numeric_correctness"]
    assert weights == [0.5, 0.5, 2.0]
    lenient = "<reasoning>x</reasoning> <answer>7</answer>"
    assert [f(completions=[lenient], answer=["7"])[0] for f in funcs] == [0.0, 1.0, 1.0]


def test_soft_overlong_takes_its_length_limit_from_the_run():
    from grpo_math.recipe import load_recipe
    from grpo_math.reward_funcs import run_settings

    settings = run_settings(load_recipe(["recipe=quickstart", "trainer.max_completion_length=4"]))
    assert settings == {"max_completion_len": 4}
    cfg = {"ol": {"fn": "soft_overlong", "kwargs": {"soft_punish_cache": 2}}, "numeric_correctness": 1.0}
    funcs, _ = build_reward_funcs(cfg, ["answer"], settings)
    assert funcs[0](completion_ids=[[1] * 2, [1] * 3, [1] * 5]) == [0.0, -0.5, -1.0]
    assert pickle.loads(pickle.dumps(funcs[0]))(completion_ids=[[1] * 3]) == [-0.5]  # rebuilt in a worker alike
    given = {"ol": {"fn": "soft_overlong", "kwargs": {"max_completion_len": 10, "soft_punish_cache": 2}}}
    funcs, _ = build_reward_funcs(given, ["answer"], settings)
    assert funcs[0](completion_ids=[[1] * 5]) == [0.0]  # the recipe's own value wins
    with pytest.raises(RecipeError, match="max_completion_len"):
        build_reward_funcs(cfg, ["answer"])  # without the run's settings it is still required


def test_build_accepts_omegaconf_and_default_fn():
    from omegaconf import OmegaConf

    cfg = OmegaConf.create({"xml_format": {"weight": 1.0, "fn": None, "kwargs": {"strict": False}}})
    (func,), (weight,) = build_reward_funcs(cfg, ["answer"])
    assert func.kwargs == {"strict": False} and isinstance(func.kwargs, dict) and weight == 1.0


@pytest.mark.parametrize(
    "cfg, columns, message",
    [
        (
            {"c": {"fn": "numeric_correctness"}},
            ["prompt", "solution"],
            "reward 'c' (numeric_correctness) needs column 'answer'",
        ),
        ({"d": {"fn": "my_rewards:needs_difficulty"}}, ["prompt", "answer"], "the dataset's columns are: answer"),
        (
            {"c": {"fn": "numeric_correctness", "wieght": 1}},
            ["answer"],
            "unknown key rewards.c.wieght (did you mean weight?)",
        ),
        ({"c": {"fn": "numeric_correctness", "weight": "high"}}, ["answer"], "should be a number"),
        ({"typo": {}}, ["answer"], "unknown reward 'typo'"),
    ],
)
def test_build_errors_before_any_model_loads(plugin, cfg, columns, message):
    import re

    with pytest.raises(RecipeError, match=re.escape(message)):
        build_reward_funcs(cfg, columns)


def test_prompt_column_is_not_forwarded_by_trl():
    """GRPOTrainer passes `prompts`, never a `prompt` kwarg: a reward needing `prompt` would fail mid-run."""

    @register_reward("needs_prompt")
    def needs_prompt(completions, prompt, **kwargs):
        return []

    with pytest.raises(RecipeError, match="needs column 'prompt'"):
        build_reward_funcs({"p": {"fn": "needs_prompt"}}, ["prompt", "answer"])


@pytest.mark.parametrize("ref", ["trl.rewards:accuracy_reward", "trl.rewards:think_format_reward"])
def test_trl_rewards_run_unchanged(ref):
    columns = ["prompt", "solution"]
    (func,), _ = build_reward_funcs({"trl": {"fn": ref}}, columns)
    completions = [[{"role": "assistant", "content": "<think>\nhm\n</think>\nso \\boxed{\\frac{1}{3}}"}]]
    out = func(
        prompts=[[]],
        completions=completions,
        completion_ids=[[1]],
        solution=["\\frac{1}{3}"],
        trainer_state=None,
        log_extra=None,
        log_metric=None,
    )
    assert out == [1.0]


def test_reward_without_kwargs_gets_only_what_it_takes(plugin):
    (func,), _ = build_reward_funcs({"s": {"fn": "my_rewards:strict_signature"}}, ["answer", "solution"])
    trl_call = {
        "prompts": [None],
        "completion_ids": [[1]],
        "trainer_state": None,
        "log_extra": None,
        "log_metric": None,
    }
    assert func(completions=["7"], answer=["7"], solution=["x"], **trl_call) == [1.0]


def test_async_reward_stays_async(plugin):
    from trl.trainer.utils import is_async_callable

    (func,), _ = build_reward_funcs({"a": {"fn": "my_rewards:async_reward"}}, [])
    assert is_async_callable(func)
    assert asyncio.run(func(completions=["x"])) == [1.0]


def test_list_rewards_shows_source_and_docstring(plugin, monkeypatch):
    monkeypatch.setattr(registry, "_entry_points", lambda: entry_points(length="my_rewards:length_bonus"))
    register_reward("scaled")(__import__("my_rewards").Scaled)
    rows = {name: (source, doc) for name, source, doc in list_rewards()}
    assert rows["length"] == ("my_rewards:length_bonus (entry point)", "Longer is better (a test plugin).")
    assert rows["scaled"] == (
        "my_rewards:Scaled (@register_reward)",
        "A parameterised reward as a picklable callable class.",
    )

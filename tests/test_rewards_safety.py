"""Model output is data: no eval, bounded time and size, no signal; every built-in pickles and runs in threads/workers."""

import ast
import doctest
import importlib
import multiprocessing
import pickle
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from grpo_math.grading import answers_match, extract_answer, extract_choice, has_xml_format
from grpo_math.reward_tools import adversarial_completions
from grpo_math.safe_math import read_math
from rewards.choice import multiple_choice
from rewards.correctness import digit_credit, integer_answer, numeric_correctness
from rewards.format import xml_count, xml_format

BUILTIN_MODULES = ["rewards.format", "rewards.correctness", "rewards.choice", "rewards.shaping"]
TEXT_REWARDS = {
    "xml_format": lambda c: xml_format(c),
    "xml_format_lenient": lambda c: xml_format(c, strict=False),
    "xml_count": lambda c: xml_count(c),
    "numeric_correctness": lambda c: numeric_correctness(c, answer=["18"] * len(c)),
    "integer_answer": lambda c: integer_answer(c),
    "digit_credit": lambda c: digit_credit(c, answer=["18"] * len(c)),
    "multiple_choice": lambda c: multiple_choice(
        c, answer=["c"] * len(c), options=["a ) 12 , b ) 16 , c ) 18"] * len(c)
    ),
}


def bait(marker) -> list[tuple[str, str]]:
    """Strings that would create `marker` (or hang, or exhaust memory) if anything evaluated them."""
    touch = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    return [
        ("python eval", touch),  # eval/exec
        ("in the answer span", f"<answer>\n{touch}\n</answer>"),  # where the parser looks first
        ("boxed", f"\\boxed{{{touch}}}"),  # where the LaTeX path looks
        ("sympify lambda", f"<answer>(lambda: {touch})()</answer>"),  # sympify evaluates lambdas
        ("answer is", f"The answer is {touch}"),  # the "answer is" fallback
        ("power tower", "<answer>\n9**9**9**9\n</answer>"),  # eval would never finish
        ("latex power tower", "<answer>\n10^10^10^10\n</answer>"),  # nor would sympy
        ("factorial bomb", "<answer>\n(10**10)!\n</answer>"),  # factorial is not in the grammar
        ("product of huge numbers", "<answer>\n" + "*".join(["9" * 400] * 10) + "\n</answer>"),  # size-capped
        ("huge root", "<answer>\n\\sqrt{" + "9" * 450 + "}\n</answer>"),  # root of a huge number
        ("deep parentheses", "<answer>\n" + "(" * 5000 + "1" + ")" * 5000 + "\n</answer>"),  # nesting cap
        ("sign chain", "<answer>\n" + "-" * 100_000 + "18\n</answer>"),  # recursion cap
        ("1 MB answer", "<answer>\n" + "1" * 1_000_000 + "\n</answer>"),  # 1 MB inside the span
        ("unicode digits", "<answer>\n١٨\n</answer>"),  # Arabic-Indic 18: a number, no crash
        ("mathematical digits", "<answer>\n𝟏𝟖\n</answer>"),  # mathematical bold digits (category Nd)
        ("NaN", "<answer>\nNaN\n</answer>"),  # never a float nan
        ("inf", "<answer>\ninf\n</answer>"),  # never a float inf
    ]


ADVERSARIAL = adversarial_completions()


@pytest.mark.parametrize("name", TEXT_REWARDS)
def test_bait_has_no_side_effect_and_is_fast(name, tmp_path):
    marker = tmp_path / "pwned"
    for label, text in bait(marker):
        start = time.perf_counter()
        scores = TEXT_REWARDS[name]([text])
        elapsed = time.perf_counter() - start
        (score,) = scores
        if name == "digit_credit":  # partial credit: any fraction (a number in the bait's path earns some)
            assert score is not None and 0.0 <= score <= 1.0, label
        else:
            assert score in (0.0, 0.25, 0.5, 1.0, None), label
        assert elapsed < 1.0, f"{name} took {elapsed:.2f} s on {label}"
    assert not marker.exists()


@pytest.mark.parametrize("name", TEXT_REWARDS)
def test_adversarial_set_scores_nothing_quickly(name):
    for label, text in ADVERSARIAL:
        start = time.perf_counter()
        assert TEXT_REWARDS[name]([text]) in ([0.0], [None]), label
        assert time.perf_counter() - start < 1.0, label


def test_safe_math_reads_bait_as_data_quickly(tmp_path):
    """The parser alone, on the bodies of the bait: None or a value, never a side effect, never slow."""
    marker = tmp_path / "pwned"
    for label, text in bait(marker):
        body = text.removeprefix("<answer>\n").removesuffix("\n</answer>")
        start = time.perf_counter()
        read_math(body)
        assert time.perf_counter() - start < 1.0, label
    assert not marker.exists()


ROOT = Path(__file__).resolve().parent.parent
CODE_RUNNERS = {"eval", "exec", "sympify", "parse_expr"}  # house rule 2: none of these in the library or the rewards
PARSERS = [
    *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "grpo_math" / "grading").glob("*.py")),
    *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "grpo_math" / "safe_math").glob("*.py")),
    *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "rewards").glob("*.py")),
]


@pytest.mark.parametrize(
    "path", sorted(p.relative_to(ROOT).as_posix() for d in ("grpo_math", "rewards") for p in (ROOT / d).rglob("*.py"))
)
def test_no_code_runner_is_called(path):
    """eval( / exec( as builtins, sympify / parse_expr in any form (model.eval() is a method, not the builtin)."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CODE_RUNNERS:
            found.append(f"{node.func.id}() at line {node.lineno}")
        elif isinstance(node, ast.Attribute) and node.attr in {"sympify", "parse_expr"}:
            found.append(f".{node.attr} at line {node.lineno}")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found += [
                f"import {a.name} at line {node.lineno}" for a in node.names if a.name in {"sympify", "parse_expr"}
            ]
    assert found == []


@pytest.mark.parametrize("path", PARSERS)
def test_parsers_do_not_use_signal(path):
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "signal" not in imported


def test_safe_math_docstring_examples_run():
    result = doctest.testmod(importlib.import_module("grpo_math.safe_math.values"))
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    "text, expected",
    [
        ("<answer>\n١٨\n</answer>", 1.0),  # Arabic-Indic digits are 18
        ("<answer>\n𝟏𝟖\n</answer>", 1.0),  # so are mathematical bold digits
        ("<answer>\n①⑧\n</answer>", 0.0),  # circled digits are not decimal digits
        ("<answer>\n9**9**9**9\n</answer>", 0.0),  # too big to grade: wrong, not a hang
        ("<answer>\n2**4 + 2\n</answer>", 1.0),  # small powers are fine
    ],
)
def test_numbers_at_the_edges(text, expected):
    assert numeric_correctness([text], answer=["18"]) == [expected]


def test_answer_helpers_survive_megabytes():
    big = "<answer>" + "{(" * 500_000
    start = time.perf_counter()
    extract_answer(big), answers_match(big, "1"), has_xml_format(big), has_xml_format(big, False), extract_choice(big)
    assert time.perf_counter() - start < 2.0


def test_rewards_run_in_threads():
    """signal-based timeouts fail outside the main thread; nothing here uses signal."""
    completions = ["<answer>\n\\frac{\\sqrt{2}}{2}\n</answer>", "<answer>\n18\n</answer>"] * 8
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda c: numeric_correctness([c], answer=["18"])[0], completions))
    assert results == [0.0, 1.0] * 8


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("xml_format", {"strict": False}),
        ("xml_count", {}),
        ("numeric_correctness", {"fallbacks": ["boxed"]}),
        ("integer_answer", {}),
        ("digit_credit", {"fallbacks": ["boxed"]}),
        ("multiple_choice", {}),
        ("soft_overlong", {"max_completion_len": 10, "soft_punish_cache": 2}),
        ("repetition_penalty", {"ngram_size": 2}),
    ],
)
def test_every_builtin_pickles(name, kwargs):
    from grpo_math.registry import get_reward
    from grpo_math.reward_funcs import build_reward_funcs

    direct = get_reward(name, **kwargs)
    assert pickle.loads(pickle.dumps(direct)) is not None
    (named,), _ = build_reward_funcs({"k": {"fn": name, "kwargs": kwargs}}, ["answer", "options"])
    again = pickle.loads(pickle.dumps(named))
    assert again.__name__ == "k" and again.kwargs == kwargs


def test_reward_runs_in_a_spawned_worker():
    """TRL's async rollout worker pickles reward funcs into a spawned process."""
    from grpo_math.reward_funcs import build_reward_funcs

    (reward,), _ = build_reward_funcs({"correct": {"fn": "numeric_correctness"}}, ["answer"])
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply(reward, (), {"completions": ["<answer>\n18\n</answer>"], "answer": ["18"]}) == [1.0]


@pytest.mark.parametrize("module", BUILTIN_MODULES)
def test_docstring_examples_run(module):
    """Every built-in's docstring has a runnable example with its score range; they must stay true."""
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0

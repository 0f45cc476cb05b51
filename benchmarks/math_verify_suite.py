"""math-verify's own regression suite (its tests/test_all.py, from the sdist) as a labelled table for our grader.

    pip download --no-deps --no-binary :all: math-verify -d /tmp/mv && tar xzf /tmp/mv/math_verify-*.tar.gz -C /tmp/mv
    python benchmarks/rewards.py --sections suite --suite /tmp/mv/math_verify-0.9.0/tests/test_all.py

Each parametrized case (gold, prediction, expected) of each test function is scored three ways:
- numeric_correctness(prediction, answer=gold), this project's reward with its default extraction policy;
- math-verify in its own suite's convention: the test function itself is called with the case's arguments (its
  extraction targets, precision and strictness) and counts as agreeing when it passes;
- math-verify as TRL's accuracy_reward calls it (gold parsed as is, the prediction needing LaTeX anchors or a box).
A case is agreed with when the score (1 right, 0 wrong; None, an unparseable gold, counts as 0) equals the label.
"""

import importlib.util
import logging
import sys
import time
from collections import defaultdict
from pathlib import Path


def load_cases(path: Path) -> list[tuple[str, dict, object]]:
    """(test function name, the case's arguments, the function) for every parametrized case with gold/pred/expected."""
    sys.path[:0] = [str(path.parent), str(path.parent.parent)]  # its other files import `tests.test_all`
    spec = importlib.util.spec_from_file_location("math_verify_test_all", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cases = []
    for name, fn in vars(module).items():
        if not name.startswith("test_") or not callable(fn):
            continue
        for mark in getattr(fn, "pytestmark", []):
            if mark.name != "parametrize":
                continue
            argnames = [a.strip() for a in (mark.args[0].split(",") if isinstance(mark.args[0], str) else mark.args[0])]
            if not {"gold", "pred", "expected"} <= set(argnames):
                continue
            for values in mark.args[1]:
                values = getattr(values, "values", values)  # pytest.param(...)
                cases.append((name, dict(zip(argnames, values, strict=True)), fn))
    return cases


def suite_section(path: Path) -> None:
    from trl.rewards import accuracy_reward

    from rewards.correctness import numeric_correctness

    logging.disable(logging.WARNING)
    cases = load_cases(path)
    results = defaultdict(list)  # test function -> [(ours, own convention, TRL convention)]
    timings = {"ours": 0.0, "trl": 0.0}
    for name, args, fn in cases:
        gold, pred, expected = str(args["gold"]), str(args["pred"]), int(args["expected"])
        start = time.perf_counter()
        ours = numeric_correctness([pred], answer=[gold])[0] or 0.0
        timings["ours"] += time.perf_counter() - start
        try:
            fn(**args)
            own = True
        except AssertionError:
            own = False
        except Exception:  # noqa: BLE001 - a case that errors inside math-verify does not agree
            own = False
        start = time.perf_counter()
        trl = accuracy_reward([[{"role": "assistant", "content": pred}]], [gold])[0] or 0.0
        timings["trl"] += time.perf_counter() - start
        results[name].append((int(ours) == expected, own, int(trl) == expected))
    n = len(cases)
    print(f"\nmath-verify's test suite ({path}): {n} labelled cases in {len(results)} test functions")
    print(f"  {'test function':<38}{'n':>5}{'ours':>8}{'math-verify (own)':>19}{'math-verify (TRL)':>19}")
    for name, rows in results.items():
        cells = [sum(r[i] for r in rows) / len(rows) for i in range(3)]
        print(f"  {name:<38}{len(rows):>5}{cells[0]:>8.1%}{cells[1]:>19.1%}{cells[2]:>19.1%}")
    every = [r for rows in results.values() for r in rows]
    totals = [sum(r[i] for r in every) for i in range(3)]
    print(f"  {'all':<38}{n:>5}{totals[0] / n:>8.1%}{totals[1] / n:>19.1%}{totals[2] / n:>19.1%}"
          f"   ({totals[0]} / {totals[1]} / {totals[2]} cases)")  # fmt: skip
    print(f"  throughput: numeric_correctness {n / timings['ours']:,.0f}/s, math-verify as TRL calls it "
          f"{n / timings['trl']:,.0f}/s, ratio {timings['trl'] / timings['ours']:.1f}x")  # fmt: skip
    policy_table(cases)


POLICIES = {  # numeric_correctness kwargs: the extraction policies compared on the suite
    "default: boxed, hash, answer_is, last_math, last_number; latest_marker": {},
    "latest_marker=False (the list's order)": {"latest_marker": False},
    "answer_is first, latest_marker=False": {
        "fallbacks": ("answer_is", "boxed", "hash", "last_math", "last_number"), "latest_marker": False,
    },
    "without last_math": {"fallbacks": ("boxed", "hash", "answer_is", "last_number")},
    "without last_number": {"fallbacks": ("boxed", "hash", "answer_is", "last_math")},
    "boxed only": {"fallbacks": ("boxed",)},
}  # fmt: skip


def policy_table(cases) -> None:
    from rewards.correctness import numeric_correctness

    print("  extraction policy (numeric_correctness kwargs)                     agreement")
    for name, kwargs in POLICIES.items():
        ok = sum(
            int(numeric_correctness([str(a["pred"])], answer=[str(a["gold"])], **kwargs)[0] or 0.0)
            == int(a["expected"])
            for _, a, _ in cases
        )
        print(f"  {name:<66}{ok:>4} / {len(cases)}")


def disagreements(path: Path) -> list[tuple[str, str, str, int, float]]:
    """The cases where numeric_correctness differs from the label: (function, gold, pred, expected, ours)."""
    from rewards.correctness import numeric_correctness

    out = []
    for name, args, _ in load_cases(path):
        ours = numeric_correctness([str(args["pred"])], answer=[str(args["gold"])])[0] or 0.0
        if int(ours) != int(args["expected"]):
            out.append((name, str(args["gold"]), str(args["pred"]), int(args["expected"]), ours))
    return out

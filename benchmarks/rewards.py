"""numeric_correctness vs math_verify on the same completions, measured in one run: GSM8K-style, MATH-style, hostile.

    python benchmarks/rewards.py [--data ../shared/data/gsm8k/test.jsonl] [--per-problem 8] [--limit N]
                                 [--adversarial 10000] [--sections gsm8k,math,adversarial,suite] [--suite test_all.py]

gsm8k: a corpus built from the GSM8K test golds (read at run time, never copied): for each problem, `--per-problem`
completions drawn from the spellings below, right (plain, `$1,234`, units, `.00`, \\boxed, a sentence, `x =`,
\\frac, **bold**, "Answer: $X", a parenthetical, an equation, no tags with "the answer is" / #### / \\boxed / a
sentence, duplicated consistent tags, text after the answer, a truncated `<answer>`) and wrong (off by one, x10,
X.5, wrong with commas, wrong with the right one in parentheses, two different answers in duplicated tags, the
right number only in the reasoning, an empty answer, no answer at all). The label: right when the answer the
completion commits to (its <answer> span, all spans agreeing; else its final \\boxed / "the answer is" / ####) has
the gold value. Printed: throughput of each (completions/s) and the ratio (goal >= 10x), agreement of each with the
labels (goal: ours >= math-verify's) overall and per spelling. math-verify is called as in its README: parse(gold),
parse(completion), verify; its gold parses are cached per problem, as ours are.

math: the labelled MATH-style table (tests/math_style_cases.py: numbers, LaTeX forms, boxes, symbolic expressions,
\\pm, relations, sets and intervals, tuples and matrices, approximations, text; labels written from the mathematics),
each prediction put in <answer> tags and in a \\boxed{}; math-verify called as TRL's accuracy_reward calls it, and
again with the gold wrapped in $...$ (which helps it). Printed: agreement per form and per category, throughput.

suite: math-verify's own labelled regression cases (`--suite` its tests/test_all.py from the sdist, or another of its
test files): ours, math-verify in its suite's convention, and math-verify as TRL calls it (benchmarks/math_verify_suite.py).

adversarial: `--adversarial` hostile completions (the reward check's set, generated power towers, nesting, long
numbers, junk, code bait, and LaTeX bombs of random sizes up to 10^5: nested \\frac, x^{x^{...}}, huge pmatrix,
\\sqrt chains, megabytes of \\cup, \\pm chains, huge sets, relation chains, \\exp towers) scored one at a time against
rotating golds. Printed: median / p99 / max latency (goals < 50 ms p99, < 1 s max), how many were credited, and
whether the code bait left its marker file.
"""

import argparse
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "gsm8k" / "test.jsonl"


def xml(reasoning: str, answer: str) -> str:
    return f"<reasoning>\n{reasoning}\n</reasoning>\n<answer>\n{answer}\n</answer>"


def commas(n: int) -> str:
    return f"{n:,}"


# (kind, label, build(rationale, gold int, wrong int) -> completion)
SPELLINGS = [
    ("plain", True, lambda r, g, w: xml(r, str(g))),
    ("dollars_commas", True, lambda r, g, w: xml(r, f"${commas(g)}")),
    ("units", True, lambda r, g, w: xml(r, f"{g} dollars")),
    ("decimal_zeros", True, lambda r, g, w: xml(r, f"{g}.00")),
    ("boxed_in_tags", True, lambda r, g, w: xml(r, f"\\boxed{{{g}}}")),
    ("sentence_in_tags", True, lambda r, g, w: xml(r, f"So the total is {commas(g)}.")),
    ("assignment", True, lambda r, g, w: xml(r, f"x = {g}")),
    ("latex_frac", True, lambda r, g, w: xml(r, f"\\frac{{{2 * g}}}{{2}}")),
    ("markdown_bold", True, lambda r, g, w: xml(r, f"**{g}**")),
    ("label_in_tags", True, lambda r, g, w: xml(r, f"Answer: ${commas(g)}")),
    ("parenthetical", True, lambda r, g, w: xml(r, f"{g} ({g // 2} + {g - g // 2})")),
    ("equation_in_tags", True, lambda r, g, w: xml(r, f"{g // 2} + {g - g // 2} = {g}")),
    ("no_tags_sentence", True, lambda r, g, w: f"{r}\nSo she makes ${commas(g)} every day."),
    ("no_tags_answer_is", True, lambda r, g, w: f"{r}\nThe answer is {g}."),
    ("no_tags_hash", True, lambda r, g, w: f"{r}\n#### {g}"),
    ("no_tags_boxed", True, lambda r, g, w: f"{r}\nThe final answer is $\\boxed{{{g}}}$."),
    ("duplicated_same", True, lambda r, g, w: xml(r, str(g)) + "\n" + xml("Checking again.", str(g))),
    ("text_after_answer", True, lambda r, g, w: xml(r, str(g)) + "\nI hope this helps! Let me know."),
    ("truncated_answer", True, lambda r, g, w: f"<reasoning>\n{r}\n</reasoning>\n<answer>\n{g}"),
    ("off_by_one", False, lambda r, g, w: xml(r, str(g + 1))),
    ("times_ten", False, lambda r, g, w: xml(r, str(g * 10))),
    ("decimal_off", False, lambda r, g, w: xml(r, f"{g}.5")),
    ("wrong_with_right_in_parens", False, lambda r, g, w: xml(r, f"{w} (not {g})")),
    ("wrong_commas", False, lambda r, g, w: xml(r, f"${commas(w)}")),
    ("no_tags_wrong", False, lambda r, g, w: f"{r}\nThe answer is {w}."),
    ("duplicated_conflicting", False, lambda r, g, w: xml(r, str(w)) + "\n" + xml("Wait, no.", str(g))),
    ("right_only_in_reasoning", False, lambda r, g, w: xml(f"{r}\nThat gives {g}.", str(w))),
    ("empty_answer", False, lambda r, g, w: xml(f"{r}\nThat gives {g}.", "")),
    ("no_answer", False, lambda r, g, w: "I am not sure how to solve this problem."),
]


def load_problems(path: Path) -> list[tuple[str, int]]:
    from grpo_math.data.gsm8k import split_gsm8k_answer

    with open(path) as f:
        return [
            (rationale, int(gold)) for rationale, gold in (split_gsm8k_answer(json.loads(line)["answer"]) for line in f)
        ]


def build_corpus(problems, per_problem: int, seed: int = 0):
    rng = random.Random(seed)
    corpus = []  # (kind, label, completion, gold)
    for rationale, gold in problems:
        wrong = gold + rng.choice([-3, -2, 2, 3, 7, 100])
        for kind, label, build in rng.sample(SPELLINGS, per_problem):
            corpus.append((kind, label, build(rationale, gold, wrong), str(gold)))
    return corpus


def adversarial_set(seed: int = 0) -> list[str]:
    """The check's adversarial completions plus generated ones: power towers, nesting, huge numbers, junk."""
    from grpo_math.reward_tools import adversarial_completions

    rng = random.Random(seed)
    items = [text for _, text in adversarial_completions()]
    for n in range(2, 40):
        items.append(xml("x", "^".join(["9"] * n)))  # 9^9^...^9
        items.append(xml("x", "**".join(["10"] * n)))  # 10**10**...
        items.append(xml("x", "(" * (n * 50) + "2" + ")" * (n * 50)))  # nesting
        items.append(xml("x", "\\sqrt{" * (n * 5) + "2" + "}" * (n * 5)))  # nested roots
        items.append(xml("x", "\\frac{" * n + "1}{3}" * n))  # nested fractions
        items.append(xml("x", "".join(rng.choice("0123456789") for _ in range(n * 100))))  # long numbers
        items.append(xml("x", "*".join(str(rng.randrange(10**50)) for _ in range(n))))  # big products
        items.append("".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(n * 500)))  # unicode junk
        items.append(xml("x", f"__import__('os').system('echo {n}')"))  # eval bait
        items.append(f"\\boxed{{{'{' * (n * 100)}}}")  # unbalanced braces
    return items


def timed_ours(corpus, batch: int = 16):
    from grpo_math.grading.equivalence import _tree
    from grpo_math.grading.normalize import _normalize_cached
    from grpo_math.grading.numbers import exact
    from rewards.correctness import numeric_correctness

    numeric_correctness([c for _, _, c, _ in corpus[:50]], answer=[g for *_, g in corpus[:50]])  # warm up imports
    for cache in (_tree, exact, _normalize_cached):  # no head start from the warm-up
        cache.cache_clear()
    scores = []
    start = time.perf_counter()
    for i in range(0, len(corpus), batch):
        chunk = corpus[i : i + batch]
        scores += numeric_correctness([c for _, _, c, _ in chunk], answer=[g for *_, g in chunk])
    return [s == 1.0 for s in scores], time.perf_counter() - start


def timed_math_verify(corpus):
    import logging

    from math_verify import parse, verify

    logging.disable(logging.WARNING)  # math-verify warns per unparseable input
    gold_cache = {}
    verify(parse("1"), parse("1"))  # warm up imports
    results = []
    start = time.perf_counter()
    for _, _, completion, gold in corpus:
        if gold not in gold_cache:
            gold_cache[gold] = parse(gold)
        results.append(bool(verify(gold_cache[gold], parse(completion))))
    return results, time.perf_counter() - start


def agreement(results, corpus) -> float:
    return sum(r == label for r, (_, label, _, _) in zip(results, corpus)) / len(corpus)


def math_style_section(repeats: int = 5):
    """Agreement on the labelled MATH-style table (tests/math_style_cases.py) and throughput, ours vs math-verify."""
    import logging

    from trl.rewards import accuracy_reward

    from rewards.correctness import numeric_correctness

    sys.path.insert(0, str(ROOT / "tests"))  # the labelled table lives with the tests that check it
    from math_style_cases import CASES, completion

    logging.disable(logging.WARNING)

    def trl_accuracy_reward(text: str, gold: str, wrap_gold: bool) -> bool:
        """TRL's own accuracy_reward (math-verify); `wrap_gold` puts the gold in $...$ first, which helps it."""
        score = accuracy_reward([[{"role": "assistant", "content": text}]], [f"${gold}$" if wrap_gold else gold])[0]
        return score == 1.0

    print(f"\nMATH-style table: {len(CASES)} labelled cases ({sum(c[3] for c in CASES)} right, "
          f"{sum(not c[3] for c in CASES)} wrong), labels from the mathematics")  # fmt: skip
    totals = {}
    by_category = defaultdict(lambda: defaultdict(list))
    for form in ("answer", "boxed"):
        texts = [completion(pred, form) for _, pred, _, _, _ in CASES]
        golds = [gold for _, _, gold, _, _ in CASES]
        ours = [s == 1.0 for s in numeric_correctness(texts, answer=golds)]
        peers = {
            wrap: [trl_accuracy_reward(t, g, wrap) for t, g in zip(texts, golds)] for wrap in (False, True)
        }  # fmt: skip
        for name, results in (("ours", ours), ("math-verify", peers[False]), ("math-verify, gold in $", peers[True])):
            right = [r == c[3] for r, c in zip(results, CASES)]
            totals[(form, name)] = sum(right) / len(CASES)
            for ok, case in zip(right, CASES):
                by_category[(form, name)][case[0]].append(ok)
    print(
        f"  {'completion form':<18}{'numeric_correctness':>21}{'math-verify (TRL)':>19}{'math-verify, gold in $':>24}"
    )
    for form in ("answer", "boxed"):
        print(f"  {form:<18}{totals[(form, 'ours')]:>21.1%}{totals[(form, 'math-verify')]:>19.1%}"
              f"{totals[(form, 'math-verify, gold in $')]:>24.1%}")  # fmt: skip
    print(f"  {'category (boxed)':<18}{'n':>4}{'ours':>9}{'math-verify':>13}{'gold in $':>11}")
    for category in dict.fromkeys(c[0] for c in CASES):
        n = len(by_category[("boxed", "ours")][category])
        cells = [
            sum(by_category[("boxed", k)][category]) / n for k in ("ours", "math-verify", "math-verify, gold in $")
        ]
        print(f"  {category:<18}{n:>4}{cells[0]:>9.1%}{cells[1]:>13.1%}{cells[2]:>11.1%}")

    texts = [completion(pred, "boxed") for _, pred, _, _, _ in CASES] * repeats
    golds = [gold for _, _, gold, _, _ in CASES] * repeats
    start = time.perf_counter()
    for i in range(0, len(texts), 16):
        numeric_correctness(texts[i : i + 16], answer=golds[i : i + 16])
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    for t, g in zip(texts, golds):
        trl_accuracy_reward(t, g, False)
    peer_s = time.perf_counter() - start
    print(f"  throughput on the table ({len(texts)} completions): numeric_correctness {len(texts) / ours_s:,.0f}/s, "
          f"math-verify {len(texts) / peer_s:,.0f}/s, ratio {peer_s / ours_s:.1f}x")  # fmt: skip


def latex_bombs(n: int, marker: Path, seed: int = 0):
    """n hostile completions, made one at a time (several are a megabyte): the check's adversarial kinds and the
    generated ones above, and LaTeX bombs of random sizes."""
    rng = random.Random(seed)
    fixed = [text for text in adversarial_set(seed)]
    touch = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    bombs = [
        lambda k: "\\frac{" * k + "1}{2}" * k,  # nested fractions
        lambda k: "x^{" * k + "x" + "}" * k,  # power tower of a variable
        lambda k: "9^{" * k + "9" + "}" * k,  # power tower of a number
        lambda k: "\\begin{pmatrix}" + " & ".join(["1"] * k * 10) + "\\end{pmatrix}",  # a huge matrix
        lambda k: "\\begin{pmatrix}" + " \\\\ ".join(["x^{99}"] * k) + "\\end{pmatrix}",  # a huge vector
        lambda k: "\\sqrt{" * k + "2" + "}" * k,  # root chains
        lambda k: "(0,1) \\cup " * k + "(0,1)",  # unions
        lambda k: "1 \\pm " * min(k, 50) + "1",  # plus-minus chains
        lambda k: "\\{" + ", ".join(str(i) for i in range(k)) + "\\}",  # big sets
        lambda k: "x < " * k + "1",  # relation chains
        lambda k: "\\exp(" * min(k, 200) + "x^{99}" + ")" * min(k, 200),  # exp towers
        lambda k: "\\sin x" * k,  # long products of functions
        lambda k: f"\\text{{{touch}}}",  # code in text
        lambda k: f"x = {touch}",  # code in an equation
    ]
    for i in range(n):
        if i < len(fixed):
            yield fixed[i]
            continue
        k = int(10 ** rng.uniform(0, 5 if i % 50 == 0 else 3.5))  # sizes 1 .. 100,000, huge ones 1 in 50
        body = bombs[i % len(bombs)](k)
        yield f"\\boxed{{{body}}}" if i % 2 else f"<reasoning>\nx\n</reasoning>\n<answer>\n{body}\n</answer>"


def adversarial_section(n: int):
    import tempfile

    from rewards.correctness import numeric_correctness

    golds = ["18", "x^2+1", "(0,1)", "\\begin{pmatrix}1\\\\2\\end{pmatrix}", "x \\le 3"]
    latencies, credited = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        marker = Path(tmp) / "pwned"
        for i, text in enumerate(latex_bombs(n, marker)):
            start = time.perf_counter()
            score = numeric_correctness([text], answer=[golds[i % len(golds)]])[0]
            latencies.append(time.perf_counter() - start)
            credited += score == 1.0
        side_effect = marker.exists()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
    print(f"\nadversarial latency ({len(latencies)} hostile completions incl. LaTeX bombs): median "
          f"{statistics.median(latencies) * 1000:.2f} ms, p99 {p99 * 1000:.1f} ms (goal < 50 ms), max "
          f"{latencies[-1] * 1000:.1f} ms (goal < 1 s); credited {credited}; side effect: {side_effect}")  # fmt: skip


def gsm8k_section(data: Path, per_problem: int, limit: int | None):
    if not data.is_file():
        sys.exit(f"no GSM8K test file at {data} (pass --data)")
    problems = load_problems(data)[:limit]
    corpus = build_corpus(problems, per_problem)
    n_right = sum(label for _, label, _, _ in corpus)
    print(
        f"GSM8K-style corpus: {len(corpus)} completions from {len(problems)} GSM8K test golds ({n_right} right, {len(corpus) - n_right} wrong)"
    )

    ours, ours_s = timed_ours(corpus)
    peer, peer_s = timed_math_verify(corpus)
    print(f"throughput: numeric_correctness {len(corpus) / ours_s:,.0f}/s, math_verify {len(corpus) / peer_s:,.0f}/s, "
          f"ratio {peer_s / ours_s:.1f}x (goal >= 10x)")  # fmt: skip
    a_ours, a_peer = agreement(ours, corpus), agreement(peer, corpus)
    print(
        f"agreement with labels: numeric_correctness {a_ours:.2%}, math_verify {a_peer:.2%} (goal: ours >= math-verify)"
    )

    by_kind = defaultdict(list)
    for (kind, label, _, _), o, p in zip(corpus, ours, peer):
        by_kind[kind].append((o == label, p == label))
    print(f"  {'spelling':<28}{'label':<7}{'n':>6}{'ours':>9}{'math-verify':>13}")
    for kind, label, _ in SPELLINGS:
        rows = by_kind.get(kind, [])
        if rows:
            ok_ours, ok_peer = (sum(r[i] for r in rows) / len(rows) for i in (0, 1))
            print(f"  {kind:<28}{'right' if label else 'wrong':<7}{len(rows):>6}{ok_ours:>9.1%}{ok_peer:>13.1%}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--per-problem", type=int, default=8)
    parser.add_argument("--limit", type=int, default=None, help="GSM8K problems to use (default: all)")
    parser.add_argument("--adversarial", type=int, default=10_000, help="hostile completions to score")
    parser.add_argument("--sections", default="gsm8k,math,adversarial", help="any of gsm8k,math,adversarial,suite")
    parser.add_argument("--suite", type=Path, help="math-verify's tests/test_all.py, from its sdist (see math_verify_suite.py)")
    args = parser.parse_args()
    sections = args.sections.split(",")
    if "gsm8k" in sections:
        gsm8k_section(args.data, args.per_problem, args.limit)
    if "math" in sections:
        math_style_section()
    if "adversarial" in sections:
        adversarial_section(args.adversarial)
    if "suite" in sections or args.suite:
        from math_verify_suite import suite_section

        if args.suite is None:
            sys.exit("--sections suite needs --suite PATH/test_all.py (math-verify's sdist: see benchmarks/math_verify_suite.py)")
        suite_section(args.suite)


if __name__ == "__main__":
    main()

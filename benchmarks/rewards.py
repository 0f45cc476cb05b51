"""numeric_correctness vs math_verify.verify on the same GSM8K-style completions, measured in one run.

    python benchmarks/rewards.py [--data ../shared/data/gsm8k/test.jsonl] [--per-problem 8] [--limit N]

The corpus is built from the GSM8K test golds (read at run time, never copied): for each problem, `--per-problem`
completions drawn from the spellings below, right (plain, `$1,234`, units, `.00`, \\boxed, a sentence, `x =`,
\\frac, **bold**, "Answer: $X", a parenthetical, an equation, no tags with "the answer is" / #### / \\boxed / a
sentence, duplicated consistent tags, text after the answer, a truncated `<answer>`) and wrong (off by one, x10,
X.5, wrong with commas, wrong with the right one in parentheses, two different answers in duplicated tags, the
right number only in the reasoning, an empty answer, no answer at all). The label: right when the answer the
completion commits to (its <answer> span, all spans agreeing; else its final \\boxed / "the answer is" / ####) has
the gold value.

Printed: throughput of each (completions/s) and the ratio (goal >= 10x), agreement of each with the labels (goal:
ours >= math-verify's) overall and per spelling, and numeric_correctness's p99 / max latency on an adversarial set
(goal < 50 ms / < 1 s). math-verify is called as TRL's accuracy_reward calls it: parse(gold), parse(completion),
verify; its gold parses are cached per problem, as ours are.
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
    from grpo_math.grading.equivalence import _normalize_cached, _parse_normalized
    from rewards.correctness import numeric_correctness

    numeric_correctness([c for _, _, c, _ in corpus[:50]], answer=[g for *_, g in corpus[:50]])  # warm up imports
    _parse_normalized.cache_clear()  # no head start from the warm-up
    _normalize_cached.cache_clear()
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--per-problem", type=int, default=8)
    parser.add_argument("--limit", type=int, default=None, help="problems to use (default: all)")
    args = parser.parse_args()
    if not args.data.is_file():
        sys.exit(f"no GSM8K test file at {args.data} (pass --data)")

    problems = load_problems(args.data)[: args.limit]
    corpus = build_corpus(problems, args.per_problem)
    n_right = sum(label for _, label, _, _ in corpus)
    print(
        f"corpus: {len(corpus)} completions from {len(problems)} GSM8K test golds ({n_right} right, {len(corpus) - n_right} wrong)"
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

    from rewards.correctness import numeric_correctness

    latencies = []
    for text in adversarial_set():
        start = time.perf_counter()
        numeric_correctness([text], answer=["18"])
        latencies.append(time.perf_counter() - start)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
    print(f"adversarial latency ({len(latencies)} completions): median {statistics.median(latencies) * 1000:.2f} ms, "
          f"p99 {p99 * 1000:.1f} ms (goal < 50 ms), max {latencies[-1] * 1000:.1f} ms (goal < 1 s)")  # fmt: skip


if __name__ == "__main__":
    main()

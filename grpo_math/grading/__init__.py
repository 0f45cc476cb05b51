r"""Correctness, defined once: find the final answer in a completion, normalise it, compare it with the gold.

The rewards (rewards/correctness.py, rewards/choice.py, rewards/format.py) and the evaluator both use this package,
so a completion counts as right in training exactly when it counts as right in evaluation.

Model output is data, never code. Extraction and normalisation are regular expressions over bounded slices of text;
the math in an answer is read by grpo_math.safe_math (limits, parser, values), a size-bounded parser that never evaluates text (nothing
reaches eval, sympify or parse_expr) and never needs `signal`. Equivalence compares the values it returns.

    completion_text      a completion (text or chat messages) as text            grading/text.py
    extract_answer       the final answer it commits to                          grading/extract.py
    normalize_answer     the answer as canonical text                            grading/normalize.py
    parse_answer, answers_match   value and equivalence                          grading/equivalence.py
                         numbers and plain expressions                          grading/numbers.py
                         sums and products of matrices                          grading/matrices.py
    same_function        expressions compared by value at sample points          grading/identity.py
    has_xml_format       the <reasoning>/<answer> shape                          grading/xml_format.py
    parse_options, extract_choice   multiple choice                             grading/choices.py
"""

from grpo_math.grading.choices import extract_choice, parse_options
from grpo_math.grading.equivalence import answers_match, parse_answer
from grpo_math.grading.extract import extract_answer
from grpo_math.grading.normalize import normalize_answer
from grpo_math.grading.text import FALLBACKS, MAX_ANSWER, MAX_SCAN, MAX_SPANS, completion_text
from grpo_math.grading.xml_format import has_xml_format

__all__ = [
    "FALLBACKS", "MAX_ANSWER", "MAX_SCAN", "MAX_SPANS", "answers_match", "completion_text", "extract_answer",
    "extract_choice", "has_xml_format", "normalize_answer", "parse_answer", "parse_options",
]  # fmt: skip

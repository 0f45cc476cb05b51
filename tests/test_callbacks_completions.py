"""A generation batch as table rows: judged as evaluation judges (grpo_math.grading), totals as TRL sums them."""

import math

import pytest

from grpo_math.callbacks.completions import batch_quality, question_text, score_rows

PROMPT = [{"role": "system", "content": "Respond in XML"}, {"role": "user", "content": "What is 2+3?"}]
GOOD = "<reasoning>\n2+3=5\n</reasoning>\n<answer>\n5\n</answer>"


def raw(completion, gold="5", fmt=1.0, correct=1.0, advantage=0.5):
    return {"prompt": PROMPT, "completion": [{"role": "assistant", "content": completion}], "gold": gold,
            "advantage": advantage, "xml_format": fmt, "numeric_correctness": correct}  # fmt: skip


def score(*rows, xml=True):
    return score_rows(list(rows), ["xml_format", "numeric_correctness"], [1.0, 2.0], xml=xml)


def test_a_row_has_every_column_in_order():
    (row,) = score(raw(GOOD))
    assert list(row) == ["question", "completion", "gold", "correct", "formatted", "xml_format",
                         "numeric_correctness", "total", "advantage"]  # fmt: skip
    assert row["question"] == "What is 2+3?"  # the system prompt is the same in every row: left out
    assert row["completion"] == GOOD and row["correct"] is True and row["formatted"] is True
    assert row["total"] == 3.0  # 1 x 1.0 + 2 x 1.0


@pytest.mark.parametrize(
    "completion, gold, correct, formatted",
    [
        (GOOD, "5", True, True),  # right and in the strict shape
        ("The answer is 5.", "5", True, False),  # right by the fallbacks, no XML
        ("<reasoning>\nx\n</reasoning>\n<answer>\n6\n</answer>", "5", False, True),  # formatted but wrong
        ("<answer>5.0</answer>", "5", True, False),  # 5.0 = 5, as evaluation counts it
        (GOOD, None, None, True),  # no gold answer: not judged
    ],
)
def test_correct_and_formatted(completion, gold, correct, formatted):
    (row,) = score(raw(completion, gold=gold))
    assert (row["correct"], row["formatted"]) == (correct, formatted)


def test_a_reward_that_did_not_apply_is_empty_and_left_out_of_the_total():
    (row,) = score(raw(GOOD, correct=math.nan))  # TRL turns a reward's None into NaN
    assert row["numeric_correctness"] is None and row["total"] == 1.0


def test_formatted_is_not_judged_for_other_prompt_styles():
    (row,) = score(raw("... so $\\boxed{5}$"), xml=False)
    assert row["formatted"] is None and row["correct"] is True


def test_batch_quality_counts_only_what_was_judged():
    rows = score(raw(GOOD), raw("6"), raw(GOOD, gold=None), raw("The answer is 5"))
    assert batch_quality(rows) == {"batch/accuracy": pytest.approx(2 / 3), "batch/format_rate": 0.5}
    assert batch_quality(score(raw("6"), xml=False)) == {"batch/accuracy": 0.0}
    assert batch_quality([]) == {}


def test_question_text_of_plain_and_block_prompts():
    assert question_text("2+3=?") == "2+3=?"
    assert question_text([{"role": "user", "content": [{"type": "text", "text": "2+3?"}]}]) == "2+3?"


@pytest.mark.parametrize("window, average", [(1, 0.5), (2, 0.45), (3, 0.4), (20, 0.3)])
def test_batch_accuracy_average_is_over_the_window_of_logged_steps(window, average):
    """This batch's accuracy with the window's earlier logged steps (newest first; logs without it skipped)."""
    from types import SimpleNamespace

    from grpo_math.grpo_math_trainer import GRPOMathTrainer

    history = [{"batch/accuracy": v} for v in (0.1, 0.2, 0.3, 0.4)] + [{"loss": 1.0}]
    trainer = SimpleNamespace(state=SimpleNamespace(log_history=history), accuracy_window=window)
    assert GRPOMathTrainer._accuracy_average(trainer, 0.5) == pytest.approx(average)

"""Small files in each reference dataset's real schema (the hub columns), for the reference recipes' tests."""

import json
from pathlib import Path

ORCA = [{"question": f"Tom has {a} apples and buys {b} more. How many apples does he have?",
         "answer": f"Tom starts with {a} apples and buys {b} more, so he has {a} + {b} = {a + b} apples."}
        for a, b in [(3, 4), (10, 5), (7, 8), (12, 9)]]  # fmt: skip

MATHQA = [  # the hub's capitalised columns (regisss/math_qa == allenai/math_qa)
    {"Problem": "the compound ratio of 5 : 6 , 3 : 2 and 6 : 5 ?",
     "Rationale": '"5 / 6 * 3 / 2 * 6 / 5 = 3 / 2 3 : 2 answer : d"',
     "options": "a ) 1 : 1 , b ) 1 : 87 , c ) 1 : 6 , d ) 3 : 2 , e ) 1 : 2", "correct": "d",
     "annotated_formula": "", "linear_formula": "", "category": "general"},
    {"Problem": "what is 15 % of 200 ?", "Rationale": '"15 / 100 * 200 = 30 answer : b"',
     "options": "a ) 20 , b ) 30 , c ) 40 , d ) 50 , e ) 60", "correct": "b",
     "annotated_formula": "", "linear_formula": "", "category": "gain"},
] * 2  # fmt: skip

MATHQA_TEST = [  # ../shared/data's lower-case schema
    {"problem": "what is 10 % of 50 ?", "rationale": '"5 answer : a"', "options": "a ) 5 , b ) 10 , c ) 15 , d ) 20 , e ) 25",
     "correct": "a", "annotated_formula": "", "linear_formula": "", "type": "general"},
] * 2  # fmt: skip

MATH_INSTRUCT = [
    {"source": "data/CoT/gsm_rft.json", "instruction": "What is 6 times 7?",
     "output": "6 times 7 is 42.\nThe answer is 42."},
    {"source": "data/PoT/mathqa.json", "instruction": "Compute 2 + 2 in Python.",
     "output": "n0 = 2.0\nanswer = n0 + n0\nprint(answer)"},
    {"source": "data/CoT/aqua_rat.json", "instruction": "Which is prime? (A) 4 (B) 7",
     "output": "4 = 2 x 2 is not prime; 7 is. The answer is B"},
    {"source": "data/CoT/math50k_camel.json", "instruction": "Solve x + 3 = 5.", "output": "x = 5 - 3 = 2."},
]  # fmt: skip

METAMATHQA = [
    {"type": "GSM_Rephrased", "query": "Ann has 3 pens and gets 2 more. How many pens?", "original_question": "",
     "response": "Ann has 3 + 2 = 5 pens.\nThe answer is: 5"},
    {"type": "MATH_FOBAR", "query": "If $x + 1 = 4$, what is $x$?", "original_question": "",
     "response": "Subtracting 1, $x = 3$.\nThe answer is: 3"},
] * 2  # fmt: skip

HENDRYCKS_MATH = [
    {"problem": "What is $\\frac{1}{2} + \\frac{1}{4}$?", "level": "Level 1", "type": "Prealgebra",
     "solution": "We have $\\frac{1}{2} + \\frac{1}{4} = \\frac{2}{4} + \\frac{1}{4} = \\boxed{\\frac{3}{4}}$."},
    {"problem": "Solve $2x = 10$.", "level": "Level 2", "type": "Algebra",
     "solution": "Dividing by 2, $x = \\boxed{5}$."},
] * 2  # fmt: skip

GSM8K_TEST = [{"question": "Sam has 4 cats and 3 dogs. How many pets?", "answer": "4 + 3 = <<4+3=7>>7\n#### 7"}] * 2
MATH500_TEST = [{"problem": "What is $1+1$?", "solution": "$1+1=\\boxed{2}$", "answer": "2", "subject": "Prealgebra",
                 "level": 1, "unique_id": "test/prealgebra/1.json"}] * 2  # fmt: skip


def write_jsonl(path: Path, rows: list[dict]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def write_all(root: Path) -> dict[str, str]:
    """Training files by adapter name, and `eval_dir` holding <dataset>/test.jsonl for gsm8k, math500 and mathqa."""
    files = {
        "orca_math": write_jsonl(root / "orca.jsonl", ORCA),
        "mathqa": write_jsonl(root / "math_qa_train.jsonl", MATHQA),
        "math_instruct": write_jsonl(root / "MathInstruct.jsonl", MATH_INSTRUCT),
        "metamathqa": write_jsonl(root / "MetaMathQA.jsonl", METAMATHQA),
        "hendrycks_math": write_jsonl(root / "math_train.jsonl", HENDRYCKS_MATH),
    }
    write_jsonl(root / "eval" / "gsm8k" / "test.jsonl", GSM8K_TEST)
    write_jsonl(root / "eval" / "math500" / "test.jsonl", MATH500_TEST)
    write_jsonl(root / "eval" / "mathqa" / "test.jsonl", MATHQA_TEST)
    return {**files, "eval_dir": str(root / "eval")}

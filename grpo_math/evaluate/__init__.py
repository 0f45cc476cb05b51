"""Evaluation: GSM8K, MATH-500, MathQA and the offline generators, scored with the rewards' definition of correct.

datasets.py   problems by dataset name (hub or <data_dir>/<name>/test.jsonl) and the prompt style for each
generate.py   batched, left-padded transformers generate (or vLLM) -> completions
scoring.py    lenient and strict correctness, format, per prompt style (grpo_math.grading)
metrics.py    accuracy, pass@k (unbiased), maj@k
runner.py     check, evaluate, write eval_results.json, print the table (launch/eval.py)
callback.py   in-training evaluation: before step 0, every eval.every steps, at the end
"""

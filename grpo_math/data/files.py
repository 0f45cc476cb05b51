"""Read a local jsonl/json/parquet/csv file of records, with one-line errors for the usual mistakes."""

from pathlib import Path

from grpo_math.errors import RecipeError

FORMATS = {".jsonl": "json", ".json": "json", ".parquet": "parquet", ".csv": "csv"}


def check_file(path: str) -> Path:
    """Exists, has a known format, is not empty, and (jsonl) every line is a JSON object; cheap, for preflight."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise RecipeError(f"data file {p} does not exist: fix data.sources.<name>.path")
    if p.suffix not in FORMATS:
        raise RecipeError(f"cannot read {p}: use a {', '.join(FORMATS)} file")
    if p.stat().st_size == 0:
        raise RecipeError(f"data file {p} is empty: point data.sources.<name>.path at a file with rows")
    if p.suffix == ".jsonl":
        _check_jsonl(p)
    return p


def read_records(path: str, split: str = "train"):
    p = check_file(path)
    fmt = FORMATS[p.suffix]
    import datasets

    try:
        return datasets.load_dataset(fmt, data_files={split: str(p)}, split=split)
    except Exception as e:  # noqa: BLE001 -- any reader failure becomes one line naming the file
        first = next((line for line in str(e).splitlines() if line.strip()), type(e).__name__)
        raise RecipeError(f"cannot read {p} as {fmt}: {first[:200]}") from None


def _check_jsonl(path: Path) -> None:
    """Name the first line that is not a JSON object (datasets' own error names neither line nor cause)."""
    if sum(1 for _ in jsonl_records(path)) == 0:  # reads every line: a broken one anywhere is named
        raise RecipeError(f"data file {path} has no records: point data.sources.<name>.path at a file with rows")


def jsonl_records(path: str | Path):
    """(line number, record) for each non-blank line; a line that is not a JSON object is a RecipeError naming it."""
    import json

    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise RecipeError(
                    f"{path} line {number} is not valid JSON ({e.msg}): fix or delete that line"
                ) from None
            if not isinstance(row, dict):
                raise RecipeError(f"{path} line {number} is not a JSON object {{...}}: each line must be one record")
            yield number, row


def require_columns(ds, needed: list[str], where: str):
    missing = [c for c in needed if c not in ds.column_names]
    if missing:
        raise RecipeError(f"{where} lacks column(s) {', '.join(missing)}; it has: {', '.join(ds.column_names)}")
    if len(ds) == 0:
        raise RecipeError(f"{where} is empty: point it at a file or split with rows")

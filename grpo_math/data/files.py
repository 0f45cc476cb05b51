"""Read a local jsonl/json/parquet/csv file of records, with one-line errors for the usual mistakes."""

from pathlib import Path

from grpo_math.errors import RecipeError

FORMATS = {".jsonl": "json", ".json": "json", ".parquet": "parquet", ".csv": "csv"}


def read_records(path: str, split: str = "train"):
    p = Path(path).expanduser()
    if not p.is_file():
        raise RecipeError(f"data file {p} does not exist: fix data.sources.<name>.path")
    fmt = FORMATS.get(p.suffix)
    if fmt is None:
        raise RecipeError(f"cannot read {p}: use a {', '.join(FORMATS)} file")
    import datasets

    try:
        return datasets.load_dataset(fmt, data_files={split: str(p)}, split=split)
    except Exception as e:  # noqa: BLE001 -- any reader failure becomes one line naming the file
        raise RecipeError(f"cannot read {p} as {fmt}: {str(e).splitlines()[0][:200]}") from None


def require_columns(ds, needed: list[str], where: str):
    missing = [c for c in needed if c not in ds.column_names]
    if missing:
        raise RecipeError(f"{where} lacks column(s) {', '.join(missing)}; it has: {', '.join(ds.column_names)}")
    if len(ds) == 0:
        raise RecipeError(f"{where} is empty: point it at a file or split with rows")

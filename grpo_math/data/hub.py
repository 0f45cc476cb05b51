"""A dataset's rows from the Hugging Face Hub the normal way, or from a local file with the same columns.

Every hub-backed adapter reads through here: `data.sources.<name>.path` (jsonl/json/parquet/csv) wins over the
hub; the columns the adapter needs are checked, and `size` keeps the first N rows, before any row is converted.
"""

from grpo_math.data.files import read_records, require_columns
from grpo_math.errors import RecipeError


def load_rows(source, name: str, hub_id: str, needed: list[str], hub_config: str | None = None, size: int | None = -1):
    """(datasets.Dataset of `source.split` from source.path or hub_id (hub_config) with `needed` columns, where).

    The first `size` rows (default source.size; None = all: an adapter that filters rows counts them itself)."""
    if source.path:
        ds, where = read_records(source.path, source.split), source.path
    else:
        import datasets

        where = f"{hub_id} ({source.split})"
        try:
            ds = datasets.load_dataset(hub_id, hub_config, split=source.split)
        except Exception as e:  # noqa: BLE001 -- hub, network, cache or split failure: one line with the fix
            raise RecipeError(
                f"cannot load {hub_id} split {source.split!r} ({str(e).splitlines()[0][:120]}): check the "
                f"network/HF_HUB_OFFLINE, or set data.sources.{name}.path to a local jsonl/parquet with columns "
                f"{', '.join(needed)}"
            ) from None
    require_columns(ds, needed, where)
    size = source.size if size == -1 else size
    if size:
        ds = ds.select(range(min(size, len(ds))))
    return ds, where


def final_answer_after(marker: str, text: str) -> tuple[str, str] | None:
    """'...steps...\\nThe answer is: 42' -> ('...steps...', '42') at the last `marker` (case-insensitive), or None."""
    at = text.lower().rfind(marker.lower())
    if at < 0:
        return None
    answer = text[at + len(marker) :].strip().rstrip(".").strip()
    return (text[:at].rstrip(), answer) if answer else None

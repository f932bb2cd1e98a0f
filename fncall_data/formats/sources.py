"""Where rows come from: JSON, JSON Lines, parquet, saved HF ``datasets`` folders, or a hub dataset id.

Every reader yields ``(row number, row)`` pairs, 1-based, so that a rejected row can be found again:
the line number for JSON Lines, the position for everything else. A line that is not JSON is yielded
as a :class:`BadRow`, never skipped. Heavy libraries (pyarrow, datasets) load only when used.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fncall_data.errors import FncallError, InputError
from fncall_data.io import iter_json_lines

__all__ = ["BadRow", "iter_rows"]

# "owner/name" or "name" as the hub spells dataset ids; a local path that does not exist and fits
# this shape is tried on the hub.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that could not even be decoded (a JSONL line that is not JSON)."""

    reason: str
    text: str


def iter_rows(source: str | os.PathLike[str], *, split: str | None = None) -> Iterator[tuple[int, Any]]:
    """Yield ``(number, row)`` for every row of ``source``.

    Args:
        source: a ``.jsonl``/``.json``/``.parquet`` file, a folder saved with ``save_to_disk``, a folder
            of parquet files, or a hub dataset id (needs the hub to be reachable).
        split: for a ``DatasetDict`` or a hub id, the split to read (default: ``train``, or the only one).

    Raises:
        InputError: the source does not exist, cannot be read, or the hub cannot be reached.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "rows.jsonl"
        >>> _ = p.write_text('{"a": 1}\\n{"a": 2}\\n')
        >>> [n for n, _ in iter_rows(p)]
        [1, 2]
    """
    name = os.fspath(source)
    path = Path(name)
    if path.is_dir():
        yield from _folder(path, split)
    elif path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            yield from enumerate(_parquet_rows([path]), start=1)
        elif suffix == ".json" and _starts_array(path):
            yield from _json_array(path)
        else:  # .jsonl, and .json files holding one object per line (as BFCL's do)
            for item in iter_json_lines(path):
                yield item.line, (item.value if item.error is None else BadRow(item.error, item.text))
    elif _HUB_ID.match(name) and not name.endswith((".json", ".jsonl", ".parquet")):
        yield from _hub(name, split)
    else:
        raise InputError("no such file or folder", file=name)


def _starts_array(path: Path) -> bool:
    with open(path, encoding="utf-8", errors="replace") as handle:
        head = handle.read(4096).lstrip("\ufeff \t\r\n")
    return head.startswith("[")


def _json_array(path: Path) -> Iterator[tuple[int, Any]]:
    from fncall_data.io import read_json

    value = read_json(path)
    if isinstance(value, dict) and isinstance(value.get("data"), list):
        value = value["data"]
    if not isinstance(value, list):
        raise InputError("expected a JSON array of rows (or one row per line)", file=str(path))
    yield from enumerate(value, start=1)


def _parquet_rows(paths: list[Path]) -> Iterator[Any]:
    try:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]  # pyarrow ships no type information
    except ImportError:
        raise FncallError('reading parquet needs pyarrow: pip install "fncall[train]"') from None
    for path in paths:
        try:
            table = pq.read_table(path)
        except Exception as exc:  # pyarrow raises several types for an unreadable file
            raise InputError(f"cannot read it as parquet: {exc}", file=str(path)) from None
        yield from table.to_pylist()


def _folder(path: Path, split: str | None) -> Iterator[tuple[int, Any]]:
    if (path / "dataset_info.json").exists() or (path / "dataset_dict.json").exists():
        try:
            from datasets import load_from_disk
        except ImportError:
            raise FncallError('reading a saved dataset needs datasets: pip install "fncall[train]"') from None
        yield from enumerate(_pick_split(load_from_disk(str(path)), split, str(path)), start=1)
        return
    parquet = sorted(path.glob("*.parquet"))
    if parquet:
        yield from enumerate(_parquet_rows(parquet), start=1)
        return
    raise InputError("the folder is neither a saved HF dataset nor a folder of parquet files", file=str(path))


def _pick_split(data: Any, split: str | None, where: str) -> Iterable[Any]:
    if not hasattr(data, "keys"):  # a Dataset, not a DatasetDict
        return data  # type: ignore[no-any-return]
    splits = list(data.keys())
    chosen = split or ("train" if "train" in splits else splits[0] if len(splits) == 1 else None)
    if chosen not in splits:
        raise InputError(f"choose a split with --split (this one has: {', '.join(splits)})", file=where)
    return data[chosen]  # type: ignore[no-any-return]


def _hub(name: str, split: str | None) -> Iterator[tuple[int, Any]]:
    try:
        from datasets import load_dataset
    except ImportError:
        raise FncallError(
            f'{name!r} is not a local file; reading a hub dataset needs datasets: pip install "fncall[train]"'
        ) from None
    try:
        data = load_dataset(name, split=split or "train")
    except Exception as exc:  # offline, unknown id, gated: datasets raises many types
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(
            f"not a local file, and loading it as a hub dataset failed ({reason}); check the path, or "
            "the dataset id and your network",
            file=name,
        ) from None
    yield from enumerate(data, start=1)

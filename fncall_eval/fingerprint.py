"""What made a predictions file: the settings that decide its texts, and a key over them.

A run folder keeps, beside each ``predictions/<label>.jsonl``, the :class:`Fingerprint` of the run that
wrote it. A rerun whose fingerprint is the same resumes; one whose fingerprint differs must not add its
texts to the file (it would score one model's outputs under another's name). The same key can name a
cache of predictions: equal keys mean interchangeable outputs.

What goes in: the backend; the model and the adapter, by content where they are local files or
folders (so a retrained adapter at the same path is another adapter) and by name otherwise (a hub
id, a served model, ``tiny``); the chat profile; the settings that change the generated text
(``max_new_tokens``, ``temperature``, ``dtype``, ``constrained``, the openai ``tools`` mode); and the
test data's content (for the ``predictions`` backend, only the file read and the data). What stays out: batch
size, device, concurrency, timeouts and retries, which change how fast texts come, not which texts;
``--limit``, since predictions are kept per example id.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fncall_data.errors import FncallError, InputError

__all__ = ["Fingerprint", "claim", "content_id", "prediction_fingerprint", "stamp_path"]

# Files up to this size are hashed whole: configs, tokenizers, LoRA adapters, predictions and test
# data. Larger ones (base model weights, GBs) are identified by their size and a hash of their first
# and last MiB: reading GBs on every run would cost minutes, and a retrained or replaced weights file
# differs in its first MiB (safetensors' header holds every tensor's offset) or its last.
_WHOLE = 16 << 20
_EDGE = 1 << 20


@dataclass(frozen=True)
class Fingerprint:
    """The settings that decide a predictions file's texts (name -> value), in a fixed order."""

    settings: dict[str, Any]

    @property
    def key(self) -> str:
        """A sha256 over the settings: equal keys, interchangeable predictions."""
        canonical = json.dumps(self.settings, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def difference(self, other: Fingerprint) -> tuple[str, Any, Any] | None:
        """The first setting whose value differs: (name, value here, value there), or None.

        Example:
            >>> a = Fingerprint({"model": "tiny", "max_new_tokens": 24})
            >>> a.difference(Fingerprint({"model": "tiny", "max_new_tokens": 32}))
            ('max_new_tokens', 24, 32)
        """
        for name in [*self.settings, *(k for k in other.settings if k not in self.settings)]:
            if self.settings.get(name) != other.settings.get(name):
                return name, self.settings.get(name), other.settings.get(name)
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "settings": self.settings}

    @classmethod
    def from_dict(cls, value: Any, *, file: str) -> Fingerprint:
        """Read what :meth:`to_dict` wrote; anything else is an :class:`InputError` naming ``file``."""
        settings = value.get("settings") if isinstance(value, dict) else None
        if not isinstance(settings, dict):
            raise InputError("not a fingerprint (no settings object)", file=file)
        return cls(settings)


def content_id(path: str | os.PathLike[str]) -> str:
    """A sha256 over a file's or folder's content (see the module notes for what is read).

    Paths inside a folder and the folder's own path do not count beyond their relative names, so a
    copied or moved model keeps its id.

    Example:
        >>> import tempfile, pathlib
        >>> a, b = pathlib.Path(tempfile.mkdtemp()), pathlib.Path(tempfile.mkdtemp())
        >>> for d in (a, b):
        ...     _ = (d / "adapter_config.json").write_text("{}")
        >>> content_id(a) == content_id(b)
        True
    """
    root = Path(path)
    digest = hashlib.sha256()
    try:
        for relative, file in _files(root):
            size = file.stat().st_size
            digest.update(f"{relative}\0{size}\0".encode())
            with open(file, "rb") as handle:
                if size <= _WHOLE:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
                else:
                    digest.update(handle.read(_EDGE))
                    handle.seek(size - _EDGE)
                    digest.update(handle.read(_EDGE))
    except OSError as exc:
        raise InputError(f"cannot read it: {exc.strerror or exc}", file=os.fspath(path)) from None
    return digest.hexdigest()


def _files(root: Path) -> Iterator[tuple[str, Path]]:
    if root.is_file():
        yield root.name, root
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                file = Path(dirpath) / name
                yield file.relative_to(root).as_posix(), file


def _identity(spec: str | None) -> str | None:
    """A local file or folder by content, anything else (hub id, served name, ``tiny``) by name."""
    if spec is None:
        return None
    return f"sha256:{content_id(spec)}" if os.path.exists(spec) else spec


def prediction_fingerprint(
    *,
    backend: str,
    generate: Any,
    adapter: str | None,
    data: str | os.PathLike[str],
) -> Fingerprint:
    """The fingerprint of the predictions ``backend`` makes for ``adapter`` (None: the base model).

    Args:
        backend: the backend's registered name.
        generate: the :class:`~fncall_eval.backends.GenerateConfig`.
        adapter: the adapter evaluated on top of the base, or None.
        data: the test data file (or folder).

    Example:
        >>> from fncall_eval.backends import GenerateConfig
        >>> import tempfile, pathlib
        >>> data = pathlib.Path(tempfile.mkdtemp()) / "t.jsonl"
        >>> _ = data.write_text("{}\\n")
        >>> config = GenerateConfig(model="tiny")
        >>> fp = prediction_fingerprint(backend="hf", generate=config, adapter=None, data=data)
        >>> fp.settings["model"], fp.settings["max_new_tokens"]
        ('tiny', 256)
    """
    settings: dict[str, Any]
    if backend == "predictions":  # the texts are read from one file, nothing else decides them
        settings = {"backend": backend, "model": _identity(adapter or generate.model)}
    else:
        settings = {
            "backend": backend,
            "model": _identity(generate.model),
            "adapter": _identity(adapter),
            "profile": generate.profile,
            "max_new_tokens": generate.max_new_tokens,
            "temperature": generate.temperature,
            "dtype": generate.dtype,
        }
        if generate.constrained:  # only when on, so that earlier fingerprints (and caches) keep their keys
            settings["constrained"] = True
        if backend == "hf" and getattr(generate, "decision", "greedy") == "calibrated":
            from fncall_eval.decision import load_decision

            decision = load_decision(adapter, generate.profile)
            if decision is not None:  # the base and uncalibrated adapters decode as plain greedy
                settings["call_threshold"] = decision.threshold
    if backend == "openai":
        settings["tools"] = generate.tools
    settings["data"] = f"sha256:{content_id(data)}"
    return Fingerprint(settings)


def stamp_path(predictions: Path) -> Path:
    """Where the fingerprint of ``predictions`` (``NAME.jsonl``) is kept: ``NAME.fingerprint.json``."""
    return predictions.with_name(predictions.stem + ".fingerprint.json")


def claim(stamps: dict[Path, Fingerprint], *, overwrite: bool = False) -> None:
    """Make each predictions file safe to append to under its fingerprint, or change nothing.

    A file whose stamp matches is kept (the run resumes). A file made under another fingerprint, or
    with no stamp (written by hand or by an older fncall), stops the run, unless ``overwrite``: then
    it is removed and made again. Every file is checked before any is touched.

    Raises:
        FncallError: naming the file, the first setting that differs, and the two ways on.
    """
    from fncall_data.io import atomic_write, writing

    stale: list[Path] = []
    for path, fingerprint in stamps.items():
        problem = _mismatch(path, fingerprint)
        if problem is None:
            continue
        if not overwrite:
            raise FncallError(
                f"{path} {problem}; write this run to another folder with -o, or replace those "
                "predictions with --overwrite"
            )
        stale.append(path)
    for path in stale:
        with writing(path):
            path.unlink(missing_ok=True)
    for path, fingerprint in stamps.items():
        stamp = stamp_path(path)
        if _read_stamp(stamp) != fingerprint:
            with atomic_write(stamp) as handle:
                handle.write(json.dumps(fingerprint.to_dict(), indent=1, ensure_ascii=False) + "\n")


def _mismatch(path: Path, fingerprint: Fingerprint) -> str | None:
    if not (path.is_file() and path.stat().st_size > 0):
        return None  # nothing there to mix with
    old = _read_stamp(stamp_path(path))
    if old is None:
        return "holds predictions of unknown origin (no fingerprint beside it)"
    difference = old.difference(fingerprint)
    if difference is None:
        return None
    name, was, now = difference
    return f"was made with another {name} ({_show(was)}; this run: {_show(now)})"


def _read_stamp(stamp: Path) -> Fingerprint | None:
    from fncall_data.io import read_json

    if not stamp.is_file():
        return None
    return Fingerprint.from_dict(read_json(stamp), file=os.fspath(stamp))


def _show(value: Any) -> str:
    if isinstance(value, str) and value.startswith("sha256:"):
        return f"content {value[7:19]}"
    return "none" if value is None else str(value)

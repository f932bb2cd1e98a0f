"""Export a finished run as one GGUF file, for llama.cpp, Ollama, LM Studio and transformers.

:func:`export_gguf` merges the run's adapter into its base model (rows of added tag tokens included),
then writes the merged weights with the ``gguf`` package's writer under llama.cpp's tensor names for
Gemma 2 (``gemma2``) and Gemma 3 text models (``gemma3``), with the run's tokenizer
(:mod:`fncall_train.gguf_vocab`) and the chat profile's template in the metadata, so a runtime
renders the prompts the model was trained on. An Ollama Modelfile is written beside the file
(:mod:`fncall_train.modelfile`).

Conventions, as llama.cpp's ``convert_hf_to_gguf.py`` writes Gemma files (and transformers' GGUF
loader undoes them): Gemma's RMSNorm scales by ``1 + weight``, and GGUF files store ``1 + weight``;
a tied output head is left out; 1-D tensors (the norms) stay float32. ``q8_0`` quantizes every matrix
whose rows split into blocks of 32 (the embedding included) and writes the others as float16.

The file is checked before it is kept: the config transformers reads back from it must equal the
merged model's, field by field (a Gemma variant whose shape the GGUF keys cannot state fails here,
with the field named, instead of loading as a different model).
"""

from __future__ import annotations

import importlib.util
import logging
import math
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from fncall_data.errors import FncallError
from fncall_data.io import atomic_write, ensure_dir, read_json, writing

if TYPE_CHECKING:
    import numpy as np

__all__ = ["QUANTS", "GgufExport", "Quant", "export_gguf", "write_gguf"]

log = logging.getLogger(__name__)

Quant = Literal["f16", "q8_0"]
#: The quantisations a file can be written in.
QUANTS: tuple[str, ...] = ("f16", "q8_0")
# transformers model_type -> llama.cpp architecture name
_ARCHES = {"gemma2": "gemma2", "gemma3_text": "gemma3"}
# fields of the config that must read back from the file as they are in the model
_CHECKED = (
    "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
    "num_key_value_heads", "head_dim", "rms_norm_eps", "sliding_window", "layer_types", "rope_parameters",
    "query_pre_attn_scalar", "attn_logit_softcapping", "final_logit_softcapping", "hidden_activation",
    "tie_word_embeddings", "attention_bias", "max_position_embeddings",
)  # fmt: skip
_GENERATION_TAG = re.compile(r"\{%-?\s*(?:end)?generation\s*-?%\}")
_Q8_BLOCK = 32


@dataclass(frozen=True)
class GgufExport:
    """What :func:`export_gguf` wrote.

    Attributes:
        path: the GGUF file.
        quant: ``f16`` or ``q8_0``.
        architecture: llama.cpp's name for it (``gemma2``, ``gemma3``).
        size_bytes: the file's size.
        tensors: how many tensors it holds.
        vocab_size: tokens in its vocabulary.
        added_tokens: the tags the run added to the base vocabulary (their rows are in the file).
        modelfile: the Ollama Modelfile written beside it, if any.
        seconds: time taken, merge included.
    """

    path: Path
    quant: str
    architecture: str
    size_bytes: int
    tensors: int
    vocab_size: int
    added_tokens: list[str] = field(default_factory=list)
    modelfile: Path | None = None
    seconds: float = 0.0


def export_gguf(
    run_dir: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    quant: Quant = "f16",
    modelfile: bool = True,
) -> GgufExport:
    """Merge a run's adapter into its base model and write the result as one GGUF file.

    Args:
        run_dir: a folder written by :func:`fncall_train.run.train`.
        output: the ``.gguf`` file to write (replaced atomically if it exists).
        quant: ``f16`` (float16 weights) or ``q8_0`` (8-bit blocks, about half the size).
        modelfile: also write an Ollama Modelfile beside it (``<name>.Modelfile``).

    Raises:
        FncallError: the run is not finished, its base model is not a Gemma 2 or Gemma 3 text model,
            the quantisation is unknown, or the ``gguf`` package is not installed.

    Example:
        >>> export_gguf("runs/t", "t.gguf", quant="q8_0").size_bytes  # doctest: +SKIP
        291875904
    """
    from fncall_data.profiles import get_profile
    from fncall_train.merge import load_trained
    from fncall_train.run import MANIFEST

    started = time.perf_counter()
    run, out = Path(run_dir), Path(output)
    _check_quant(quant)
    _check_gguf()
    _check_base(run)
    manifest = read_json(run / MANIFEST) if (run / MANIFEST).is_file() else {}
    profile = get_profile((manifest.get("config") or {}).get("profile") or "gemma")
    added = [str(t) for t in manifest.get("new_tokens") or []]
    trained = load_trained(run, dtype="float32", device="cpu")
    merged = trained.model.merge_and_unload()
    template = getattr(trained.tokenizer, "chat_template", None) or profile.chat_template()
    written = write_gguf(
        merged,
        trained.tokenizer,
        out,
        quant=quant,
        chat_template=template,
        shown=tuple(added),
        end_of_turn=profile.stop_strings[0] if profile.stop_strings else None,
        name=run.resolve().name,
    )
    beside = None
    if modelfile:
        from fncall_train.modelfile import modelfile_text

        beside = out.with_name(out.stem + ".Modelfile")
        with atomic_write(beside) as handle:
            handle.write(modelfile_text(out.name, profile))
    return GgufExport(
        path=out,
        quant=quant,
        architecture=written.architecture,
        size_bytes=out.stat().st_size,
        tensors=written.tensors,
        vocab_size=written.vocab_size,
        added_tokens=added,
        modelfile=beside,
        seconds=time.perf_counter() - started,
    )


def write_gguf(
    model: Any,
    tokenizer: Any,
    output: str | os.PathLike[str],
    *,
    quant: Quant = "f16",
    chat_template: str | None = None,
    shown: tuple[str, ...] = (),
    end_of_turn: str | None = None,
    name: str = "model",
) -> GgufExport:
    """Write a Gemma 2 / Gemma 3 causal LM (already merged) and its tokenizer as one GGUF file.

    ``chat_template`` is stored without ``{% generation %}`` markers: they only mark the trained
    tokens for transformers, and other Jinja engines reject them. ``shown`` and ``end_of_turn`` go
    to :func:`fncall_train.gguf_vocab.gguf_vocab`.

    Raises:
        FncallError: another architecture, an untied Gemma 2 head, or a file whose config would read
            back different from the model's.
    """
    from fncall_train.gguf_vocab import gguf_vocab, write_vocab

    started = time.perf_counter()
    _check_quant(quant)
    _check_gguf()
    import gguf

    out = Path(output)
    config = model.config
    arch = _ARCHES.get(config.model_type)
    if arch is None:
        raise FncallError(
            f"{name}: the model is {config.model_type!r}; GGUF export writes Gemma 2 and Gemma 3 text models "
            f"({', '.join(_ARCHES)})"
        )
    rows = int(model.get_input_embeddings().weight.shape[0])
    vocab = gguf_vocab(tokenizer, rows, shown=shown, end_of_turn=end_of_turn)
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH[arch.upper()], config.num_hidden_layers)
    plan = list(_plan(model, names, quant))
    ensure_dir(out.parent)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    writer = gguf.GGUFWriter(tmp, arch=arch)
    try:
        _write_metadata(writer, config, name, quant)
        write_vocab(writer, vocab)
        if chat_template:
            writer.add_chat_template(_GENERATION_TAG.sub("", chat_template))
        for entry in plan:
            dtype, item = _storage(entry.qtype)
            shape = entry.shape
            if item == 1:  # quantized: the writer takes the blocks as bytes
                shape = gguf.quant_shape_to_byte_shape(shape, entry.qtype)
            writer.add_tensor_info(entry.name, shape, dtype, math.prod(shape) * item, raw_dtype=entry.qtype)
        with writing(out):
            writer.write_header_to_file()
            writer.write_kv_data_to_file()
            writer.write_ti_data_to_file()
            for entry in plan:
                writer.write_tensor_data(_convert(entry))
            writer.close()
        _check_config(tmp, config, name)
        with writing(out):
            os.replace(tmp, out)
    finally:
        writer.close()
        tmp.unlink(missing_ok=True)
    log.info("wrote %s (%s, %d tensors) in %.1f s", out, quant, len(plan), time.perf_counter() - started)
    return GgufExport(out, quant, arch, out.stat().st_size, len(plan), len(vocab.tokens))


def _check_quant(quant: str) -> None:
    if quant not in QUANTS:
        raise FncallError(f"unknown quantisation {quant!r}; use one of {', '.join(QUANTS)}")


def _check_gguf() -> None:
    if importlib.util.find_spec("gguf") is None:
        raise FncallError('GGUF export needs the gguf package: pip install "fncall[demo]"')


def _check_base(run: Path) -> None:
    """Refuse a run whose base model is not exportable before loading anything."""
    config_file = run / "adapter" / "adapter_config.json"
    if not config_file.is_file():
        raise FncallError(f"{run} holds no adapter (adapter/adapter_config.json); is it a finished run?")
    base = read_json(config_file).get("base_model_name_or_path") or ""
    base_config = Path(base).expanduser() / "config.json"
    if not base_config.is_file():
        return  # a hub id: load_trained resolves it, write_gguf checks the architecture
    model_type = read_json(base_config).get("model_type")
    if model_type not in _ARCHES:
        raise FncallError(
            f"{run}: its base model {base} is {model_type!r}; GGUF export writes Gemma 2 and Gemma 3 text "
            f"models ({', '.join(_ARCHES)})"
        )


@dataclass(frozen=True)
class _Tensor:
    name: str  # llama.cpp's
    source: str  # transformers'
    tensor: Any
    qtype: Any
    shape: tuple[int, ...]


def _plan(model: Any, names: Any, quant: str) -> Iterator[_Tensor]:
    """Every tensor to write, with its name and storage type, in state-dict order."""
    import gguf

    tied = bool(getattr(model.config, "tie_word_embeddings", False))
    for hf_name, tensor in model.state_dict().items():
        if hf_name == "lm_head.weight" and tied:
            continue  # the embedding serves as the output head
        base, _, suffix = hf_name.rpartition(".")
        mapped = names.get_name(base)
        if mapped is None:
            raise FncallError(
                f"the model's tensor {hf_name} has no name in llama.cpp's {model.config.model_type} layout "
                "(an untied output head?); it cannot be exported"
            )
        shape = tuple(int(n) for n in tensor.shape)
        if len(shape) == 1:
            qtype = gguf.GGMLQuantizationType.F32
        elif quant == "q8_0" and shape[-1] % _Q8_BLOCK == 0:
            qtype = gguf.GGMLQuantizationType.Q8_0
        else:
            qtype = gguf.GGMLQuantizationType.F16
        yield _Tensor(f"{mapped}.{suffix}", hf_name, tensor, qtype, shape)


def _storage(qtype: Any) -> tuple[Any, int]:
    """The numpy dtype the writer is given for ``qtype``, and its size in bytes."""
    import gguf
    import numpy as np

    if qtype == gguf.GGMLQuantizationType.F32:
        return np.dtype(np.float32), 4
    if qtype == gguf.GGMLQuantizationType.F16:
        return np.dtype(np.float16), 2
    return np.dtype(np.uint8), 1


def _convert(entry: _Tensor) -> np.ndarray[Any, Any]:
    import gguf

    data = entry.tensor.detach().to("cpu").float().numpy()
    if entry.source.endswith("norm.weight"):
        data = data + 1.0  # Gemma's RMSNorm scales by 1 + weight; GGUF files store that sum
    return gguf.quants.quantize(data, entry.qtype)


def _write_metadata(writer: Any, config: Any, name: str, quant: str) -> None:
    """The keys llama.cpp reads for both architectures (each reads the ones it needs)."""
    import gguf

    writer.add_name(name)
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_key_length(config.head_dim)
    writer.add_value_length(config.head_dim)
    rope = getattr(config, "rope_parameters", None) or {"rope_theta": getattr(config, "rope_theta", 10000.0)}
    writer.add_rope_freq_base(float(rope.get("full_attention", rope)["rope_theta"]))
    if "sliding_attention" in rope:
        writer.add_rope_freq_base_swa(float(rope["sliding_attention"]["rope_theta"]))
    if config.sliding_window is not None:
        writer.add_sliding_window(config.sliding_window)
    if getattr(config, "attn_logit_softcapping", None) is not None:
        writer.add_attn_logit_softcapping(config.attn_logit_softcapping)
    if getattr(config, "final_logit_softcapping", None) is not None:
        writer.add_final_logit_softcapping(config.final_logit_softcapping)
    if getattr(config, "query_pre_attn_scalar", config.head_dim) != config.head_dim:
        log.warning(
            "query_pre_attn_scalar (%s) differs from head_dim (%s): llama.cpp scales attention by head_dim, "
            "so its outputs will differ from transformers'", config.query_pre_attn_scalar, config.head_dim,
        )  # fmt: skip
    file_type = {"f16": gguf.LlamaFileType.MOSTLY_F16, "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}[quant]
    writer.add_file_type(file_type)
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)


def _check_config(path: Path, config: Any, name: str) -> None:
    """The config transformers reads from the file must equal the model's on every field that matters."""
    from transformers import AutoConfig

    read = AutoConfig.from_pretrained(os.fspath(path.parent), gguf_file=path.name)
    wrong = [
        f"{key} {getattr(read, key, None)!r} instead of {getattr(config, key, None)!r}"
        for key in _CHECKED
        if not _same(getattr(read, key, None), getattr(config, key, None))
    ]
    if wrong:
        raise FncallError(
            f"{name}: transformers would read this GGUF file as another model ({'; '.join(wrong)}); "
            "this variant cannot be exported to GGUF"
        )


def _same(a: Any, b: Any) -> bool:
    """Equal, with floats compared at float32 precision (GGUF stores them as float32)."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and math.isclose(a, b, rel_tol=1e-6)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)

"""A tiny GGUF file written in-process (Qwen2 layout, the tiny byte-level tokenizer), for loading tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_tiny_gguf(path: Path) -> Any:
    """Write a random 2-layer Qwen2 as float32 GGUF to ``path``; return the model it holds."""
    import gguf
    import numpy as np
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    from fncall_train.tiny import build_tiny_tokenizer

    tok = build_tiny_tokenizer()
    state = json.loads(tok.backend_tokenizer.to_str())
    tokens: list[str] = [""] * len(tok)
    for text, index in state["model"]["vocab"].items():
        tokens[index] = text
    for added in state["added_tokens"]:
        tokens[added["id"]] = added["content"]
    merges = [m if isinstance(m, str) else " ".join(m) for m in state["model"]["merges"]]
    special = {a["id"] for a in state["added_tokens"] if a["special"]}
    config = Qwen2Config(
        vocab_size=len(tokens), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512, tie_word_embeddings=True,
    )  # fmt: skip
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = Qwen2ForCausalLM(config)
    writer = gguf.GGUFWriter(str(path), arch="qwen2")
    writer.add_name("tiny-qwen2")
    writer.add_block_count(2)
    writer.add_context_length(512)
    writer.add_embedding_length(32)
    writer.add_feed_forward_length(64)
    writer.add_head_count(4)
    writer.add_head_count_kv(2)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_rope_freq_base(10000.0)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(tokens)
    writer.add_token_merges(merges)
    writer.add_token_types([3 if i in special else 1 for i in range(len(tokens))])
    writer.add_bos_token_id(tok.bos_token_id)
    writer.add_eos_token_id(tok.eos_token_id)
    writer.add_pad_token_id(tok.pad_token_id)
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.QWEN2, 2)
    for hf_name, tensor in model.state_dict().items():
        if hf_name == "lm_head.weight":  # tied: GGUF leaves it out
            continue
        base, _, suffix = hf_name.rpartition(".")
        writer.add_tensor(f"{names.get_name(base)}.{suffix}", tensor.detach().numpy().astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return model


def build_spm_tokenizer() -> Any:
    """The tiny tokenizer with its model swapped for one shaped like Gemma's: spaces as ``▁``, a BPE
    with byte fallback to ``<0xNN>``, no byte-level alphabet.

    Learned on the tiny model's corpus. Ids as in Gemma: the special tokens (the same ids as in the
    tiny tokenizer, so its added tokens still point at them), the 256 byte tokens, then the learned
    tokens in merge order.
    """
    from tokenizers import Tokenizer, decoders, models, normalizers, trainers

    from fncall_train.tiny import _CORPUS, build_tiny_tokenizer

    tokenizer = build_tiny_tokenizer()
    special = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer.all_special_ids))))
    learner = Tokenizer(models.BPE(unk_token="<unk>"))
    learner.normalizer = normalizers.Replace(" ", "▁")
    learner.train_from_iterator(_CORPUS, trainers.BpeTrainer(vocab_size=400, show_progress=False))
    learned = json.loads(learner.to_str())["model"]
    pieces = [*special, *(f"<0x{byte:02X}>" for byte in range(256))]
    pieces += sorted(learned["vocab"], key=learned["vocab"].__getitem__)
    core = tokenizer.backend_tokenizer
    core.model = models.BPE(
        vocab={piece: index for index, piece in enumerate(pieces)},
        merges=[tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in learned["merges"]],
        unk_token="<unk>",
        byte_fallback=True,
    )
    core.normalizer = normalizers.Replace(" ", "▁")
    core.pre_tokenizer = None
    core.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()])
    return tokenizer

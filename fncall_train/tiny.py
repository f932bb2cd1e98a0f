"""A tiny random Gemma 2 with an in-process tokenizer: the model of tests and smoke runs.

:func:`build_tiny` trains a byte-level BPE tokenizer on a small fixed corpus (chat turns and tool-call
JSON, so that the text these models see splits into few tokens) and builds a 2-layer
``Gemma2ForCausalLM`` from fixed seeds. It takes well under a second, reaches nothing over the
network, and gives the same vocabulary and the same weights every time.

The vocabulary holds Gemma's control tokens (``<pad>``, ``<eos>``, ``<bos>``, ``<unk>``,
``<start_of_turn>``, ``<end_of_turn>``) and the tags of the default ``gemma`` profile as single
tokens; other profiles' tags are added by :func:`fncall_train.models.load_model`, as for real models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fncall_data.profiles.chat import TOOL_TAGS

if TYPE_CHECKING:
    from transformers import Gemma2ForCausalLM, PreTrainedTokenizerFast

__all__ = ["TINY_CONTROL_TOKENS", "TINY_TAGS", "Tiny", "build_tiny", "build_tiny_tokenizer"]

#: Gemma's control tokens, at the same ids as in Gemma's own vocabulary (pad 0, eos 1, bos 2, unk 3).
TINY_CONTROL_TOKENS: tuple[str, ...] = (
    "<pad>",
    "<eos>",
    "<bos>",
    "<unk>",
    "<start_of_turn>",
    "<end_of_turn>",
)
#: The profiles' tool tags, single tokens in the tiny vocabulary.
TINY_TAGS: tuple[str, ...] = TOOL_TAGS

_VOCAB_SIZE = 640
_SEED = 1234

# A fixed corpus: what the tiny model will read and write, so that common words and JSON punctuation
# become single tokens. Changing it changes the vocabulary (a test pins its hash).
_CORPUS: tuple[str, ...] = (
    "user\nWhat is the weather in Paris today?",
    "model\nThe weather in Paris is sunny, 21 degrees.",
    '{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}',
    '{"name": "convert_currency", "arguments": {"amount": 500, "from_currency": "USD", '
    '"to_currency": "EUR"}}',
    '{"name": "search", "arguments": {"query": "flights to Rome", "limit": 5}}',
    '{"name": "get_weather", "description": "Current weather for a city.", "parameters": {"type": "object", '
    '"properties": {"city": {"type": "string"}, "unit": {"type": "string", '
    '"enum": ["celsius", "fahrenheit"]}}, "required": ["city"]}}',
    '{"type": "function", "function": {"name": "send_email", "description": "Send an email.", "parameters": '
    '{"type": "object", "properties": {"to": {"type": "string"}, "body": {"type": "string"}}, "required": '
    '["to", "body"]}}}',
    '{"temp_c": 14, "condition": "cloudy"} {"converted_amount": 425.5, "ok": true, "error": null}',
    "Tools (call one with tool_call, one block per call): name arguments description parameters",
    "Which city do you mean? I need the date too. Sorry, I cannot book tables.",
    "You are a helpful assistant. Think step by step before you call a function.",
    "The user wants two cities, so I call the tool twice: once for Paris and once for Rome.",
    "system human assistant tool function call response tools think",
    "0123456789 [1, 2, 3] true false null - _ . , : ; ! ? ' \" ( ) { } [ ] < > / \\ = + * # @ % & $",
)


@dataclass(frozen=True)
class Tiny:
    """The tiny model and its tokenizer."""

    model: Gemma2ForCausalLM
    tokenizer: PreTrainedTokenizerFast


def build_tiny_tokenizer() -> PreTrainedTokenizerFast:
    """The tiny byte-level BPE tokenizer: deterministic, about 650 tokens, adds ``<bos>`` itself.

    Example:
        >>> tok = build_tiny_tokenizer()
        >>> tok.convert_ids_to_tokens(tok("<tool_call>")["input_ids"])
        ['<bos>', '<tool_call>']
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    special = [*TINY_CONTROL_TOKENS, *TINY_TAGS]
    core = Tokenizer(models.BPE(unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=_VOCAB_SIZE,
        special_tokens=special,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    core.train_from_iterator(_CORPUS, trainer=trainer)
    bos_id = core.token_to_id("<bos>")
    # Like Gemma's tokenizer: <bos> is added once, in front, by the tokenizer and never by the text.
    core.post_processor = processors.TemplateProcessing(
        single="<bos> $A", pair="<bos> $A $B", special_tokens=[("<bos>", bos_id)]
    )
    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]  # transformers leaves __init__ untyped
        tokenizer_object=core,
        bos_token="<bos>",
        eos_token="<eos>",
        pad_token="<pad>",
        unk_token="<unk>",
        additional_special_tokens=["<start_of_turn>", "<end_of_turn>", *TINY_TAGS],
        padding_side="left",
        model_max_length=4096,
    )


def build_tiny(*, hidden_size: int = 64, layers: int = 2, seed: int = _SEED) -> Tiny:
    """A random 2-layer ``Gemma2ForCausalLM`` (hidden size 64) and its tokenizer, the same every call.

    Example:
        >>> tiny = build_tiny()
        >>> tiny.model.config.num_hidden_layers, tiny.model.config.vocab_size == len(tiny.tokenizer)
        (2, True)
    """
    import torch
    from transformers import Gemma2Config, Gemma2ForCausalLM

    tokenizer = build_tiny_tokenizer()
    config = Gemma2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=hidden_size // 4,
        max_position_embeddings=4096,
        sliding_window=256,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
    )
    # Gemma 2 soft-caps attention logits; the eager kernel is the one that does so on CPU.
    config._attn_implementation = "eager"
    # Seed a private generator's worth of state: fork the global RNG so callers' randomness is untouched.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Gemma2ForCausalLM(config)
    model.eval()  # type: ignore[no-untyped-call]  # torch's Module.eval is untyped here
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = [
        tokenizer.eos_token_id,
        tokenizer.convert_tokens_to_ids("<end_of_turn>"),
    ]
    return Tiny(model=model, tokenizer=tokenizer)

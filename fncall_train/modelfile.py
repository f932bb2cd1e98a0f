"""An Ollama Modelfile for an exported GGUF file.

Ollama renders prompts with Go templates, not with the Jinja template the GGUF file carries, so the
Modelfile holds a Go translation of the ``gemma`` profiles' turns: the system text opens the first
user turn, tool results are ``<tool_response>`` blocks in a user turn, earlier calls are
``<tool_call>`` blocks. The tool list is not rendered from Ollama's ``tools``: Ollama keeps only part
of each JSON Schema, so the list it could write would differ from the one the model was trained on.
Put the list in the system message as fncall writes it (the profile's prompt up to the user text), or
send whole prompts rendered by fncall with ``"raw": true``. Other profiles get a raw template.
"""

from __future__ import annotations

from fncall_data.profiles.base import ChatProfile

__all__ = ["modelfile_text"]

# The gemma layout, one Go template action per step. A tool result closes its user turn lazily: the
# turn ends when the next message is not a tool result, or at the end of the conversation.
_GEMMA_TEMPLATE = (
    '{{ $system := "" }}{{ range .Messages }}{{ if eq .Role "system" }}{{ $system = .Content }}{{ end }}'
    "{{ end }}"
    '{{ $first := true }}{{ $previous := "" }}'
    "{{ range .Messages }}"
    '{{ if and (eq $previous "tool") (ne .Role "tool") }}<end_of_turn>\n{{ end }}'
    '{{ if eq .Role "user" }}<start_of_turn>user\n'
    "{{ if $first }}{{ if $system }}{{ $system }}\n\n{{ end }}{{ $first = false }}{{ end }}"
    "{{ .Content }}<end_of_turn>\n"
    '{{ else if eq .Role "assistant" }}<start_of_turn>model\n{{ .Content }}'
    '{{ range .ToolCalls }}<tool_call>{"name": "{{ .Function.Name }}", "arguments": '
    "{{ json .Function.Arguments }}}</tool_call>{{ end }}<end_of_turn>\n"
    '{{ else if eq .Role "tool" }}{{ if eq $previous "tool" }}\n{{ else }}<start_of_turn>user\n{{ end }}'
    "<tool_response>{{ .Content }}</tool_response>"
    "{{ end }}"
    "{{ $previous = .Role }}"
    "{{ end }}"
    '{{ if eq $previous "tool" }}<end_of_turn>\n{{ end }}'
    "<start_of_turn>model\n"
)


def modelfile_text(gguf_name: str, profile: ChatProfile) -> str:
    """The Modelfile for ``gguf_name`` (a file in the same folder), for a model trained with ``profile``.

    Example:
        >>> from fncall_data.profiles import get_profile
        >>> print(modelfile_text("m.gguf", get_profile("seed")).splitlines()[2])
        FROM ./m.gguf
    """
    gemma = profile.name.startswith("gemma")
    lines = [
        f"# Ollama Modelfile written by fncall for a model trained with the {profile.name!r} chat profile.",
        "# Create the model with: ollama create NAME -f THIS_FILE",
        f"FROM ./{gguf_name}",
    ]
    if gemma:
        lines += [
            "# The tool list is not rendered from Ollama's tools: put it in the system message as fncall",
            "# writes it, or send prompts rendered by fncall with raw=true (see docs/train.md).",
            f'TEMPLATE """{_GEMMA_TEMPLATE}"""',
        ]
    else:
        lines += [
            "# Prompts in this profile's layout are not translated for Ollama: send prompts rendered by",
            "# fncall with raw=true.",
            'TEMPLATE """{{ .Prompt }}"""',
        ]
    lines += [f"PARAMETER stop {_quoted(stop)}" for stop in profile.stop_strings]
    lines.append("PARAMETER temperature 0")
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

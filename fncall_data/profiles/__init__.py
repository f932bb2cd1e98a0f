"""Chat profiles: records to model text and model text to calls, shared by training and evaluation.

Example:
    >>> from fncall_data.profiles import PROFILES
    >>> "gemma" in PROFILES.names()
    True
"""

from __future__ import annotations

from fncall_data.profiles.base import CallSyntax, ChatProfile, Segment
from fncall_data.profiles.chat import chat_messages, chat_tools
from fncall_data.profiles.encode import Encoded, encode
from fncall_data.registry import Registry

__all__ = [
    "PROFILES",
    "CallSyntax",
    "ChatProfile",
    "Encoded",
    "Segment",
    "chat_messages",
    "chat_tools",
    "encode",
    "get_profile",
]

#: Profile classes by name; plugins register in the ``fncall.profiles`` entry-point group.
PROFILES: Registry[type[ChatProfile]] = Registry("chat profile", group="fncall.profiles")
PROFILES.register("gemma", "fncall_data.profiles.gemma:GemmaProfile")
PROFILES.register("gemma_json", "fncall_data.profiles.gemma:GemmaJsonProfile")
PROFILES.register("gemma_tokens", "fncall_data.profiles.gemma:GemmaTokensProfile")
PROFILES.register("seed", "fncall_data.profiles.seed:SeedProfile")
PROFILES.register("chatml", "fncall_data.profiles.chatml:ChatMLProfile")
PROFILES.register("native", "fncall_data.profiles.native:NativeProfile")


def get_profile(name: str) -> ChatProfile:
    """A new profile object by registry name (``gemma``, ``seed``, ``chatml``, ``native``)."""
    return PROFILES.get(name)()

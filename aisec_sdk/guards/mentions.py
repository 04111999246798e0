"""Attacks quoted by text that talks about them: a mention, not a use.

Security write-ups, tutorials, test plans and questions about prompt injection quote the
attacks they discuss ("a classic example is typing 'Ignore all previous instructions'").
Where a text quotes something and, outside its quotes, names attacks as a subject (injection,
jailbreak, attacker, filter, security... in the languages the gate reads), the
prompt-injection guard also reads it with the quoted passages blanked out: what remains is
the text's own voice. An attack written outside quotes still reads as one.
"""

# ruff: noqa: RUF001  (quotation marks and dotless i are the point of these patterns)
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import re2  # type: ignore[import-untyped]

from aisec_sdk.text import re2_options

__all__ = ["unquoted"]

_q = 400  # the longest quoted passage, in characters
# a quoted passage on one line: straight, curly, low-high, guillemets, CJK corner brackets;
# single straight quotes only as a pair that no letter touches from outside (not "don't")
# (a passage holds neither of its marks, so an unclosed mark is not rescanned from the next;
# the lookahead skips positions without a mark cheaply)
_QUOTED = re.compile(
    "(?=[\"“„«»‹「『‘'])(?:"
    rf'"[^"\n]{{1,{_q}}}"|“[^”“\n]{{1,{_q}}}”|„[^“”„\n]{{1,{_q}}}[“”]|«[^»«\n]{{1,{_q}}}»'
    rf"|»[^«»\n]{{1,{_q}}}«|‹[^›‹\n]{{1,{_q}}}›|「[^」「\n]{{1,{_q}}}」|『[^』『\n]{{1,{_q}}}』"
    rf"|‘[^’‘\n]{{1,{_q}}}’|(?<![\w'])'[^'\n]{{1,{_q}}}'(?![\w']))"
)
# words that make attacks the subject of a text (lower-cased; Latin words from a word start;
# RE2 runs the long alternation as one DFA, ~60x faster than ``re`` here)
_SUBJECT: Any = re2.compile(
    r"\b(?:prompt\W?injections?|injections?|injektion\w*|injeção|injeções|inyecci[oó]n\w*"
    r"|iniezion\w+|injecti\w+|enjeksiyon\w*|injeksi|wstrzykiw\w+|jailbreak\w*|jail\W?break\w*"
    r"|attack\w*|angriff\w*|angreifer\w*|attaqu\w+|ataque\w*|atacante\w*|attacc\w+|aanval\w*"
    r"|atak\w*|saldır\w+|serangan|exploit\w*|malicious|malveillant\w*|malicios[oa]s?"
    r"|b[öo]sartig\w*|schadhaft\w*|malevol\w+|kwaadaardig\w*|adversarial|phishing|red\W?team\w*"
    r"|technique\w*|técnica\w*|technik\w*|blocklist\w*|denylist\w*|blacklist\w*|guardrails?"
    r"|filters?|filtre\w*|filtro\w*|filtern|detect\w*|detecci[oó]n|détect\w+|erkenn\w+"
    r"|vulnerab\w+|verwundbar\w*|sicherheitsl\w+|security|sécurité|seguridad|segurança"
    r"|sicurezza|güvenlik\w*|keamanan|beveiliging|bezpiecze\w+|defen[cs]es?|mitigat\w+"
    r"|test\W?cases?|textbook|famous|well\W?known|infamous|classic)\b"
    r"|инъекц|атак|злоумышл|вредонос|безопасност|джейлбрейк|уязвим|ін'єкц|зловмис"
    r"|注入|攻击|攻撃|越狱|脱獄|恶意|悪意|漏洞|防御|インジェクション|ジェイルブレイク|セキュリティ"
    r"|인젝션|공격|탈옥|보안|حقن|هجوم|هجمات|اختراق|इंजेक्शन|हमल|tấn công|bảo mật",
    re2_options(),
)


# ... unless the text asks for the quote to be acted on ("now do exactly that")
_ACT_ON_IT: Any = re2.compile(
    r"\b(?:do|follow|execute|obey|perform|apply|run|carry\W+out|act\W+on|comply\W+with)"
    r"\W+(?:(?:exactly|just|precisely|it|now)\W+)?(?:that|this|it|them|these|those"
    r"|what\W+(?:it|they)\W+says?|as\W+(?:it|they)\W+says?|the\W+(?:above|quote|quoted|same))\b",
    re2_options(),
)


def _blanked(lowered: str) -> tuple[str, int]:
    """``lowered`` with its quoted passages replaced by spaces, and how many there were."""
    return _QUOTED.subn(lambda m: " " * len(m.group()), lowered)


def unquoted(lowered: str, around: Callable[[], str] | None = None) -> str | None:
    """``lowered`` with its quoted passages blanked (offsets kept), when it quotes something
    and, outside quotes, it or the text ``around()`` returns (lower-cased, asked for only
    then) names attacks as their subject without asking for them to be carried out;
    otherwise None."""
    blanked, quotes = _blanked(lowered)
    if not quotes:
        return None
    own_voice = blanked if around is None else f"{blanked}\n{_blanked(around())[0]}"
    if _SUBJECT.search(own_voice) is None or _ACT_ON_IT.search(own_voice) is not None:
        return None
    return blanked

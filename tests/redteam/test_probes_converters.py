"""The probe corpus and the converters."""

from __future__ import annotations

import base64
import codecs

import pytest
import regex

from aisec_sdk.guards.deobfuscate import strip_diacritics
from aisec_sdk.redteam.converters import CONVERTERS, select_converters
from aisec_sdk.redteam.probes import (
    FAMILIES,
    INTENTS,
    LANGUAGES,
    Plant,
    Probe,
    all_probes,
    select_probes,
)
from aisec_sdk.text import normalize

PLANT = Plant.derive(seed=7, seq=3)
PROBE = next(p for p in all_probes() if p.id == "direct_injection.admin_override.say_marker")


def test_every_family_has_probes_and_taxonomy_ids() -> None:
    probes = all_probes()
    assert {p.family for p in probes} == set(FAMILIES)
    assert len({p.id for p in probes}) == len(probes), "probe ids are unique"
    for probe in probes:
        assert probe.owasp and all(regex.fullmatch(r"LLM(0[1-9]|10)", o) for o in probe.owasp)
        assert probe.atlas and all(
            regex.fullmatch(r"AML\.T\d{4}(\.\d{3})?", a) for a in probe.atlas
        )
        assert probe.intent in INTENTS and probe.goal


def test_indirect_probes_carry_the_payload_in_a_document() -> None:
    indirect = select_probes(["indirect_injection"])
    assert indirect and all(p.indirect for p in indirect)
    user, document = indirect[0].render("PAYLOAD-TEXT", PLANT)
    assert document is not None and "PAYLOAD-TEXT" in document
    assert "PAYLOAD-TEXT" not in user


def test_direct_probe_renders_the_filled_payload() -> None:
    payload = PROBE.payload(PLANT)
    assert PLANT.marker in payload and "{marker}" not in payload
    user, document = PROBE.render(payload, PLANT)
    assert user == payload and document is None


def test_plants_are_reproducible_and_distinct() -> None:
    assert Plant.derive(1, 2) == Plant.derive(1, 2)
    assert Plant.derive(1, 2).canary != Plant.derive(1, 3).canary
    assert Plant.derive(1, 2).canary != Plant.derive(2, 2).canary


def test_unknown_family_and_converter_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="known: direct_injection"):
        select_probes(["nope"])
    with pytest.raises(ValueError, match="known: none"):
        select_converters(["rot26"])


def _convert(name: str, probe: Probe = PROBE) -> str:
    return CONVERTERS[name].convert(probe.payload(PLANT), probe, PLANT)


def test_encoding_converters_hide_and_preserve_the_payload() -> None:
    payload = PROBE.payload(PLANT)
    b64 = _convert("base64").rsplit(" ", 1)[1]
    assert base64.b64decode(b64).decode() == payload
    assert bytes.fromhex(_convert("hex").rsplit(" ", 1)[1]).decode() == payload
    rot = _convert("rot13")
    assert PLANT.marker not in rot and payload in codecs.encode(rot, "rot13")
    for name in ("base64", "hex", "rot13"):
        assert PLANT.marker not in _convert(name)


def test_character_converters_keep_the_marker_and_change_the_rest() -> None:
    payload = PROBE.payload(PLANT)
    for name in ("leetspeak", "homoglyphs", "diacritics", "zero_width"):
        converted = _convert(name)
        assert PLANT.marker in converted, name
        assert converted != payload and "instructions" not in converted, name
    # aisec_sdk's normaliser sees through them (what its guards match on)
    assert "Ignore all previous instructions" in normalize(_convert("homoglyphs")).normalized
    assert normalize(_convert("zero_width")).normalized == payload
    assert strip_diacritics(_convert("diacritics")) == payload


def test_tag_smuggling_is_invisible_but_recoverable() -> None:
    converted = _convert("unicode_tags")
    visible = "".join(c for c in converted if not 0xE0000 <= ord(c) <= 0xE007F)
    assert PLANT.marker not in visible
    assert PROBE.payload(PLANT) in normalize(converted).normalized


def test_translations_use_our_templates_and_keep_the_slots() -> None:
    for lang in LANGUAGES:
        converted = _convert(f"translate_{lang}")
        assert PLANT.marker in converted
        assert INTENTS["say_marker"][lang].replace("{marker}", PLANT.marker) in converted
        assert "Ignore all previous instructions" not in converted


def test_payload_split_reassembles_to_the_payload() -> None:
    converted = _convert("payload_split")
    chunks = regex.findall(r"^[a-z] = '(.*)'$", converted, flags=regex.MULTILINE)
    assert len(chunks) == 3 and "".join(chunks) == PROBE.payload(PLANT)


def test_converters_apply_to_every_probe() -> None:
    for probe in all_probes():
        payload = probe.payload(PLANT)
        for converter in CONVERTERS.values():
            out = converter.convert(payload, probe, PLANT)
            assert isinstance(out, str) and out

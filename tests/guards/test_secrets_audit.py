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

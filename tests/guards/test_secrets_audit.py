"""secrets: regressions found by an outside evaluation (URLs after a secret's word in prose,
routable GitLab tokens, values that start with a sigil)."""

from __future__ import annotations

import base64
import json
import string
import time
from collections.abc import Callable
from typing import Any

import pytest

from aisec_sdk.guards.secrets import SecretsGuard, SecretsSettings
from aisec_sdk.text import normalize


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


@pytest.mark.parametrize("unit", ["Token", "PasswordSecret", "credential"])
def test_a_long_name_before_a_url_is_read_once(unit: str) -> None:
    """Going back to a URL's scheme after a secret's word must not re-read a long name: a
    run of 'TokenToken...' before '://' was matched again from each 'Token' (40 KB: 68 s)."""
    guard = SecretsGuard(SecretsSettings())

    def timed(n: int) -> float:
        text = normalize(unit * n + "://xxxxxxxxxxxx")
        started = time.perf_counter()
        guard.scan(text, "input")
        return time.perf_counter() - started

    small, large = min(timed(250) for _ in range(3)), min(timed(2_000) for _ in range(2))
    assert large < 0.02 or large / max(small, 1e-4) < 30  # linear ~ 8, quadratic ~ 64


@pytest.mark.parametrize("body_length", [27, 140, 300])
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


def _long_jwt(rand: Callable[..., str]) -> str:
    """A JWT with a payload of about 1,800 characters (an identity provider's access token
    that lists the user's groups), signed with RS256."""

    def part(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    groups = [rand(36, string.hexdigits.lower()) for _ in range(30)]
    header = part({"alg": "RS256", "typ": "JWT", "kid": rand(20)})
    payload = part({"sub": rand(12), "groups": groups, "iat": 1900000000})
    return f"{header}.{payload}.{rand(342, string.ascii_letters + string.digits + '-_')}"


@pytest.mark.parametrize(
    "template",
    [
        "ACCESS_TOKEN={}\n",
        '{{"id_token": "{}"}}',
        "Authorization: Bearer {}\n",
        "the token is {} (expired?)",
        "curl -H 'X-Auth: {}' https://api.example.net",
    ],
)
def test_long_tokens_are_reported_whole(
    run_guard: Callable[..., Any], rand: Callable[..., str], template: str
) -> None:
    """A JWT with a payload over 1,000 characters was not found in plain text, and was cut
    after 256 characters as an assignment's value or 1,000 after "Bearer": the rest of the
    token stayed in the redacted text."""
    token = _long_jwt(rand)
    text = template.format(token)
    found = run_guard("secrets")(text)
    assert [text[f.start : f.end] for f in found] == [token]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("DB_PASSWORD=&q5pWo*j0*GB#8\n", "&q5pWo*j0*GB#8"),
        ('password: "%6UH_ZzV8yNxzqb&tp*5^r"', "%6UH_ZzV8yNxzqb&tp*5^r"),
        ('api_key = "$x7Kp!2mQ9vLw3Tz"', "$x7Kp!2mQ9vLw3Tz"),
        ("<password>@Xk9#mQ2!vLp</password>", "@Xk9#mQ2!vLp"),
    ],
)
def test_a_value_starting_with_a_sigil_is_a_secret_unless_it_names_one(
    kinds: Any, text: str, value: str
) -> None:
    """Every value starting with $ % @ & was taken for a reference ($TOKEN, %PASSWORD%,
    @password, &cfg.password); a generated password starts with one now and then."""
    assert [v for _, v in kinds(text)] == [value]


@pytest.mark.parametrize(
    "text",
    [
        "DB_PASSWORD=$DB_PASSWORD_FROM_VAULT",
        "set PASSWORD=%DB_PASSWORD_VALUE%",
        "$env:API_KEY=$env:OPENAI_API_KEY",
        "password: &default_password_anchor",
        "let password = &self.password_field;",
        "@password = @user_password_digest",
        'password: "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"',
    ],
)
def test_references_and_hashes_starting_with_a_sigil_are_not_reported(
    kinds: Any, text: str
) -> None:
    assert kinds(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("SECRET=Tiger3593?\n", "Tiger3593?"),
        ("client_secret: 'Winter362!'", "Winter362!"),
        ("$ app --secret=Winter5809! --verbose", "Winter5809!"),
        ("$config['private_token'] = 'Tg6#24!xQ';", "Tg6#24!xQ"),
    ],
)
def test_a_short_secret_typed_like_a_password_is_reported(
    kinds: Any, text: str, value: str
) -> None:
    """A key or secret of 8-11 characters with upper and lower case letters, digits and a
    symbol is a password someone chose, not a name or a version: it was scored 0.35
    because keys need 12 characters."""
    assert [v for _, v in kinds(text)] == [value]


@pytest.mark.parametrize(
    "text",
    [
        'api_key: "X-Api-Key"',
        "token = 'v1.2.3-rc'",
        "secret_key: test-1234",
        'API_KEY_HEADER_NAME = "Api-Key"',
    ],
)
def test_short_key_values_in_fewer_classes_are_not_reported(kinds: Any, text: str) -> None:
    assert kinds(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mysql -h db -u root -p'Zq8#rT2!mW9x' shop", ("password", "Zq8#rT2!mW9x")),
        ('mysqldump --host db -p"Zq8#rT2!mW9x" shop', ("password", "Zq8#rT2!mW9x")),
        ("docker login -u admin --password Zq8rT2mW9xKp ghcr.io", ("password", "Zq8rT2mW9xKp")),
        (
            "vault login --token 'hvs.CAESIJ2x9Zq8rT2mW9xKp' ",
            ("api_key", "hvs.CAESIJ2x9Zq8rT2mW9xKp"),
        ),
        ("sshpass -p 'Zq8rT2mW9xKp' ssh root@10.0.0.5", ("password", "Zq8rT2mW9xKp")),
        ("mysql -pZq8rT2mW9xKp shop", ("password", "Zq8rT2mW9xKp")),
        ("docker login -u admin -p Zq8rT2mW9xKp registry.acme.io", ("password", "Zq8rT2mW9xKp")),
        (
            "machine api.heroku.com\n  login jane@acme.io\n  password 7f3c9a1e-4b2d-4e8f-9c1a\n",
            ("password", "7f3c9a1e-4b2d-4e8f-9c1a"),
        ),
        (
            "Authorization: Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",
            ("bearer_token", "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"),
        ),
    ],
)
def test_more_command_line_and_header_credentials(
    kinds: Any, text: str, expected: tuple[str, str]
) -> None:
    """Quoted mysql passwords, --password / --token flags followed by a space, sshpass and
    docker login -p, .netrc entries and 'Authorization: Token' headers were not read."""
    assert kinds(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "ssh -p 2222 root@host",
        "docker run -p 8080:80 app",
        "echo $PW | docker login -u admin --password-stdin ghcr.io",
        'docker login -u admin --password "$REGISTRY_PASSWORD" ghcr.io',
        "use --token to pass your token, --password prompt asks",
        "the login page and password reset flow",
        "Authorization: Token <your-token-here>",
    ],
)
def test_command_line_flags_that_hold_no_credential(kinds: Any, text: str) -> None:
    assert kinds(text) == []


def test_slack_app_level_tokens(kinds: Any, rand: Callable[..., str]) -> None:
    """Slack's app-level tokens (xapp-1-..., Socket Mode) were only found after a name."""
    token = f"xapp-1-A{rand(10, '0123456789ABCDEFGHJK')}-{rand(13, '0123456789')}-"
    token += rand(64, "0123456789abcdef")
    assert kinds(f"connect with {token} in socket mode") == [("slack_token", token)]

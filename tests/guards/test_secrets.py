"""secrets: provider formats, generic assignments, placeholders and look-alikes, redaction."""

from __future__ import annotations

import base64
import json
import string
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aisec_sdk.engine import scan
from aisec_sdk.guards import secrets
from aisec_sdk.guards.secrets import KINDS, shannon_entropy
from aisec_sdk.policy import Policy

NO_PI = {"prompt_injection": {"enabled": False}}
UPPER32 = string.ascii_uppercase + "234567"
B64 = string.ascii_letters + string.digits + "+/"


def _jwt(rand: Callable[..., str]) -> str:
    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    sig = rand(43, string.ascii_letters + string.digits + "-_")
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'sub': '42', 'exp': 1900000000})}.{sig}"


def test_provider_formats(kinds: Any, rand: Callable[..., str]) -> None:
    samples = {
        "aws_access_key_id": "AKIA" + rand(16, UPPER32),
        "github_token": "ghp_" + rand(36),
        "github_fine_grained_token": "github_pat_" + rand(22) + "_" + rand(59),
        "gitlab_token": "glpat-" + rand(20),
        "slack_token": "xoxb-"
        + rand(11, string.digits)
        + "-"
        + rand(13, string.digits)
        + "-"
        + rand(24),
        "stripe_key": "sk_live_" + rand(24),
        "anthropic_key": "sk-ant-api03-"
        + rand(93, string.ascii_letters + string.digits + "_-")
        + "AA",
        "openai_key": "sk-proj-" + rand(48),
        "huggingface_token": "hf_" + rand(34),
        "google_api_key": "AIza" + rand(35),
        "azure_client_secret": rand(3) + "8Q~" + rand(34),
        "jwt": _jwt(rand),
        "npm_token": "npm_" + rand(36),
        "pypi_token": "pypi-AgEIcHlwaS5vcmc"
        + rand(70, string.ascii_letters + string.digits + "_-"),
        "sendgrid_key": "SG." + rand(22) + "." + rand(43),
        "shopify_token": "shpat_" + rand(32, "0123456789abcdef"),
        "digitalocean_token": "dop_v1_" + rand(64, "0123456789abcdef"),
        "databricks_token": "dapi" + rand(32, "0123456789abcdef"),
        "slack_webhook": "https://hooks.slack.com/services/T"
        + rand(8, UPPER32)
        + "/B"
        + rand(8, UPPER32)
        + "/"
        + rand(24),
    }
    for kind, token in samples.items():
        text = f"config: use {token} for the deploy"
        assert kinds(text) == [(kind, token)], kind
    assert set(samples) <= set(KINDS)


def test_tokens_after_names_that_are_not_secret_words(kinds: Any, rand: Any) -> None:
    """A name the generic rule reads but rejects (``aws_access_key_id``, ``AccessKeyId``,
    ``private_key`` before a JSON-escaped key block) does not hide the token after it,
    also with generic assignments off."""
    key_id, session_id = "AKIA" + rand(16, UPPER32), "ASIA" + rand(16, UPPER32)
    lines = "\\n".join(rand(64, B64) for _ in range(4))
    block = f"-----BEGIN PRIVATE KEY-----\\n{lines}\\n-----END PRIVATE KEY-----"
    for generic in (True, False):
        assert kinds(f"aws_access_key_id = {key_id}", generic=generic) == [
            ("aws_access_key_id", key_id)
        ]
        assert kinds(f'{{"AccessKeyId": "{session_id}",', generic=generic) == [
            ("aws_access_key_id", session_id)
        ]
        service_account = f'{{"type": "service_account", "private_key": "{block}\\n"}}'
        assert kinds(service_account, generic=generic) == [("private_key", block)]


def test_token_in_url_userinfo_is_not_a_base64_blob(kinds: Any, rand: Any) -> None:
    token = "ghp_" + rand(36)
    text = f"git remote set-url origin https://{token}@github.com/acme/app.git"
    assert kinds(text) == [("github_token", token)]
    key = "AIza" + rand(35)
    assert kinds(f"https://example.com/maps/{key}/tiles") == [("google_api_key", key)]


def test_named_azure_values_report_the_value_only(kinds: Any, rand: Any) -> None:
    account_key, access_key = rand(86, B64) + "==", rand(43, B64) + "="
    storage = (
        f"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={account_key};"
        "EndpointSuffix=core.windows.net"
    )
    assert kinds(storage) == [("azure_storage_key", account_key)]
    bus = (
        "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=Root;"
        f"SharedAccessKey={access_key}"
    )
    assert kinds(bus) == [("azure_storage_key", access_key)]
    redacted = scan(storage, policy=Policy(guards=NO_PI)).text
    assert "AccountKey=<SECRET:AZURE_STORAGE_KEY>;" in redacted


def test_azure_sas_signature(kinds: Any) -> None:
    mac = base64.b64encode(bytes(range(100, 132))).decode()
    sig = mac.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    url = f"https://acme.blob.core.windows.net/c/f.txt?sv=2022-11-02&sp=r&sig={sig}&se=2026"
    assert kinds(url) == [("azure_sas_signature", sig)]
    not_a_mac = base64.b64encode(bytes(40)).decode()  # 40 bytes, not an HMAC-SHA256
    assert kinds(f"https://x.example/?a=1&sig={not_a_mac}") == []


def test_tokens_cut_short_with_an_ellipsis_do_not_fire(kinds: Any, rand: Any) -> None:
    assert kinds(f"e.g. sk-proj-{rand(40)}... in the dashboard") == []
    assert kinds(f"a token looks like ghp_{rand(36)}\u2026") == []
    assert kinds(f"OPENAI_API_KEY=sk-proj-{rand(40)}...") == []


@pytest.mark.parametrize(
    "text",
    [
        '"nextPageToken": "CiAKGjBpNDd2Nmp2Zml2cXRwYjBpOXA"',
        "NextToken: AQICAHh4Z2VhZ3Bvb2xzOmV4YW1wbGU5",
        'continuation_token = "eyJvZmZzZXQiOjEwMH0aZ93kq"',
        "amqp://guest:guest@localhost:5672//",
        "postgres://postgres:postgres@localhost:5432/test",
    ],
)
def test_paging_tokens_and_local_default_logins_do_not_fire(kinds: Any, text: str) -> None:
    """Where a listing goes on is not a credential; a URL whose password is its user name
    is a local default (docker-compose, CI services)."""
    assert kinds(text) == []


@pytest.mark.parametrize(
    "text",
    [
        'api_key = "sk-proj-abc123"',
        "GITHUB_TOKEN=ghp_123abcXYZ789",
        'token: "hf_abc123"',
    ],
)
def test_typed_stand_ins_do_not_fire(kinds: Any, text: str) -> None:
    """A provider's prefix on a value its format rejects is a stand-in (a token typed by
    hand in the provider's full format still counts: it cannot be told from a real one)."""
    assert kinds(text) == []


def test_google_oauth_credentials_and_an_at_sign_in_a_url_password(kinds: Any, rand: Any) -> None:
    client_secret, access = "GOCSPX-" + rand(28), "ya29." + rand(60)
    assert kinds(f'"client_secret": "{client_secret}"') == [("google_oauth", client_secret)]
    assert kinds(f"Authorization: Bearer {access}") == [("google_oauth", access)]
    assert kinds("GOCSPX-xxxxxxxxxxxxxxxxxxxxxxxxxxxx") == []
    password = "p@ss!" + rand(10)
    assert kinds(f"mysql://app:{password}@db:3306/shop") == [("database_url", password)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("<password>CiJXVDIw7WEW7!</password>", "CiJXVDIw7WEW7!"),
        ('<add key="DbPassword" value="CRMDNrVKqH$9" />', "CRMDNrVKqH$9"),
        ("curl -u admin:43HiHLAWQsZbsylQ https://api.example.com", "43HiHLAWQsZbsylQ"),
        ('curl --user "admin:43HiHLAWQsZbsylQ" https://x.example', "43HiHLAWQsZbsylQ"),
        ("mysql -u root -pAb-pCd1234 shop", "Ab-pCd1234"),
    ],
)
def test_passwords_in_markup_and_on_command_lines(kinds: Any, text: str, value: str) -> None:
    assert kinds(text) == [("password", value)]


@pytest.mark.parametrize(
    "text",
    [
        "docker run -u 1000:1000 app",
        'curl -u "$USER:$PASS" https://x.example',
        "mysql -u root -p shop",
        "git push -u origin main:feature/x-12345",
        "the password >= 12345678 characters",
        '<input type="password" name="password" value="">',
        "<token>${TOKEN}</token>",
    ],
)
def test_command_line_and_markup_look_alikes_do_not_fire(kinds: Any, text: str) -> None:
    assert kinds(text) == []


def test_hand_typed_credentials_that_look_real(kinds: Any) -> None:
    """A strong password that holds a secret's word, an AWS key id typed with digits that
    base 32 lacks: reported; a secret's word in a weak value, or a fake one, is an example."""
    assert kinds("password=SuperSecret123!") == [("password", "SuperSecret123!")]
    assert kinds("postgres://app:MyPassword9@db/app") == [("database_url", "MyPassword9")]
    assert kinds("AKIA1234567890ABCDEF") == [("aws_access_key_id", "AKIA1234567890ABCDEF")]
    assert kinds('password = "password123"') == []
    assert kinds('token: "FakeToken123"') == []


def test_more_credential_shapes(kinds: Any, rand: Any) -> None:
    """A Redis URL without a user name, an Azure API Management subscription key header,
    the AWS CLI's ``SecretAccessKey``."""
    password, key, secret = rand(20), rand(32, "0123456789abcdef"), rand(40, B64)
    assert kinds(f"REDIS_URL=redis://:{password}@cache:6379/0") == [("database_url", password)]
    assert kinds(f"Ocp-Apim-Subscription-Key: {key}") == [("api_key", key)]
    assert kinds(f'"SecretAccessKey": "{secret}",') == [("aws_secret_access_key", secret)]
    assert kinds("redis://:password@localhost:6379") == []


def test_openai_legacy_key_and_classic_github_token_in_prose(kinds: Any, rand: Any) -> None:
    legacy = "sk-" + rand(20) + "T3BlbkFJ" + rand(20)
    assert kinds(f"my key is {legacy}.") == [("openai_key", legacy)]


def test_private_key_block_spans_begin_to_end(kinds: Any, rand: Any) -> None:
    body = "\n".join(rand(64, B64) for _ in range(5))
    block = f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----"
    assert kinds(f"key:\n{block}\nthanks") == [("private_key", block)]
    openssh = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n"  # truncated paste, no END
    assert kinds(openssh)[0][0] == "private_key"


def test_database_url_password_only(kinds: Any) -> None:
    text = "DATABASE_URL=postgresql://app:Zq8!vR2#pL@db.internal:5432/prod"
    assert kinds(text) == [("database_url", "Zq8!vR2#pL")]
    assert kinds("mongodb+srv://svc:Xk29fPq0aa@cluster0.mongodb.net/db") == [
        ("database_url", "Xk29fPq0aa")
    ]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ('password = "Tr0ub4dor&3x"', "password", "Tr0ub4dor&3x"),
        ("DB_PASSWORD=hunter2hunter2!", "password", "hunter2hunter2!"),
        (
            '{"api_key": "9f8e7d6c5b4a39281706f5e4d3c2b1a0"}',
            "api_key",
            "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        ),
        ("client_secret: 7Hq2Lm9Xv4Rt8Yp3Kd6Wn1Bz", "api_key", "7Hq2Lm9Xv4Rt8Yp3Kd6Wn1Bz"),
        (
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "aws_secret_access_key",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        (
            "AWS Secret Access Key: q8Vh3nT+0pZr6LkW2yXc9bMf5sGd1aQe7uJi4oRt",
            "aws_secret_access_key",
            "q8Vh3nT+0pZr6LkW2yXc9bMf5sGd1aQe7uJi4oRt",
        ),
    ],
)
def test_generic_assignments(kinds: Any, text: str, kind: str, value: str) -> None:
    assert kinds(text) == [(kind, value)]


@pytest.mark.parametrize(
    "text",
    [
        "export OPENAI_API_KEY=sk-...",
        "OPENAI_API_KEY=YOUR_API_KEY",
        'api_key = "<your-api-key>"',
        "token: ${GITHUB_TOKEN}",
        "api_key = os.environ['OPENAI_API_KEY']",
        "password: ********",
        "password = get_password_from_vault",
        "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "AKIAXXXXXXXXXXXXXXXX",
        "postgres://user:password@localhost:5432/db",
        "redis://:${REDIS_PASSWORD}@cache:6379",
        "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
        "request 123e4567-e89b-12d3-a456-426614174000 done",
        "commit 3f786850e387550fdab836ed7e6dc881de23001b",
        "sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "md5 d41d8cd98f00b204e9800998ecf8427e",
        "the password must be at least twelve characters long",
        "Token: the smallest unit a tokenizer produces",
        "scikit-learn and the task-based sk-learn style approach",
        "eyJhbGciOi is where a JWT starts",
        "the agent owns did:moltpass:mp-abc123 now",
        "bypass: Xk29fPq0aa!",
    ],
)
def test_placeholders_and_look_alikes_do_not_fire(kinds: Any, text: str) -> None:
    assert kinds(text) == []


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ('apiKeys: "f3a9c2e71b8d4056a7e9c1d2b3f40a5e"', "api_key",
         "f3a9c2e71b8d4056a7e9c1d2b3f40a5e"),
        ('tokenValue = "Zk3mQ9vL2xR7pT4wY8nB"', "api_key", "Zk3mQ9vL2xR7pT4wY8nB"),
        ("GITHUB_TOKEN=0f9e8d7c6b5a493827160f1e2d3c4b5a69788796", "api_key",
         "0f9e8d7c6b5a493827160f1e2d3c4b5a69788796"),
        ("x-api-key: 3c9a8f27d1e64b05a2f7c9e8d1b0a3f6", "api_key",
         "3c9a8f27d1e64b05a2f7c9e8d1b0a3f6"),
        ('access_token = "ya29.a0AfH6SMBx3kQ9zLmN2pR5tV8wY1cE4gH7jK0"', "google_oauth",
         "ya29.a0AfH6SMBx3kQ9zLmN2pR5tV8wY1cE4gH7jK0"),
        ('"client_secret": "8Q~aZ3k9Rm7pLx2Vb5Nq4Ts6Wy8Ce1Gh0Jd3Fu"', "api_key",
         "8Q~aZ3k9Rm7pLx2Vb5Nq4Ts6Wy8Ce1Gh0Jd3Fu"),
        ("SECRET_KEY = 'django-insecure-+k$3x9@w2!q7z#r8m5v1n4b6'", "api_key",
         "django-insecure-+k$3x9@w2!q7z#r8m5v1n4b6"),
        ('credentials: "Zx9Qw8Er7Ty6Ui5Op4As"', "api_key", "Zx9Qw8Er7Ty6Ui5Op4As"),
        ('secret = b"Xk29fq0aZ!mmQ2x7Rk9m"', "api_key", "Xk29fq0aZ!mmQ2x7Rk9m"),
        ('password: "hunter2!Xy"', "password", "hunter2!Xy"),
        ("DB_PASSWORD=Xk29!fq#Lm20", "password", "Xk29!fq#Lm20"),
        ('self.password = "Tr0ub4dor&3x"', "password", "Tr0ub4dor&3x"),
        ('conn = connect(host="db", password="p@ssW0rd!2024")', "password", "p@ssW0rd!2024"),
        ("spring.datasource.password=Xk29fq0aZ!mm", "password", "Xk29fq0aZ!mm"),
        ("redis:\n  password: Xk29fPq0aa7\n", "password", "Xk29fPq0aa7"),
        ("My password is: Summer2024!", "password", "Summer2024!"),
        ('db_pass = "Xk29!fq#Lm20"', "password", "Xk29!fq#Lm20"),
        ('passwords: ["Xk29!fq#Lm20"]', "password", "Xk29!fq#Lm20"),
        ("password for admin: Xk29!fq#Lm20", "password", "Xk29!fq#Lm20"),
        ("headers['X-Api-Key'] = 'Q2x7Rk9mZp4Lw8Vt3Ny6'", "api_key", "Q2x7Rk9mZp4Lw8Vt3Ny6"),
        ('pwd_attempt = "XUNZHPU63yG8RqjxeUehyFDPqfjm"', "password",
         "XUNZHPU63yG8RqjxeUehyFDPqfjm"),
        ("OPENAI_API_KEY_PROD=3c9a8f27d1e64b05a2f7c9e8d1b0a3f6", "api_key",
         "3c9a8f27d1e64b05a2f7c9e8d1b0a3f6"),
        ("The API key for production: 3c9a8f27d1e64b05a2f7c9e8d1b0a3f6", "api_key",
         "3c9a8f27d1e64b05a2f7c9e8d1b0a3f6"),
        ("AWS_SECRET_ACCESS_KEY=q8Vh3nT+0pZr6LkW2yXc9bMf5sGd1aQe7uJi4oRt", "aws_secret_access_key",
         "q8Vh3nT+0pZr6LkW2yXc9bMf5sGd1aQe7uJi4oRt"),
    ],
)  # fmt: skip
def test_secret_literals_in_code_and_config(kinds: Any, text: str, kind: str, value: str) -> None:
    """Names joined in camelCase, snake_case or kebab-case, plurals, attributes, keyword
    arguments, YAML, .env and properties files: the literal is reported, at its offsets."""
    assert kinds(text) == [(kind, value)]


@pytest.mark.parametrize(
    "text",
    [
        # the keyword inside a longer word
        'tokenizer = Tokenizer.from_pretrained("bert-base-cased")',
        "tokenizer.decoder = decoders.ByteLevel()",
        "tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)",
        "TOKENIZER_CLASS = 'PreTrainedTokenizerFast'",
        "The secretary said: everything is fine today",
        "The passage reads: Lorem ipsum dolor sit amet",
        "compass: North-North-West heading",
        "First pass: decided_mask==0, every element participates.",
        # a name about something else than the secret
        'PASSWORD_FIELD = "password"',
        "token_type = 'quoted-string'",
        "token_type_ids: torch.LongTensor | None = None,",
        "password_reset_timeout = 259200",
        'token_url = "https://oauth2.googleapis.com/token"',
        'api_key_header = APIKeyHeader(name="X-API-Key")',
        "access_token_expire_minutes: 30000000",
        "self.keys[:, :, -self.window + 1 - tokens_to_remove : -tokens_to_remove, :]",
        "Passwords of at least twelve characters: recommended",
        "API key: see the dashboard",
        "password_file: /run/secrets/postgres_password",
        # code that refers to the secret
        '"x-api-key" : settings.API_KEY,',
        'password = input("Password: ")',
        'password = getpass.getpass("Password: ")',
        'token = request.headers["Authorization"]',
        'headers["X-Api-Key"] = settings.api_key',
        "secret_key = get_random_secret_key()",
        "self.authkey = process.AuthenticationString(authkey)",
        "ERRORTOKEN = token.ERRORTOKEN",
        'api_key = os.environ["ANTHROPIC_API_KEY"]',
        "const token = process.env.GITHUB_TOKEN;",
        "secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY!,",
        'Password: os.Getenv("DB_PASSWORD"),',
        'token := r.Header.Get("Authorization")',
        "password = user.password_hash",
        "access_token: accessTokenFromStorage",
        "server_credentials: grpc.ServerCredentials",
        # type annotations
        'token: str = "unused"',
        "api_key: Optional[str] = None",
        'def login(user: str, password: SecretStr = SecretStr("")) -> None: ...',
        # templates, variables and placeholders in YAML / JSON / .env files
        'api_key = f"{prefix}-{suffix}"',
        'password: "{{ .Values.db.password }}"',
        "token: ${{ secrets.GITHUB_TOKEN }}",
        "DB_PASSWORD=${DB_PASSWORD:-postgres}",
        'password = "%(db_password)s"',
        "spring.datasource.password=${DB_PASSWORD}",
        "API_KEY=your-api-key-here",
        "SECRET_KEY=change-me-in-production",
        "TOKEN=TODO_fill_me_in",
        'api_key = "fake-key-12345"',
        'GITHUB_TOKEN = "mock-token-for-tests-1"',
        "POSTGRES_PASSWORD=mysecretpassword",
        '{"password": null, "token": "", "api_key": "REPLACE_WITH_KEY"}',
        # names and paths, not random strings
        "SHARED_SECRET = 'shared-secret'",
        "private_key: ~/.ssh/id_ed25519",
        "PWD=/home/runner/work/project",
        "gist://username:token@id/file",
        "mysql://root:pass@localhost/app",
        'uri = f"s3://{access_key}:{secret_key}@mybucket/data.parquet"',
        'httpx.URL("https://jo%40email.com:a%20secret@example.com")',
        "user = User(username='scolvin', password='password1')",
        'verify_token="eyJhbGciOiJFZERTQSJ9.eyJyZWFkIjp0cnVlLCJwZXJtaXNzaW9uIjp...",',
        'GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"',
        'HUGGINGFACE_HEADER_X_XET_ACCESS_TOKEN = "X-Xet-Access-Token"',
        "host, port, access_key, secret_key = s3_connection",
        "model(entity_mask2_token=entity_mask2_token, other=1)",
        "# Cache for the OIDC-exchanged token: re-exchanging on every call",
        '<assemblyIdentity publicKeyToken="1fc8b3b9a1e18e3b" language="*"/>',
    ],
)
def test_code_shaped_look_alikes_do_not_fire(kinds: Any, text: str) -> None:
    assert kinds(text) == []


def test_tokens_inside_base64_images_do_not_fire(kinds: Any, rand: Any) -> None:
    blob = rand(3000, B64) + "AIza" + rand(35) + "/" + rand(3000, B64)
    assert kinds(f'<img src="data:image/png;base64,{blob}">') == []
    assert kinds(f"![chart](data:image/png;base64,{blob})") == []


def test_redaction_keeps_the_assignment_and_uses_typed_placeholders(rand: Any) -> None:
    token = "ghp_" + rand(36)
    verdict = scan(f"GITHUB_TOKEN={token} and password='Zz9!Zz9!Zz9!'", policy=Policy(guards=NO_PI))
    assert verdict.action == "redact"
    assert verdict.text == "GITHUB_TOKEN=<SECRET:GITHUB_TOKEN> and password='<SECRET:PASSWORD>'"


def test_mask_and_hash_modes(rand: Any) -> None:
    token = "glpat-" + rand(20)
    masked = scan(token, policy=Policy(guards={**NO_PI, "secrets": {"redaction": "mask"}})).text
    assert masked == "*****-" + "*" * 20
    hashed = scan(token, policy=Policy(guards={**NO_PI, "secrets": {"redaction": "hash"}})).text
    assert hashed.startswith("<SECRET:GITLAB_TOKEN:") and token not in hashed


def test_options_kinds_allow_and_generic(kinds: Any, rand: Any) -> None:
    gh, hf = "ghp_" + rand(36), "hf_" + rand(34)
    text = f"{gh} {hf} password=Qw3rty!Qw3rty"
    assert [k for k, _ in kinds(text, kinds=["huggingface_token"])] == ["huggingface_token"]
    assert [k for k, _ in kinds(text, allow=[gh])] == ["huggingface_token", "password"]
    assert [k for k, _ in kinds(text, generic=False)] == ["github_token", "huggingface_token"]


def test_offsets_survive_normalisation(run_guard: Any, rand: Any) -> None:
    token = "ghp_" + rand(36)
    text = "ｔｏｋｅｎ " + token[:10] + "\u200b" + token[10:]
    (found,) = run_guard("secrets")(text)
    assert text[found.start : found.end] == token[:10] + "\u200b" + token[10:]
    assert found.category == "LLM02" and 0.0 <= found.score <= 1.0


def test_entropy() -> None:
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == pytest.approx(2.0)
    assert shannon_entropy("") == 0.0


def test_authorization_headers(kinds: Any, rand: Any) -> None:
    token = rand(32)
    assert kinds(f'curl -H "Authorization: Bearer {token}" https://api.example') == [
        ("bearer_token", token)
    ]
    jwt = _jwt(rand)
    assert kinds(f"Authorization: Bearer {jwt}") == [("jwt", jwt)]
    basic = base64.b64encode(b"admin:S3cret!pw").decode()
    assert kinds(f"Authorization: Basic {basic}") == [("basic_auth", basic)]
    assert kinds("Authorization: Bearer YOUR_ACCESS_TOKEN_HERE") == []
    assert kinds("Bearer tokens are described in RFC 6750 for OAuth 2.0 clients") == []
    not_credentials = base64.b64encode(b"just some text").decode()
    assert kinds(f"Authorization: Basic {not_credentials}") == []


_PIECES = st.sampled_from(
    [
        "ghp_", "sk-", "AIza", "AKIA", "password=", "api_key: ", "-----BEGIN PRIVATE KEY-----",
        "-----END", "eyJ", ".", "postgres://u:", "@h", "Bearer ", "base64,", "\u200b", "ｓ",
        "A" * 36, "Ab9+" * 10, " ", "\n",
    ]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=12).map("".join))
def test_findings_stay_inside_the_original_text(text: str) -> None:
    from aisec_sdk.guards.secrets import SecretsGuard, SecretsSettings
    from aisec_sdk.text import normalize

    for finding in SecretsGuard(SecretsSettings()).scan(normalize(text), "input"):
        assert 0 <= finding.start < finding.end <= len(text)
        assert 0.0 <= finding.score <= 1.0


@pytest.mark.parametrize("unit", ["password=", "token=", "pwd=", "secret=Xk29!"])
def test_assignments_inside_a_value_are_not_read_again(
    monkeypatch: pytest.MonkeyPatch, kinds: Any, unit: str
) -> None:
    """``password=`` repeated was one candidate every few characters, each reading the next
    256 characters as its value (30-40 s per MB). Inside a generic assignment's value only
    tokens and key blocks are looked for: a value is judged about once per 256 characters."""
    judged = 0
    judge = secrets.SecretsGuard._generic

    def counted(*args: Any) -> Any:
        nonlocal judged
        judged += 1
        return judge(*args)

    monkeypatch.setattr(secrets.SecretsGuard, "_generic", counted)
    text = unit * (25_600 // len(unit))
    kinds(text)
    assert judged <= 2 * len(text) // 256


def test_a_token_inside_a_value_is_still_read(kinds: Any, rand: Any) -> None:
    token = "ghp_" + rand(36)
    assert kinds(f"config=profile:{token}") == [("github_token", token)]
    assert kinds(f"session_id=pwd={token}") == [("github_token", token)]
    assert kinds("api_key=YOUR_API_KEY&password=Hunter2xyz") == [("password", "Hunter2xyz")]


def test_a_token_where_a_name_would_be_is_read(kinds: Any, rand: Any) -> None:
    # "token ghp_... password: x": the generic rule read "token ghp_... password" as the
    # name of the password, and the token in it was never read
    token = "ghp_" + rand(36)
    assert kinds(f"token {token} password: Hunter2xyz") == [
        ("github_token", token),
        ("password", "Hunter2xyz"),
    ]
    assert kinds("secret AKIAQWERTYUIOPASDFGH notes: none") == [
        ("aws_access_key_id", "AKIAQWERTYUIOPASDFGH")
    ]


def test_more_model_provider_keys(kinds: Any, rand: Any) -> None:
    for kind, token in [
        ("groq_key", "gsk_" + rand(52)),
        ("replicate_token", "r8_" + rand(37)),
        ("xai_key", "xai-" + rand(80)),
        ("perplexity_key", "pplx-" + rand(48)),
    ]:
        assert kinds(f"export KEY={token}") == [(kind, token)]
        assert kinds(f"the key is {token} for now") == [(kind, token)]
    assert kinds("GROQ_API_KEY=gsk_your_key_here") == []

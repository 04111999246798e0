"""Policy: Python, env, AISEC_POLICY file, aisec.toml, [tool.aisec]; precedence and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from aisec_sdk.errors import PolicyError
from aisec_sdk.policy import Policy


def test_defaults() -> None:
    p = Policy()
    assert p.mode == "enforce"
    assert p.on_error == "block"
    pii = p.resolve("pii", "input")
    assert pii is not None and pii.action == "redact"
    assert p.resolve("prompt_injection", "output") is None


def test_typo_in_a_field_names_the_field() -> None:
    with pytest.raises(PolicyError, match="mdoe"):
        Policy(mdoe="monitor")


def test_typo_in_a_guard_option_names_the_guard_and_field() -> None:
    with pytest.raises(PolicyError, match=r"guards\.pii\.thresold"):
        Policy(guards={"pii": {"thresold": 0.3}})


def test_bad_value_names_the_field() -> None:
    with pytest.raises(PolicyError, match=r"guards\.pii\.threshold"):
        Policy(guards={"pii": {"threshold": 3}})
    with pytest.raises(PolicyError, match="mode"):
        Policy(mode="loud")


def test_unknown_guard_lists_the_known_ones() -> None:
    with pytest.raises(PolicyError, match=r"known guards: .*pii"):
        Policy(guards={"pi": {}})


def test_policy_error_is_a_value_error() -> None:
    assert issubclass(PolicyError, ValueError)


def test_per_direction_override() -> None:
    p = Policy(guards={"pii": {"action": "block", "output": {"action": "warn"}}})
    assert p.resolve("pii", "input").action == "block"  # type: ignore[union-attr]
    assert p.resolve("pii", "output").action == "warn"  # type: ignore[union-attr]
    off = Policy(guards={"pii": {"context": {"enabled": False}}})
    assert off.resolve("pii", "context") is None


def test_precedence_python_env_file_aisec_toml_pyproject(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.aisec]\nmode = "monitor"\ncapture_content = true\ntelemetry = false\n'
        '[tool.aisec.guards.pii]\nthreshold = 0.2\naction = "warn"\n'
    )
    p = Policy()
    assert (p.mode, p.capture_content, p.telemetry) == ("monitor", True, False)
    (tmp_path / "aisec.toml").write_text('mode = "enforce"\ncapture_content = false\n')
    p = Policy()
    assert (p.mode, p.capture_content, p.telemetry) == ("enforce", False, False)
    named = tmp_path / "strict.toml"
    named.write_text('on_error = "allow"\nmode = "monitor"\n')
    monkeypatch.setenv("AISEC_POLICY", str(named))
    p = Policy()
    assert (p.on_error, p.mode) == ("allow", "monitor")
    monkeypatch.setenv("AISEC_MODE", "enforce")
    monkeypatch.setenv("AISEC_GUARDS__PII__ACTION", "block")
    p = Policy()
    assert p.mode == "enforce"
    assert p.resolve("pii", "input").action == "block"  # type: ignore[union-attr]
    assert Policy(mode="monitor").mode == "monitor"


def test_env_bad_value_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISEC_ON_ERROR", "explode")
    with pytest.raises(PolicyError, match="on_error"):
        Policy()


def test_aisec_policy_pointing_nowhere_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AISEC_POLICY", str(tmp_path / "missing.toml"))
    with pytest.raises(PolicyError, match=r"missing\.toml"):
        Policy()


def test_a_hostile_policy_file_is_a_policy_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "aisec.toml").write_text("mode = " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(PolicyError, match="nested too deeply"):
        Policy()


def test_typo_in_toml_file_names_the_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "aisec.toml").write_text("[guards.secrets]\nenabeld = false\n")
    with pytest.raises(PolicyError, match=r"guards\.secrets\.enabeld"):
        Policy()


def test_policy_is_frozen_and_copies_with_overrides() -> None:
    p = Policy()
    with pytest.raises(Exception, match="frozen"):
        p.mode = "monitor"
    q = p.with_overrides(mode="monitor")
    assert (p.mode, q.mode) == ("enforce", "monitor")
    assert p.digest != q.digest


@pytest.mark.parametrize(
    ("guards", "field", "value"),
    [
        ({"pii": {"entities": ["emial"]}}, r"guards\.pii\.entities", "emial"),
        ({"pii": {"entities": ["person"]}}, r"guards\.pii\.entities", "person"),  # no presidio
        ({"secrets": {"kinds": ["githb_token"]}}, r"guards\.secrets\.kinds", "githb_token"),
        (
            {"invisible_text": {"kinds": ["zerowidth"]}},
            r"guards\.invisible_text\.kinds",
            "zerowidth",
        ),
        ({"banned": {"terms": ["x"], "category": "LLM99"}}, r"guards\.banned\.category", "LLM99"),
        ({"banned": {"terms": ["x"], "category": "foo"}}, r"guards\.banned\.category", "foo"),
        ({"pii": 0}, r"guards\.pii", "0"),
        ({"pii": "maybe"}, r"guards\.pii", "maybe"),
    ],
)
def test_values_that_would_switch_detection_off_fail_at_load(
    guards: dict[str, object], field: str, value: str
) -> None:
    with pytest.raises(PolicyError, match=f"{field}: .*{value}"):
        Policy(guards=guards)


def test_names_that_some_recogniser_reports_are_accepted() -> None:
    pii = Policy(
        guards={
            "pii": {
                "entities": ["EMAIL", "employee_id", "person"],
                "patterns": {"employee_id": r"E-\d{5}"},
                "presidio": True,
            }
        }
    ).guards["pii"]
    assert pii.entities == ("email", "employee_id", "person")
    assert Policy(guards={"banned": {"category": "llm07"}}).guards["banned"].category == "LLM07"


def test_a_guard_set_to_true_or_false_is_on_or_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    off = Policy(guards={"pii": False})
    assert off.resolve("pii", "input") is None
    on = Policy(guards={"banned": True, "token_limit": {"max_tokens": 5}})
    assert on.resolve("banned", "input") is not None
    monkeypatch.chdir(tmp_path)
    (tmp_path / "aisec.toml").write_text("[guards]\npii = false\nsecrets = true\n")
    from_file = Policy()
    assert from_file.resolve("pii", "input") is None
    assert from_file.resolve("secrets", "input") is not None
    monkeypatch.setenv("AISEC_GUARDS__SECRETS", "off")
    assert Policy().resolve("secrets", "input") is None


@pytest.mark.parametrize(
    ("name", "named", "body", "where"),
    [
        ("aisec.toml", False, b'mode = "enforce\n', "line 1, column 16"),
        ("pyproject.toml", False, b'[tool.aisec]\nmode = "monitor"\n[tool.aisec\n', "line 3"),
        ("strict.toml", True, b"[guards.pii]\nthreshold = = 0.3\n", "line 2"),
        ("pyproject.toml", True, b"[tool.aisec]\nmode = 'monitor'\nmode = 'enforce'\n", "line 3"),
        ("aisec.toml", False, b'mode = "\xff"\n', "can't decode byte 0xff"),
    ],
)
def test_a_file_that_is_no_toml_is_a_policy_error_naming_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    named: bool,
    body: bytes,
    where: str,
) -> None:
    folder = tmp_path / "policies" if named else tmp_path
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(body)
    monkeypatch.chdir(tmp_path)
    if named:
        monkeypatch.setenv("AISEC_POLICY", str(folder / name))
    with pytest.raises(PolicyError) as caught:
        Policy()
    assert f"{folder / name} is not valid TOML" in str(caught.value)
    assert where in str(caught.value)

"""`Policy`: what the guards check, what they do, and where results go.

One precedence order, highest first (pydantic-settings folds them key by key):

1. arguments given in Python (``Policy(mode="monitor")``)
2. ``AISEC_*`` environment variables (nested with ``__``: ``AISEC_GUARDS__PII__ACTION=block``)
3. the TOML file named by ``AISEC_POLICY``
4. ``aisec.toml`` in the working directory
5. ``[tool.aisec]`` in ``pyproject.toml`` in the working directory
6. the defaults below
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Mapping
from contextlib import suppress
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    Field,
    PrivateAttr,
    SecretStr,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    PyprojectTomlConfigSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from aisec_sdk.errors import PolicyError
from aisec_sdk.guards import available_guards, guard_class
from aisec_sdk.guards.base import GuardSettings
from aisec_sdk.verdict import Direction, FindingAction

__all__ = ["Policy", "ResolvedGuard", "as_policy", "default_policy"]


class ResolvedGuard:
    """One guard's effective settings for one direction."""

    __slots__ = ("action", "guard_id", "threshold")

    def __init__(self, guard_id: str, threshold: float, action: FindingAction) -> None:
        self.guard_id = guard_id
        self.threshold = threshold
        self.action = action


class Policy(BaseSettings):
    """The typed policy. Unknown keys and bad values fail at load, naming the field."""

    model_config = SettingsConfigDict(
        env_prefix="AISEC_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
        pyproject_toml_table_header=("tool", "aisec"),
        validate_default=True,
        use_attribute_docstrings=True,
    )

    mode: Literal["enforce", "monitor"] = "enforce"
    """``enforce`` acts on verdicts (block, redact); ``monitor`` only records them."""
    on_error: Literal["block", "allow"] = "block"
    """What a guard's own failure does to the call; the failure is always recorded."""
    guards: dict[str, Any] = Field(default_factory=dict)
    """Per-guard settings by guard id: ``enabled``, ``threshold``, ``action``, ``directions``,
    per-direction ``input``/``context``/``output`` overrides and the guard's own options."""
    audit_log: Path | None = None
    """Append-only JSONL audit log path (also ``AISEC_AUDIT_LOG``); unset means no log."""
    audit_key: SecretStr | None = None
    """HMAC key for the audit chain (``AISEC_AUDIT_KEY``); unset means plain SHA-256."""
    capture_content: bool = False
    """Put the checked text on spans, every finding masked; off by default."""
    telemetry: bool = True
    """Emit spans, span events and metrics through the global OpenTelemetry API."""
    allowed_models: list[str] | None = None
    """Model names (fnmatch patterns) approved for use, matched against the requested name
    and every response model (``"gpt-4o-20*"`` for dated snapshots); None allows every
    model."""
    allowed_providers: list[str] | None = None
    """Provider names approved for use (``openai``, ``azure.ai.openai``...)."""
    allowed_endpoints: list[str] | None = None
    """Endpoint hosts (fnmatch patterns) approved for LLM calls."""
    allowed_packages: list[str] | None = None
    """AI packages approved in the environment."""

    # built from this policy on first use (`aisec_sdk.engine.engine_for`, `audit_log_of`)
    _engine: Any = PrivateAttr(default=None)
    _audit: Any = PrivateAttr(default=None)

    def _cached(self, name: str) -> Any:
        """The private cache slot ``name`` (``_engine``, ``_audit``), read from pydantic's
        private dict: plain attribute access takes pydantic's slow ``__getattr__`` path, and
        this runs on every guarded call."""
        return (self.__pydantic_private__ or {}).get(name)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        files = [Path("aisec.toml"), Path("pyproject.toml")]
        named = os.environ.get("AISEC_POLICY")
        if named:
            path = Path(named)
            if not path.is_file():
                raise PolicyError(f"AISEC_POLICY names {named!r}, which is not a file")
            files.insert(0, path)
        return (init_settings, env_settings, *(_file_source(settings_cls, f) for f in files))

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise PolicyError(_describe(exc)) from exc
        except RecursionError as exc:  # a hostile aisec.toml / pyproject.toml
            raise PolicyError("invalid aisec policy: a policy file is nested too deeply") from exc

    @model_validator(mode="after")
    def _check_guards(self) -> Policy:
        for guard_id, raw in self.guards.items():
            try:
                cls = guard_class(guard_id)
            except KeyError:
                raise ValueError(
                    f"unknown guard {guard_id!r}; known guards: {', '.join(available_guards())}"
                ) from None
            if not isinstance(raw, cls.Settings):
                try:
                    self.guards[guard_id] = cls.Settings.model_validate(
                        _settings_input(guard_id, raw)
                    )
                except ValidationError as exc:
                    raise ValueError(_fields(exc, prefix=f"guards.{guard_id}")) from None
        return self

    def guard_settings(self, guard_id: str) -> GuardSettings:
        """The validated settings of one guard (its defaults when not configured)."""
        configured = self.guards.get(guard_id)
        if isinstance(configured, GuardSettings):
            return configured
        return guard_class(guard_id).Settings()

    def resolve(self, guard_id: str, direction: Direction) -> ResolvedGuard | None:
        """Effective threshold and action of a guard in one direction, None when off."""
        cls = guard_class(guard_id)
        settings = self.guard_settings(guard_id)
        enabled = settings.enabled if guard_id in self.guards else cls.default_enabled
        directions = settings.directions or cls.default_directions
        override = getattr(settings, direction)
        if override is not None and override.enabled is not None:
            enabled = override.enabled
        elif direction not in directions:
            enabled = False
        if not enabled:
            return None
        threshold = settings.threshold if settings.threshold is not None else cls.default_threshold
        action = settings.action or cls.default_action
        if override is not None:
            threshold = override.threshold if override.threshold is not None else threshold
            action = override.action or action
        return ResolvedGuard(guard_id, threshold, action)

    def with_overrides(self, **changes: Any) -> Policy:
        """A copy with ``changes`` applied and validated (the policy itself is frozen)."""
        data = self.model_dump(exclude_unset=True)
        data.update(changes)
        return Policy(**data)

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the policy without secrets; recorded in audit records."""
        body = self.model_dump_json(exclude={"audit_key"})
        return hashlib.sha256(body.encode()).hexdigest()


_ON_OFF = TypeAdapter(bool)


def _file_source(settings_cls: type[BaseSettings], path: Path) -> PydanticBaseSettingsSource:
    """The settings in the TOML file ``path`` (none when it does not exist), read from its
    ``[tool.aisec]`` table when it is a ``pyproject.toml``. A file that is no TOML raises
    `PolicyError` naming it, with the parser's line and column."""
    try:
        if path.name == "pyproject.toml":
            return PyprojectTomlConfigSettingsSource(settings_cls, path)
        return TomlConfigSettingsSource(settings_cls, toml_file=path)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError(
            f"invalid aisec policy: {path.absolute()} is not valid TOML: {exc}"
        ) from exc


def _settings_input(guard_id: str, raw: Any) -> Any:
    """A guard's settings as given: a table, nothing (its defaults), or on/off alone
    (``pii = false``; ``AISEC_GUARDS__PII=false`` from the environment) for ``enabled``."""
    if raw is None or isinstance(raw, Mapping):
        return raw or {}
    if isinstance(raw, bool | str):
        with suppress(ValidationError):
            return {"enabled": _ON_OFF.validate_python(raw)}
    raise ValueError(f"guards.{guard_id}: expected a table of settings, true or false; got {raw!r}")


def _fields(exc: ValidationError, prefix: str = "") -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        field = f"{prefix}.{loc}" if prefix and loc else (prefix or loc)
        message = err["msg"].removeprefix("Value error, ")
        parts.append(f"{field}: {message}" if field else message)
    return "; ".join(parts)


def _describe(exc: ValidationError) -> str:
    return "invalid aisec policy: " + _fields(exc)


@cache
def default_policy() -> Policy:
    """The policy loaded once from the environment and files; ``cache_clear()`` reloads."""
    return Policy()


def as_policy(policy: Policy | Mapping[str, Any] | None, where: str = "policy") -> Policy:
    """``policy`` as a `Policy`: the default policy for None, and a mapping read like
    ``Policy(**mapping)`` (one Policy, and so one engine, per distinct JSON-able mapping).
    Anything else raises `TypeError` naming ``where``."""
    if policy is None:
        return default_policy()
    if isinstance(policy, Policy):
        return policy
    if not isinstance(policy, Mapping):
        raise TypeError(
            f"{where} must be an aisec_sdk.Policy or a mapping of its fields, "
            f"got {type(policy).__name__}"
        )
    try:
        key = json.dumps(policy, sort_keys=True)
    except (TypeError, ValueError):  # values JSON cannot hold: built anew each time
        return Policy(**policy)
    return _policy_of_json(key)


@lru_cache(maxsize=64)
def _policy_of_json(fields: str) -> Policy:
    return Policy(**json.loads(fields))

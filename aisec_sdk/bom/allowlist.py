"""Policy allow-lists applied to a BOM: what is outside them becomes a `BomFinding`.

Rules (every finding makes ``aisec bom`` exit 1):

- ``unapproved-model`` (high): a model whose name (a local file: its path or
  ``sha256:<hex digest>``) matches no ``allowed_models`` pattern, or one of whose response
  models (what the provider says answered) matches none: an approved name answered by
  another model (a gateway's fallback, a dated snapshot no pattern covers) is a finding.
- ``shadow-ai`` (high): a provider outside ``allowed_providers``, an endpoint whose host,
  ``host:port`` or URL matches no ``allowed_endpoints`` pattern, or an installed AI package
  or framework outside ``allowed_packages``.
- ``plaintext-endpoint`` (medium): an ``http://`` LLM endpoint on a host that is not the
  loopback interface; this one needs no allow-list.

An allow-list left as ``None`` restricts nothing. Patterns are ``fnmatch`` patterns, matched
case-insensitively.
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from aisec_sdk.bom.model import (
    AnyComponent,
    Bom,
    BomFinding,
    EndpointComponent,
    FrameworkComponent,
    ModelComponent,
    ProviderComponent,
)
from aisec_sdk.bom.spans import is_loopback, normalize_dist

if TYPE_CHECKING:
    from aisec_sdk.policy import Policy

__all__ = ["allowed", "apply_policy", "findings_for"]


def allowed(patterns: Iterable[str] | None, *names: str) -> bool:
    """True when there is no allow-list or any name matches any pattern."""
    if patterns is None:
        return True
    lowered = [p.lower() for p in patterns]
    return any(fnmatchcase(name.lower(), p) for name in names for p in lowered)


def findings_for(component: AnyComponent, policy: Policy | None) -> list[BomFinding]:
    """The findings one component raises under ``policy`` (None: only plaintext checks)."""
    out: list[BomFinding] = []
    if (
        isinstance(component, EndpointComponent)
        and component.scheme == "http"
        and not is_loopback(component.host)
    ):
        out.append(
            BomFinding(
                rule="plaintext-endpoint",
                ref=component.ref,
                severity="medium",
                message=f"LLM endpoint {component.name} is plaintext HTTP: prompts and "
                "API keys cross the network unencrypted; use https://",
            )
        )
    if policy is None:
        return out
    if isinstance(component, ModelComponent):
        names = [component.name]
        if component.file is not None:
            names.append(f"sha256:{component.file.sha256}")
        served = [n for n in component.response_models if not allowed(policy.allowed_models, n)]
        if not allowed(policy.allowed_models, *names):
            out.append(_finding("unapproved-model", component, "model", "allowed_models"))
        elif served:
            what = f"model {component.name!r} answered as"
            out.append(_finding("unapproved-model", component, what, "allowed_models", served))
    elif isinstance(component, ProviderComponent):
        if not allowed(policy.allowed_providers, component.name):
            out.append(_finding("shadow-ai", component, "provider", "allowed_providers"))
    elif isinstance(component, EndpointComponent):
        port = f"{component.host}:{component.port}" if component.port else component.host
        if not allowed(policy.allowed_endpoints, component.host, port, component.name):
            out.append(_finding("shadow-ai", component, "endpoint", "allowed_endpoints"))
    elif (
        isinstance(component, FrameworkComponent)
        and policy.allowed_packages is not None
        and not allowed([normalize_dist(p) for p in policy.allowed_packages], component.name)
    ):
        out.append(_finding("shadow-ai", component, "AI package", "allowed_packages"))
    return out


def _finding(
    rule: str, component: AnyComponent, what: str, field: str, names: list[str] | None = None
) -> BomFinding:
    """``what`` ``names`` (default: the component's name) outside the policy's ``field``."""
    where = f" (seen in {', '.join(component.locations[:3])})" if component.locations else ""
    shown = ", ".join(map(repr, names or [component.name]))
    return BomFinding(
        rule=rule,  # type: ignore[arg-type]
        ref=component.ref,
        severity="high",
        message=f"{what} {shown} is not in the policy's {field}{where}",
    )


def apply_policy(bom: Bom, policy: Policy | None) -> Bom:
    """A copy of ``bom`` whose ``findings`` are recomputed under ``policy``."""
    findings = [f for c in bom.components for f in findings_for(c, policy)]
    return bom.model_copy(update={"findings": findings})

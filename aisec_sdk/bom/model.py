"""The AI-BOM as one pydantic model: components, relationships and policy findings.

Every component has a stable ``ref`` (``kind:key``) so BOMs built from spans, from OTLP
files and from a static scan merge by reference: the same model seen in code and at run
time is one component with both pieces of evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AnyComponent",
    "Bom",
    "BomBuilder",
    "BomFinding",
    "Component",
    "DatasetComponent",
    "Ecosystem",
    "EndpointComponent",
    "FileFacts",
    "Flow",
    "FrameworkComponent",
    "FunctionComponent",
    "ModelComponent",
    "ProviderComponent",
    "RelationKind",
    "Relationship",
    "Usage",
]

Ecosystem = Literal["pypi", "npm"]
"""Package registry of a framework component: PyPI, or npm (a ``package.json``)."""

Flow = Literal["inbound", "outbound"]
"""Direction of personal data, seen from the application: ``outbound`` in what it sent."""

RelationKind = Literal["calls", "served-by", "reached-at", "trained-on", "evaluated-on", "wraps"]
"""``function calls model``, ``model served-by provider``, ``provider reached-at endpoint``,
``model trained-on / evaluated-on dataset``, ``framework wraps model``."""

_Self = TypeVar("_Self", bound="Component")


class Usage(BaseModel):
    """When something was seen and how much it was used (zero for static evidence)."""

    model_config = ConfigDict(extra="forbid")

    first_seen: datetime | None = None
    last_seen: datetime | None = None
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0

    def merged(self, other: Usage) -> Usage:
        """Counts add up; the seen window widens to cover both."""
        return Usage(
            first_seen=_pick(min, self.first_seen, other.first_seen),
            last_seen=_pick(max, self.last_seen, other.last_seen),
            calls=self.calls + other.calls,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
        )


def _pick(choose: Any, a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return choose(a, b)  # type: ignore[no-any-return]


class FileFacts(BaseModel):
    """A local file: path relative to the scanned root, SHA-256, size and detected format."""

    model_config = ConfigDict(extra="forbid")

    path: str
    sha256: str
    size: int
    format: str
    rows: int | None = None


class Component(BaseModel):
    """Fields every component has. ``sources`` says how it was found (``runtime``, ``otlp``,
    ``code``, ``file``, ``package``, ``manifest``); ``locations`` where (``app.py:12``)."""

    model_config = ConfigDict(extra="forbid")

    ref: str
    name: str
    version: str | None = None
    sources: list[str] = Field(default_factory=list)
    locations: list[str] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)
    """``service.name`` of every service this was seen in."""
    usage: Usage = Field(default_factory=Usage)
    properties: dict[str, str] = Field(default_factory=dict)

    def merged(self: _Self, other: Component) -> _Self:
        """Union of the evidence of two views of the same component (same ``ref``)."""
        if other.ref != self.ref or type(other) is not type(self):
            raise ValueError(f"cannot merge {other.ref!r} into {self.ref!r}")
        update: dict[str, Any] = {}
        for name in type(self).model_fields:
            mine, theirs = getattr(self, name), getattr(other, name)
            if isinstance(mine, Usage):
                update[name] = mine.merged(theirs)
            elif isinstance(mine, list):
                update[name] = sorted({*mine, *theirs})
            elif isinstance(mine, dict):
                update[name] = {**theirs, **mine}
            elif isinstance(mine, bool):
                update[name] = mine or theirs
            elif mine is None:
                update[name] = theirs
        return self.model_copy(update=update)


class FunctionComponent(Component):
    """An application function (``aisec.function``, the qualified name ``@guard`` records)."""

    kind: Literal["function"] = "function"


class FrameworkComponent(Component):
    """An AI package or framework: a Python distribution, or an npm package declared in a
    ``package.json``."""

    kind: Literal["framework"] = "framework"
    ecosystem: Ecosystem = "pypi"

    def merged(self, other: Component) -> FrameworkComponent:
        """As `Component.merged`, but an installed version (source ``package``) wins over a
        declared one, which is kept as the ``declared_version`` property."""
        out = super().merged(other)
        installed, declared = (self, other) if "package" in self.sources else (other, self)
        if (
            "package" in installed.sources
            and "package" not in declared.sources
            and installed.version
            and declared.version
            and declared.version != installed.version
        ):
            out.version = installed.version
            out.properties = {"declared_version": declared.version, **out.properties}
        return out

    @property
    def purl(self) -> str:
        """Package URL (``pkg:pypi/name@version``, ``pkg:npm/%40scope/name@version``)."""
        version = f"@{quote(self.version, safe='.-_~')}" if self.version else ""
        return f"pkg:{self.ecosystem}/{quote(self.name, safe='/.-_~')}{version}"


class ProviderComponent(Component):
    """A model provider (``gen_ai.provider.name`` values such as ``openai``)."""

    kind: Literal["provider"] = "provider"
    data_classifications: list[str] = Field(default_factory=list)
    """``PII`` when a PII finding was recorded on a call to this provider."""
    pii_flows: list[Flow] = Field(default_factory=list)
    findings: int = 0
    """Guard findings (``aisec.findings.count``) on calls to this provider."""
    blocked: int = 0
    """Calls with ``aisec.action = block``."""

    def merged(self, other: Component) -> ProviderComponent:
        out = super().merged(other)
        if isinstance(other, ProviderComponent):
            out.findings = self.findings + other.findings
            out.blocked = self.blocked + other.blocked
        return out


class EndpointComponent(Component):
    """A network endpoint an LLM API is reached at; ``name`` is the URL."""

    kind: Literal["endpoint"] = "endpoint"
    scheme: str | None = None
    host: str
    port: int | None = None


class ModelComponent(Component):
    """A model: a name asked of a provider, a hub id, or a local weights file."""

    kind: Literal["model"] = "model"
    provider: str | None = None
    response_models: list[str] = Field(default_factory=list)
    file: FileFacts | None = None


class DatasetComponent(Component):
    """A dataset: a local file (hash, size, format, rows) or a hub dataset id."""

    kind: Literal["dataset"] = "dataset"
    file: FileFacts | None = None


AnyComponent = Annotated[
    FunctionComponent
    | FrameworkComponent
    | ProviderComponent
    | EndpointComponent
    | ModelComponent
    | DatasetComponent,
    Field(discriminator="kind"),
]


class Relationship(BaseModel):
    """``source`` -kind-> ``target`` (both component refs) with its own usage."""

    model_config = ConfigDict(extra="forbid")

    source: str
    kind: RelationKind
    target: str
    sources: list[str] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)


class BomFinding(BaseModel):
    """A component outside the policy's allow-lists, or a plaintext endpoint."""

    model_config = ConfigDict(extra="forbid")

    rule: Literal["shadow-ai", "unapproved-model", "plaintext-endpoint"]
    ref: str
    severity: Literal["medium", "high"]
    message: str


class Bom(BaseModel):
    """The AI-BOM. ``subject`` names what was inventoried (a project's directory name,
    ``runtime``, span file names)."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = 1
    """Version of this JSON shape (``--format json``)."""
    subject: str
    generated_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    tool: str = "aisec-sdk"
    services: list[str] = Field(default_factory=list)
    environment_variables: list[str] = Field(default_factory=list)
    """Names (never values) of AI-related environment variables: set in the environment,
    assigned in a ``.env`` file, or read by name in code."""
    components: list[AnyComponent] = Field(default_factory=list)
    relationships: list[Relationship] = Field(default_factory=list)
    findings: list[BomFinding] = Field(default_factory=list)

    def component(self, ref: str) -> AnyComponent | None:
        """The component with this ref, or None."""
        return next((c for c in self.components if c.ref == ref), None)

    def of_kind(self, kind: str) -> list[AnyComponent]:
        """Components of one kind (``model``, ``dataset``...), in ref order."""
        return [c for c in self.components if c.kind == kind]

    def merged(self, other: Bom, subject: str | None = None) -> Bom:
        """One BOM holding the evidence of both (findings are recomputed by the caller)."""
        builder = BomBuilder()
        builder.absorb(self)
        builder.absorb(other)
        return builder.build(
            subject or f"{self.subject} + {other.subject}",
            services=[*self.services, *other.services],
            environment_variables=[*self.environment_variables, *other.environment_variables],
        )


class BomBuilder:
    """Collects components and relationships, merging repeats by ref / (source, kind, target)."""

    def __init__(self) -> None:
        self._components: dict[str, AnyComponent] = {}
        self._relations: dict[tuple[str, str, str], Relationship] = {}

    def add(self, component: AnyComponent) -> str:
        """Add or merge a component; returns its ref."""
        known = self._components.get(component.ref)
        self._components[component.ref] = known.merged(component) if known else component
        return component.ref

    def relate(
        self,
        source: str,
        kind: RelationKind,
        target: str,
        evidence: str | Iterable[str],
        usage: Usage | None = None,
    ) -> None:
        """Add or merge the relationship ``source -kind-> target``."""
        found = {evidence} if isinstance(evidence, str) else set(evidence)
        usage = usage or Usage()
        known = self._relations.get((source, kind, target))
        if known is not None:
            found |= set(known.sources)
            usage = known.usage.merged(usage)
        self._relations[(source, kind, target)] = Relationship(
            source=source, kind=kind, target=target, sources=sorted(found), usage=usage
        )

    def absorb(self, bom: Bom) -> None:
        """Add every component and relationship of an existing BOM."""
        for component in bom.components:
            self.add(component)
        for rel in bom.relationships:
            self.relate(rel.source, rel.kind, rel.target, rel.sources, rel.usage)

    def build(
        self,
        subject: str,
        services: Iterable[str] = (),
        environment_variables: Iterable[str] = (),
    ) -> Bom:
        """The BOM, components and relationships sorted for stable output."""
        return Bom(
            subject=subject,
            services=sorted(set(services)),
            environment_variables=sorted(set(environment_variables)),
            components=[self._components[ref] for ref in sorted(self._components)],
            relationships=[self._relations[key] for key in sorted(self._relations)],
        )

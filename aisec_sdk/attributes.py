"""Every ``aisec.*`` name the SDK puts on telemetry: span attributes, events, span and metric names.

One place for the wire format: the decorator, the integrations and the AI-BOM reader all
import these constants, so the writer and the reader cannot drift apart. Standard names come
from ``opentelemetry.semconv``; only what the conventions do not define is ``aisec.*``.
"""

from __future__ import annotations

from typing import Final

# --- Guarded calls: set by ``CallTelemetry`` on its ``aisec.guard`` span or the LLM span --
ATTR_FUNCTION: Final = "aisec.function"
"""Qualified name of the guarded application function."""
ATTR_MODE: Final = "aisec.mode"
"""Policy mode of the call (enforce, monitor...)."""
ATTR_ACTION: Final = "aisec.action"
"""Strongest action over the call's verdicts: allow, redact or block."""
ATTR_FINDINGS_COUNT: Final = "aisec.findings.count"
"""Number of guard findings on the call."""
ATTR_GUARD_ERRORS: Final = "aisec.guard_errors"
"""Guards that failed while scanning (their ids)."""


def attr_direction_action(direction: str) -> str:
    """``aisec.{direction}.action``: the action of the verdict on one direction."""
    return f"aisec.{direction}.action"


def attr_direction_content(direction: str) -> str:
    """``aisec.{direction}.content``: redacted text, only when the policy captures content."""
    return f"aisec.{direction}.content"


# --- Guard findings: the ``aisec.finding`` event and its attributes ----------------------
EVENT_FINDING: Final = "aisec.finding"
"""One event per guard finding."""
ATTR_GUARD: Final = "aisec.guard"
ATTR_CATEGORY: Final = "aisec.category"
ATTR_SCORE: Final = "aisec.score"
ATTR_START: Final = "aisec.start"
ATTR_END: Final = "aisec.end"
ATTR_DIRECTION: Final = "aisec.direction"
ATTR_FINDING_ACTION: Final = "aisec.finding.action"
ATTR_MESSAGE: Final = "aisec.message"
"""Human-readable explanation (also on posture findings)."""
EVENT_EVALUATION: Final = "gen_ai.evaluation.result"
"""The GenAI evaluation event (worst finding per guard); not ``aisec.*``, kept beside it."""


def evaluation_name(guard: str) -> str:
    """``gen_ai.evaluation.name`` of a guard's evaluation event: ``aisec.{guard}``."""
    return f"aisec.{guard}"


# --- Span names and metric instruments ---------------------------------------------------
SPAN_GUARD: Final = "aisec.guard"
"""Name prefix of the span a guarded call opens when no LLM span is in progress."""
SPAN_MODEL_LOAD: Final = "aisec.model.load"
"""Name prefix of a model-load span (transformers ``from_pretrained``)."""
METRIC_GUARD_FINDINGS: Final = "aisec.guard.findings"
METRIC_GUARD_DURATION: Final = "aisec.guard.duration"

# --- Integrations: every span ------------------------------------------------------------
ATTR_FRAMEWORK: Final = "aisec.framework"
"""Distribution name of the instrumented framework (one framework component in the AI-BOM)."""
ATTR_FRAMEWORK_VERSION: Final = "aisec.framework.version"
ATTR_USAGE_COUNTED: Final = "aisec.usage.counted"
"""True when token usage was counted locally because the API reported none."""
ATTR_LANGCHAIN_RUN_TYPE: Final = "aisec.langchain.run_type"
ATTR_RETRIEVAL_DOCUMENTS: Final = "aisec.retrieval.documents"
"""Number of documents a retriever returned."""
PROVIDER_LOCAL_PREFIX: Final = "aisec.local."
"""``gen_ai.provider.name`` prefix of models run inside the process."""
PROVIDER_TRANSFORMERS: Final = PROVIDER_LOCAL_PREFIX + "transformers"

# --- Model loads and posture findings (transformers) ------------------------------------
ATTR_MODEL_SOURCE: Final = "aisec.model.source"
"""``local`` (a directory) or ``hub`` (a repository id)."""
ATTR_MODEL_PATH: Final = "aisec.model.path"
ATTR_MODEL_REVISION: Final = "aisec.model.revision"
ATTR_MODEL_FORMAT: Final = "aisec.model.format"
"""Format of the weights loaded: safetensors, pickle..."""
ATTR_MODEL_FILES: Final = "aisec.model.files"
"""Weight file names, aligned with the formats and hashes."""
ATTR_MODEL_FILE_FORMATS: Final = "aisec.model.file_formats"
ATTR_MODEL_SHA256: Final = "aisec.model.sha256"
ATTR_TRUST_REMOTE_CODE: Final = "aisec.model.trust_remote_code"
ATTR_POSTURE_FINDINGS_COUNT: Final = "aisec.posture.findings.count"
EVENT_POSTURE_FINDING: Final = "aisec.posture.finding"
"""One event per posture finding; attributes below and `ATTR_MESSAGE`."""
ATTR_RULE_ID: Final = "aisec.rule_id"
ATTR_SEVERITY: Final = "aisec.severity"
ATTR_PATH: Final = "aisec.path"

# --- AI-BOM policy findings on a starting LLM span (bom collector) -----------------------
EVENT_BOM_FINDING: Final = "aisec.bom.finding"
"""Put on an LLM span whose model, provider or endpoint the policy forbids."""
ATTR_BOM_RULE: Final = "aisec.bom.rule"
ATTR_BOM_REF: Final = "aisec.bom.ref"
ATTR_BOM_SEVERITY: Final = "aisec.bom.severity"
ATTR_BOM_FINDINGS_COUNT: Final = "aisec.bom.findings.count"

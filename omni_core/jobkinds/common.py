"""Parameters several job kinds share, and the choice lists more than one kind offers."""

from __future__ import annotations

from omni_core.jobkinds.spec import INT64_MAX, ParamSpec

#: the realistic degradation presets (backend/synthetic/realistic/presets.py has one per name), the first the default
DOMAINS = ("photo", "document")
#: ONNX Runtime providers by short name (omni_core/providers.py accepts their full names too)
PROVIDERS = ("tensorrt", "cuda", "cpu")


def seed(help_text: str = "the same seed, data and parameters give the same result") -> ParamSpec:
    return ParamSpec("seed", "Seed", help_text, "int", 0, minimum=0, maximum=INT64_MAX)


def folder(name: str, label: str, help_text: str) -> ParamSpec:
    return ParamSpec(name, label, help_text, "string", "")


def domain(help_text: str) -> ParamSpec:
    return ParamSpec("domain", "Domain", help_text, "choice", DOMAINS[0], choices=DOMAINS)


def require_provider() -> ParamSpec:
    return ParamSpec(
        "require_provider",
        "Require provider",
        "fail instead of falling back when this ONNX Runtime provider is missing; empty = the best available",
        "string",
        "",
        suggestions=PROVIDERS,
    )


def flag(name: str, label: str, help_text: str) -> ParamSpec:
    return ParamSpec(name, label, help_text, "bool", False)

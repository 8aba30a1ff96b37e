"""google.api.http path templates (``/v1/jobs/{job_id}:cancel``, ``/v1/artifacts/{key=**}``) as matchers.

Grammar (google/api/http.proto): ``Template = "/" Segments [ Verb ]``; a segment is a literal, ``*`` (one
segment), ``**`` (the rest) or a variable ``{field.path[=Segments]}``. A variable without a pattern is one
segment. Matching is on the raw (percent-encoded) path; each variable's value is decoded after the match, so
an encoded ``/`` stays inside a one-segment variable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

_VARIABLE = re.compile(r"\{([A-Za-z_][\w.]*)(?:=([^}]*))?\}")


class TemplateError(ValueError):
    """A route annotation of the contract that is not a valid path template."""


def _segments_regex(segments: str) -> str:
    parts = []
    for segment in segments.split("/"):
        if segment == "*":
            parts.append("[^/]+")
        elif segment == "**":
            parts.append(".+")
        elif not set(segment) & set("{}*="):  # a literal ('' between two '/' of a literal run)
            parts.append(re.escape(segment))
        else:
            raise TemplateError(f"bad path segment {segment!r}")
    return "/".join(parts)


@dataclass(frozen=True)
class PathTemplate:
    """One compiled template: its text, the field paths of its variables, its verb."""

    text: str
    fields: tuple[str, ...]
    verb: str
    regex: re.Pattern[str]

    @classmethod
    def parse(cls, text: str) -> PathTemplate:
        if not text.startswith("/"):
            raise TemplateError(f"{text!r}: a path template starts with '/'")
        path, verb = text, ""
        last = text.rsplit("/", 1)[-1]
        if ":" in last and "}" not in last.split(":", 1)[1]:
            path, verb = text.rsplit(":", 1)
        pattern, fields, at = "", [], 0
        for match in _VARIABLE.finditer(path):
            pattern += _segments_regex(path[at : match.start()]) if match.start() > at else ""
            fields.append(match.group(1))
            pattern += f"(?P<v{len(fields) - 1}>{_segments_regex(match.group(2) or '*')})"
            at = match.end()
        pattern += _segments_regex(path[at:]) if at < len(path) else ""
        suffix = re.escape(":" + verb) if verb else ""
        return cls(text, tuple(fields), verb, re.compile(f"^{pattern}{suffix}$"))

    def match(self, raw_path: str) -> dict[str, str] | None:
        """The decoded value of each variable, or None when the path is not this template's."""
        found = self.regex.match(raw_path)
        if found is None:
            return None
        return {field: unquote(found.group(f"v{i}")) for i, field in enumerate(self.fields)}

    @property
    def openapi_path(self) -> str:
        """The template as an OpenAPI path: ``{key=**}`` becomes ``{key}``."""
        return _VARIABLE.sub(lambda m: "{" + m.group(1) + "}", self.text)

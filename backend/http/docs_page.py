"""GET /docs: the OpenAPI document rendered as one self-contained HTML page (no scripts, no CDN, no
assets), so it works on an offline machine and in any browser. Machines read /openapi.json instead."""

from __future__ import annotations

from html import escape
from typing import Any

_STYLE = """body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
code,pre{font:13px ui-monospace,monospace}h2{border-bottom:1px solid #ccc;margin-top:2em}
.op{border:1px solid #ddd;border-radius:6px;margin:.6em 0;padding:.2em .8em}.op summary{cursor:pointer}
.m{display:inline-block;width:4.5em;font-weight:bold}.get{color:#1a7f37}.post{color:#0550ae}
.put{color:#9a6700}.delete{color:#cf222e}table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left;
border-bottom:1px solid #eee;vertical-align:top}"""


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f'<a href="#{escape(name)}">{escape(name)}</a>'
    if schema.get("type") == "array":
        return f"array of {_type(schema.get('items', {}))}"
    if schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"map of {_type(schema['additionalProperties'])}"
    text = escape(str(schema.get("type", "any")))
    return f"{text} ({escape(schema['format'])})" if "format" in schema else text


def _content(content: dict[str, Any]) -> str:
    rows = []
    for media, body in content.items():
        schema = body.get("x-event-data") or body.get("schema", {})
        rows.append(f"<code>{escape(media)}</code>: {_type(schema)}")
    return "<br>".join(rows)


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    params = "".join(
        f"<tr><td><code>{escape(p['name'])}</code></td><td>{p['in']}</td><td>{_type(p['schema'])}</td></tr>"
        for p in op.get("parameters", [])
    )
    parts = [
        f'<details class="op"><summary><span class="m {method}">{method.upper()}</span>'
        f"<code>{escape(path)}</code> — {escape(op.get('summary', ''))}</summary>",
        f"<p>{escape(op.get('description', ''))}</p>",
    ]
    if params:
        parts.append(f"<table><tr><th>parameter</th><th>in</th><th>type</th></tr>{params}</table>")
    if "requestBody" in op:
        parts.append(f"<p>body: {_content(op['requestBody']['content'])}</p>")
    ok = op.get("responses", {}).get("200", {})
    if "content" in ok:
        parts.append(f"<p>response: {_content(ok['content'])}</p>")
    return "".join(parts) + "</details>"


def _schema(name: str, schema: dict[str, Any]) -> str:
    if "enum" in schema:
        values = ", ".join(f"<code>{escape(v)}</code>" for v in schema["enum"])
        return f'<h3 id="{escape(name)}">{escape(name)}</h3><p>enum: {values}</p>'
    rows = "".join(
        f"<tr><td><code>{escape(field)}</code></td><td>{_type(sub)}</td></tr>"
        for field, sub in schema.get("properties", {}).items()
    )
    note = f"<p>{escape(schema['description'])}</p>" if "description" in schema else ""
    return f'<h3 id="{escape(name)}">{escape(name)}</h3>{note}<table>{rows}</table>'


def render(document: dict[str, Any]) -> str:
    info = document["info"]
    by_tag: dict[str, list[str]] = {}
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            by_tag.setdefault(op.get("tags", ["other"])[0], []).append(_operation(path, method, op))
    sections = "".join(f"<h2>{escape(tag)}</h2>{''.join(ops)}" for tag, ops in sorted(by_tag.items()))
    schemas = "".join(_schema(n, s) for n, s in sorted(document["components"]["schemas"].items()))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(info['title'])}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{escape(info['title'])} <small>{escape(info['version'])}</small></h1>"
        f"<p>{escape(info['description'])} The machine-readable document: <a href='/openapi.json'>/openapi.json</a>."
        f"</p>{sections}<h2>Schemas</h2>{schemas}</body></html>"
    )

"""Writes the n8n workflows of installers/n8n/*.json (what users import) from one readable description.

    python installers/n8n/build_workflows.py          # rewrite the JSON files
    python installers/n8n/build_workflows.py --check  # fail if a committed file differs (the tests run this)

Every workflow calls the backend's HTTP/JSON API (bodies are the protobuf JSON form of protos/omni/v1) with one
n8n credential, "Omni backend token" (HTTP Header Auth: ``Authorization: Bearer <token>``), and starts with a
"Config" node holding the base URL and the other settings a user edits after importing.
"""

from __future__ import annotations

import itertools
import json
import sys
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CREDENTIAL = {"httpHeaderAuth": {"id": "omniBackendToken", "name": "Omni backend token"}}
NAMESPACE = uuid.UUID("5b0e1c4e-6f1d-4f7a-9a43-0d0c6e0a1e15")
TERMINAL = "['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED', 'JOB_STATE_INTERRUPTED']"
BASE = "$('Config').first().json.base_url"

Node = dict[str, Any]


class Workflow:
    def __init__(self, workflow_id: str, name: str, description: str) -> None:
        self.id, self.name, self.description = workflow_id, name, description
        self.nodes: list[Node] = []
        self.connections: dict[str, dict[str, list[list[dict[str, Any]]]]] = {}

    def add(
        self, name: str, kind: str, version: float, parameters: dict[str, Any], at: tuple[int, int], **extra: Any
    ) -> str:
        node: Node = {
            "parameters": parameters,
            "id": str(uuid.uuid5(NAMESPACE, f"{self.id}/{name}")),
            "name": name,
            "type": kind if "." in kind else f"n8n-nodes-base.{kind}",
            "typeVersion": version,
            "position": [at[0] * 220, at[1] * 180],
            **extra,
        }
        self.nodes.append(node)
        return name

    def link(self, source: str, target: str, output: int = 0) -> None:
        outputs = self.connections.setdefault(source, {"main": []})["main"]
        while len(outputs) <= output:
            outputs.append([])
        outputs[output].append({"node": target, "type": "main", "index": 0})

    def chain(self, *names: str) -> None:
        for source, target in itertools.pairwise(names):
            self.link(source, target)

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "active": False,
            "nodes": self.nodes,
            "connections": self.connections,
            "settings": {"executionOrder": "v1", "saveDataSuccessExecution": "all", "saveDataErrorExecution": "all"},
            "pinData": {},
            "meta": {"templateCredsSetupCompleted": False, "description": self.description},
            "tags": [],
        }


# --- node builders -------------------------------------------------------------------------------------------


def config(values: dict[str, Any], numbers: tuple[str, ...] = ()) -> dict[str, Any]:
    """A Set node's parameters: the workflow's settings, one field each (strings starting '=' are expressions;
    ``numbers`` names the expressions that give numbers)."""
    assignments = []
    for name, value in values.items():
        kind = "number" if isinstance(value, int | float) or name in numbers else "string"
        kind = "boolean" if isinstance(value, bool) else kind
        assignments.append({"id": str(uuid.uuid5(NAMESPACE, name)), "name": name, "value": value, "type": kind})
    return {"assignments": {"assignments": assignments}, "options": {}}


def api(
    method: str, path: str, body: str | None = None, text: bool = False, query: dict[str, str] | None = None
) -> dict[str, Any]:
    """An HTTP Request node's parameters for one backend route; ``path`` and ``body`` are expression text."""
    parameters: dict[str, Any] = {
        "method": method,
        "url": f"={{{{ {BASE} }}}}{path}",
        "authentication": "genericCredentialType",
        "genericAuthType": "httpHeaderAuth",
    }
    if query:
        parameters.update(
            sendQuery=True, queryParameters={"parameters": [{"name": k, "value": v} for k, v in query.items()]}
        )
    if body is not None:
        parameters.update(sendBody=True, specifyBody="json", jsonBody=f"={{{{ JSON.stringify({body}) }}}}")
    response = {"response": {"response": {"responseFormat": "text", "outputPropertyName": "text"}}} if text else {}
    parameters["options"] = response
    return parameters


def post_json(url: str, body: str) -> dict[str, Any]:
    """An HTTP Request node POSTing JSON to a URL of the user's (a chat webhook, a ticket system...)."""
    return {
        "method": "POST",
        "url": url,
        "sendBody": True,
        "specifyBody": "json",
        "jsonBody": f"={{{{ JSON.stringify({body}) }}}}",
        "options": {},
    }


def condition(expression: str) -> dict[str, Any]:
    """An If node (v2) that is true when ``expression`` (JavaScript) is true."""
    return {
        "conditions": {
            "options": {"caseSensitive": True, "leftValue": "", "typeValidation": "strict", "version": 2},
            "conditions": [
                {
                    "id": str(uuid.uuid5(NAMESPACE, expression)),
                    "leftValue": f"={{{{ {expression} }}}}",
                    "rightValue": "",
                    "operator": {"type": "boolean", "operation": "true", "singleValue": True},
                }
            ],
            "combinator": "and",
        },
        "options": {},
    }


def stop(message: str) -> dict[str, Any]:
    return {"errorMessage": message}


def code(js: str) -> dict[str, Any]:
    return {"jsCode": js.strip() + "\n"}


def poll_job(flow: Workflow, job_node: str, label: str, x: int, y: int) -> str:
    """Wait, GET /v1/jobs/{id}, until the job of ``job_node`` ends; returns the node after which it has ended."""
    wait = flow.add(
        f"Wait for {label}",
        "wait",
        1.1,
        {"resume": "timeInterval", "amount": "={{ $('Config').first().json.poll_seconds }}", "unit": "seconds"},
        (x, y),
        webhookId=str(uuid.uuid5(NAMESPACE, f"{flow.id}/{label}/wait")),
    )
    get = flow.add(
        f"Get {label} job",
        "httpRequest",
        4.2,
        api("GET", f"/v1/jobs/{{{{ $('{job_node}').first().json.id }}}}"),
        (x + 1, y),
        credentials=CREDENTIAL,
    )
    ended = flow.add(
        f"{label.capitalize()} ended?", "if", 2.2, condition(f"{TERMINAL}.includes($json.state)"), (x + 2, y)
    )
    flow.chain(job_node, wait, get, ended)
    flow.link(ended, wait, output=1)
    return ended


# --- the workflows -------------------------------------------------------------------------------------------

VERIFY_JS = (HERE / "code" / "verify-signature.js").read_text()

DECIDE_JS = (HERE / "code" / "promote-if-better.js").read_text()


def nightly() -> Workflow:
    flow = Workflow(
        "omniNightlyLayer2",
        "Omni: nightly layer 2 training",
        "Generate synthetic pairs, train restoration layer 2, wait for the backend's signed notification, compare "
        "with the current model, promote if better, send the report.",
    )
    night = flow.add(
        "Every night",
        "scheduleTrigger",
        1.2,
        {"rule": {"interval": [{"field": "cronExpression", "expression": "0 2 * * *"}]}},
        (0, 0),
    )
    now = flow.add(
        "Start now",
        "webhook",
        2.1,
        {"httpMethod": "POST", "path": "omni-nightly", "responseMode": "onReceived", "options": {}},
        (0, 1),
        webhookId=str(uuid.uuid5(NAMESPACE, "omni-nightly")),
    )
    settings = flow.add(
        "Config",
        "set",
        3.4,
        config(
            {
                "base_url": "http://127.0.0.1:8000",
                "data_folder": "={{ 'synthetic/nightly-' + $now.toFormat('yyyyLLdd-HHmmss') }}",
                "pairs": 2000,
                "size": 256,
                "seed": "={{ Number($now.toFormat('yyyyLLdd')) }}",
                "epochs": 10,
                "batch_size": 4,
                "patch": 128,
                "preset": "tiny",
                "device": "auto",
                "max_minutes": 240,
                "min_psnr_gain": 0.1,
                "poll_seconds": 10,
                "report_url": "https://chat.example.com/hooks/omni",
                "notify_secret": "={{ $env.OMNI_WEBHOOK_SECRET || '' }}",
            },
            numbers=("seed",),
        ),
        (1, 0),
    )
    flow.link(night, settings)
    flow.link(now, settings)
    generate = flow.add(
        "Generate data",
        "httpRequest",
        4.2,
        api(
            "POST",
            "/v1/jobs",
            "{ spec: { synthRestoration: { count: $json.pairs, out: $json.data_folder, size: $json.size, "
            "seed: $json.seed } }, "
            "labels: { source: 'n8n', workflow: 'nightly' } }",
        ),
        (2, 0),
        credentials=CREDENTIAL,
    )
    flow.link(settings, generate)
    ended = poll_job(flow, generate, "generation", 3, 0)
    generated = flow.add("Generated?", "if", 2.2, condition("$json.state === 'JOB_STATE_SUCCEEDED'"), (6, 0))
    failed = flow.add(
        "Generation failed",
        "stopAndError",
        1,
        stop("={{ 'synthetic generation ' + $json.id + ' ended ' + $json.state + ': ' + ($json.message || '') }}"),
        (7, 1),
    )
    flow.link(ended, generated)
    flow.link(generated, failed, output=1)
    train = flow.add(
        "Train layer 2",
        "httpRequest",
        4.2,
        api(
            "POST",
            "/v1/jobs",
            "{ spec: { notifyUrl: $execution.resumeUrl, trainRestoration: { "
            "data: $('Config').first().json.data_folder, "
            "layer: 2, epochs: $('Config').first().json.epochs, batchSize: $('Config').first().json.batch_size, "
            "patch: $('Config').first().json.patch, preset: $('Config').first().json.preset, "
            "device: $('Config').first().json.device, seed: $('Config').first().json.seed, "
            "maxMinutes: $('Config').first().json.max_minutes } }, labels: { source: 'n8n', workflow: 'nightly' } }",
        ),
        (7, 0),
        credentials=CREDENTIAL,
    )
    flow.link(generated, train)
    wait = flow.add(
        "Wait for the training webhook",
        "wait",
        1.1,
        {
            "resume": "webhook",
            "httpMethod": "POST",
            "limitWaitTime": True,
            "limitType": "afterTimeInterval",
            "resumeAmount": 12,
            "resumeUnit": "hours",
            "options": {"rawBody": True},
        },
        (8, 0),
        webhookId=str(uuid.uuid5(NAMESPACE, "omni-nightly/training-webhook")),
    )
    verify = flow.add("Verify signature", "code", 2, code(VERIFY_JS), (9, 0))
    succeeded = flow.add("Trained?", "if", 2.2, condition("$json.event_type === 'job.succeeded'"), (10, 0))
    train_failed = flow.add(
        "Training failed",
        "stopAndError",
        1,
        stop("={{ 'training ' + $('Train layer 2').first().json.id + ': ' + $json.event_type }}"),
        (11, 1),
    )
    get_train = flow.add(
        "Get training job",
        "httpRequest",
        4.2,
        api("GET", "/v1/jobs/{{ $('Train layer 2').first().json.id }}"),
        (11, 0),
        credentials=CREDENTIAL,
    )
    current = flow.add(
        "Current layer 2 model",
        "httpRequest",
        4.2,
        api("GET", "/v1/models", query={"kind": "restoration", "layer": "layer_2"}),
        (12, 0),
        credentials=CREDENTIAL,
    )
    has_current = flow.add(
        "Is there a current model?",
        "if",
        2.2,
        condition(
            "($json.models || []).some((m) => m.current "
            "&& m.version !== $('Get training job').first().json.outputs.model_version)"
        ),
        (13, 0),
    )
    compare = flow.add(
        "Compare with current",
        "httpRequest",
        4.2,
        api(
            "GET",
            "/v1/models:compare",
            query={
                "a": "={{ $json.models.find((m) => m.current).version }}",
                "b": "={{ $('Get training job').first().json.outputs.model_version }}",
            },
        ),
        (14, 0),
        credentials=CREDENTIAL,
    )
    decide = flow.add("Better?", "code", 2, code(DECIDE_JS), (15, 1))
    promote_if = flow.add("Promote?", "if", 2.2, condition("$json.promote"), (16, 1))
    promote = flow.add(
        "Promote",
        "httpRequest",
        4.2,
        api("POST", "/v1/models/{{ $json.version }}:promote", "{}"),
        (17, 0),
        credentials=CREDENTIAL,
    )
    report = flow.add(
        "Fetch report",
        "httpRequest",
        4.2,
        api("GET", "/v1/reports/{{ $('Train layer 2').first().json.id }}/content", query={"format": "text"}, text=True),
        (18, 1),
        credentials=CREDENTIAL,
    )
    send = flow.add(
        "Send report",
        "httpRequest",
        4.2,
        post_json(
            "={{ $('Config').first().json.report_url }}",
            "{ text: ($('Better?').first().json.promote "
            "? 'Omni nightly: promoted ' : 'Omni nightly: kept the current model, trained ') "
            "+ $('Better?').first().json.version + ' (' + $('Better?').first().json.reason + ')\\n\\n' + $json.text, "
            "version: $('Better?').first().json.version, promoted: $('Better?').first().json.promote, "
            "reason: $('Better?').first().json.reason, psnr_change: $('Better?').first().json.psnr_change, "
            "job_id: $('Train layer 2').first().json.id, execution_id: $execution.id }",
        ),
        (19, 1),
    )
    flow.chain(train, wait, verify, succeeded)
    flow.link(succeeded, get_train)
    flow.link(succeeded, train_failed, output=1)
    flow.chain(get_train, current, has_current, compare, decide, promote_if, promote, report, send)
    flow.link(has_current, decide, output=1)
    flow.link(promote_if, report, output=1)
    return flow


def prelabel() -> Workflow:
    flow = Workflow(
        "omniPrelabelPhotos",
        "Omni: pre-label new photos",
        "Each new photo in a folder on the n8n host is uploaded to a dataset, the current detector proposes boxes "
        "(SuggestBoxes), and they are saved with the image marked 'review' for an annotator to check.",
    )
    trigger = flow.add(
        "New photo",
        "localFileTrigger",
        1,
        {
            "triggerOn": "folder",
            "path": "/srv/omni/incoming-photos",
            "events": ["add"],
            "options": {"awaitWriteFinish": True, "ignored": "**/.*"},
        },
        (0, 0),
    )
    settings = flow.add(
        "Config",
        "set",
        3.4,
        config({"base_url": "http://127.0.0.1:8000", "dataset": "inspection", "conf": 0.25, "editor": "n8n"}),
        (1, 0),
    )
    is_image = flow.add(
        "Is it a photo?",
        "if",
        2.2,
        condition("/\\.(jpe?g|png|webp|bmp|tiff?)$/i.test($('New photo').first().json.path)"),
        (2, 0),
    )
    read = flow.add(
        "Read photo",
        "readWriteFile",
        1,
        {"fileSelector": "={{ $('New photo').first().json.path }}", "options": {}},
        (3, 0),
    )
    upload = flow.add(
        "Upload",
        "httpRequest",
        4.2,
        {
            **api("POST", "/v1/datasets/{{ $('Config').first().json.dataset }}/images:upload"),
            "sendBody": True,
            "contentType": "multipart-form-data",
            "bodyParameters": {
                "parameters": [{"parameterType": "formBinaryData", "name": "file", "inputDataFieldName": "data"}]
            },
        },
        (4, 0),
        credentials=CREDENTIAL,
    )
    uploaded = flow.add(
        "Uploaded?", "if", 2.2, condition("!!($json.results && $json.results[0] && $json.results[0].imageId)"), (5, 0)
    )
    refused = flow.add(
        "Upload refused",
        "stopAndError",
        1,
        stop("={{ 'upload of ' + $('New photo').first().json.path + ' refused: ' + JSON.stringify($json.results) }}"),
        (6, 1),
    )
    image = "{{ $('Upload').first().json.results[0].imageId }}"
    dataset = "{{ $('Config').first().json.dataset }}"
    current = flow.add(
        "Current annotations",
        "httpRequest",
        4.2,
        api("GET", f"/v1/datasets/{dataset}/images/{image}/annotations"),
        (6, 0),
        credentials=CREDENTIAL,
    )
    todo = flow.add(
        "Still to do?",
        "if",
        2.2,
        condition("!$json.status || ['IMAGE_STATUS_TODO', 'IMAGE_STATUS_UNSPECIFIED'].includes($json.status)"),
        (7, 0),
    )
    skip = flow.add("Already labelled", "noOp", 1, {}, (8, 1))
    suggest = flow.add(
        "Suggest boxes",
        "httpRequest",
        4.2,
        api("POST", f"/v1/datasets/{dataset}/images/{image}:suggestBoxes", "{ conf: $('Config').first().json.conf }"),
        (8, 0),
        credentials=CREDENTIAL,
    )
    save = flow.add(
        "Save for review",
        "httpRequest",
        4.2,
        api(
            "PUT",
            f"/v1/datasets/{dataset}/images/{image}/annotations",
            "{ baseRevision: $('Current annotations').first().json.revision || 0, "
            "boxes: ($('Current annotations').first().json.boxes || []).concat($json.boxes || []), "
            "status: 'IMAGE_STATUS_REVIEW', editor: $('Config').first().json.editor, "
            "clientEditId: 'n8n-' + $execution.id }",
        ),
        (9, 0),
        credentials=CREDENTIAL,
    )
    flow.chain(trigger, settings, is_image, read, upload, uploaded, current, todo, suggest, save)
    flow.link(uploaded, refused, output=1)
    flow.link(todo, skip, output=1)
    return flow


def restore() -> Workflow:
    flow = Workflow(
        "omniRestoreScans",
        "Omni: restore new scans",
        "Every hour (or on demand) restore the scans of a folder with the current layer 2 model; the batch job skips "
        "scans already restored, so each run restores the new ones. Sends a summary.",
    )
    hourly = flow.add("Every hour", "scheduleTrigger", 1.2, {"rule": {"interval": [{"field": "hours"}]}}, (0, 0))
    now = flow.add(
        "Restore now",
        "webhook",
        2.1,
        {"httpMethod": "POST", "path": "omni-restore", "responseMode": "onReceived", "options": {}},
        (0, 1),
        webhookId=str(uuid.uuid5(NAMESPACE, "omni-restore")),
    )
    settings = flow.add(
        "Config",
        "set",
        3.4,
        config(
            {
                "base_url": "http://127.0.0.1:8000",
                "input": "/srv/omni/scans",
                "out": "/srv/omni/scans-restored",
                "model": "current",
                "layer": 2,
                "format": "same",
                "poll_seconds": 10,
                "report_url": "https://chat.example.com/hooks/omni",
            }
        ),
        (1, 0),
    )
    flow.link(hourly, settings)
    flow.link(now, settings)
    submit = flow.add(
        "Restore folder",
        "httpRequest",
        4.2,
        api(
            "POST",
            "/v1/jobs",
            "{ spec: { restoreBatch: { input: $json.input, out: $json.out, model: $json.model, layer: $json.layer, "
            "format: $json.format } }, labels: { source: 'n8n', workflow: 'restore-scans' } }",
        ),
        (2, 0),
        credentials=CREDENTIAL,
    )
    flow.link(settings, submit)
    ended = poll_job(flow, submit, "restoration", 3, 0)
    summary = flow.add(
        "Send summary",
        "httpRequest",
        4.2,
        post_json(
            "={{ $('Config').first().json.report_url }}",
            "{ text: $json.state === 'JOB_STATE_SUCCEEDED' "
            "? `Omni: restored ${$json.outputs.restored || 0} new scans of ${$('Config').first().json.input} "
            "into ${$('Config').first().json.out} (${$json.outputs.skipped || 0} skipped: already restored "
            "or not images; ${$json.outputs.failed || 0} failed)` "
            ": `Omni: restoring ${$('Config').first().json.input} ended ${$json.state}: ${$json.message || ''}`, "
            "job_id: $json.id, state: $json.state, counts: $json.outputs }",
        ),
        (6, 0),
    )
    failed = flow.add(
        "Failed?", "if", 2.2, condition("$('Get restoration job').first().json.state !== 'JOB_STATE_SUCCEEDED'"), (7, 0)
    )
    error = flow.add(
        "Restoration failed",
        "stopAndError",
        1,
        stop(
            "={{ 'restore job ' + $('Get restoration job').first().json.id + ' ended ' "
            "+ $('Get restoration job').first().json.state }}"
        ),
        (8, 0),
    )
    flow.chain(ended, summary, failed, error)
    return flow


WORKFLOWS = {"nightly-layer2.json": nightly, "prelabel-photos.json": prelabel, "restore-scans.json": restore}


def render(build: Any) -> str:
    return json.dumps(build().json(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    stale = []
    for filename, build in WORKFLOWS.items():
        path, text = HERE / filename, render(build)
        if "--check" in argv:
            if not path.exists() or path.read_text() != text:
                stale.append(filename)
        else:
            path.write_text(text)
    if stale:
        print(f"stale: {', '.join(stale)}; run python installers/n8n/build_workflows.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The n8n workflow files users import: what build_workflows.py writes, and consistent with the contract."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.automation.n8n import WORKFLOWS
from tests.helpers import REPO


def test_workflow_files_are_what_the_script_writes() -> None:
    done = subprocess.run(
        [sys.executable, str(WORKFLOWS / "build_workflows.py"), "--check"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_every_link_names_a_node_and_every_api_call_uses_the_token_credential() -> None:
    for path in sorted(WORKFLOWS.glob("*.json")):
        workflow = json.loads(path.read_text())
        names = {node["name"] for node in workflow["nodes"]}
        assert len(names) == len(workflow["nodes"]), path.name
        for source, outputs in workflow["connections"].items():
            assert source in names, (path.name, source)
            assert all(link["node"] in names for output in outputs["main"] for link in output), (path.name, source)
        for node in workflow["nodes"]:
            url = node["parameters"].get("url", "")
            if "base_url" in url:
                assert node["credentials"] == {
                    "httpHeaderAuth": {"id": "omniBackendToken", "name": "Omni backend token"}
                }
                assert node["parameters"]["genericAuthType"] == "httpHeaderAuth", (path.name, node["name"])
        assert "Bearer" not in path.read_text(), f"{path.name} holds a token"


def test_every_api_call_is_a_route_of_the_contract() -> None:
    import re

    from backend.http.routes import build_routes, find_route
    from backend.rpc.server import SERVICE_NAMES

    routes = build_routes(SERVICE_NAMES)
    called = set()
    for path in sorted(WORKFLOWS.glob("*.json")):
        for node in json.loads(path.read_text())["nodes"]:
            url = node["parameters"].get("url", "")
            if "base_url" not in url:
                continue
            route_path = re.sub(r"\{\{.*?\}\}", "x1", url.split("}}", 1)[1])
            found = find_route(routes, node["parameters"]["method"], route_path)
            assert isinstance(found, tuple), f"{path.name}: {node['name']}: {node['parameters']['method']} {route_path}"
            called.add(found[0].method.name)
    assert {"SubmitJob", "GetJob", "ListModels", "CompareModels", "PromoteModel", "GetReport"} <= called
    assert {"UploadImages", "GetAnnotations", "SuggestBoxes", "SaveAnnotations"} <= called

"""`codereasoner data push` against a fake hub on localhost: what reaches the hub, and what never leaves home.

The fake answers the few endpoints `huggingface_hub.HfApi.upload_folder` calls for small text files (repo
creation, card validation, file tree, preupload, commit) the way the hub's API documents them, and keeps the
committed files, so the test checks the bytes that arrived. The CLI runs in a subprocess, as a user runs it,
with HF_ENDPOINT pointing at the fake.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytest.importorskip("huggingface_hub")
yaml = pytest.importorskip("yaml")


class FakeHub(BaseHTTPRequestHandler):
    repos: dict[str, dict] = {}  # "org/name" -> {"private": bool, "type": str, "files": {path: bytes}}
    requests: list[tuple[str, str, str]] = []  # (method, path, authorization)
    cards: list[str] = []

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass

    def _reply(self, code: int, obj: object) -> None:
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _repo(self, path: str) -> str:
        parts = path.split("/")  # /api/datasets/<org>/<name>/<verb>/...
        return f"{parts[3]}/{parts[4]}"

    def do_GET(self) -> None:
        path = urlparse(self.path).path
        self.requests.append(("GET", path, self.headers.get("authorization", "")))
        if path.startswith("/api/datasets/") and "/tree/" in path:
            files = self.repos.get(self._repo(path), {}).get("files", {})
            self._reply(200, [{"type": "file", "path": p, "size": len(b), "oid": "0" * 40} for p, b in files.items()])
        else:
            self._reply(404, {"error": "not in the fake hub"})

    def do_POST(self) -> None:
        path = urlparse(self.path).path
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.requests.append(("POST", path, self.headers.get("authorization", "")))
        port = self.server.server_address[1]
        if path == "/api/repos/create":
            req = json.loads(body)
            repo = f"{req['organization']}/{req['name']}"
            self.repos.setdefault(repo, {"private": req.get("visibility") == "private", "type": req["type"],
                                         "files": {}})
            self._reply(200, {"url": f"http://127.0.0.1:{port}/datasets/{repo}", "name": repo})
        elif path == "/api/validate-yaml":
            content = json.loads(body)["content"]
            self.cards.append(content)
            try:
                meta = yaml.safe_load(content.split("---\n")[1])
                assert isinstance(meta, dict) and isinstance(meta["configs"], list)
            except Exception as e:  # the real hub answers 400 with the errors
                self._reply(400, {"errors": [{"message": f"bad YAML metadata: {e}"}]})
                return
            self._reply(200, {"errors": [], "warnings": []})
        elif "/preupload/" in path:
            files = json.loads(body)["files"]
            self._reply(200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                                        for f in files]})
        elif "/commit/" in path:
            files = self.repos[self._repo(path)]["files"]
            for line in body.decode().splitlines():
                op = json.loads(line)
                if op["key"] == "file":
                    files[op["value"]["path"]] = base64.b64decode(op["value"]["content"])
                elif op["key"] == "deletedFile":
                    files.pop(op["value"]["path"], None)
            oid = "a" * 40
            self._reply(200, {"commitUrl": f"http://127.0.0.1:{port}/datasets/{self._repo(path)}/commit/{oid}",
                              "commitOid": oid, "success": True})
        else:
            self._reply(404, {"error": "not in the fake hub"})


@pytest.fixture
def hub():
    FakeHub.repos, FakeHub.requests, FakeHub.cards = {}, [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Path:
    from codereasoner.pipeline import build_data

    out = tmp_path_factory.mktemp("push") / "codereasoner"
    build_data("codereasoner", 30, 0, out, progress=False)
    return out


def push(endpoint: str, *args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_ENDPOINT": endpoint, "HF_TOKEN": "hf_test_token", "HF_HOME": str(home),
           "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
    return subprocess.run([sys.executable, "-m", "codereasoner", "data", "push", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_push_uploads_the_card_config_programs_and_tasks_and_nothing_else(hub, build, tmp_path):
    FakeHub.repos["org/ev"] = {"private": True, "type": "dataset",
                               "files": {"tasks/stale-00000.jsonl": b"{}\n", "notes.txt": b"kept"}}
    done = push(hub, str(build), "--repo", "org/ev", "--private", home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{hub}/datasets/org/ev"
    repo = FakeHub.repos["org/ev"]
    assert repo["type"] == "dataset" and repo["private"]
    local = {str(p.relative_to(build)): p.read_bytes() for p in build.rglob("*")
             if p.is_file() and not any(part.startswith(".") for part in p.relative_to(build).parts)}
    assert "README.md" in local and "programs.jsonl" in local and any(k.startswith("tasks/") for k in local)
    assert {k: v for k, v in repo["files"].items() if k != "notes.txt"} == local  # the stale task file is gone
    assert repo["files"]["notes.txt"] == b"kept"  # only task files the build lacks are deleted
    assert all(auth == "Bearer hf_test_token" for method, path, auth in FakeHub.requests if method == "POST")
    assert FakeHub.cards and "config_name: output" in FakeHub.cards[0]


def test_a_new_repo_is_public_unless_asked(hub, build, tmp_path):
    done = push(hub, str(build), "--repo", "org/public", home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert FakeHub.repos["org/public"]["private"] is False


@pytest.mark.parametrize("problem, match", [("unfinished", "not a finished data build"),
                                            ("old_form", "not one type per column"),
                                            ("bad_repo", "ORG/NAME")])
def test_bad_input_fails_before_any_request(hub, build, tmp_path, problem, match):
    import shutil

    target, repo = tmp_path / "copy", "org/x"
    shutil.copytree(build, target, ignore=shutil.ignore_patterns(".lock"))
    if problem == "unfinished":
        (target / "README.md").unlink()
    elif problem == "old_form":  # an answer that is a number in one row and a string in the next
        rows = [json.loads(line) for line in (target / "tasks" / "output-00000.jsonl").open()]
        rows[0]["answer"], rows[1]["answer"] = 3, "x"
        (target / "tasks" / "output-00000.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    else:
        repo = "no-slash"
    done = push(hub, str(target), "--repo", repo, home=tmp_path)
    assert done.returncode == 2 and match in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not [r for r in FakeHub.requests if r[0] == "POST"]

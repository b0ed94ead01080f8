"""`codereasoner benchmarks fetch` against a local HTTP server (no internet here): files land in the layout the
loaders read, a wrong checksum keeps nothing, a second fetch downloads nothing, and — where the official files
are present — every pinned checksum is the checksum of the official file."""

from __future__ import annotations

import hashlib
import http.server
import shutil
import threading
import urllib.parse
from pathlib import Path

import pytest

from codereasoner.cli.main import main
from codereasoner.evaluation.fetch import SOURCES, Source, fetch


class Server:
    """Serve `root` over HTTP on localhost and count the requests."""

    def __init__(self, root: Path) -> None:
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=str(root), **kw)

            def do_GET(self):
                outer.requests.append(self.path)
                super().do_GET()

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> Server:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def place(mirror: Path, url: str, content: bytes) -> None:
    parts = urllib.parse.urlsplit(url)
    target = mirror / parts.netloc / parts.path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)


def test_fetch_checks_every_byte_and_skips_what_is_there(tmp_path, monkeypatch):
    good, bad = b'{"id": "sample_0"}\n', b"tampered\n"
    pin = hashlib.sha256(good).hexdigest()
    sources = {"toy": (Source("https://example.org/a/good.jsonl", "toy/good.jsonl", pin),
                       Source("https://example.org/a/bad.jsonl", "toy/bad.jsonl", pin))}
    monkeypatch.setattr("codereasoner.evaluation.fetch.SOURCES", sources)
    place(tmp_path / "mirror", sources["toy"][0].url, good)
    place(tmp_path / "mirror", sources["toy"][1].url, bad)
    with Server(tmp_path / "mirror") as server:
        with pytest.raises(OSError, match=r"bad\.jsonl: sha256 .* is not the pinned"):
            fetch(["toy"], tmp_path / "cache", mirror=server.url, log=lambda m: None)
        assert (tmp_path / "cache" / "toy" / "good.jsonl").read_bytes() == good
        assert [p.name for p in (tmp_path / "cache" / "toy").iterdir()] == ["good.jsonl"]  # nothing else kept
        place(tmp_path / "mirror", sources["toy"][1].url, good)
        assert fetch(["all"], tmp_path / "cache", mirror=server.url, log=lambda m: None) == {"toy": ["cached", "ok"]}
        assert server.requests == ["/example.org/a/good.jsonl", "/example.org/a/bad.jsonl",
                                   "/example.org/a/bad.jsonl"]
    with pytest.raises(ValueError, match="no benchmark 'nope'"):
        fetch(["nope"], tmp_path / "cache")


def test_an_unreachable_source_is_an_error_naming_the_url(tmp_path, monkeypatch):
    sources = {"toy": (Source("https://example.org/x.jsonl", "toy/x.jsonl", "0" * 64),)}
    monkeypatch.setattr("codereasoner.evaluation.fetch.SOURCES", sources)
    with Server(tmp_path) as server:
        with pytest.raises(OSError, match=r"example\.org/x\.jsonl: HTTP Error 404"):
            fetch(["toy"], tmp_path / "cache", mirror=server.url, log=lambda m: None)


def test_every_registered_benchmark_has_a_fetch_entry():
    from codereasoner.evaluation.benchmarks import BENCHMARKS

    assert set(SOURCES) == set(BENCHMARKS.names())


def test_pinned_checksums_are_those_of_the_official_files(tmp_path, benchmarks_dir, monkeypatch, capsys):
    """Serve the official files (where this machine has them) at their official paths; fetch all through the CLI."""
    for sources in SOURCES.values():
        for s in sources:
            local = benchmarks_dir / s.path
            if not local.is_file():
                pytest.skip(f"{s.path} not present here")
            place(tmp_path / "mirror", s.url, local.read_bytes())
    monkeypatch.setenv("CODEREASONER_BENCHMARKS", str(tmp_path / "cache"))
    with Server(tmp_path / "mirror") as server:
        assert main(["benchmarks", "fetch", "all", "--mirror", server.url]) == 0
    out = capsys.readouterr()
    assert "cruxeval\t5 files" in out.out and "livecodebench/execution-v2" in out.err
    for sources in SOURCES.values():
        for s in sources:
            assert (tmp_path / "cache" / s.path).read_bytes() == (benchmarks_dir / s.path).read_bytes()
    assert main(["benchmarks", "where"]) == 0
    assert "cruxeval: 5/5 official files" in capsys.readouterr().out
    shutil.rmtree(tmp_path / "mirror")

"""``survreg`` as a user meets it: help, version, one-line errors, crawl summaries, exit codes."""

from __future__ import annotations

import fcntl
import os
import pty
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time

import pytest

from crawlers import paths
from crawlers.store import CrawlStore
from registry.cli import main
from registry.crawl import crawl_env, crawlable_by_default
from registry.replay import ReplayServer
from tests.conftest import SNAPSHOT
from tests.registry.processes import descendants
from tests.registry.production import free_port

CF = "contracts-finder"
PACKAGE = "https://www.contrataciones.gov.py/datos/record-package/193399.json"


def runs() -> list[dict]:
    if not paths.crawl_db().exists():
        return []
    store = CrawlStore(paths.crawl_db())
    try:
        return store.runs()
    finally:
        store.close()


def test_version_and_help_read_as_a_command_line_tool(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == "survreg 0.1.0"
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "thin layer" not in text
    assert "Crawl public records of surveillance procurement" in text
    assert "survreg crawl --all --sample 1" in text and "docs/runbook.md" in text
    for command in ("crawl", "build", "serve", "status", "scheduled", "httpcache-prune"):
        assert f"    {command}" in text


def test_user_errors_are_one_line_without_a_traceback(data_dir, tmp_path, capsys):
    assert main(["crawl", "no-such-source"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("survreg crawl: unknown source 'no-such-source'; known sources: ")
    assert "contracts-finder, dahua" in err

    with pytest.raises(SystemExit) as exit_:
        main(["crawl", CF, "--from-date", "yesterday"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "argument --from-date: expected a date as YYYY-MM-DD, got 'yesterday'" in err
    assert "Traceback" not in err

    (tmp_path / "folder").mkdir()
    for path, reason in (
        (tmp_path / "missing.json", "No such file or directory"),
        (tmp_path / "folder", "Is a directory"),
    ):
        assert main(["parse", str(path)]) == 1
        assert capsys.readouterr().err == f"{path}: {reason}\n"

    assert main(["backup", str(tmp_path / "no" / "such" / "dir.db")]) == 1
    assert capsys.readouterr().err == f"survreg backup: no crawl store at {paths.crawl_db()}\n"
    assert runs() == []
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    assert main(["--data", str(not_a_dir), "status"]) == 1
    assert capsys.readouterr().err == f"survreg status: {not_a_dir}: not a directory\n"


def test_an_unreadable_file_is_one_line(tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text("{}")
    secret.chmod(0)
    command = [sys.executable, "-m", "registry.cli", "parse", str(secret)]
    if os.geteuid() == 0:
        # root reads any file: drop the capabilities that let it.
        caps = "-dac_override,-dac_read_search"
        command = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", *command]
    result = subprocess.run(command, capture_output=True, text=True, env=crawl_env(), check=False)
    assert (result.returncode, result.stderr) == (1, f"{secret}: Permission denied\n")


def test_sources_that_need_an_argument_are_not_in_all_and_fail_at_once(data_dir, capsys):
    assert "news-feed" not in crawlable_by_default()
    assert "ocds-package" not in crawlable_by_default()
    assert "records" not in crawlable_by_default()
    assert {CF, "ted", "hikvision", "legistar"} <= set(crawlable_by_default())
    assert main(["crawl", "ocds-package"]) == 2
    assert capsys.readouterr().err == "survreg crawl: ocds-package needs --url URL\n"
    assert main(["crawl", "news-feed"]) == 2
    assert capsys.readouterr().err == (
        "survreg crawl: news-feed needs --feed URL or --sitemap URL or --listing URL\n"
    )
    assert main(["crawl", "records"]) == 2
    assert capsys.readouterr().err == "survreg crawl: records needs --index URL\n"
    assert runs() == [], "no crawl was started"


def test_ocds_package_takes_its_url_and_a_resumed_run_keeps_it(data_dir, tmp_path, capsys):
    directory = tmp_path / "ocds-package"
    shutil.copytree(SNAPSHOT / "ocds-package", directory)
    with ReplayServer(directory) as server:
        common = ["--source-url", server.url, "--allow-loopback"]
        assert main(["crawl", "ocds-package", "--url", PACKAGE, *common]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"{'ocds-package':26} ok     requests 2, new 1, changed 0")
        # A killed run is re-run with the arguments it recorded, the url among them.
        store = CrawlStore(paths.crawl_db())
        store.start_run("ocds-package", {"url": PACKAGE, "source_url": server.url})
        store.close()
        assert main(["crawl", "ocds-package", "--resume", *common]) == 0
    assert "unchanged 1" in capsys.readouterr().out
    assert [r["finish_reason"] for r in runs()] == ["finished", "killed", "finished"]


def test_a_crawl_that_fetched_nothing_fails_with_a_summary_line_per_source(data_dir, capsys):
    mirror = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    sources = [CF, "ted", "hikvision"]
    status = main(["crawl", *sources, "--sample", "1", "--source-url", mirror, "--allow-loopback"])
    assert status == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    summaries = [line for line in lines if not line.startswith(" ")]
    assert [line.split()[:2] for line in summaries] == [[s, "FAILED"] for s in sources]
    assert all(line.endswith(" s (dry run)") for line in summaries)
    assert sum("fetched nothing" in line for line in lines) == 3
    assert f"    log: {data_dir.resolve() / 'logs' / 'ted.log'}" in lines
    assert captured.err == "survreg crawl: 3 of 3 sources failed\n"
    assert "Traceback" not in captured.out
    # Dry runs: recorded as such, and no source's health changed.
    assert main(["status"]) == 0
    assert "(not judged)" in capsys.readouterr().out


def test_the_exit_status_follows_the_run_record_not_scrapy(data_dir, tmp_path):
    directory = tmp_path / CF
    shutil.copytree(SNAPSHOT / CF, directory)
    with ReplayServer(directory) as server:
        server.routes[0]["delay"] = 60
        process = subprocess.Popen(
            [sys.executable, "-m", "registry.cli", "crawl", CF]
            + ["--source-url", server.url, "--allow-loopback"],
            env=crawl_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not server.hits and time.monotonic() < deadline:
            time.sleep(0.1)
        # The crawl alone is stopped (an operator's kill, an OOM killer's SIGTERM): Scrapy shuts
        # down cleanly and exits 0, but the run did not finish its work.
        (crawl,) = descendants(process.pid)
        os.kill(crawl, signal.SIGTERM)
        out, err = process.communicate(timeout=120)
    assert process.returncode == 1, out + err
    assert f"{CF:26} FAILED" in out
    assert "unfinished: run 1 ended as 'shutdown'" in out


def test_on_a_terminal_a_crawl_shows_live_progress_then_its_summary(data_dir, tmp_path):
    directory = tmp_path / CF
    shutil.copytree(SNAPSHOT / CF, directory)
    with ReplayServer(directory) as server:
        server.routes[1]["delay"] = 2  # the second page, so the first page's figures show
        leader, follower = pty.openpty()
        # A terminal of 120 columns (a fresh pty has none, and tqdm draws nothing in none).
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        process = subprocess.Popen(
            [sys.executable, "-m", "registry.cli", "crawl", CF]
            + ["--source-url", server.url, "--allow-loopback"],
            env=crawl_env(),
            stdin=follower,
            stdout=follower,
            stderr=follower,
        )
        os.close(follower)
        screen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: the command is done
                break
            if not chunk:
                break
            screen += chunk
        process.wait(timeout=60)
        os.close(leader)
    text = screen.decode("utf-8", "replace")
    assert process.returncode == 0, text
    live = text.split(f"{CF:26} ok ")[0]
    assert "\r" in live and f"{CF:26} requests " in live and ", new 100, " in live
    assert "Scrapy" not in text, "the crawl's log goes to its file, not the terminal"
    assert f"{CF:26} ok     requests 3, new 107, changed 0, unchanged 0, rejected 0, errors 0" in (
        text
    )

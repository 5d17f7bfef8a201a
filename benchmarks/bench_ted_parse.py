"""TED parse throughput and memory; run on demand: .venv/bin/python benchmarks/bench_ted_parse.py"""

from __future__ import annotations

import io
import resource
import tarfile
import time
import tracemalloc
from pathlib import Path

from lxml import etree

from crawlers.parsers import ted, ted_package

FIXTURES = Path(__file__).parents[1] / "tests" / "fixtures" / "ted"
SECONDS = 2.0


def _rate(func, docs: list[bytes]) -> float:
    """Documents per second of func over docs, repeated for about SECONDS."""
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        for doc in docs:
            func(doc)
        count += len(docs)
    return count / (time.perf_counter() - start)


def _package(docs: list[bytes], target: int) -> tuple[bytes, int]:
    """A synthetic daily package of about `target` bytes (uncompressed) from the fixtures."""
    buffer, size, n = io.BytesIO(), 0, 0
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        while size < target:
            data = docs[n % len(docs)]
            info = tarfile.TarInfo(f"notice-{n}.xml")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            size, n = size + len(data), n + 1
    return buffer.getvalue(), n


def main() -> None:
    for kind in ("ted-eforms", "ted-legacy"):
        docs = [p.read_bytes() for p in sorted((FIXTURES / kind).glob("*.xml"))]
        bare = _rate(lambda d: etree.fromstring(d), docs)
        full = _rate(lambda d: list(ted.parse(d)), docs)
        print(f"{kind}: {len(docs)} docs, mean {sum(map(len, docs)) / len(docs) / 1024:.0f} KB")
        print(f"  bare lxml.fromstring   {bare:8.0f} docs/s")
        print(f"  full parse             {full:8.0f} docs/s  ({bare / full:.2f}x bare lxml)")

    docs = [p.read_bytes() for p in sorted(FIXTURES.glob("ted-*/*.xml"))]
    package, members = _package(docs, 100 * 1024 * 1024)
    tracemalloc.start()
    start, items = time.perf_counter(), 0
    for member in ted_package.iter_package(io.BytesIO(package)):
        items += len(member.items)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"package {len(package) / 2**20:.0f} MB gz / ~100 MB xml, {members} members: "
        f"{members / elapsed:.0f} members/s, {items} items, "
        f"tracemalloc peak {peak / 2**20:.1f} MB beyond the package bytes"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS {rss:.0f} MB (includes the package held once in memory)")


if __name__ == "__main__":
    main()

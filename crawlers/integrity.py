"""Refuses compressed bodies that end before their stream does.

A gzip or deflate stream cut at a flush point decompresses cleanly up to the cut, so Scrapy's
HttpCompressionMiddleware hands the spider a document that looks whole but is not: a CSV whose
last row is cut mid-field, say. This middleware runs just before it and checks that each stream
reaches its end, without keeping what it decompresses.
"""

from __future__ import annotations

import zlib

import brotli
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

CHUNK = 1 << 16


class TruncatedBody(IgnoreRequest):
    """A compressed body that stops before its stream ends."""


class CompressedIntegrityMiddleware:
    """Drops responses whose gzip, deflate or brotli stream is incomplete."""

    def __init__(self, crawler: Crawler):
        self.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CompressedIntegrityMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        encodings = response.headers.getlist(b"Content-Encoding")
        if request.method == "HEAD" or not encodings or not response.body:
            return response
        limit = request.meta.get("download_maxsize", self.max_size)
        for encoding in reversed([e.strip().lower() for e in b",".join(encodings).split(b",")]):
            if not stream_is_complete(response.body, encoding, limit):
                raise TruncatedBody(f"{encoding.decode('latin-1')} stream ends before its end")
            # Nested encodings are rare; the outermost check is the one that matters for a cut.
            break
        return response


def stream_is_complete(body: bytes, encoding: bytes, limit: int) -> bool:
    """True when the stream reaches its end (or is too big to tell: the size limit decides then).

    >>> import gzip
    >>> stream_is_complete(gzip.compress(b"a,b"), b"gzip", 1000)
    True
    >>> stream_is_complete(gzip.compress(b"a,b")[:-8], b"gzip", 1000)
    False
    """
    if encoding in (b"gzip", b"x-gzip", b"deflate"):
        wbits = 47 if encoding != b"deflate" else (15 if body[:1] == b"\x78" else -15)
        decompressor = zlib.decompressobj(wbits)
        produced, data = 0, body
        try:
            while data and not decompressor.eof:
                produced += len(decompressor.decompress(data, CHUNK))
                if limit and produced > limit:
                    return True
                data = decompressor.unconsumed_tail
        except zlib.error:
            return False
        return decompressor.eof
    if encoding == b"br":
        decompressor = brotli.Decompressor()
        try:
            produced = len(decompressor.process(body, output_buffer_limit=CHUNK))
            while not decompressor.is_finished() and not decompressor.can_accept_more_data():
                produced += len(decompressor.process(b"", output_buffer_limit=CHUNK))
                if limit and produced > limit:
                    return True
        except brotli.error:
            return False
        return decompressor.is_finished()
    return True

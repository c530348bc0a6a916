#!/usr/bin/env python3
"""Writes the seed corpus fuzz/corpus/parser/ for fuzz_parser.

Each seed is 4 configuration bytes (see fuzz/README.md) followed by request bytes. Most seeds use
the server's default limits with small random reads; a few use tight limits so that the limit edges
are in the corpus from the start. Run it again after editing the list; it replaces the directory.
"""
import os
import shutil

DEFAULTS = bytes([0xFF, 0xFF, 0xFF, 0x01])  # default limits, reads of 1..8 bytes
BYTEWISE = bytes([0xFF, 0xFF, 0xFF, 0x00])  # default limits, one byte per read
HOST = b"Host: h\r\n"


def post(headers, body, target=b"/echo"):
    return b"POST " + target + b" HTTP/1.1\r\n" + HOST + headers + b"\r\n" + body


def get(target=b"/", headers=b""):
    return b"GET " + target + b" HTTP/1.1\r\n" + HOST + headers + b"\r\n"


SEEDS = {
    # well-formed
    "get": get(b"/a/b?x=1&y=two%20words", b"X-Thing:  v  \r\n"),
    "get-bytewise": (BYTEWISE, get(b"/healthz")),
    "head": b"HEAD /index.html HTTP/1.1\r\n" + HOST + b"\r\n",
    "options-asterisk": b"OPTIONS * HTTP/1.1\r\n" + HOST + b"\r\n",
    "options-path": b"OPTIONS /x HTTP/1.1\r\n" + HOST + b"\r\n",
    "post-content-length": post(b"Content-Length: 5\r\n", b"hello"),
    "post-empty": post(b"Content-Length: 0\r\n", b""),
    "absolute-form": b"GET http://example.com/sleep?ms=5 HTTP/1.1\r\nHost: example.com\r\n\r\n",
    "absolute-form-no-path": b"GET http://example.com?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n",
    "pipeline-3": get(b"/1")
    + post(b"Content-Length: 5\r\n", b"hello", b"/2")
    + post(b"Transfer-Encoding: chunked\r\n", b"3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n", b"/3"),
    "chunked-ext-trailers": post(
        b"Transfer-Encoding: chunked\r\n",
        b"4;a=b;c=\"d\"\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: yes\r\nX-Other: 2\r\n\r\n",
    ),
    "expect-continue": post(b"Expect: 100-continue\r\nContent-Length: 4\r\n", b"abcd"),
    "expect-continue-chunked": post(
        b"Expect: 100-continue\r\nTransfer-Encoding: chunked\r\n", b"1\r\nx\r\n0\r\n\r\n"
    ),
    "http10-keepalive": b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n",
    "connection-close": get(b"/", b"Connection: close\r\n"),
    "upgrade-ignored": get(b"/", b"Connection: Upgrade\r\nUpgrade: websocket\r\n") + get(b"/after"),
    "leading-crlf": b"\r\n\r\n" + get(b"/"),
    # tight limits: head 257 bytes, target 16, body 8, reads of 1..64
    "limits-tight-ok": (bytes([64, 16, 8, 0x02]), post(b"Content-Length: 8\r\n", b"12345678", b"/t")),
    "limits-tight-body": (bytes([64, 16, 8, 0x02]), post(b"Content-Length: 9\r\n", b"123456789", b"/t")),
    "limits-tight-chunked": (
        bytes([64, 16, 8, 0x03]),
        post(b"Transfer-Encoding: chunked\r\n", b"5\r\n12345\r\n4\r\n6789\r\n0\r\n\r\n", b"/t"),
    ),
    "limits-tight-target": (bytes([64, 16, 8, 0x01]), get(b"/" + b"a" * 16)),
    "limits-tight-head": (bytes([30, 0xFF, 0xFF, 0x01]), get(b"/", b"X: " + b"a" * 100 + b"\r\n")),
    # bad input (tests/unit/tst_httprequestparser.cpp, tests/integration/tst_badinput.cpp)
    "cl-and-te": post(b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n"),
    "te-and-cl": post(b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", b"0\r\n\r\n"),
    "cl-twice": post(b"Content-Length: 3\r\nContent-Length: 4\r\n", b"abcd"),
    "cl-list": post(b"Content-Length: 5, 6\r\n", b"hello!"),
    "cl-junk": post(b"Content-Length: 3x\r\n", b"abc"),
    "cl-negative": post(b"Content-Length: -1\r\n", b"a"),
    "cl-plus": post(b"Content-Length: +5\r\n", b"hello"),
    "cl-huge": post(b"Content-Length: 184467440737095516170\r\n", b"hello"),
    "cl-over-limit": post(b"Content-Length: 5000000000\r\n", b""),
    "te-gzip-last": post(b"Transfer-Encoding: chunked, gzip\r\n", b"0\r\n\r\n"),
    "te-chunked-twice": post(b"Transfer-Encoding: chunked, chunked\r\n", b"0\r\n\r\n"),
    "te-two-headers": post(b"Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n", b"0\r\n\r\n"),
    "te-unknown": post(b"Transfer-Encoding: gzip, chunked\r\n", b"0\r\n\r\n"),
    "space-before-colon": get(b"/", b"X-Test : value\r\n"),
    "obs-fold": get(b"/", b"X-A: one\r\n two\r\n"),
    "obs-fold-tab": get(b"/", b"X-A: one\r\n\ttwo\r\n"),
    "bare-cr-header": b"GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n",
    "bare-cr-request-line": b"GET / HTTP/1.1\rHost: h\r\n\r\n",
    "header-no-colon": get(b"/", b"X-Test value\r\n"),
    "nul-in-value": get(b"/", b"X-Test: a\x00b\r\n"),
    "nul-in-target": b"GET /a\x00 HTTP/1.1\r\n" + HOST + b"\r\n",
    "ctl-in-target": b"GET /a\x01 HTTP/1.1\r\n" + HOST + b"\r\n",
    "missing-host": b"GET / HTTP/1.1\r\n\r\n",
    "two-hosts": b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "chunk-size-junk": post(b"Transfer-Encoding: chunked\r\n", b"zz\r\nhello\r\n0\r\n\r\n"),
    "chunk-size-negative": post(b"Transfer-Encoding: chunked\r\n", b"-5\r\nhello\r\n0\r\n\r\n"),
    "chunk-size-empty": post(b"Transfer-Encoding: chunked\r\n", b"\r\nhello\r\n0\r\n\r\n"),
    "chunk-size-overflow": post(b"Transfer-Encoding: chunked\r\n", b"f" * 40 + b"\r\nhello\r\n0\r\n\r\n"),
    "chunk-no-crlf": post(b"Transfer-Encoding: chunked\r\n", b"5\r\nhelloXX0\r\n\r\n"),
    "http12": get(b"/").replace(b"HTTP/1.1", b"HTTP/1.2"),
    "http20": get(b"/").replace(b"HTTP/1.1", b"HTTP/2.0"),
    "bad-version": get(b"/").replace(b"HTTP/1.1", b"HTTP/x.1"),
    "h2-preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "unknown-method": b"BREW / HTTP/1.1\r\n" + HOST + b"\r\n",
    "lowercase-method": b"get / HTTP/1.1\r\n" + HOST + b"\r\n",
    "connect": b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
    "missing-target": b"GET HTTP/1.1\r\n" + HOST + b"\r\n",
    "asterisk-not-options": b"GET * HTTP/1.1\r\n" + HOST + b"\r\n",
    "expect-teapot": post(b"Expect: teapot\r\nContent-Length: 1\r\n", b"x"),
    "binary": b"\x00\x01\x02\x03\xff\xfe\r\n\r\n",
    "tls-client-hello": bytes.fromhex("160301002d0100002903035a") + b"\x00" * 40,
    "error-after-good": get(b"/") + b"GET / HTTP/1.1\r\nHost : h\r\n\r\n",
    # reproducers of what fuzz_parser found (fuzz/README.md)
    "repro-upgrade-pipelined": (BYTEWISE, get(b"/", b"Connection: Upgrade\r\nUpgrade: h2c\r\n") + get(b"/2")),
    "repro-method-verdict-split": (BYTEWISE, b"a:"),
    "repro-method-verdict-dollar": (BYTEWISE, get(b"/healthz").replace(b"GET ", b"GET$")),
    "repro-target-414-or-400": (bytes([0xFF, 0x00, 0x02, 0x01]), b"POST /$ech\xef Content-Length\n"),
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "parser")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for name, seed in SEEDS.items():
        config, data = seed if isinstance(seed, tuple) else (DEFAULTS, seed)
        with open(os.path.join(out, name), "wb") as f:
            f.write(config + data)
    print(f"{len(SEEDS)} seeds in {out}")


if __name__ == "__main__":
    main()

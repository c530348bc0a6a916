// Request builders and response checks shared by the integration tests.
#pragma once

#include "httpresponse.h"

#include <QByteArray>
#include <QByteArrayList>
#include <QDateTime>
#include <QString>
#include <QStringList>

#include <optional>

namespace baton::test {

// `extraHeaders` are complete header lines, each ending in "\r\n". A Host header is added
// unless `extraHeaders` already has one.
QByteArray httpRequest(const QByteArray &method, const QByteArray &target,
                       const QByteArray &extraHeaders = {}, const QByteArray &body = {});
QByteArray httpGet(const QByteArray &target, const QByteArray &extraHeaders = {});
QByteArray httpHead(const QByteArray &target, const QByteArray &extraHeaders = {});
// POST with a Content-Length body.
QByteArray httpPost(const QByteArray &target, const QByteArray &body,
                    const QByteArray &extraHeaders = {});
// POST with a chunked body, one chunk per element of `chunks`, plus the last-chunk.
QByteArray httpPostChunked(const QByteArray &target, const QByteArrayList &chunks,
                           const QByteArray &extraHeaders = {});
QByteArray chunkedBody(const QByteArrayList &chunks);

// What every Baton response must carry: Date (IMF-fixdate), Content-Length or chunked
// framing (not both), X-Baton-Pid equal to `pid`, X-Baton-Generation 1 (a fresh start).
// Returns a description of each problem, or an empty string.
QString commonHeaderProblems(const HttpResponse &response, qint64 pid);

// Empty if the server at host:port answers GET /healthz with any HTTP response within
// `timeoutMs`; otherwise why not. Lets a test class fail fast instead of timing out request
// by request against a server that accepts but never answers.
QString notServingProblem(const QString &host, quint16 port, int timeoutMs = 3000);

// Creates or replaces a file (executable by its owner if asked); false when it cannot be written
// whole.
bool writeFile(const QString &path, const QByteArray &contents, bool executable = false);
// An IMF-fixdate (RFC 9110 5.6.7), for conditional requests.
QByteArray httpDate(const QDateTime &time);

// Percent-encodes bytes for failure messages.
QString printable(const QByteArray &bytes, int max = 300);
// The lines that hold more than whitespace (a process's stderr, say).
QStringList nonEmptyLines(const QStringList &lines);

} // namespace baton::test

// Fails the test unless the optional response `resp` was read; says why otherwise.
#define BATON_VERIFY_READ(resp, client)                                                            \
    QVERIFY2((resp).has_value(),                                                                   \
             qPrintable(QStringLiteral("no response: ") + (client).errorString()))

#define BATON_COMPARE_STATUS(resp, expected)                                                       \
    QVERIFY2(                                                                                      \
        (resp)->status == (expected),                                                              \
        qPrintable(QStringLiteral("expected status %1, got ").arg(expected) + (resp)->describe()))

#define BATON_VERIFY_SERVING(process)                                                              \
    do {                                                                                           \
        const QString batonProblem =                                                               \
            baton::test::notServingProblem((process).host(), (process).port());                    \
        QVERIFY2(batonProblem.isEmpty(),                                                           \
                 qPrintable(batonProblem + QLatin1Char('\n') + (process).diagnostics()));          \
    } while (false)

// Stops the server with SIGTERM and expects a clean exit (0). Under the sanitizer presets this
// is where errors found in the server during the test (leaks included) surface.
#define BATON_VERIFY_CLEAN_STOP(process)                                                           \
    do {                                                                                           \
        const std::optional<int> batonExit = (process).stop();                                     \
        QVERIFY2(batonExit == 0,                                                                   \
                 qPrintable(QStringLiteral("baton did not exit cleanly on SIGTERM (%1)\n")         \
                                .arg(batonExit ? QString::number(*batonExit)                       \
                                               : QStringLiteral("crashed or still running")) +     \
                            (process).diagnostics()));                                             \
    } while (false)

#define BATON_VERIFY_COMMON_HEADERS(resp, pid)                                                     \
    do {                                                                                           \
        const QString batonProblems = baton::test::commonHeaderProblems(*(resp), (pid));           \
        QVERIFY2(batonProblems.isEmpty(), qPrintable(batonProblems));                              \
    } while (false)

#include "testhttp.h"

#include "rawclient.h"

#include <QDateTime>
#include <QFile>
#include <QLocale>
#include <QRegularExpression>

namespace baton::test {

QByteArray httpRequest(const QByteArray &method, const QByteArray &target,
                       const QByteArray &extraHeaders, const QByteArray &body)
{
    QByteArray request = method + ' ' + target + " HTTP/1.1\r\n";
    if (!extraHeaders.startsWith("Host:") && !extraHeaders.contains("\r\nHost:"))
        request += "Host: 127.0.0.1\r\n";
    request += extraHeaders;
    request += "\r\n";
    request += body;
    return request;
}

QByteArray httpGet(const QByteArray &target, const QByteArray &extraHeaders)
{
    return httpRequest("GET", target, extraHeaders);
}

QByteArray httpHead(const QByteArray &target, const QByteArray &extraHeaders)
{
    return httpRequest("HEAD", target, extraHeaders);
}

QByteArray httpPost(const QByteArray &target, const QByteArray &body,
                    const QByteArray &extraHeaders)
{
    return httpRequest("POST", target,
                       "Content-Length: " + QByteArray::number(body.size()) + "\r\n" + extraHeaders,
                       body);
}

QByteArray chunkedBody(const QByteArrayList &chunks)
{
    QByteArray body;
    for (const QByteArray &chunk : chunks) {
        if (chunk.isEmpty())
            continue;
        body += QByteArray::number(chunk.size(), 16) + "\r\n" + chunk + "\r\n";
    }
    body += "0\r\n\r\n";
    return body;
}

QByteArray httpPostChunked(const QByteArray &target, const QByteArrayList &chunks,
                           const QByteArray &extraHeaders)
{
    return httpRequest("POST", target, "Transfer-Encoding: chunked\r\n" + extraHeaders,
                       chunkedBody(chunks));
}

QString commonHeaderProblems(const HttpResponse &response, qint64 pid)
{
    QStringList problems;

    const QByteArrayList dates = response.headerValues("date");
    if (dates.size() != 1) {
        problems << QStringLiteral("expected one Date header, got %1").arg(dates.size());
    } else {
        static const QRegularExpression imfFixdate(QStringLiteral(
            "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|"
            "Dec) \\d{4} \\d{2}:\\d{2}:\\d{2} GMT$"));
        const QString date = QString::fromLatin1(dates.first());
        QDateTime parsed =
            QLocale::c().toDateTime(date, QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"));
        parsed.setTimeSpec(Qt::UTC);
        if (!imfFixdate.match(date).hasMatch() || !parsed.isValid())
            problems << QStringLiteral("Date is not an IMF-fixdate: ") + date;
        else if (qAbs(parsed.secsTo(QDateTime::currentDateTimeUtc())) > 120)
            problems << QStringLiteral("Date is not the current time: ") + date;
    }

    const bool bodyless =
        (response.status >= 100 && response.status < 200) || response.status == 304;
    const bool hasLength = response.hasHeader("content-length");
    const bool hasChunked = response.headerTokens("transfer-encoding").contains("chunked");
    if (!bodyless && !hasLength && !hasChunked)
        problems << QStringLiteral("neither Content-Length nor chunked framing");
    if (hasLength && response.hasHeader("transfer-encoding"))
        problems << QStringLiteral("both Content-Length and Transfer-Encoding");

    const QByteArrayList pids = response.headerValues("x-baton-pid");
    if (pids.size() != 1 || pids.first() != QByteArray::number(pid))
        problems << QStringLiteral("X-Baton-Pid should be %1, got '%2'")
                        .arg(pid)
                        .arg(QString::fromLatin1(pids.join(", ")));
    const QByteArrayList generations = response.headerValues("x-baton-generation");
    if (generations.size() != 1 || generations.first() != "1")
        problems << QStringLiteral("X-Baton-Generation should be 1, got '%1'")
                        .arg(QString::fromLatin1(generations.join(", ")));

    if (problems.isEmpty())
        return {};
    return problems.join(QLatin1String("; ")) + QLatin1String("\nin response: ") +
           response.describe();
}

QString notServingProblem(const QString &host, quint16 port, int timeoutMs)
{
    RawClient client;
    if (!client.connectTo(host, port, timeoutMs))
        return QStringLiteral("cannot connect to the server: ") + client.errorString();
    if (!client.request(httpGet("/healthz"), timeoutMs))
        return QStringLiteral("the server does not answer GET /healthz: ") + client.errorString();
    return {};
}

QString printable(const QByteArray &bytes, int max)
{
    QString shown;
    for (const char c : bytes.left(max)) {
        if (c == '\r')
            shown += QLatin1String("\\r");
        else if (c == '\n')
            shown += QLatin1String("\\n");
        else if (c >= 0x20 && c < 0x7f && c != '%')
            shown += QLatin1Char(c);
        else
            shown += QStringLiteral("%%1").arg(uchar(c), 2, 16, QLatin1Char('0'));
    }
    if (bytes.size() > max)
        shown += QStringLiteral("...(%1 bytes)").arg(bytes.size());
    return shown;
}

bool writeFile(const QString &path, const QByteArray &contents, bool executable)
{
    // Removed first: replacing a running executable in place would fail with ETXTBSY.
    QFile::remove(path);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(contents) != contents.size())
        return false;
    file.close();
    return !executable || file.setPermissions(file.permissions() | QFile::ExeOwner);
}

QByteArray httpDate(const QDateTime &time)
{
    return QLocale::c()
        .toString(time.toUTC(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
        .toLatin1();
}

QStringList nonEmptyLines(const QStringList &lines)
{
    QStringList result;
    for (const QString &line : lines) {
        if (!line.trimmed().isEmpty())
            result.append(line);
    }
    return result;
}

} // namespace baton::test

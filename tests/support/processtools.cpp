#include "processtools.h"

#include "batonprocess.h"
#include "rawclient.h"
#include "testhttp.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/types.h>

namespace baton::test {

bool processAlive(qint64 pid)
{
    if (pid <= 0 || ::kill(pid_t(pid), 0) != 0)
        return false;
    // A zombie has exited; whoever inherited it (not us) reaps it when it gets round to it.
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray line = stat.readAll();
    const qsizetype afterName = line.lastIndexOf(')');
    return afterName < 0 || line.mid(afterName + 2, 1) != "Z";
}

bool waitForProcessGone(qint64 pid, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (processAlive(pid)) {
        if (deadline.hasExpired())
            return false;
        QTest::qWait(20);
    }
    return true;
}

void stopProcess(qint64 pid)
{
    if (!processAlive(pid))
        return;
    ::kill(pid_t(pid), SIGTERM);
    if (!waitForProcessGone(pid, 10000))
        ::kill(pid_t(pid), SIGKILL);
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll().trimmed() : QByteArray();
}

QString copyExecutable(const QTemporaryDir &dir, const QString &source)
{
    const QString target = dir.filePath(QStringLiteral("baton"));
    QFile::remove(target);
    if (!QFile::copy(source.isEmpty() ? BatonProcess::binaryPath() : source, target))
        return {};
    QFile::setPermissions(target, QFile::permissions(target) | QFile::ExeOwner);
    return target;
}

std::optional<HttpResponse> fetch(const BatonProcess &baton, const QByteArray &path)
{
    RawClient client;
    if (!client.connectTo(baton.host(), baton.port()))
        return std::nullopt;
    return client.request(httpGet(path, "Connection: close\r\n"));
}

bool requestsInFlight(const BatonProcess &baton, int count)
{
    const auto metrics = fetch(baton, "/metrics");
    const QByteArray line = "baton_connections{state=\"busy\"} " + QByteArray::number(count + 1);
    return metrics && metrics->body.contains(line);
}

QString AdminAddress::toString() const
{
    return path.isEmpty() ? QStringLiteral("%1:%2").arg(host).arg(port)
                          : QStringLiteral("unix:") + path;
}

std::optional<AdminAddress> waitForAdminAddress(BatonProcess &baton, int timeoutMs)
{
    static const QRegularExpression line(
        QStringLiteral("admin routes \\(/metrics, /healthz, /readyz\\) on "
                       "(?:http://(\\[[^\\]]+\\]|[^\\s:/]+):(\\d+)|unix:(\\S+)),"));
    const auto found = baton.waitForStderrLine(line, timeoutMs);
    if (!found)
        return std::nullopt;
    const auto match = line.match(*found);
    AdminAddress admin;
    admin.path = match.captured(3);
    admin.host = match.captured(1);
    if (admin.host.startsWith(QLatin1Char('[')))
        admin.host = admin.host.mid(1, admin.host.size() - 2);
    admin.port = quint16(match.captured(2).toUInt());
    return admin;
}

std::optional<HttpResponse> fetchAdmin(const AdminAddress &admin, const QByteArray &path)
{
    RawClient client;
    const bool connected = admin.path.isEmpty() ? client.connectTo(admin.host, admin.port)
                                                : client.connectToPath(admin.path);
    if (!connected)
        return std::nullopt;
    return client.request(httpGet(path, "Connection: close\r\n"));
}

qint64 waitForHandover(BatonProcess &baton, int timeoutMs)
{
    static const QRegularExpression ready(QStringLiteral("restart: pid (\\d+) ready"));
    const auto line = baton.waitForStderrLine(ready, timeoutMs);
    if (!line ||
        !baton.waitForStderrLine(QRegularExpression(QStringLiteral("listener closed")), timeoutMs))
        return 0;
    return ready.match(*line).captured(1).toLongLong();
}

} // namespace baton::test

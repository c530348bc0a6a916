// Helpers for tests that follow processes Baton starts itself (restart successors): they are
// not our children, so they are watched by pid.
#pragma once

#include "httpresponse.h"

#include <QByteArray>
#include <QString>

#include <optional>

class QTemporaryDir;

namespace baton::test {

class BatonProcess;

// Running (a zombie counts as gone).
bool processAlive(qint64 pid);
// Waits (event loop running) until a process that is not our child has gone.
bool waitForProcessGone(qint64 pid, int timeoutMs);
// Stops a successor at the end of a test: SIGTERM, then SIGKILL if it lingers.
void stopProcess(qint64 pid);

QByteArray readFile(const QString &path);
// A private copy of `source` (default: the binary under test) in dir, so a test can replace
// "the executable on disk" that a restart runs. Empty on failure.
QString copyExecutable(const QTemporaryDir &dir, const QString &source = {});

// GET `path` on a connection of its own (Connection: close).
std::optional<HttpResponse> fetch(const BatonProcess &baton, const QByteArray &path);
// Whether `count` requests are in a handler's hands now (the /metrics request that asks is busy
// itself while it renders, so it counts one more).
bool requestsInFlight(const BatonProcess &baton, int count);

// Where a server started with --admin-listen serves its admin routes: host and port, or a
// Unix socket path.
struct AdminAddress
{
    QString host;
    quint16 port = 0;
    QString path;
    QString toString() const;
};
// The address from the first "admin routes (...) on ADDR" line (the first generation's).
std::optional<AdminAddress> waitForAdminAddress(BatonProcess &baton, int timeoutMs = 10000);
// GET `path` at the admin address on a connection of its own (Connection: close).
std::optional<HttpResponse> fetchAdmin(const AdminAddress &admin, const QByteArray &path);

// Waits for "restart: pid N ready" and for the old process to stop accepting (until then a new
// connection may still land on the old process, legitimately); returns N, or 0.
qint64 waitForHandover(BatonProcess &baton, int timeoutMs = 10000);

} // namespace baton::test

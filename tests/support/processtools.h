// Helpers for tests that follow processes Baton starts itself (restart successors): they are
// not our children, so they are watched by pid.
#pragma once

#include <QByteArray>
#include <QString>

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

// Waits for "restart: pid N ready" and for the old process to stop accepting (until then a new
// connection may still land on the old process, legitimately); returns N, or 0.
qint64 waitForHandover(BatonProcess &baton, int timeoutMs = 10000);

} // namespace baton::test

#include "lifecycle/pidfile.h"

#include <QFile>
#include <QSaveFile>

#include <cerrno>
#include <csignal>
#include <unistd.h>

namespace baton::pidfile {

namespace {

// The kernel's short name of a process ("baton"), empty when it is gone.
QByteArray commandName(const QByteArray &pid)
{
    QFile comm(QStringLiteral("/proc/%1/comm").arg(QLatin1String(pid)));
    return comm.open(QIODevice::ReadOnly) ? comm.readAll().trimmed() : QByteArray();
}

} // namespace

bool checkClaim(const QString &path, QString *error)
{
    QFile existing(path);
    if (existing.open(QIODevice::ReadOnly)) {
        bool ok = false;
        const qint64 pid = existing.read(32).trimmed().toLongLong(&ok);
        const bool alive = ok && pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno == EPERM);
        if (alive && pid != ::getpid() &&
            commandName(QByteArray::number(pid)) == commandName(QByteArrayLiteral("self"))) {
            *error = QStringLiteral("pid file %1 names pid %2, a Baton that is still running; "
                                    "stop it first, or give this one another --pid-file")
                         .arg(path)
                         .arg(pid);
            return false;
        }
    }
    QSaveFile trial(path);
    if (!trial.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write pid file %1: %2").arg(path, trial.errorString());
        return false;
    }
    trial.cancelWriting();
    return true;
}

bool write(const QString &path, qint64 pid, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write pid file %1: %2").arg(path, file.errorString());
        return false;
    }
    file.write(QByteArray::number(pid) + '\n');
    if (!file.commit()) {
        *error = QStringLiteral("cannot write pid file %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

void removeIfOwned(const QString &path, qint64 pid)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return;
    const bool owned = file.readAll().trimmed().toLongLong() == pid;
    file.close();
    if (owned)
        QFile::remove(path);
}

} // namespace baton::pidfile

#include "lifecycle/pidfile.h"

#include <QFile>
#include <QSaveFile>

namespace baton::pidfile {

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

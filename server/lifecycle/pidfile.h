#pragma once

#include <QString>

namespace baton::pidfile {

// Writes our pid through a temporary file and a rename, so a reader never sees it half written
// and a restart replaces the old pid in one step.
bool write(const QString &path, qint64 pid, QString *error);
// Removes the file only if it still names this pid: an old generation that finishes draining
// must not delete its successor's pid file.
void removeIfOwned(const QString &path, qint64 pid);

} // namespace baton::pidfile

#pragma once

#include <QString>

namespace baton::pidfile {

// Writes our pid through a temporary file and a rename, so a reader never sees it half written
// and a restart replaces the old pid in one step.
bool write(const QString &path, qint64 pid, QString *error);
// Before a first start: false and *error when the file belongs to another running Baton (a
// second instance must not steal it) or when it could not be written (checked with a trial
// write in its directory, so a later failure cannot leave a server nobody can find). A file that
// names a dead process, or a process that is not Baton (its pid reused), is stale and fine.
bool checkClaim(const QString &path, QString *error);
// Removes the file only if it still names this pid: an old generation that finishes draining
// must not delete its successor's pid file.
void removeIfOwned(const QString &path, qint64 pid);

} // namespace baton::pidfile

#include "control/controlaccess.h"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace baton::control {

std::optional<PeerCredentials> peerCredentials(int fd)
{
    ucred credentials{};
    socklen_t length = sizeof credentials;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0)
        return std::nullopt;
    return PeerCredentials{credentials.pid, credentials.uid, credentials.gid};
}

bool ControlAccess::setGroup(const QString &groupName, QString *error)
{
    m_group.reset();
    m_groupName.clear();
    if (groupName.isEmpty())
        return true;
    std::vector<char> buffer(16384);
    struct group entry
    {
    };
    struct group *found = nullptr;
    const int failed = ::getgrnam_r(groupName.toLocal8Bit().constData(), &entry, buffer.data(),
                                    buffer.size(), &found);
    if (failed != 0 || !found) {
        *error = QStringLiteral("no group \"%1\"").arg(groupName);
        return false;
    }
    m_group = found->gr_gid;
    m_groupName = groupName;
    return true;
}

bool ControlAccess::allows(const PeerCredentials &peer) const
{
    if (peer.uid == 0 || peer.uid == ::geteuid())
        return true;
    if (!m_group)
        return false;
    if (peer.gid == *m_group)
        return true;
    // Supplementary groups are not in SO_PEERCRED: ask the user database.
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd *found = nullptr;
    if (::getpwuid_r(peer.uid, &entry, buffer.data(), buffer.size(), &found) != 0 || !found)
        return false;
    int count = 64;
    std::vector<gid_t> groups(static_cast<size_t>(count));
    if (::getgrouplist(found->pw_name, found->pw_gid, groups.data(), &count) < 0) {
        groups.resize(size_t(count));
        if (::getgrouplist(found->pw_name, found->pw_gid, groups.data(), &count) < 0)
            return false;
    }
    groups.resize(size_t(count));
    for (const gid_t gid : groups) {
        if (gid == *m_group)
            return true;
    }
    return false;
}

QString ControlAccess::describe() const
{
    const QString users = ::geteuid() == 0 ? QStringLiteral("uid 0")
                                           : QStringLiteral("uid 0 and uid %1").arg(::geteuid());
    return m_group ? QStringLiteral("%1 and members of group %2").arg(users, m_groupName)
                   : QStringLiteral("only %1").arg(users);
}

bool ControlAccess::applyTo(const QString &socketPath, QString *error) const
{
    const QByteArray path = socketPath.toLocal8Bit();
    const bool ok = m_group ? ::chown(path.constData(), uid_t(-1), *m_group) == 0 &&
                                  ::chmod(path.constData(), 0660) == 0
                            : ::chmod(path.constData(), 0600) == 0;
    if (!ok)
        *error = QStringLiteral("%1: %2").arg(socketPath, QString::fromLocal8Bit(strerror(errno)));
    return ok;
}

} // namespace baton::control

#pragma once

#include <QString>

#include <optional>
#include <sys/types.h>

namespace baton::control {

// Who is on the other end of a Unix socket, as the kernel says (SO_PEERCRED): not what the peer
// claims.
struct PeerCredentials
{
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
};
std::optional<PeerCredentials> peerCredentials(int fd);

// Who may attach to the control socket: root, the instance's own user, and with --control-group
// the members of that group (primary or supplementary). The socket file's mode says the same
// (0600, or 0660 and that group), so this is the second lock, not the only one.
class ControlAccess
{
public:
    // groupName empty: no group. False and *error for a group that does not exist.
    bool setGroup(const QString &groupName, QString *error);
    std::optional<gid_t> group() const { return m_group; }
    QString groupName() const { return m_groupName; }

    bool allows(const PeerCredentials &peer) const;
    // "uid 0, uid 1000 and members of group ops": for the refusal's log line.
    QString describe() const;
    // Sets the socket file's mode and group to match; false and *error if it cannot.
    bool applyTo(const QString &socketPath, QString *error) const;

private:
    std::optional<gid_t> m_group;
    QString m_groupName;
};

} // namespace baton::control

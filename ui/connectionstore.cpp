#include "connectionstore.h"

#include <QCoreApplication>

namespace baton::ui {

namespace {

// A connection's unchanged request line is the same shared bytes snapshot after snapshot: a
// pointer comparison settles it without touching the text.
bool sameBytes(const QByteArray &a, const QByteArray &b)
{
    return a.size() == b.size() && (a.constData() == b.constData() || a == b);
}

bool sameInfo(const ConnectionInfo &a, const ConnectionInfo &b)
{
    // The cheap fields first; the peer never changes for an id.
    return a.state == b.state && a.bytesIn == b.bytesIn && a.bytesOut == b.bytesOut &&
           a.requestStartedAtMs == b.requestStartedAtMs && a.requestsServed == b.requestsServed &&
           a.draining == b.draining && a.connectedAtMs == b.connectedAtMs && a.worker == b.worker &&
           sameBytes(a.path, b.path) && sameBytes(a.method, b.method);
}

// The one state filter a connection's state falls under.
ConnectionFilter stateFilter(ConnectionState state)
{
    switch (state) {
    case ConnectionState::Idle:
        return ConnectionFilter::Idle;
    case ConnectionState::Reading:
        return ConnectionFilter::Reading;
    case ConnectionState::Busy:
        return ConnectionFilter::Busy;
    case ConnectionState::Writing:
        return ConnectionFilter::Writing;
    case ConnectionState::Closing:
        return ConnectionFilter::Closing;
    case ConnectionState::Moving:
        return ConnectionFilter::Moving;
    }
    return ConnectionFilter::Idle;
}

// Empty groups are kept so that ids stay stable; past this many (and mostly empty) they are
// dropped, e.g. after a crawl over a million distinct paths.
constexpr size_t compactAbove = 4096;

} // namespace

bool matchesFilter(const ConnectionInfo &info, ConnectionFilter filter)
{
    switch (filter) {
    case ConnectionFilter::All:
        return true;
    case ConnectionFilter::Busy:
        return info.state == ConnectionState::Busy;
    case ConnectionFilter::Reading:
        return info.state == ConnectionState::Reading;
    case ConnectionFilter::Writing:
        return info.state == ConnectionState::Writing;
    case ConnectionFilter::Idle:
        return info.state == ConnectionState::Idle;
    case ConnectionFilter::Closing:
        return info.state == ConnectionState::Closing;
    case ConnectionFilter::Moving:
        return info.state == ConnectionState::Moving;
    case ConnectionFilter::Draining:
        return info.draining;
    }
    return false;
}

QString connectionFilterName(ConnectionFilter filter)
{
    static const char *const names[connectionFilterCount] = {
        QT_TRANSLATE_NOOP("ConnectionFilter", "All"),
        QT_TRANSLATE_NOOP("ConnectionFilter", "Busy"),
        QT_TRANSLATE_NOOP("ConnectionFilter", "Reading"),
        QT_TRANSLATE_NOOP("ConnectionFilter", "Writing"),
        QT_TRANSLATE_NOOP("ConnectionFilter", "Idle"),
        QT_TRANSLATE_NOOP("ConnectionFilter", "Closing"),
        QT_TRANSLATE_NOOP("ConnectionFilter", "Moving"),
        QT_TRANSLATE_NOOP("ConnectionFilter", "Draining"),
    };
    return QCoreApplication::translate("ConnectionFilter", names[size_t(filter)]);
}

QString ConnectionStore::clientAddress(const QString &peer)
{
    const qsizetype colon = peer.lastIndexOf(u':');
    return colon > 0 ? peer.left(colon) : peer;
}

void ConnectionStore::setSnapshot(const ServerSnapshot &snapshot)
{
    // Slots removed by the previous update are free from now on.
    for (const int slot : m_change.removed)
        m_free.push_back(slot);
    m_change.added.clear();
    m_change.changed.clear();
    m_change.removed.clear();
    if (m_groups[ByPath].size() + m_groups[ByClient].size() > compactAbove)
        compactGroups();

    ++m_generation;
    m_takenAtMs = snapshot.takenAtMs;
    m_counts.fill(0);
    for (auto &groups : m_groups) {
        for (ConnectionGroup &group : groups) {
            group.count = group.inFlight = 0;
            group.oldestAtMs = 0;
        }
    }

    const QList<ConnectionInfo> &list = snapshot.connections;
    std::vector<int> order;
    order.reserve(size_t(list.size()));
    size_t guess = 0; // where the previous snapshot's order says the next id should be
    for (int pos = 0; pos < int(list.size()); ++pos) {
        const ConnectionInfo &info = list[pos];
        int slot = -1;
        if (guess < m_prevSlots.size() && m_rows[size_t(m_prevSlots[guess])].info.id == info.id)
            slot = m_prevSlots[guess];
        else if (const auto it = m_slotById.constFind(info.id); it != m_slotById.constEnd())
            slot = *it;
        if (slot >= 0 && m_seen[size_t(slot)] == m_generation)
            continue; // the same id twice: keep the first
        if (slot < 0) {
            slot = allocateSlot();
            Row &row = m_rows[size_t(slot)];
            row.info = info;
            row.pathGroup = internPath(info.path);
            row.clientGroup = internClient(info.peer);
            m_slotById.insert(info.id, slot);
            m_change.added.push_back(slot);
        } else {
            Row &row = m_rows[size_t(slot)];
            guess = size_t(row.prevPos) + 1;
            if (!sameInfo(row.info, info)) {
                if (!sameBytes(row.info.path, info.path))
                    row.pathGroup = internPath(info.path);
                row.info = info;
                m_change.changed.push_back(slot);
            }
        }
        Row &row = m_rows[size_t(slot)];
        row.prevPos = int(order.size());
        m_seen[size_t(slot)] = m_generation;
        order.push_back(slot);

        ++m_counts[size_t(ConnectionFilter::All)];
        ++m_counts[size_t(stateFilter(row.info.state))];
        if (row.info.draining)
            ++m_counts[size_t(ConnectionFilter::Draining)];
        const qint64 started = row.info.requestStartedAtMs;
        ConnectionGroup &path = m_groups[ByPath][size_t(row.pathGroup)];
        ConnectionGroup &client = m_groups[ByClient][size_t(row.clientGroup)];
        ++path.count;
        ++client.count;
        if (started > 0) {
            ++path.inFlight;
            ++client.inFlight;
            if (path.oldestAtMs == 0 || started < path.oldestAtMs)
                path.oldestAtMs = started;
        }
        if (client.oldestAtMs == 0 || row.info.connectedAtMs < client.oldestAtMs)
            client.oldestAtMs = row.info.connectedAtMs;
    }

    // The gone: a scan of m_seen (four bytes a slot), not of the rows.
    for (int slot = 0; slot < int(m_seen.size()); ++slot) {
        if (m_seen[size_t(slot)] == 0 || m_seen[size_t(slot)] == m_generation)
            continue;
        Row &row = m_rows[size_t(slot)];
        m_slotById.remove(row.info.id);
        row = Row(); // lets go of its strings; the slot is free after this update
        m_seen[size_t(slot)] = 0;
        m_change.removed.push_back(slot);
    }
    m_prevSlots = std::move(order);
    emit updated();
}

void ConnectionStore::clear()
{
    setSnapshot(ServerSnapshot());
}

int ConnectionStore::allocateSlot()
{
    if (!m_free.empty()) {
        const int slot = m_free.back();
        m_free.pop_back();
        return slot;
    }
    m_rows.emplace_back();
    m_seen.push_back(0);
    return int(m_rows.size()) - 1;
}

int ConnectionStore::internPath(const QByteArray &path)
{
    auto it = m_pathGroupByKey.constFind(path);
    if (it != m_pathGroupByKey.constEnd())
        return *it;
    const int id = int(m_groups[ByPath].size());
    m_groups[ByPath].push_back({QString::fromUtf8(path), 0, 0, 0});
    m_pathGroupByKey.insert(path, id);
    return id;
}

int ConnectionStore::internClient(const QString &peer)
{
    const QString address = clientAddress(peer);
    auto it = m_clientGroupByKey.constFind(address);
    if (it != m_clientGroupByKey.constEnd())
        return *it;
    const int id = int(m_groups[ByClient].size());
    m_groups[ByClient].push_back({address, 0, 0, 0});
    m_clientGroupByKey.insert(address, id);
    return id;
}

void ConnectionStore::compactGroups()
{
    qint64 used = 0;
    for (const auto &groups : m_groups) {
        for (const ConnectionGroup &group : groups)
            used += group.count > 0 ? 1 : 0;
    }
    if (size_t(used) * 4 > m_groups[ByPath].size() + m_groups[ByClient].size())
        return;
    m_groups[ByPath].clear();
    m_groups[ByClient].clear();
    m_pathGroupByKey.clear();
    m_clientGroupByKey.clear();
    for (size_t slot = 0; slot < m_rows.size(); ++slot) {
        Row &row = m_rows[slot];
        if (m_seen[slot] == 0)
            continue;
        row.pathGroup = internPath(row.info.path);
        row.clientGroup = internClient(row.info.peer);
    }
    ++m_groupEpoch;
}

} // namespace baton::ui

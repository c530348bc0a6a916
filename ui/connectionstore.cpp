#include "connectionstore.h"

#include <QCoreApplication>

#include <utility>

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

bool matchesFilter(ConnectionState state, bool draining, ConnectionFilter filter)
{
    switch (filter) {
    case ConnectionFilter::All:
        return true;
    case ConnectionFilter::Draining:
        return draining;
    default:
        return stateFilter(state) == filter;
    }
}

bool matchesFilter(const ConnectionInfo &info, ConnectionFilter filter)
{
    return matchesFilter(info.state, info.draining, filter);
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

    // The snapshot is walked in its order and compared with the previous one in its order, so
    // both are read front to back; the rows (by slot, in no such order) are written only for
    // what changed. Reading them for every connection costs a cache miss or two each: at
    // 100,000 that alone was 10 ms.
    const QList<ConnectionInfo> &list = snapshot.connections;
    std::vector<int> order;
    order.reserve(size_t(list.size()));
    qsizetype guess = 0; // where the previous snapshot's order says the next id should be
    for (const ConnectionInfo &info : list) {
        int slot = -1;
        const ConnectionInfo *before = nullptr;
        if (guess < m_prevList.size() && m_prevList.at(guess).id == info.id) {
            slot = m_prevSlots[size_t(guess)];
            before = &m_prevList.at(guess);
        } else if (const auto it = m_slotById.constFind(info.id); it != m_slotById.constEnd()) {
            slot = *it;
            before = &row(slot);
        }
        if (slot >= 0 && m_meta[size_t(slot)].seen == m_generation)
            continue; // the same id twice: keep the first
        if (slot < 0) {
            slot = allocateSlot();
            row(slot) = info;
            m_meta[size_t(slot)].pathGroup = internPath(info.path);
            m_meta[size_t(slot)].clientGroup = internClient(info.peer);
            m_slotById.insert(info.id, slot);
            m_change.added.push_back(slot);
        } else {
            guess = m_meta[size_t(slot)].prevPos + 1;
            if (!sameInfo(*before, info)) {
                ConnectionInfo &stored = row(slot);
                if (!sameBytes(stored.path, info.path))
                    m_meta[size_t(slot)].pathGroup = internPath(info.path);
                stored = info;
                m_change.changed.push_back(slot);
            }
        }
        SlotMeta &meta = m_meta[size_t(slot)];
        meta.prevPos = int(order.size());
        meta.seen = m_generation;
        meta.state = info.state;
        meta.draining = info.draining;
        order.push_back(slot);

        ++m_counts[size_t(ConnectionFilter::All)];
        ++m_counts[size_t(stateFilter(info.state))];
        if (info.draining)
            ++m_counts[size_t(ConnectionFilter::Draining)];
        const qint64 started = info.requestStartedAtMs;
        ConnectionGroup &path = m_groups[ByPath][size_t(meta.pathGroup)];
        ConnectionGroup &client = m_groups[ByClient][size_t(meta.clientGroup)];
        ++path.count;
        ++client.count;
        if (started > 0) {
            ++path.inFlight;
            ++client.inFlight;
            if (path.oldestAtMs == 0 || started < path.oldestAtMs)
                path.oldestAtMs = started;
        }
        if (client.oldestAtMs == 0 || info.connectedAtMs < client.oldestAtMs)
            client.oldestAtMs = info.connectedAtMs;
    }

    // The gone: a scan of the compact slot table, not of the rows.
    for (int slot = 0; slot < int(m_meta.size()); ++slot) {
        SlotMeta &meta = m_meta[size_t(slot)];
        if (meta.seen == 0 || meta.seen == m_generation)
            continue;
        m_slotById.remove(row(slot).id);
        row(slot) = ConnectionInfo(); // lets go of its strings
        meta = SlotMeta();
        m_change.removed.push_back(slot); // free after this update
    }
    QList<ConnectionInfo> previous = std::exchange(m_prevList, list);
    if (m_disposer && !previous.isEmpty())
        m_disposer(std::move(previous));
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
    const int slot = int(m_meta.size());
    if (slot % rowsPerBlock == 0)
        m_rowBlocks.push_back(std::make_unique<ConnectionInfo[]>(rowsPerBlock));
    m_meta.emplace_back();
    return slot;
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
    for (size_t slot = 0; slot < m_meta.size(); ++slot) {
        if (m_meta[slot].seen == 0)
            continue;
        m_meta[slot].pathGroup = internPath(row(int(slot)).path);
        m_meta[slot].clientGroup = internClient(row(int(slot)).peer);
    }
    ++m_groupEpoch;
}

} // namespace baton::ui

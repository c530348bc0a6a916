#pragma once

#include "core/serversnapshot.h"

#include <QHash>
#include <QObject>

#include <array>
#include <functional>
#include <memory>
#include <vector>

namespace baton::ui {

// What the state filter can show; counted for every snapshot.
enum class ConnectionFilter : quint8 {
    All,
    Busy,
    Reading,
    Writing,
    Idle,
    Closing,
    Moving,
    Draining,
};
constexpr int connectionFilterCount = 8;
bool matchesFilter(const ConnectionInfo &info, ConnectionFilter filter);
bool matchesFilter(ConnectionState state, bool draining, ConnectionFilter filter);
QString connectionFilterName(ConnectionFilter filter);

// Connections that share a path or a client address, as the grouped views show them.
struct ConnectionGroup
{
    QString key;
    qint64 count = 0;
    qint64 inFlight = 0;   // connections with a request in progress
    qint64 oldestAtMs = 0; // the group's oldest request in flight (by path) or connection
                           // (by client); 0 when there is none
};

// The connections of the latest snapshot, each in a "slot" that stays its own while the
// connection lives, so the models on top (sorted table, groups) can keep their order between
// snapshots and only look at what changed. One pass per snapshot, O(n) with small constants:
// rows are matched by id (mostly by position: workers publish in a stable order), counts by state
// and the per-group aggregates are summed on the way, and a row's strings are copied only when it
// changed. Then one updated() signal, qBittorrent style.
class ConnectionStore : public QObject
{
    Q_OBJECT
public:
    enum GroupKind { ByPath, ByClient };
    // Slots of the last update. Slots removed now are reused from the next update on, never
    // within the same one, so a model can tell "gone" from "new".
    struct Change
    {
        std::vector<int> added;
        std::vector<int> changed;
        std::vector<int> removed;
    };

    using QObject::QObject;

    void setSnapshot(const ServerSnapshot &snapshot);
    void clear();
    // Where the previous snapshot's list goes when the next one replaces it. Letting go of
    // 100,000 rows is 300,000 reference counts on strings spread over the heap, 10-20 ms of
    // cache misses that a window hands to a thread that can spare them (PanelSource::dispose).
    // Without one, the list is let go of here.
    using Disposer = std::function<void(QList<ConnectionInfo> &&)>;
    void setDisposer(Disposer disposer) { m_disposer = std::move(disposer); }

    int size() const { return int(m_slotById.size()); }
    int slotLimit() const { return int(m_meta.size()); } // every slot is below this
    bool isLive(int slot) const { return m_meta[size_t(slot)].seen != 0; }
    const ConnectionInfo &info(int slot) const
    {
        return m_rowBlocks[size_t(slot / rowsPerBlock)][size_t(slot % rowsPerBlock)];
    }
    // The state filter of a slot without reading its row (a pass over 100,000 stays in cache).
    bool matches(int slot, ConnectionFilter filter) const
    {
        const SlotMeta &meta = m_meta[size_t(slot)];
        return matchesFilter(meta.state, meta.draining, filter);
    }
    qint64 takenAtMs() const { return m_takenAtMs; }
    qint64 count(ConnectionFilter filter) const { return m_counts[size_t(filter)]; }
    const Change &lastChange() const { return m_change; }

    // Indexed by group id; groups with count 0 are empty now (kept so ids stay stable). The
    // epoch changes when ids are renumbered (unused groups dropped).
    const std::vector<ConnectionGroup> &groups(GroupKind kind) const { return m_groups[kind]; }
    int groupEpoch() const { return m_groupEpoch; }

    static QString clientAddress(const QString &peer);

signals:
    void updated();

private:
    // What a pass over every connection needs of a slot, apart from its row.
    struct SlotMeta
    {
        int prevPos = -1; // position in the previous snapshot's list
        int pathGroup = 0;
        int clientGroup = 0;
        quint32 seen = 0; // m_generation of the last snapshot that had it; 0: a free slot
        ConnectionState state = ConnectionState::Idle;
        bool draining = false;
    };

    int allocateSlot();
    int internPath(const QByteArray &path);
    int internClient(const QString &peer);
    void compactGroups();

    ConnectionInfo &row(int slot)
    {
        return m_rowBlocks[size_t(slot / rowsPerBlock)][size_t(slot % rowsPerBlock)];
    }

    // Rows by slot, in blocks that never move: one vector of rows would move all of them into
    // fresh memory as it grows past 32,768 or 65,536, 25-50 ms in a single snapshot.
    static constexpr int rowsPerBlock = 4096;
    std::vector<std::unique_ptr<ConnectionInfo[]>> m_rowBlocks;
    std::vector<SlotMeta> m_meta; // by slot
    std::vector<int> m_free;
    QHash<quint64, int> m_slotById;
    QList<ConnectionInfo> m_prevList; // the previous snapshot (shared, not copied)
    Disposer m_disposer;
    std::vector<int> m_prevSlots; // and the slot of each of its connections
    quint32 m_generation = 0;
    qint64 m_takenAtMs = 0;
    std::array<qint64, connectionFilterCount> m_counts{};
    Change m_change;
    std::array<std::vector<ConnectionGroup>, 2> m_groups;
    QHash<QByteArray, int> m_pathGroupByKey;
    QHash<QString, int> m_clientGroupByKey;
    int m_groupEpoch = 0;
};

} // namespace baton::ui

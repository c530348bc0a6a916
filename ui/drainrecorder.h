#pragma once

#include "core/serversnapshot.h"
#include "lifecycle/lifecyclestatus.h"

#include <QHash>
#include <QList>

#include <array>
#include <vector>

namespace baton::ui {

enum class DrainOutcome : quint8 { Open, Finished, Moved, Cut };
constexpr int drainOutcomeCount = 4;
QString drainOutcomeName(DrainOutcome outcome);

// One connection of a drain, for the timeline: from drain start (or when it first showed up) to
// when the window first saw it gone. Times are monotonic ms, as in the snapshots.
struct DrainRecord
{
    quint64 id = 0;
    QString peer;
    QByteArray method; // its last request seen during the drain
    QByteArray path;
    qint64 requestStartedAtMs = 0; // of that request; 0 if none was seen in flight
    qint64 startedAtMs = 0;
    qint64 endedAtMs = 0; // 0 while open
    DrainOutcome outcome = DrainOutcome::Open;
};

// A connection holding the drain up right now (from the latest snapshot).
using DrainHolder = ConnectionInfo;

// What a drain was made of, built only from the stream of (status, snapshot) the window gets at
// each refresh, never from the controller or the server: the window may be fed over a control
// socket from another process. One O(n) pass per snapshot while draining, nothing otherwise.
//
// How a connection's end is decided, when a snapshot no longer has it (the time is when the
// window first saw it gone, so at most one refresh late; a cut is dated at the cut):
//  - Moved: its last seen state was Moving. A connection handed over goes Moving, stays in the
//    snapshot until the successor has answered, then vanishes (HttpConnection::tryHandover,
//    IoWorker::handoverAnswered). One that goes and vanishes between two snapshots is never seen
//    Moving, so the growth of snapshot.connectionsHandedOver (counted as the successor answers)
//    not explained by Moving ones is given to the others that vanished in the same interval,
//    idle ones first (they are handed over at once; busy ones only after their response). The
//    moved count is then exact; which connection is which is a best guess for those only.
//  - Cut: it vanished once the status reports a cut (connectionsCut > 0, set just before the
//    server cuts: the deadline, "Force now", force kill), or it was still open when the drain
//    ended with a cut (exit code ExitDrainTimeout or ExitForced). Dated at the deadline, or at
//    the first snapshot that showed the cut when that came earlier (a forced cut). Connections in
//    transit are never cut (the handover owns them), so a Moving one stays Moved.
//  - Finished: anything else that vanished, and what was still open at a clean end.
class DrainRecorder
{
public:
    // The timeline keeps the first connections seen in full; counts stay exact beyond that.
    static constexpr int recordLimit = 2000;
    // The longest holders listed; holderCount() counts all.
    static constexpr int holderLimit = 200;

    void update(const LifecycleStatus &status, const ServerSnapshot &snapshot, qint64 nowMs);

    // A drain was seen (it may be over); started/deadline/ended are 0 otherwise.
    bool hasDrain() const { return m_startedAtMs != 0; }
    bool isOver() const { return m_endedAtMs != 0; }
    qint64 startedAtMs() const { return m_startedAtMs; }
    qint64 deadlineMs() const { return m_deadlineMs; }
    qint64 endedAtMs() const { return m_endedAtMs; }
    qint64 cutAtMs() const { return m_cutAtMs; } // 0: nothing cut
    qint64 observedAtMs() const { return m_observedAtMs; }

    const std::vector<DrainRecord> &records() const { return m_records; }
    // Every connection seen during the drain, by outcome (Open: still open).
    qint64 count(DrainOutcome outcome) const { return m_counts[size_t(outcome)]; }
    qint64 connectionsSeen() const { return qint64(m_entries.size()); }

    // Open connections of the latest snapshot not on their way out (not Moving), longest in
    // flight first (request start ascending, then those without a request), at most holderLimit.
    const QList<DrainHolder> &holders() const { return m_holders; }
    qint64 holderCount() const { return m_holderCount; }
    qint64 movingNow() const { return m_movingNow; } // in transit to the successor

private:
    // Every connection seen, in a compact form so that 100,000 of them stay cheap.
    struct Entry
    {
        quint64 id = 0;
        quint32 seen = 0; // m_pass of the last snapshot that had it
        int record = -1;  // index into m_records, or -1 past recordLimit
        ConnectionState lastState = ConnectionState::Idle;
        DrainOutcome outcome = DrainOutcome::Open;
    };

    void begin(const LifecycleStatus &status);
    void track(const ServerSnapshot &snapshot, qint64 at);
    void settleVanished(qint64 movedNow, bool cut, qint64 at);
    void end(int index, DrainOutcome outcome, qint64 at);
    void collectHolders(const ServerSnapshot &snapshot);

    qint64 m_startedAtMs = 0;
    qint64 m_deadlineMs = 0;
    qint64 m_endedAtMs = 0;
    qint64 m_cutAtMs = 0;
    qint64 m_observedAtMs = 0;
    quint64 m_lastHandedOver = 0; // snapshot.connectionsHandedOver at the previous refresh
    quint32 m_pass = 0;
    std::vector<Entry> m_entries;
    QHash<quint64, int> m_entryById;
    std::vector<int> m_vanished; // scratch, kept to reuse its memory
    std::vector<DrainRecord> m_records;
    std::array<qint64, drainOutcomeCount> m_counts{};
    QList<DrainHolder> m_holders;
    qint64 m_holderCount = 0;
    qint64 m_movingNow = 0;
};

} // namespace baton::ui

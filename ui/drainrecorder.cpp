#include "drainrecorder.h"

#include "lifecycle/exitcode.h"

#include <QCoreApplication>

#include <algorithm>
#include <limits>

namespace baton::ui {

QString drainOutcomeName(DrainOutcome outcome)
{
    switch (outcome) {
    case DrainOutcome::Open:
        return QCoreApplication::translate("DrainRecorder", "open");
    case DrainOutcome::Finished:
        return QCoreApplication::translate("DrainRecorder", "finished");
    case DrainOutcome::Moved:
        return QCoreApplication::translate("DrainRecorder", "moved");
    case DrainOutcome::Cut:
        return QCoreApplication::translate("DrainRecorder", "cut");
    }
    return QString();
}

void DrainRecorder::update(const LifecycleStatus &status, const ServerSnapshot &snapshot,
                           qint64 nowMs)
{
    using State = LifecycleStatus::State;
    // The snapshot's own time: the status and the snapshot are read one after the other.
    const qint64 at = snapshot.takenAtMs > 0 ? snapshot.takenAtMs : nowMs;
    // A new drain shows as a new start time; the state may still say Serving for a moment, as
    // the controller sets the times before the state.
    if (status.drainStartedAtMs != 0 && status.drainStartedAtMs != m_startedAtMs)
        begin(status);
    if (!hasDrain() || isOver()) {
        m_lastHandedOver = snapshot.connectionsHandedOver;
        return;
    }
    if (status.drainStartedAtMs == 0) {
        // Started again before this window saw the stop: how the rest ended is unknown, and
        // claiming a cut would be a guess; they are left open on a drain marked over.
        m_endedAtMs = m_observedAtMs;
        m_holders.clear();
        m_holderCount = m_movingNow = 0;
        return;
    }

    const bool stopped = status.state == State::Stopped;
    m_deadlineMs = status.drainDeadlineMs; // "Extend" moves it
    const bool cut =
        status.connectionsCut > 0 ||
        (stopped && (status.exitCode == ExitDrainTimeout || status.exitCode == ExitForced));
    if (cut && m_cutAtMs == 0)
        m_cutAtMs = m_deadlineMs > 0 && at >= m_deadlineMs ? m_deadlineMs : qMax(at, m_startedAtMs);
    const qint64 endAt = status.drainEndedAtMs > 0 ? qMin(at, status.drainEndedAtMs) : at;

    track(snapshot, at);
    const quint64 handedOver = snapshot.connectionsHandedOver;
    settleVanished(handedOver > m_lastHandedOver ? qint64(handedOver - m_lastHandedOver) : 0, cut,
                   endAt);
    m_lastHandedOver = handedOver;
    m_observedAtMs = at;

    if (stopped) {
        m_endedAtMs = status.drainEndedAtMs > 0 ? status.drainEndedAtMs : at;
        for (int i = 0; i < int(m_entries.size()); ++i) {
            if (m_entries[size_t(i)].outcome == DrainOutcome::Open)
                end(i, cut ? DrainOutcome::Cut : DrainOutcome::Finished, m_endedAtMs);
        }
        m_holders.clear();
        m_holderCount = m_movingNow = 0;
        return;
    }
    collectHolders(snapshot);
}

void DrainRecorder::begin(const LifecycleStatus &status)
{
    m_startedAtMs = status.drainStartedAtMs;
    m_deadlineMs = status.drainDeadlineMs;
    m_endedAtMs = m_cutAtMs = m_observedAtMs = 0;
    m_pass = 0;
    m_entries.clear();
    m_entryById.clear();
    m_records.clear();
    m_counts = {};
    m_holders.clear();
    m_holderCount = m_movingNow = 0;
}

void DrainRecorder::track(const ServerSnapshot &snapshot, qint64 at)
{
    ++m_pass;
    // Those open at the first look were open when the drain began (no listener is left to
    // accept more); later ones (adopted, or accepted just before the listeners closed) start
    // when first seen.
    const qint64 startedAt = m_pass == 1 ? m_startedAtMs : at;
    m_movingNow = 0;
    if (m_pass == 1) {
        m_entries.reserve(size_t(snapshot.connections.size()));
        m_entryById.reserve(snapshot.connections.size());
    }
    for (const ConnectionInfo &info : snapshot.connections) {
        int index = m_entryById.value(info.id, -1);
        if (index < 0) {
            index = int(m_entries.size());
            Entry entry;
            entry.id = info.id;
            if (m_records.size() < size_t(recordLimit)) {
                entry.record = int(m_records.size());
                DrainRecord record;
                record.id = info.id;
                record.peer = info.peer;
                record.startedAtMs = startedAt;
                m_records.push_back(std::move(record));
            }
            m_entries.push_back(entry);
            m_entryById.insert(info.id, index);
            ++m_counts[size_t(DrainOutcome::Open)];
        }
        Entry &entry = m_entries[size_t(index)];
        if (entry.outcome != DrainOutcome::Open)
            continue; // ids are not reused within a server's life
        entry.seen = m_pass;
        entry.lastState = info.state;
        if (info.state == ConnectionState::Moving)
            ++m_movingNow;
        if (entry.record < 0)
            continue;
        DrainRecord &record = m_records[size_t(entry.record)];
        if (!info.method.isEmpty() && (info.method != record.method || info.path != record.path)) {
            record.method = info.method;
            record.path = info.path;
        }
        if (info.requestStartedAtMs != 0)
            record.requestStartedAtMs = info.requestStartedAtMs;
    }
}

void DrainRecorder::settleVanished(qint64 movedNow, bool cut, qint64 at)
{
    m_vanished.clear();
    for (int i = 0; i < int(m_entries.size()); ++i) {
        const Entry &entry = m_entries[size_t(i)];
        if (entry.outcome == DrainOutcome::Open && entry.seen != m_pass)
            m_vanished.push_back(i);
    }
    qint64 unexplained = movedNow;
    for (int i : m_vanished) {
        if (m_entries[size_t(i)].lastState == ConnectionState::Moving) {
            end(i, DrainOutcome::Moved, at);
            --unexplained;
        }
    }
    // Moves never seen Moving: idle connections go at once, the others after their response.
    for (const bool idle : {true, false}) {
        for (int i : m_vanished) {
            if (unexplained <= 0)
                break;
            const Entry &entry = m_entries[size_t(i)];
            if (entry.outcome == DrainOutcome::Open &&
                (entry.lastState == ConnectionState::Idle) == idle) {
                end(i, DrainOutcome::Moved, at);
                --unexplained;
            }
        }
    }
    for (int i : m_vanished) {
        if (m_entries[size_t(i)].outcome == DrainOutcome::Open)
            end(i, cut ? DrainOutcome::Cut : DrainOutcome::Finished, at);
    }
}

void DrainRecorder::end(int index, DrainOutcome outcome, qint64 at)
{
    Entry &entry = m_entries[size_t(index)];
    entry.outcome = outcome;
    --m_counts[size_t(DrainOutcome::Open)];
    ++m_counts[size_t(outcome)];
    if (entry.record < 0)
        return;
    DrainRecord &record = m_records[size_t(entry.record)];
    record.outcome = outcome;
    record.endedAtMs = qMax(record.startedAtMs, outcome == DrainOutcome::Cut ? m_cutAtMs : at);
}

void DrainRecorder::collectHolders(const ServerSnapshot &snapshot)
{
    m_holderCount = 0;
    for (const ConnectionInfo &info : snapshot.connections)
        m_holderCount += info.state != ConnectionState::Moving ? 1 : 0;
    m_holders = snapshot.drainHolders(holderLimit);
}

} // namespace baton::ui

#pragma once

#include "panelsource.h"

#include <QObject>
#include <QThread>

#include <functional>
#include <memory>

namespace baton::ui {

// Takes the window's (status, snapshot) pairs in a thread of its own. Joining every I/O
// worker's published connection list costs the calling thread a few milliseconds per 10,000
// connections (more when the I/O threads hold the CPUs), which a GUI thread refreshing at
// 10 Hz cannot spare at 100,000.
//
// At most one take runs at a time; requests made while it runs fold into one more take, started
// when it ends (the "scheduled" flag of qtbase's torrent rate controller): a slow join never
// piles up work, and whoever asks after a change gets a pair taken after it. Pairs arrive in
// the order they were taken, as queued calls in the owner's thread. The destructor stops the
// thread once the take in progress, if any, is done; nothing arrives after it.
class SnapshotTaker : public QObject
{
    Q_OBJECT
public:
    using Take = std::function<PanelView()>;

    explicit SnapshotTaker(Take take, QObject *parent = nullptr);
    ~SnapshotTaker() override;

    // Asks for a pair; returns the number that taken() will carry for it (or for a later take):
    // any pair numbered at least this was taken after the call.
    quint64 request();
    // Lets go of `list` in the taker's thread, after the take in progress if any.
    void dispose(QList<ConnectionInfo> &&list);
    bool isBusy() const { return m_running != 0; }

signals:
    void taken(const baton::ui::PanelView &view, quint64 number);

private:
    void start();
    void deliver(const PanelView &view, quint64 number);

    Take m_take;
    QThread m_thread;
    std::unique_ptr<QObject> m_context; // lives in m_thread: the takes run in its event loop
    quint64 m_started = 0;              // the number of the last take started
    quint64 m_running = 0;              // the take in progress; 0 when none
    bool m_again = false;               // asked for while one ran
};

} // namespace baton::ui

#include "snapshottaker.h"

namespace baton::ui {

SnapshotTaker::SnapshotTaker(Take take, QObject *parent)
    : QObject(parent), m_take(std::move(take)), m_context(std::make_unique<QObject>())
{
    m_thread.setObjectName(QStringLiteral("snapshot"));
    m_context->moveToThread(&m_thread);
    m_thread.start();
}

SnapshotTaker::~SnapshotTaker()
{
    // A take in progress runs to its end (it holds no lock of ours); its queued delivery to
    // this object is dropped with it.
    m_thread.quit();
    m_thread.wait();
    m_context.reset(); // its thread has ended: nothing of it runs any more
}

quint64 SnapshotTaker::request()
{
    if (m_running != 0) {
        m_again = true;
        return m_running + 1;
    }
    start();
    return m_running;
}

void SnapshotTaker::start()
{
    m_running = ++m_started;
    const quint64 number = m_running;
    // m_take is only read, and only by the one take in progress; this object outlives the
    // thread (the destructor waits), so the delivery's target is alive when it is queued.
    QMetaObject::invokeMethod(
        m_context.get(),
        [this, number] {
            const PanelView view = m_take();
            QMetaObject::invokeMethod(
                this, [this, view, number] { deliver(view, number); }, Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void SnapshotTaker::dispose(QList<ConnectionInfo> &&list)
{
    letGoOfIn(m_context.get(), std::move(list));
}

void SnapshotTaker::deliver(const PanelView &view, quint64 number)
{
    m_running = 0;
    if (m_again) {
        m_again = false;
        start();
    }
    emit taken(view, number);
}

} // namespace baton::ui

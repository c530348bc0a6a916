#pragma once

#include <QObject>
#include <QThread>

#include <mutex>

namespace baton {

// Where answers from other threads go: an object of the connections' thread (its I/O worker),
// for as long as it lives; made in that thread, which it keeps as the answers' home thread. A
// responder may outlive its server (a pool thread still working when the process stops, or after a
// reload retired the generation); its answer must then be dropped, not posted to a deleted object.
// The owner closes the home once its connections are gone.
class ResponderHome
{
public:
    explicit ResponderHome(QObject *object) : m_object(object), m_thread(object->thread()) {}

    QThread *thread() const { return m_thread; }

    // Queues fn on the home's thread; false (and fn never runs) once the home is closed.
    template<typename Fn> bool post(Fn &&fn)
    {
        std::lock_guard locker(m_mutex);
        if (!m_object)
            return false;
        QMetaObject::invokeMethod(m_object, std::forward<Fn>(fn), Qt::QueuedConnection);
        return true;
    }

    // After this no call is queued any more; those queued before go with the object.
    void close()
    {
        std::lock_guard locker(m_mutex);
        m_object = nullptr;
    }

private:
    std::mutex m_mutex; // std::mutex, not QMutex: ThreadSanitizer sees this one
    QObject *m_object;
    QThread *const m_thread;
};

} // namespace baton

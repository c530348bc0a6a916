#include "eventloopwait.h"

#include <QDeadlineTimer>
#include <QEventLoop>
#include <QTimer>

namespace baton::test {

bool waitUntil(const std::function<bool()> &done, int timeoutMs,
               const std::function<void(QEventLoop &)> &wakeOn)
{
    const QDeadlineTimer deadline(timeoutMs, Qt::PreciseTimer);
    while (!done()) {
        const qint64 remaining = deadline.remainingTime();
        if (remaining <= 0)
            return false;
        QEventLoop loop;
        QTimer timer;
        timer.setSingleShot(true);
        timer.setTimerType(Qt::PreciseTimer);
        QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
        wakeOn(loop);
        timer.start(int(remaining));
        loop.exec();
    }
    return true;
}

} // namespace baton::test

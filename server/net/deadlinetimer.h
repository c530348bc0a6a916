#pragma once

#include <QObject>

#include <chrono>

class QTimer;

namespace baton {

// A single-shot timer for deadlines of any length. QTimer takes an int of milliseconds (Qt 6.4
// casts a longer std::chrono duration down and wraps: 4294968 s would fire after 675 ms), so a
// long deadline is reached in steps of at most a day, measured on the monotonic clock.
class DeadlineTimer : public QObject
{
    Q_OBJECT
public:
    explicit DeadlineTimer(QObject *parent = nullptr);

    void start(std::chrono::milliseconds duration);
    // Moves a running deadline later (or earlier, with a negative amount).
    void extend(std::chrono::milliseconds amount);
    void stop();
    bool isActive() const;
    // Milliseconds left; 0 when not running.
    qint64 remainingMs() const;

signals:
    void expired();

private:
    void arm();
    void step();

    QTimer *m_timer;
    qint64 m_deadlineMs = 0;
};

} // namespace baton

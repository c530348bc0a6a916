#pragma once

#include <QObject>

#include <chrono>

class QTimer;

namespace baton {

class DeadlineTimer;

// The clock of one drain: when it started, when its deadline falls (moved by Extend), a tick
// for progress reports, and the last-resort stop after the deadline or a force kill, when
// connections were told to go but have not gone yet.
class DrainTracker : public QObject
{
    Q_OBJECT
public:
    static constexpr int progressIntervalMs = 250;

    explicit DrainTracker(QObject *parent = nullptr);

    void begin(std::chrono::milliseconds timeout);
    // Moves the deadline; false when there is none running (not draining, or already cut).
    bool extend(std::chrono::milliseconds extra);
    // The deadline, now: stops the countdown, as if it had passed.
    void cutNow();
    // Whatever the connections do, hardStopDue() follows after this long.
    void scheduleHardStop(std::chrono::milliseconds after);
    void stop();

    qint64 msLeft() const;

signals:
    void progressDue();
    void deadlinePassed();
    void hardStopDue();

private:
    DeadlineTimer *m_deadline;
    QTimer *m_progress;
    QTimer *m_hardStop;
};

} // namespace baton

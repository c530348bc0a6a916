#pragma once

#include "lifecycle/lifecyclecontroller.h"

#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;

namespace baton::ui {

// Draining made visible: connections left of those at drain start, time to the deadline, and
// the two things an operator may want then (more time, or cut now). After a restart the same
// panel follows the previous generation's drain, reported over the restart channel.
class DrainPanel : public QWidget
{
    Q_OBJECT
public:
    explicit DrainPanel(QWidget *parent = nullptr);

    // Shows (and returns whether it shows) what is draining now, if anything.
    bool update(const LifecycleStatus &status, qint64 openConnections, qint64 nowMs);

    QProgressBar *progressBar() const { return m_progress; }

    QString title() const;
    QString countdownText() const;

signals:
    void extendRequested();
    void forceRequested();

private:
    QLabel *m_title;
    QProgressBar *m_progress;
    QLabel *m_countdown;
    QPushButton *m_extend;
    QPushButton *m_force;
    qint64 m_predecessorPid = 0;
    quint32 m_predecessorGeneration = 0;
    qint64 m_predecessorPeak = 0; // connections at the first report: the bar's full length
};

} // namespace baton::ui

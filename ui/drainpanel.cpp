#include "drainpanel.h"

#include <QCoreApplication>
#include <QGridLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>

namespace baton::ui {

DrainPanel::DrainPanel(QWidget *parent)
    : QWidget(parent), m_title(new QLabel(this)), m_progress(new QProgressBar(this)),
      m_countdown(new QLabel(this)), m_extend(new QPushButton(tr("Extend +30 s"), this)),
      m_force(new QPushButton(tr("Force now"), this))
{
    m_progress->setObjectName(QStringLiteral("drainProgress"));
    m_countdown->setObjectName(QStringLiteral("drainCountdown"));
    m_extend->setObjectName(QStringLiteral("extendButton"));
    m_force->setObjectName(QStringLiteral("forceNowButton"));
    m_extend->setToolTip(tr("Move the drain deadline 30 seconds later"));
    m_force->setToolTip(tr("Cut the remaining connections now, as the deadline would: unanswered "
                           "requests get 503, the rest are reset"));
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_progress->setTextVisible(true);

    auto *layout = new QGridLayout(this);
    layout->setContentsMargins(8, 6, 8, 6);
    layout->addWidget(m_title, 0, 0, 1, 4);
    layout->addWidget(m_progress, 1, 0);
    layout->addWidget(m_countdown, 1, 1);
    layout->addWidget(m_extend, 1, 2);
    layout->addWidget(m_force, 1, 3);
    layout->setColumnStretch(0, 1);
    setAutoFillBackground(true);
    QPalette tinted = palette();
    tinted.setColor(QPalette::Window, QColor(255, 243, 224));
    setPalette(tinted);

    connect(m_extend, &QPushButton::clicked, this, &DrainPanel::extendRequested);
    connect(m_force, &QPushButton::clicked, this, &DrainPanel::forceRequested);
}

QString DrainPanel::countdownText() const
{
    return m_countdown->text();
}

bool DrainPanel::update(const LifecycleStatus &status, qint64 openConnections, qint64 nowMs)
{
    using State = LifecycleStatus::State;
    if (status.state == State::Draining) {
        const qint64 total = qMax<qint64>(status.drainStartConnections, openConnections);
        const qint64 left = qMax<qint64>(0, status.drainDeadlineMs - nowMs);
        const bool moving = status.handedOver && status.connectionHandover;
        m_title->setText(moving ? tr("Handed over to the new generation: moving connections to it")
                         : status.handedOver
                             ? tr("Handed over to the new generation: draining this one")
                             : tr("Draining: finishing in-flight requests, closing idle "
                                  "connections"));
        m_progress->setRange(0, int(qMax<qint64>(1, total)));
        m_progress->setValue(int(total - openConnections));
        const QString counts = tr("%1 of %2 connections left").arg(openConnections).arg(total);
        const qint64 finished = qMax<qint64>(0, total - openConnections - status.connectionsMoved);
        m_progress->setFormat(moving ? tr("%1: %2 moved, %3 finished here")
                                           .arg(counts)
                                           .arg(status.connectionsMoved)
                                           .arg(finished)
                                     : counts);
        m_countdown->setText(tr("deadline in %1 s").arg(double(left) / 1000.0, 0, 'f', 1));
        m_extend->setVisible(true);
        m_force->setVisible(true);
        setVisible(true);
        return true;
    }
    if (status.predecessor.draining) {
        const LifecycleStatus::Predecessor &previous = status.predecessor;
        if (previous.pid != m_predecessorPid || previous.generation != m_predecessorGeneration) {
            m_predecessorPid = previous.pid;
            m_predecessorGeneration = previous.generation;
            m_predecessorPeak = 0;
        }
        m_predecessorPeak = qMax(m_predecessorPeak, previous.connections);
        // After a reload the previous generation drains inside this very process.
        m_title->setText(previous.pid == QCoreApplication::applicationPid()
                             ? tr("Previous generation (%1, in this process) is draining")
                                   .arg(previous.generation)
                             : tr("Previous generation (pid %1) is draining").arg(previous.pid));
        m_progress->setRange(0, int(qMax<qint64>(1, m_predecessorPeak)));
        m_progress->setValue(int(m_predecessorPeak - previous.connections));
        const qint64 finished =
            qMax<qint64>(0, m_predecessorPeak - previous.connections - previous.moved);
        m_progress->setFormat(tr("%1 connections left (%2 busy): %3 moved here, %4 finished there")
                                  .arg(previous.connections)
                                  .arg(previous.busy)
                                  .arg(previous.moved)
                                  .arg(finished));
        m_countdown->setText(
            tr("deadline in %1 s").arg(double(previous.msLeft) / 1000.0, 0, 'f', 1));
        m_extend->setVisible(false);
        m_force->setVisible(false);
        setVisible(true);
        return true;
    }
    setVisible(false);
    return false;
}

QString DrainPanel::title() const
{
    return m_title->text();
}

} // namespace baton::ui

#include "drainholdersview.h"

#include "drainholdersmodel.h"
#include "drainrecorder.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

namespace baton::ui {

DrainHoldersView::DrainHoldersView(QWidget *parent)
    : QWidget(parent), m_summary(new QLabel(this)), m_table(new QTableView(this)),
      m_model(new DrainHoldersModel(this))
{
    m_summary->setObjectName(QStringLiteral("drainHoldersSummary"));
    m_summary->setWordWrap(true);
    m_table->setObjectName(QStringLiteral("drainHolders"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->resizeSection(DrainHoldersModel::RequestColumn, 260);
    // A glance while the drain runs, not a second connections table: the pane below stays big.
    m_table->setMaximumHeight(m_table->verticalHeader()->defaultSectionSize() * 6 +
                              m_table->horizontalHeader()->sizeHint().height() + 4);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 0, 8, 0);
    layout->addWidget(m_summary);
    layout->addWidget(m_table);
}

QString DrainHoldersView::summary() const
{
    return m_summary->text();
}

bool DrainHoldersView::update(const LifecycleStatus &status, const DrainRecorder &recorder,
                              qint64 nowMs)
{
    if (status.state == LifecycleStatus::State::Draining && recorder.hasDrain() &&
        !recorder.isOver()) {
        const qint64 left = recorder.deadlineMs() - recorder.observedAtMs();
        QString text = tr("<b>Holding the drain:</b> %1 still open, longest in flight first")
                           .arg(formatCount(recorder.holderCount(), "connection"));
        if (recorder.holderCount() > recorder.holders().size())
            text += tr(" (the first %1 listed)").arg(recorder.holders().size());
        text += left > 0 ? tr("; whatever is still open in %1 is cut.").arg(formatSeconds(left))
                         : tr("; the deadline has passed: they are being cut.");
        if (status.connectionHandover || status.connectionsMoved > 0 || recorder.movingNow() > 0)
            text += tr(" Moved to the new generation: %1 (%2 on their way).")
                        .arg(status.connectionsMoved)
                        .arg(recorder.movingNow());
        m_summary->setText(text);
        m_model->setHolders(recorder.holders(), recorder.observedAtMs(), recorder.deadlineMs());
        m_table->setVisible(true);
        setVisible(true);
        return true;
    }
    if (status.predecessor.draining) {
        // Its connections live in its own process (or its own server, after a reload): it
        // reports its longest holders with its counts, a refresh or two behind.
        const LifecycleStatus::Predecessor &previous = status.predecessor;
        QString text = tr("<b>Holding the previous generation's drain</b> (generation %1, pid %2): "
                          "%3 still open (%4 busy), longest in flight first")
                           .arg(previous.generation)
                           .arg(previous.pid)
                           .arg(formatCount(previous.connections, "connection"))
                           .arg(previous.busy);
        if (previous.connections > previous.holders.size() && !previous.holders.isEmpty())
            text += tr(" (the first %1 listed)").arg(previous.holders.size());
        text +=
            previous.msLeft > 0
                ? tr("; whatever is still open in %1 is cut.").arg(formatSeconds(previous.msLeft))
                : tr("; the deadline has passed: they are being cut.");
        if (previous.moved > 0)
            text += tr(" Moved to this generation: %1.").arg(previous.moved);
        m_summary->setText(text);
        m_model->setHolders(previous.holders, nowMs, nowMs + previous.msLeft);
        m_table->setVisible(!previous.holders.isEmpty());
        setVisible(true);
        return true;
    }
    m_model->setHolders({}, 0, 0);
    setVisible(false);
    return false;
}

} // namespace baton::ui

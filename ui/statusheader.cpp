#include "statusheader.h"

#include "connectionstore.h"
#include "connectiontablemodel.h"

#include <QHBoxLayout>
#include <QLabel>

namespace baton::ui {

QColor StatusHeader::stateColor(LifecycleStatus::State state)
{
    switch (state) {
    case LifecycleStatus::State::Serving:
        return QColor(46, 139, 87); // green
    case LifecycleStatus::State::LameDuck:
        return QColor(218, 165, 32); // goldenrod
    case LifecycleStatus::State::Draining:
        return QColor(230, 120, 20); // orange
    case LifecycleStatus::State::Restarting:
        return QColor(65, 105, 225); // blue
    case LifecycleStatus::State::Stopped:
        return QColor(178, 34, 34); // red
    case LifecycleStatus::State::Starting:
        break;
    }
    return QColor(128, 128, 128);
}

StatusHeader::StatusHeader(QWidget *parent)
    : QWidget(parent), m_state(new QLabel(this)), m_address(new QLabel(this)),
      m_details(new QLabel(this))
{
    m_state->setObjectName(QStringLiteral("stateLabel"));
    m_state->setAlignment(Qt::AlignCenter);
    m_state->setMinimumWidth(130);
    QFont big = m_state->font();
    big.setPointSizeF(big.pointSizeF() * 1.35);
    big.setBold(true);
    m_state->setFont(big);
    m_address->setObjectName(QStringLiteral("addressLabel"));
    m_address->setTextFormat(Qt::RichText);
    m_address->setOpenExternalLinks(true);
    m_address->setToolTip(tr("Open in the browser"));
    m_details->setObjectName(QStringLiteral("detailsLabel"));
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_state);
    layout->addSpacing(8);
    layout->addWidget(m_address);
    layout->addSpacing(8);
    layout->addWidget(m_details, 1);
}

QString StatusHeader::stateText() const
{
    return m_state->text();
}

QString StatusHeader::detailsText() const
{
    return m_details->text();
}

void StatusHeader::setStatus(const LifecycleStatus &status, const ServerSnapshot &snapshot,
                             double requestsPerSecond, qint64 uptimeMs, qint64 pid)
{
    const QColor color = stateColor(status.state);
    m_state->setText(lifecycleStateName(status.state));
    m_state->setStyleSheet(QStringLiteral("QLabel { color: white; background: %1; "
                                          "border-radius: 6px; padding: 4px 10px; }")
                               .arg(color.name()));
    if (status.listenAddress != m_shownAddress) {
        m_shownAddress = status.listenAddress;
        const QString url = QStringLiteral("http://") + status.listenAddress + u'/';
        m_address->setText(QStringLiteral("<a href=\"%1\">%1</a>").arg(url.toHtmlEscaped()));
    }
    // "In flight" as in the grouped views ("Requests in flight"): the server gives a connection
    // a request start in exactly these three states. The state filter counts them apart, so
    // the tooltip adds its buttons up in their words, for the operator to match the numbers.
    const auto count = [&snapshot](ConnectionState state) {
        return snapshot.connectionsByState[size_t(state)];
    };
    const qint64 busy = count(ConnectionState::Busy);
    const qint64 reading = count(ConnectionState::Reading);
    const qint64 writing = count(ConnectionState::Writing);
    const qint64 idle = count(ConnectionState::Idle);
    m_details->setText(tr("pid %1 · generation %2 · up %3 · %4 req/s · %5 in flight · %6 idle")
                           .arg(pid)
                           .arg(status.generation)
                           .arg(formatDuration(uptimeMs))
                           .arg(QString::number(requestsPerSecond, 'f', 0))
                           .arg(busy + reading + writing)
                           .arg(idle));
    m_details->setToolTip(tr("Connections with a request in flight (being read, answered or "
                             "written): %1 %2 + %3 %4 + %5 %6 in the state filter")
                              .arg(connectionFilterName(ConnectionFilter::Busy))
                              .arg(busy)
                              .arg(connectionFilterName(ConnectionFilter::Reading))
                              .arg(reading)
                              .arg(connectionFilterName(ConnectionFilter::Writing))
                              .arg(writing));
}

} // namespace baton::ui

#pragma once

#include "core/serversnapshot.h"
#include "lifecycle/lifecyclecontroller.h"

#include <QWidget>

class QLabel;

namespace baton::ui {

// The line an operator reads first: state in words and colour, address (a link), pid,
// generation, uptime, requests per second, connections with a request in flight and idle ones.
class StatusHeader : public QWidget
{
    Q_OBJECT
public:
    explicit StatusHeader(QWidget *parent = nullptr);

    void setStatus(const LifecycleStatus &status, const ServerSnapshot &snapshot,
                   double requestsPerSecond, qint64 uptimeMs, qint64 pid);
    QString stateText() const;
    QString detailsText() const;

    static QColor stateColor(LifecycleStatus::State state);

private:
    QLabel *m_state;
    QLabel *m_address;
    QLabel *m_details;
    QString m_shownAddress;
};

} // namespace baton::ui

#include "activitychart.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>

namespace baton::ui {

namespace {

const QColor connectionsColor(33, 115, 196);
const QColor rateColor(214, 110, 30);

double niceCeiling(double value)
{
    if (value <= 1)
        return 1;
    double magnitude = 1;
    while (magnitude * 10 <= value)
        magnitude *= 10;
    for (double step : {1.0, 2.0, 5.0, 10.0}) {
        if (step * magnitude >= value)
            return step * magnitude;
    }
    return 10 * magnitude;
}

} // namespace

ActivityChart::ActivityChart(QWidget *parent) : QWidget(parent)
{
    setMinimumHeight(110);
    setAttribute(Qt::WA_OpaquePaintEvent);
}

void ActivityChart::addSample(qint64 connections, double requestsPerSecond)
{
    m_connections.append(double(connections));
    m_rates.append(requestsPerSecond);
    if (m_connections.size() > capacity) {
        m_connections.removeFirst();
        m_rates.removeFirst();
    }
    update();
}

void ActivityChart::clear()
{
    m_connections.clear();
    m_rates.clear();
    update();
}

void ActivityChart::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette().base());
    painter.setRenderHint(QPainter::Antialiasing);
    const QFontMetrics metrics(font());
    const int margin = metrics.horizontalAdvance(QStringLiteral("000000")) + 6;
    const QRectF plot =
        QRectF(rect()).adjusted(margin, metrics.height() + 6, -margin, -metrics.height() - 4);
    if (plot.width() < 20 || plot.height() < 20)
        return;

    const double maxConnections = niceCeiling(
        m_connections.isEmpty() ? 1
                                : *std::max_element(m_connections.cbegin(), m_connections.cend()));
    const double maxRate =
        niceCeiling(m_rates.isEmpty() ? 1 : *std::max_element(m_rates.cbegin(), m_rates.cend()));

    painter.setPen(QPen(palette().mid().color(), 1, Qt::DotLine));
    for (int i = 0; i <= 4; ++i) {
        const double y = plot.top() + plot.height() * i / 4;
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
    }
    painter.setPen(palette().text().color());
    painter.drawRect(plot);
    painter.setPen(connectionsColor);
    painter.drawText(QRectF(0, plot.top() - metrics.height() / 2.0, margin - 4, metrics.height()),
                     Qt::AlignRight, QString::number(maxConnections));
    painter.drawText(
        QRectF(0, plot.bottom() - metrics.height() / 2.0, margin - 4, metrics.height()),
        Qt::AlignRight, QStringLiteral("0"));
    painter.drawText(QRectF(plot.left(), 0, plot.width() / 2, metrics.height() + 2),
                     Qt::AlignLeft | Qt::AlignVCenter, tr("open connections"));
    painter.setPen(rateColor);
    painter.drawText(
        QRectF(plot.right() + 4, plot.top() - metrics.height() / 2.0, margin - 4, metrics.height()),
        Qt::AlignLeft, QString::number(maxRate));
    painter.drawText(QRectF(plot.center().x(), 0, plot.width() / 2, metrics.height() + 2),
                     Qt::AlignRight | Qt::AlignVCenter, tr("requests/s"));
    painter.setPen(palette().text().color());
    painter.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), metrics.height()),
                     Qt::AlignLeft, tr("%1 min ago").arg(capacity / 60));
    painter.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), metrics.height()),
                     Qt::AlignRight, tr("now"));

    const auto drawSeries = [&](const QList<double> &values, double max, const QColor &color) {
        if (values.size() < 2)
            return;
        QPainterPath path;
        const double step = plot.width() / (capacity - 1);
        const double x0 = plot.right() - step * double(values.size() - 1);
        for (qsizetype i = 0; i < values.size(); ++i) {
            const QPointF point(x0 + step * double(i),
                                plot.bottom() - plot.height() * values[i] / max);
            if (i == 0)
                path.moveTo(point);
            else
                path.lineTo(point);
        }
        painter.setPen(QPen(color, 2));
        painter.drawPath(path);
    };
    drawSeries(m_rates, maxRate, rateColor);
    drawSeries(m_connections, maxConnections, connectionsColor);
}

} // namespace baton::ui

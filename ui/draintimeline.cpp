#include "draintimeline.h"

#include <QHelpEvent>
#include <QLocale>
#include <QPainter>
#include <QToolTip>

#include <algorithm>

namespace baton::ui {

namespace {

// 1, 2 or 5 times a power of ten, at least value: tick steps a reader can add up.
qint64 niceStep(qint64 value)
{
    qint64 magnitude = 1;
    while (magnitude * 10 <= value)
        magnitude *= 10;
    for (qint64 step : {1, 2, 5, 10}) {
        if (step * magnitude >= value)
            return step * magnitude;
    }
    return 10 * magnitude;
}

QString secondsLabel(qint64 ms)
{
    return QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'g', 4);
}

} // namespace

DrainTimeline::DrainTimeline(QWidget *parent) : QWidget(parent)
{
    setMinimumHeight(140);
    setAttribute(Qt::WA_OpaquePaintEvent);
}

QColor DrainTimeline::color(DrainOutcome outcome)
{
    switch (outcome) {
    case DrainOutcome::Finished:
        return {46, 139, 87};
    case DrainOutcome::Moved:
        return {33, 115, 196};
    case DrainOutcome::Cut:
        return {204, 51, 51};
    case DrainOutcome::Open:
        break;
    }
    return Qt::gray;
}

void DrainTimeline::setReport(const DrainRecorder &recorder)
{
    const qint64 start = recorder.startedAtMs();
    m_bars.clear();
    m_bars.reserve(qsizetype(recorder.records().size()));
    for (const DrainRecord &record : recorder.records()) {
        Bar bar;
        bar.id = record.id;
        bar.peer = record.peer;
        if (!record.method.isEmpty())
            bar.request =
                QString::fromLatin1(record.method) + u' ' + QString::fromLatin1(record.path);
        bar.outcome = record.outcome;
        bar.startMs = record.startedAtMs - start;
        bar.endMs = (record.endedAtMs != 0 ? record.endedAtMs : recorder.endedAtMs()) - start;
        m_bars.append(bar);
    }
    // By end, so the picture reads as the drain emptying, the last holders at the bottom.
    std::stable_sort(m_bars.begin(), m_bars.end(), [](const Bar &a, const Bar &b) {
        return a.endMs != b.endMs ? a.endMs < b.endMs : a.startMs < b.startMs;
    });
    for (int i = 0; i < drainOutcomeCount; ++i)
        m_counts[size_t(i)] = recorder.count(DrainOutcome(i));
    m_seen = recorder.connectionsSeen();
    m_deadlineMs = recorder.deadlineMs() - start;
    m_durationMs = qMax<qint64>(0, recorder.endedAtMs() - start);
    update();
}

void DrainTimeline::clear()
{
    m_bars.clear();
    m_counts = {};
    m_seen = m_deadlineMs = m_durationMs = 0;
    update();
}

int DrainTimeline::barAt(const QPoint &point) const
{
    if (m_rowHeight <= 0 || !m_plot.contains(point))
        return -1;
    const int row = int((point.y() - m_plot.top() - 1) / m_rowHeight);
    return row >= 0 && row < m_bars.size() ? row : -1;
}

bool DrainTimeline::event(QEvent *event)
{
    if (event->type() != QEvent::ToolTip)
        return QWidget::event(event);
    auto *help = static_cast<QHelpEvent *>(event);
    const int row = barAt(help->pos());
    if (row < 0) {
        QToolTip::hideText();
        event->ignore();
        return true;
    }
    const Bar &bar = m_bars[row];
    QToolTip::showText(
        help->globalPos(),
        tr("Connection %1 (%2)%3: %4 at %5")
            .arg(bar.id)
            .arg(bar.peer, bar.request.isEmpty() ? QString() : QStringLiteral(", ") + bar.request,
                 drainOutcomeName(bar.outcome), secondsLabel(bar.endMs)),
        this);
    return true;
}

void DrainTimeline::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette().base());
    const QFontMetrics metrics(font());
    const int line = metrics.height();

    // The legend, with exact counts even when only the first connections have bars.
    qreal x = 6;
    for (const DrainOutcome outcome :
         {DrainOutcome::Finished, DrainOutcome::Moved, DrainOutcome::Cut}) {
        const QRectF swatch(x, 4 + line / 2.0 - 5, 10, 10);
        painter.fillRect(swatch, color(outcome));
        const QString text =
            QStringLiteral("%1 %2").arg(drainOutcomeName(outcome)).arg(count(outcome));
        painter.setPen(palette().text().color());
        painter.drawText(QPointF(x + 14, 4 + metrics.ascent()), text);
        x += 14 + metrics.horizontalAdvance(text) + 16;
    }
    if (m_seen > m_bars.size())
        painter.drawText(
            QPointF(x, 4 + metrics.ascent()),
            tr("(bars for the first %1 of %2 connections)")
                .arg(QLocale().toString(qint64(m_bars.size())), QLocale().toString(m_seen)));

    const QRectF plot = QRectF(rect()).adjusted(6, line + 10, -6, -line - 6);
    m_plot = plot;
    m_rowHeight = 0;
    if (plot.width() < 20 || plot.height() < 10)
        return;
    painter.setPen(palette().mid().color());
    painter.drawRect(plot);
    if (m_seen == 0) {
        // Nothing open when the drain began, or the window first looked after it ended.
        painter.setPen(palette().text().color());
        painter.drawText(plot, Qt::AlignCenter, tr("No connection seen during the drain"));
        return;
    }

    qint64 span = m_durationMs;
    for (const Bar &bar : m_bars)
        span = qMax(span, bar.endMs);
    // The deadline is drawn when it is near; a 30 s deadline on a 0.2 s drain would squash it.
    const bool deadlineShown = m_deadlineMs >= 0 && m_deadlineMs * 2 <= qMax<qint64>(span, 1) * 3;
    if (deadlineShown)
        span = qMax(span, m_deadlineMs);
    span = qMax<qint64>(span, 1);
    const auto xAt = [&](qint64 ms) {
        return plot.left() + plot.width() * double(ms) / double(span);
    };

    // Time axis.
    const qint64 step = niceStep(qMax<qint64>(1, span / 5));
    painter.setPen(palette().text().color());
    for (qint64 t = 0; t <= span; t += step) {
        const qreal tx = xAt(t);
        painter.drawLine(QPointF(tx, plot.bottom()), QPointF(tx, plot.bottom() + 3));
        const QString label = secondsLabel(t);
        const qreal w = metrics.horizontalAdvance(label);
        painter.drawText(
            QPointF(qBound(0.0, tx - w / 2, width() - w), plot.bottom() + 3 + metrics.ascent()),
            label);
    }

    // One row per bar; with more bars than pixels rows share lines, which still shows the mass.
    const int n = int(m_bars.size());
    const double rowHeight = n > 0 ? (plot.height() - 2) / n : 0;
    m_rowHeight = rowHeight;
    const double barHeight = rowHeight >= 4 ? qMin(rowHeight - 1, 14.0) : qMax(1.0, rowHeight);
    for (int i = 0; i < n; ++i) {
        const Bar &bar = m_bars[i];
        const qreal left = xAt(bar.startMs);
        const qreal right = qMax(left + 1, xAt(bar.endMs));
        painter.fillRect(QRectF(left, plot.top() + 1 + rowHeight * i, right - left, barHeight),
                         color(bar.outcome));
    }

    painter.setRenderHint(QPainter::Antialiasing);
    const QColor deadlineColor(160, 20, 20);
    painter.setPen(deadlineColor);
    if (deadlineShown) {
        const qreal dx = xAt(m_deadlineMs);
        painter.setPen(QPen(deadlineColor, 2, Qt::DashLine));
        painter.drawLine(QPointF(dx, plot.top() - 4), QPointF(dx, plot.bottom()));
        const QString label = tr("deadline");
        const qreal w = metrics.horizontalAdvance(label);
        painter.drawText(QPointF(qMin(dx + 4, plot.right() - w), plot.top() - 4), label);
    } else if (m_deadlineMs > 0) {
        const QString label = tr("deadline at %1 →").arg(secondsLabel(m_deadlineMs));
        painter.drawText(QRectF(plot.left(), 4, plot.width(), line), Qt::AlignRight, label);
    }
}

} // namespace baton::ui

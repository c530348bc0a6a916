#pragma once

#include "drainrecorder.h"

#include <QColor>
#include <QList>
#include <QWidget>

#include <array>

namespace baton::ui {

// The report of a drain drawn with QPainter: one bar per connection from the drain's start (or
// when it showed up) to when it finished, moved or was cut, coloured by outcome, ordered by end;
// the deadline as a vertical line, and a time axis in seconds from the drain's start.
class DrainTimeline : public QWidget
{
    Q_OBJECT
public:
    // Times in ms from the drain's start.
    struct Bar
    {
        qint64 startMs = 0;
        qint64 endMs = 0;
        DrainOutcome outcome = DrainOutcome::Finished;
        quint64 id = 0;
        QString request; // "GET /path" of its last request, "" if none was seen
        QString peer;
    };

    explicit DrainTimeline(QWidget *parent = nullptr);

    // Takes a finished drain's records (a copy: the recorder moves on with the next drain).
    void setReport(const DrainRecorder &recorder);
    void clear();

    const QList<Bar> &bars() const { return m_bars; }
    qint64 count(DrainOutcome outcome) const { return m_counts[size_t(outcome)]; }
    qint64 deadlineMs() const { return m_deadlineMs; }
    qint64 durationMs() const { return m_durationMs; }
    static QColor color(DrainOutcome outcome);

    QSize sizeHint() const override { return {480, 180}; }

    // The bar drawn at a point of the widget, -1 for none (as last painted).
    int barAt(const QPoint &point) const;

protected:
    bool event(QEvent *event) override;
    void paintEvent(QPaintEvent *event) override;

private:
    QList<Bar> m_bars;
    std::array<qint64, drainOutcomeCount> m_counts{};
    qint64 m_seen = 0;
    qint64 m_deadlineMs = 0;
    qint64 m_durationMs = 0;
    QRectF m_plot; // as last painted, for tooltips
    double m_rowHeight = 0;
};

} // namespace baton::ui

#pragma once

#include <QList>
#include <QWidget>

namespace baton::ui {

// Open connections and requests per second over the last minutes, one sample a second, drawn
// with QPainter: each series scaled to its own maximum (left axis connections, right axis req/s).
class ActivityChart : public QWidget
{
    Q_OBJECT
public:
    static constexpr int capacity = 300; // five minutes

    explicit ActivityChart(QWidget *parent = nullptr);

    void addSample(qint64 connections, double requestsPerSecond);
    void clear();
    QSize sizeHint() const override { return {480, 140}; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QList<double> m_connections;
    QList<double> m_rates;
};

} // namespace baton::ui

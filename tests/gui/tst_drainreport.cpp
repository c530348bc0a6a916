// The drain's widgets fed as the window feeds them: the holders view while draining (rows in the
// right order), the timeline after it (its bars, and that they are painted).
#include "connectiontablemodel.h"
#include "connectiontesting.h"
#include "drainholdersmodel.h"
#include "drainholdersview.h"
#include "drainreport.h"
#include "draintimeline.h"
#include "lifecycle/exitcode.h"

#include <QAbstractItemModelTester>
#include <QImage>
#include <QTableView>
#include <QTest>

using namespace baton;
using namespace baton::testing;
using namespace baton::ui;
using State = LifecycleStatus::State;

namespace {

LifecycleStatus draining()
{
    LifecycleStatus status;
    status.state = State::Draining;
    status.drainStartedAtMs = 1000;
    status.drainDeadlineMs = 3000;
    return status;
}

QList<quint64> rowIds(const DrainHoldersModel *model)
{
    QList<quint64> ids;
    for (int row = 0; row < model->rowCount(); ++row)
        ids.append(model->index(row, 0).data(DrainHoldersModel::IdRole).toULongLong());
    return ids;
}

// Pixels of exactly this colour in a rectangle of the image.
int pixelsOf(const QImage &image, const QColor &color, const QRect &area)
{
    int count = 0;
    for (int y = area.top(); y <= area.bottom(); ++y) {
        for (int x = area.left(); x <= area.right(); ++x) {
            if (image.pixelColor(x, y).rgb() == color.rgb())
                ++count;
        }
    }
    return count;
}

} // namespace

class tst_DrainReport : public QObject
{
    Q_OBJECT

private slots:
    void holdersListedLongestInFlightFirst()
    {
        DrainReport report;
        DrainHoldersModel *model = report.holdersView()->model();
        QAbstractItemModelTester tester(model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        LifecycleStatus status = draining();
        status.connectionHandover = true;
        status.connectionsMoved = 2;
        report.update(status,
                      snapshot({connection(5), busy(2, 900, "/b"), busy(3, 400, "/a"),
                                connection(4, ConnectionState::Moving), busy(1, 950, "/c")},
                               1500),
                      1500);
        QVERIFY(!report.isHidden());
        QVERIFY(!report.holdersView()->isHidden());
        QVERIFY(report.timeline()->isHidden());
        QCOMPARE(rowIds(model), (QList<quint64>{3, 2, 1, 5}));
        QCOMPARE(model->index(0, DrainHoldersModel::RequestColumn).data().toString(),
                 QStringLiteral("GET /a"));
        QCOMPARE(model->index(0, DrainHoldersModel::InFlightColumn).data().toString(),
                 QStringLiteral("1.1 s"));
        QCOMPARE(model->index(0, DrainHoldersModel::DeadlineColumn).data().toString(),
                 QStringLiteral("cut in 1.5 s if still open"));
        QCOMPARE(model->index(3, DrainHoldersModel::RequestColumn).data().toString(),
                 QStringLiteral("(no request)"));
        QVERIFY2(report.holdersView()->summary().contains(
                     QStringLiteral("Moved to the new generation: 2 (1 on their way)")),
                 qPrintable(report.holdersView()->summary()));

        // Fewer rows, then more: the model follows.
        report.update(status, snapshot({busy(2, 900), busy(1, 950)}, 1600), 1600);
        QCOMPARE(rowIds(model), (QList<quint64>{2, 1}));
        report.update(status, snapshot({busy(2, 900), busy(1, 950), busy(6, 1550)}, 1700), 1700);
        QCOMPARE(rowIds(model), (QList<quint64>{2, 1, 6}));
    }

    // After a restart the previous generation reports its longest holders with its counts; the
    // view lists them in its order, cut at its deadline, and empties when it is done.
    void predecessorsHoldersListed()
    {
        DrainReport report;
        QAbstractItemModelTester tester(report.holdersView()->model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        LifecycleStatus status;
        status.state = State::Serving;
        status.generation = 2;
        status.predecessor.pid = 4242;
        status.predecessor.generation = 1;
        status.predecessor.draining = true;
        status.predecessor.connections = 7;
        status.predecessor.busy = 3;
        status.predecessor.moved = 4;
        status.predecessor.msLeft = 2500;
        status.predecessor.holders = {busy(9, 400, "/report"), busy(3, 700, "/upload")};
        report.update(status, snapshot({busy(1, 900)}, 1000), 1000);
        QVERIFY(!report.holdersView()->isHidden());
        QVERIFY(!report.holdersView()->table()->isHidden());
        const DrainHoldersModel *model = report.holdersView()->model();
        QCOMPARE(rowIds(model), (QList<quint64>{9, 3}));
        QCOMPARE(model->index(0, DrainHoldersModel::RequestColumn).data().toString(),
                 QStringLiteral("GET /report"));
        QCOMPARE(model->index(0, DrainHoldersModel::InFlightColumn).data().toString(),
                 formatDuration(600));
        QCOMPARE(model->index(1, DrainHoldersModel::DeadlineColumn).data().toString(),
                 QStringLiteral("cut in %1 if still open").arg(formatDuration(2500)));
        const QString summary = report.holdersView()->summary();
        QVERIFY2(summary.contains(QStringLiteral("generation 1, pid 4242")), qPrintable(summary));
        QVERIFY2(summary.contains(QStringLiteral("7 connections still open (3 busy)")),
                 qPrintable(summary));
        QVERIFY2(summary.contains(QStringLiteral("the first 2 listed")), qPrintable(summary));
        QVERIFY2(summary.contains(QStringLiteral("Moved to this generation: 4")),
                 qPrintable(summary));

        status.predecessor.draining = false;
        status.predecessor.holders.clear();
        status.predecessor.exitCode = 0;
        report.update(status, snapshot({busy(1, 900)}, 1100), 1100);
        QCOMPARE(model->rowCount(), 0);
        QVERIFY(report.holdersView()->isHidden());
    }

    void timelineAfterTheDrain()
    {
        DrainReport report;
        LifecycleStatus status = draining();
        report.update(
            status,
            snapshot({busy(1, 900), busy(2, 950), connection(3, ConnectionState::Moving)}, 1000),
            1000);
        report.update(status, snapshot({busy(1, 900), busy(2, 950)}, 1500),
                      1500); // 3 was last seen Moving: moved
        report.update(status, snapshot({busy(1, 900)}, 2000), 2000);
        status.connectionsCut = 1;
        report.update(status, snapshot({busy(1, 900)}, 3050), 3050);
        QVERIFY(report.timeline()->isHidden());
        status.state = State::Stopped;
        status.exitCode = ExitDrainTimeout;
        status.drainEndedAtMs = 3100;
        report.update(status, snapshot({}, 3150), 3150);
        QVERIFY(!report.timeline()->isHidden());
        QVERIFY(report.holdersView()->isHidden());

        DrainTimeline *timeline = report.timeline();
        QCOMPARE(timeline->bars().size(), 3);
        // By end: the moved one, the finished one, the cut one.
        QCOMPARE(timeline->bars()[0].outcome, DrainOutcome::Moved);
        QCOMPARE(timeline->bars()[0].endMs, 500);
        QCOMPARE(timeline->bars()[1].outcome, DrainOutcome::Finished);
        QCOMPARE(timeline->bars()[1].endMs, 1000);
        QCOMPARE(timeline->bars()[2].outcome, DrainOutcome::Cut);
        QCOMPARE(timeline->bars()[2].endMs, 2000);
        QCOMPARE(timeline->deadlineMs(), 2000);
        QCOMPARE(timeline->durationMs(), 2100);

        timeline->resize(480, 180);
        const QImage image = timeline->grab().toImage();
        QVERIFY(!image.isNull());
        // Each bar gets a third of the plot, top to bottom: each band shows its colour.
        const int bandTop = 30;
        const int band = (image.height() - bandTop - 30) / 3;
        for (int i = 0; i < 3; ++i) {
            const QRect area(0, bandTop + band * i, image.width(), band);
            QVERIFY2(pixelsOf(image, DrainTimeline::color(timeline->bars()[i].outcome), area) > 50,
                     qPrintable(QStringLiteral("bar %1 not painted").arg(i)));
        }
        // Hovering a bar names its connection and request.
        const int middle = bandTop + band + band / 2;
        const int hovered = timeline->barAt(QPoint(20, middle));
        QCOMPARE(hovered, 1);
        QCOMPARE(timeline->bars()[hovered].request, QStringLiteral("GET /sleep"));
        QCOMPARE(timeline->barAt(QPoint(20, 2)), -1); // the legend

        // The start of a drain that is over is the next drain's business: Start hides it.
        status = LifecycleStatus();
        status.state = State::Serving;
        report.update(status, snapshot({}, 4000), 4000);
        QVERIFY(report.isHidden());
    }
};

QTEST_MAIN(tst_DrainReport)
#include "tst_drainreport.moc"

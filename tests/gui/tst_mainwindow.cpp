// The window against a real in-process server: the controller lives in its own thread, exactly
// as in the application, and clients are real sockets.
#include "connectiontablemodel.h"
#include "core/serverlink.h"
#include "demoroutes.h"
#include "dialogtesting.h"
#include "drainpanel.h"
#include "lifecycle/adminroutes.h"
#include "lifecycle/lifecyclecontroller.h"
#include "mainwindow.h"
#include "net/listensocket.h"
#include "statusheader.h"
#include <baton/router.h>

#include <QApplication>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTcpSocket>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <csignal>
#include <memory>

using namespace baton;
using baton::testing::answerNextDialog;
using baton::ui::MainWindow;

class tst_MainWindow : public QObject
{
    Q_OBJECT

private:
    QThread m_thread;
    LifecycleController *m_controller = nullptr;
    std::unique_ptr<MainWindow> m_window;
    quint16 m_port = 0;

    void startServer(std::chrono::milliseconds drainTimeout = std::chrono::seconds(30))
    {
        auto socket = std::make_unique<ListenSocket>();
        QString error;
        QVERIFY2(socket->bind({QStringLiteral("127.0.0.1"), 0}, &error), qPrintable(error));
        m_port = quint16(socket->localAddress().section(u':', -1).toUInt());
        auto link = std::make_shared<ServerLink>();
        auto router = std::make_shared<Router>();
        addDemoRoutes(*router, {QByteArrayLiteral("hello"), true});
        addAdminRoutes(*router, link);
        LifecycleSettings settings;
        settings.threads = 2;
        settings.drainTimeout = drainTimeout;
        settings.limits.drainIdleGrace = std::chrono::milliseconds(0);
        // A restart starts the real binary, headless, which adopts the socket we hand it.
        settings.executable = QStringLiteral(BATON_BINARY);
        settings.arguments = {QStringLiteral("--headless")};
        std::vector<std::unique_ptr<ListenSocket>> sockets;
        sockets.push_back(std::move(socket));
        m_controller = new LifecycleController(settings, router, link, std::move(sockets));
        m_controller->moveToThread(&m_thread);
        // The window follows the controller's stop by itself.
        m_window = std::make_unique<MainWindow>(m_controller);
        m_window->show();
        QMetaObject::invokeMethod(m_controller, &LifecycleController::start, Qt::QueuedConnection);
        QTRY_COMPARE(m_controller->status().state, LifecycleStatus::State::Serving);
        QTRY_COMPARE(m_window->statusHeader()->stateText(), QStringLiteral("Serving"));
    }

    // Commands reach the controller as queued calls, in order: once a call queued now has run,
    // anything the window asked for before it has been carried out too.
    void waitForControllerQueue()
    {
        auto reached = std::make_shared<std::atomic<bool>>(false);
        QMetaObject::invokeMethod(
            m_controller, [reached] { reached->store(true); }, Qt::QueuedConnection);
        QTRY_VERIFY(reached->load());
        QCoreApplication::processEvents(); // and the state it reported back is applied
    }

    std::unique_ptr<QTcpSocket> connectClient(const QByteArray &request = {})
    {
        auto socket = std::make_unique<QTcpSocket>();
        socket->connectToHost(QStringLiteral("127.0.0.1"), m_port);
        if (!socket->waitForConnected(5000))
            return nullptr;
        if (!request.isEmpty())
            socket->write(request);
        return socket;
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // QSettings stay out of the user's config
        m_thread.start();
    }
    void cleanup()
    {
        m_window.reset();
        if (m_controller) {
            QPointer<LifecycleController> controller = m_controller;
            m_controller->deleteLater();
            QTRY_VERIFY(controller.isNull());
            m_controller = nullptr;
        }
    }
    void cleanupTestCase()
    {
        m_thread.quit();
        m_thread.wait();
    }

    void rowsFollowConnections()
    {
        startServer();
        auto idle = connectClient("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        auto busy = connectClient("GET /sleep?ms=600000 HTTP/1.1\r\nHost: x\r\n\r\n");
        auto fresh = connectClient();
        QVERIFY(idle && busy && fresh);
        QTRY_COMPARE(m_window->connectionModel()->rowCount(), 3);
        auto *model = m_window->connectionModel();
        QTRY_VERIFY([&] {
            for (int row = 0; row < model->rowCount(); ++row) {
                if (model->data(model->index(row, ui::ConnectionTableModel::RequestColumn))
                        .toString() == QStringLiteral("GET /sleep"))
                    return model->data(model->index(row, ui::ConnectionTableModel::StateColumn))
                               .toString() == QStringLiteral("busy");
            }
            return false;
        }());
        idle->abort();
        fresh->abort();
        QTRY_COMPARE(m_window->connectionModel()->rowCount(), 1);
        // A client that leaves while its request is busy is noticed at once, not when the
        // handler would have answered (ten minutes from now).
        busy->abort();
        QTRY_COMPARE(m_window->connectionModel()->rowCount(), 0);
    }

    void shutdownShowsDrainThenReportAndStartServesAgain()
    {
        startServer();
        QSignalSpy quit(m_window.get(), &MainWindow::quitRequested);
        auto slow = connectClient("GET /sleep?ms=1500 HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(slow);
        QTRY_COMPARE(m_controller->snapshot().connectionsByState[size_t(ConnectionState::Busy)], 1);
        QVERIFY(m_window->shutdownButton()->isEnabled());
        QTest::mouseClick(m_window->shutdownButton(), Qt::LeftButton);

        QTRY_COMPARE(m_window->statusHeader()->stateText(), QStringLiteral("Draining"));
        QTRY_VERIFY(m_window->drainPanel()->isVisible());
        QCOMPARE(m_window->drainPanel()->progressBar()->text(),
                 QStringLiteral("1 of 1 connections left"));
        const auto secondsLeft = [this] {
            const QString text = m_window->drainPanel()->countdownText();
            return text.section(u' ', 2, 2).toDouble(); // "deadline in 29.8 s"
        };
        const double first = secondsLeft();
        QVERIFY2(first > 25 && first <= 30, qPrintable(m_window->drainPanel()->countdownText()));
        QTRY_VERIFY(secondsLeft() < first); // it counts down live
        QVERIFY(!m_window->restartButton()->isEnabled());
        QVERIFY(!m_window->shutdownButton()->isEnabled());

        QTRY_COMPARE_WITH_TIMEOUT(m_window->statusHeader()->stateText(), QStringLiteral("Stopped"),
                                  30000);
        QTRY_VERIFY(m_window->reportLabel()->isVisible());
        QVERIFY2(m_window->reportLabel()->text().contains(QStringLiteral("1 requests completed")),
                 qPrintable(m_window->reportLabel()->text()));
        QVERIFY(m_window->reportLabel()->text().contains(QStringLiteral("0 connections cut")));
        QVERIFY(m_window->startButton()->isVisible());
        QVERIFY(m_window->quitButton()->isVisible());
        QVERIFY(!m_window->forceKillButton()->isEnabled());
        QCOMPARE(quit.size(), 0); // a stop asked for in the window leaves the window up

        QTest::mouseClick(m_window->startButton(), Qt::LeftButton);
        QTRY_COMPARE(m_window->statusHeader()->stateText(), QStringLiteral("Serving"));
        auto again = connectClient("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(again);
        QVERIFY(again->waitForReadyRead(5000));
        QVERIFY(again->readAll().startsWith("HTTP/1.1 200 OK"));
    }

    void forceKillNeedsConfirmation()
    {
        startServer();
        auto slow = connectClient("GET /sleep?ms=20000 HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(slow);
        QTRY_COMPARE(m_controller->snapshot().connectionsByState[size_t(ConnectionState::Busy)], 1);

        answerNextDialog(QStringLiteral("Cancel"));
        m_window->forceKillButton()->click();
        waitForControllerQueue();
        QCOMPARE(m_controller->status().state, LifecycleStatus::State::Serving);
        QCOMPARE(slow->state(), QAbstractSocket::ConnectedState);

        answerNextDialog(QStringLiteral("Force kill"));
        m_window->forceKillButton()->click();
        QTRY_COMPARE(m_window->statusHeader()->stateText(), QStringLiteral("Stopped"));
        QCOMPARE(m_controller->status().exitCode, int(ExitForced));
        QTRY_COMPARE(slow->state(), QAbstractSocket::UnconnectedState);
        QVERIFY(m_window->reportLabel()->text().contains(QStringLiteral("forced")));
    }

    void closingWhileServingAsks()
    {
        startServer();
        QSignalSpy quit(m_window.get(), &MainWindow::quitRequested);
        answerNextDialog(QStringLiteral("Cancel"));
        m_window->close();
        waitForControllerQueue();
        QCOMPARE(m_controller->status().state, LifecycleStatus::State::Serving);
        QVERIFY(m_window->isVisible());
        QCOMPARE(quit.size(), 0);

        answerNextDialog(QStringLiteral("Shut down gracefully"));
        m_window->close();
        QVERIFY(m_window->isVisible()); // stays to show the drain
        QTRY_COMPARE(m_controller->status().state, LifecycleStatus::State::Stopped);
        QTRY_COMPARE(quit.size(), 1); // then the process may end
        QCOMPARE(quit.constFirst().constFirst().toInt(), 0);
    }

    // A new window (a new generation) opens with the size and column widths the last one had.
    void geometryAndColumnWidthsPersist()
    {
        startServer();
        m_window->resize(900, 640);
        m_window->connectionTable()->setColumnWidth(ui::ConnectionTableModel::PeerColumn, 333);
        // The window saves half a second after the last change; wait for exactly that.
        QTRY_VERIFY(QSettings().value(QStringLiteral("window/geometry")).toByteArray() ==
                    m_window->saveGeometry());
        MainWindow second(m_controller);
        QCOMPARE(second.size(), QSize(900, 640));
        QCOMPARE(second.connectionTable()->columnWidth(ui::ConnectionTableModel::PeerColumn), 333);
    }

    void restartHandsOverToANewProcess()
    {
        startServer();
        QSignalSpy quit(m_window.get(), &MainWindow::quitRequested);
        QTest::mouseClick(m_window->restartButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(
            m_controller->status().successorPid > 0 || m_controller->status().handedOver, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(m_controller->status().handedOver, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_controller->status().state, LifecycleStatus::State::Stopped,
                                  10000);
        // A handed-over process ends, whatever window it had.
        QTRY_COMPARE(quit.size(), 1);

        auto client = connectClient("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        QVERIFY2(client, "nobody serves the port after the handover");
        QTRY_VERIFY(client->bytesAvailable() > 0 || client->waitForReadyRead(100));
        const QByteArray answer = client->readAll();
        QVERIFY2(answer.contains("X-Baton-Generation: 2"), answer.constData());
        const qsizetype at = answer.indexOf("X-Baton-Pid: ");
        const qint64 successor =
            answer.mid(at + 13, answer.indexOf('\r', at) - at - 13).toLongLong();
        QVERIFY(successor > 0);
        ::kill(pid_t(successor), SIGTERM);
    }
};

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"

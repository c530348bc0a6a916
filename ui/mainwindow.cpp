#include "mainwindow.h"

#include "activitychart.h"
#include "connectionspane.h"
#include "connectiontablemodel.h"
#include "drainpanel.h"
#include "drainreport.h"
#include "localsource.h"
#include "net/monotonicclock.h"
#include "statusheader.h"

#include <QApplication>
#include <QCloseEvent>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QLabel>
#include <QLoggingCategory>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <ctime>

Q_LOGGING_CATEGORY(lcUi, "baton.ui", QtInfoMsg)

namespace baton::ui {

namespace {

constexpr int refreshIntervalMs = 100;
constexpr std::chrono::seconds drainExtension{30};

// resources/icons/ compiled in (ui/CMakeLists.txt), every size, so each place picks its own.
QIcon batonIcon()
{
    QIcon icon;
    for (const int size : {16, 32, 48, 64, 128, 256})
        icon.addFile(QStringLiteral(":/icons/baton-%1.png").arg(size), QSize(size, size));
    return icon;
}

// Wall-clock times include the time the thread waited for a CPU (2 cores, I/O threads and
// clients busy): this is the time the refresh itself ran.
qint64 threadCpuMs()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return qint64(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
}

} // namespace

MainWindow::MainWindow(LifecycleController *controller, QWidget *parent)
    : MainWindow(new LocalSource(controller), parent)
{
    m_source->setParent(this);
}

MainWindow::MainWindow(PanelSource *source, QWidget *parent) : QMainWindow(parent), m_source(source)
{
    // The application's icon, so the message boxes get it too.
    QApplication::setWindowIcon(batonIcon());
    buildUi();
    restoreSettings();

    connect(m_source, &PanelSource::lineLogged, m_log, &QPlainTextEdit::appendPlainText);
    connect(m_source, &PanelSource::stateChanged, this, &MainWindow::refresh);
    connect(m_source, &PanelSource::stopped, this, &MainWindow::handleStopped);

    m_refreshTimer = new QTimer(this);
    m_refreshTimer->setInterval(refreshIntervalMs);
    connect(m_refreshTimer, &QTimer::timeout, this, &MainWindow::refresh);
    m_refreshTimer->start();
    // For bench/gui-responsiveness.sh: report the longest gap between refresh ticks (a stall of
    // the GUI thread) every few seconds.
    if (qEnvironmentVariableIsSet("BATON_UI_STATS")) {
        auto *stats = new QTimer(this);
        stats->setInterval(5000);
        connect(stats, &QTimer::timeout, this, [this] {
            qCInfo(lcUi,
                   "ui: longest gap between %d ms refresh ticks so far: %lld ms "
                   "(%d connections in the table); longest refresh %lld ms (taking the "
                   "snapshot %lld ms, the table %lld ms; most CPU time in one refresh %lld ms)",
                   refreshIntervalMs, m_longestTickGapMs, m_connections->store()->size(),
                   m_longestRefresh.total, m_longestRefresh.snapshot, m_longestRefresh.table,
                   m_longestRefresh.cpu);
        });
        stats->start();
    }
    m_saveTimer = new QTimer(this);
    m_saveTimer->setSingleShot(true);
    m_saveTimer->setInterval(500);
    connect(m_saveTimer, &QTimer::timeout, this, &MainWindow::saveSettings);
    connect(connectionTable()->horizontalHeader(), &QHeaderView::sectionResized, m_saveTimer,
            qOverload<>(&QTimer::start));
    refresh();
}

MainWindow::~MainWindow() = default;

ConnectionTableModel *MainWindow::connectionModel() const
{
    return m_connections->model();
}

QTableView *MainWindow::connectionTable() const
{
    return m_connections->table();
}

void MainWindow::buildUi()
{
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);

    m_header = new StatusHeader(central);
    layout->addWidget(m_header);

    auto *buttons = new QHBoxLayout;
    m_shutdown = new QPushButton(tr("Shutdown"), central);
    m_shutdown->setObjectName(QStringLiteral("shutdownButton"));
    m_shutdown->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Q));
    m_shutdown->setToolTip(tr("Graceful shutdown, as SIGINT: stop accepting, finish in-flight "
                              "requests with Connection: close, close idle connections "
                              "(Ctrl+Shift+Q)"));
    m_restart = new QPushButton(tr("Restart"), central);
    m_restart->setObjectName(QStringLiteral("restartButton"));
    m_restart->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_restart->setToolTip(tr("Zero-downtime restart, as SIGHUP: start the binary on disk again, "
                             "hand it the listening socket, then drain this process (Ctrl+R)"));
    m_forceKill = new QPushButton(tr("Force kill"), central);
    m_forceKill->setObjectName(QStringLiteral("forceKillButton"));
    m_forceKill->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    m_forceKill->setToolTip(tr("Abort every connection now, as SIGUSR2; asks first (Ctrl+K)"));
    m_start = new QPushButton(tr("Start"), central);
    m_start->setObjectName(QStringLiteral("startButton"));
    m_start->setToolTip(tr("Listen on the same address again and serve"));
    m_quit = new QPushButton(tr("Quit"), central);
    m_quit->setObjectName(QStringLiteral("quitButton"));
    m_quit->setToolTip(tr("Close Baton"));
    for (QPushButton *button : {m_shutdown, m_restart, m_forceKill, m_start, m_quit}) {
        button->setAutoDefault(false);
        buttons->addWidget(button);
    }
    buttons->addStretch(1);
    layout->addLayout(buttons);

    m_note = new QLabel(central);
    m_note->setObjectName(QStringLiteral("connectionNote"));
    m_note->setWordWrap(true);
    m_note->setFrameShape(QFrame::StyledPanel);
    m_note->setMargin(8);
    m_note->setVisible(false);
    layout->addWidget(m_note);

    m_drain = new DrainPanel(central);
    m_drain->setVisible(false);
    layout->addWidget(m_drain);
    m_report = new QLabel(central);
    m_report->setObjectName(QStringLiteral("stopReport"));
    m_report->setWordWrap(true);
    m_report->setFrameShape(QFrame::StyledPanel);
    m_report->setMargin(8);
    m_report->setVisible(false);
    layout->addWidget(m_report);
    m_drainReport = new DrainReport(central);
    layout->addWidget(m_drainReport);

    auto *splitter = new QSplitter(Qt::Vertical, central);
    m_connections = new ConnectionsPane(splitter);
    m_connections->store()->setDisposer(
        [source = QPointer<PanelSource>(m_source)](QList<ConnectionInfo> &&list) {
            if (source)
                source->dispose(std::move(list));
        });

    auto *bottom = new QSplitter(Qt::Horizontal, splitter);
    m_chart = new ActivityChart(bottom);
    m_log = new QPlainTextEdit(bottom);
    m_log->setObjectName(QStringLiteral("logPane"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(2000);
    m_log->setPlaceholderText(tr("Lifecycle events appear here"));
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    layout->addWidget(splitter, 1);
    setCentralWidget(central);

    connect(m_shutdown, &QPushButton::clicked, this, &MainWindow::requestShutdown);
    connect(m_restart, &QPushButton::clicked, this, &MainWindow::requestRestart);
    connect(m_forceKill, &QPushButton::clicked, this, &MainWindow::requestForceKill);
    connect(m_start, &QPushButton::clicked, this, [this] {
        m_chart->clear();
        m_source->startAgain();
    });
    connect(m_quit, &QPushButton::clicked, this, [this] { emit quitRequested(lastExitCode()); });
    connect(m_drain, &DrainPanel::extendRequested, this,
            [this] { m_source->extendDrain(drainExtension); });
    connect(m_drain, &DrainPanel::forceRequested, this, [this] { m_source->forceDrainNow(); });
    resize(1040, 700);
}

void MainWindow::requestShutdown()
{
    m_source->shutdown();
}

void MainWindow::requestRestart()
{
    saveSettings(); // the new generation opens its window where this one is
    m_source->restart();
}

void MainWindow::requestForceKill()
{
    QMessageBox box(QMessageBox::Warning, tr("Force kill"), tr("Abort every connection now?"),
                    QMessageBox::NoButton, this);
    box.setObjectName(QStringLiteral("forceKillConfirmation"));
    box.setInformativeText(tr("In-flight requests are cut without an answer. Use Shutdown to let "
                              "them finish."));
    QPushButton *kill = box.addButton(tr("&Force kill"), QMessageBox::DestructiveRole);
    QPushButton *cancel = box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(cancel);
    box.setEscapeButton(cancel);
    box.exec();
    if (box.clickedButton() == kill)
        m_source->forceKill();
}

void MainWindow::refresh()
{
    const qint64 now = monotonicMs();
    if (m_lastTickMs > 0)
        m_longestTickGapMs = qMax(m_longestTickGapMs, now - m_lastTickMs);
    m_lastTickMs = now;

    // What a tick itself costs, apart from whatever else holds the GUI thread (for the stats).
    QElapsedTimer took;
    took.start();
    const qint64 cpuStartMs = threadCpuMs();
    // The latest pair, not a fresh join: for the instance in this process that is taken in a
    // thread of its own (LocalSource), as joining 100,000 rows here would stall the window.
    const PanelView view = m_source->latest();
    const LifecycleStatus &status = view.status;
    const ServerSnapshot &snapshot = view.snapshot;
    const qint64 snapshotMs = took.elapsed();
    if (m_rateSampleMs == 0) {
        m_rateSampleMs = now;
        m_rateSampleRequests = snapshot.requestsTotal;
    } else if (now - m_rateSampleMs >= 1000) {
        const quint64 done = snapshot.requestsTotal >= m_rateSampleRequests
                                 ? snapshot.requestsTotal - m_rateSampleRequests
                                 : 0;
        m_requestsPerSecond = double(done) * 1000.0 / double(now - m_rateSampleMs);
        m_rateSampleMs = now;
        m_rateSampleRequests = snapshot.requestsTotal;
        if (status.state != LifecycleStatus::State::Stopped)
            m_chart->addSample(snapshot.openConnections(), m_requestsPerSecond);
    }

    const qint64 tableStartMs = took.elapsed();
    m_connections->setSnapshot(snapshot);
    const qint64 tableMs = took.elapsed() - tableStartMs;
    m_header->setStatus(status, snapshot, m_requestsPerSecond, now - m_source->startedAtMs(),
                        m_source->pid());
    m_drain->update(status, snapshot.openConnections(), now);
    const QString note = m_source->connectionNote();
    m_note->setText(note);
    m_note->setVisible(!note.isEmpty());
    updateButtons(status.state, note.isEmpty());
    m_drainReport->update(status, snapshot, now);
    updateReport(status);
    setWindowTitle(tr("Baton — %1 — generation %2 — %3")
                       .arg(m_source->isLocal() ? status.listenAddress
                                                : tr("attached to %1").arg(m_source->name()))
                       .arg(status.generation)
                       .arg(lifecycleStateName(status.state)));
    // After a handover the new generation's window shows this one draining; one window is
    // enough, so this one steps aside while the process finishes. An attached panel follows
    // the socket to the new generation instead.
    if (m_source->isLocal() && status.handedOver && isVisible())
        hide();
    m_longestRefresh.total = qMax(m_longestRefresh.total, took.elapsed());
    m_longestRefresh.cpu = qMax(m_longestRefresh.cpu, threadCpuMs() - cpuStartMs);
    m_longestRefresh.snapshot = qMax(m_longestRefresh.snapshot, snapshotMs);
    m_longestRefresh.table = qMax(m_longestRefresh.table, tableMs);
}

void MainWindow::updateButtons(LifecycleStatus::State state, bool reachable)
{
    using State = LifecycleStatus::State;
    m_shutdown->setEnabled(reachable && (state == State::Serving || state == State::Restarting));
    m_restart->setEnabled(reachable && state == State::Serving);
    m_forceKill->setEnabled(reachable && state != State::Stopped && state != State::Starting);
    // A stopped instance in this process can serve again; an attached one can only when it is
    // still there (a windowed instance stays after a stop, a headless one exits).
    m_start->setVisible(reachable && state == State::Stopped);
    m_quit->setVisible(m_source->isLocal() && state == State::Stopped);
}

void MainWindow::updateReport(const LifecycleStatus &status)
{
    if (status.state != LifecycleStatus::State::Stopped || status.drainEndedAtMs == 0) {
        m_report->setVisible(false);
        return;
    }
    const qint64 took = status.drainEndedAtMs - status.drainStartedAtMs;
    QString outcome;
    switch (status.exitCode) {
    case ExitOk:
        outcome = tr("drained cleanly");
        break;
    case ExitDrainTimeout:
        outcome = tr("the drain deadline passed");
        break;
    case ExitForced:
        outcome = tr("forced");
        break;
    default:
        outcome = tr("ended with status %1").arg(status.exitCode);
        break;
    }
    m_report->setText(tr("<b>Stopped</b> — %1. %2 requests completed during the drain, %3 "
                         "connections cut, took %4. Start serves again on %5.")
                          .arg(outcome)
                          .arg(status.requestsDuringDrain)
                          .arg(status.connectionsCut)
                          .arg(formatDuration(took))
                          .arg(status.listenAddress));
    m_report->setVisible(true);
}

void MainWindow::handleStopped(int exitCode)
{
    const LifecycleStatus status = m_source->status();
    refresh();
    // An attached panel stays with the report, whatever stopped the instance.
    if (!m_source->isLocal())
        return;
    // Stops this window asked for leave it up with the report; anything else (a signal from
    // outside, a handover, closing the window) ends the process as in headless mode.
    if (m_quitWhenStopped || status.stoppedBySignal || status.handedOver)
        emit quitRequested(exitCode);
}

int MainWindow::lastExitCode() const
{
    return qMax(0, m_source->status().exitCode);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    // Closing an attached panel concerns the panel only: the instance serves on.
    if (!m_source->isLocal() || m_source->status().state == LifecycleStatus::State::Stopped) {
        event->accept();
        emit quitRequested(lastExitCode());
        return;
    }
    QMessageBox box(QMessageBox::Question, tr("Close Baton"),
                    tr("Baton is still running. Stop it?"), QMessageBox::NoButton, this);
    QPushButton *graceful = box.addButton(tr("Shut down gracefully"), QMessageBox::AcceptRole);
    QPushButton *force = box.addButton(tr("Force"), QMessageBox::DestructiveRole);
    QPushButton *cancel = box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(graceful);
    box.setEscapeButton(cancel);
    box.exec();
    event->ignore(); // the window stays to show the drain; the process ends once stopped
    if (box.clickedButton() == graceful) {
        m_quitWhenStopped = true;
        requestShutdown();
    } else if (box.clickedButton() == force) {
        m_quitWhenStopped = true;
        m_source->forceKill();
    }
}

void MainWindow::moveEvent(QMoveEvent *event)
{
    QMainWindow::moveEvent(event);
    if (m_saveTimer)
        m_saveTimer->start();
}

void MainWindow::resizeEvent(QResizeEvent *event)
{
    QMainWindow::resizeEvent(event);
    if (m_saveTimer)
        m_saveTimer->start();
}

void MainWindow::saveSettings()
{
    QSettings settings;
    if (isWindow()) // not as a tab of the attach window
        settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    m_connections->saveSettings();
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    if (isWindow())
        restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    // The connections pane restores its own (column widths, sort, view, filter).
}

} // namespace baton::ui

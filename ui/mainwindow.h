#pragma once

#include "lifecycle/lifecyclecontroller.h"

#include <QMainWindow>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableView;
class QTimer;

namespace baton::ui {

class ActivityChart;
class ConnectionTableModel;
class ConnectionsPane;
class DrainPanel;
class DrainReport;
class StatusHeader;

// Baton's control panel. It never touches sockets: it reads the controller's thread-safe status
// and snapshot on a 10 Hz timer, and sends commands to the controller (in its own thread) as
// queued calls, the same three operations the Unix signals use.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(LifecycleController *controller, QWidget *parent = nullptr);
    ~MainWindow() override;

    // The buttons, for tests and the keyboard.
    QPushButton *shutdownButton() const { return m_shutdown; }
    QPushButton *restartButton() const { return m_restart; }
    QPushButton *forceKillButton() const { return m_forceKill; }
    QPushButton *startButton() const { return m_start; }
    QPushButton *quitButton() const { return m_quit; }
    ConnectionTableModel *connectionModel() const;
    QTableView *connectionTable() const;
    ConnectionsPane *connectionsPane() const { return m_connections; }
    StatusHeader *statusHeader() const { return m_header; }
    DrainPanel *drainPanel() const { return m_drain; }
    QLabel *reportLabel() const { return m_report; }
    DrainReport *drainReport() const { return m_drainReport; }
    // Longest time between two refresh ticks so far: a GUI stall shows up here.
    qint64 longestTickGapMs() const { return m_longestTickGapMs; }

public slots:
    void refresh();
    void requestShutdown();
    void requestRestart();
    // Asks for confirmation first (Cancel is the default button).
    void requestForceKill();
    // The controller stopped: stay and show the report, or end the process.
    void handleStopped(int exitCode);

signals:
    void quitRequested(int exitCode);

protected:
    void closeEvent(QCloseEvent *event) override;
    void moveEvent(QMoveEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void buildUi();
    void updateButtons(LifecycleStatus::State state);
    void updateReport(const LifecycleStatus &status);
    int lastExitCode() const;
    void saveSettings();
    void restoreSettings();
    template<typename Slot> void command(Slot slot);

    LifecycleController *m_controller;
    StatusHeader *m_header = nullptr;
    DrainPanel *m_drain = nullptr;
    QLabel *m_report = nullptr;
    DrainReport *m_drainReport = nullptr; // what holds a drain, then its timeline
    QPushButton *m_shutdown = nullptr;
    QPushButton *m_restart = nullptr;
    QPushButton *m_forceKill = nullptr;
    QPushButton *m_start = nullptr;
    QPushButton *m_quit = nullptr;
    ConnectionsPane *m_connections = nullptr;
    ActivityChart *m_chart = nullptr;
    QPlainTextEdit *m_log = nullptr;
    QTimer *m_refreshTimer = nullptr;
    QTimer *m_saveTimer = nullptr;
    qint64 m_startedAtMs = 0;
    qint64 m_lastTickMs = 0;
    qint64 m_longestTickGapMs = 0;
    struct
    {
        qint64 total = 0;
        qint64 snapshot = 0; // m_controller->snapshot(): the server's lists joined
        qint64 table = 0;    // the connections pane taking it in
        qint64 cpu = 0;      // CPU time of the whole refresh, without waits for a CPU
    } m_longestRefresh;
    qint64 m_rateSampleMs = 0;
    quint64 m_rateSampleRequests = 0;
    double m_requestsPerSecond = 0;
    bool m_quitWhenStopped = false;
};

} // namespace baton::ui

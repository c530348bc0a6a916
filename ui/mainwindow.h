#pragma once

#include "lifecycle/lifecyclestatus.h"

#include <QMainWindow>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableView;
class QTimer;

namespace baton {
class LifecycleController;
}

namespace baton::ui {

class ActivityChart;
class ConnectionTableModel;
class ConnectionsPane;
class DrainPanel;
class DrainReport;
class PanelSource;
class StatusHeader;

// Baton's control panel. It never touches the server's sockets: it reads its source's status and
// snapshot on a 10 Hz timer, and gives its commands to the source, which passes them on to the
// instance (in this process, or over its control socket), the same operations the Unix signals
// reach.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    // The instance in this process.
    explicit MainWindow(LifecycleController *controller, QWidget *parent = nullptr);
    // Any instance; the window does not own the source.
    explicit MainWindow(PanelSource *source, QWidget *parent = nullptr);
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
    QLabel *connectionNoteLabel() const { return m_note; }
    PanelSource *source() const { return m_source; }
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
    void updateButtons(LifecycleStatus::State state, bool reachable);
    void updateReport(const LifecycleStatus &status);
    int lastExitCode() const;
    void saveSettings();
    void restoreSettings();

    PanelSource *m_source;
    StatusHeader *m_header = nullptr;
    DrainPanel *m_drain = nullptr;
    QLabel *m_report = nullptr;
    QLabel *m_note = nullptr;             // an attached panel that lost its instance says so here
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
    qint64 m_lastTickMs = 0;
    qint64 m_longestTickGapMs = 0;
    struct
    {
        qint64 total = 0;
        qint64 snapshot = 0; // m_source->latest(): for a LocalSource, the pair taken last
        qint64 table = 0;    // the connections pane taking it in
        qint64 cpu = 0;      // CPU time of the whole refresh, without waits for a CPU
    } m_longestRefresh;
    qint64 m_rateSampleMs = 0;
    quint64 m_rateSampleRequests = 0;
    double m_requestsPerSecond = 0;
    bool m_quitWhenStopped = false;
};

} // namespace baton::ui

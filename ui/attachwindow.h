#pragma once

#include <QMainWindow>

class QTabWidget;

namespace baton::ui {

class MainWindow;
class RemoteSource;

// baton --attach: the control panels of instances running elsewhere (headless under systemd,
// in a container, or on another machine through a forwarded socket), one tab each, each the
// same window an instance shows of itself, fed over its control socket.
class AttachWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit AttachWindow(QWidget *parent = nullptr);

    // Opens a tab on the instance whose control socket is at path.
    MainWindow *attach(const QString &path);
    MainWindow *panel(int index) const;
    int panelCount() const;

signals:
    void closed();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void askForSocket();
    void closeTab(int index);

    QTabWidget *m_tabs;
};

} // namespace baton::ui

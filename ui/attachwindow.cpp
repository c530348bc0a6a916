#include "attachwindow.h"

#include "mainwindow.h"
#include "remotesource.h"

#include <QCloseEvent>
#include <QFileInfo>
#include <QInputDialog>
#include <QTabWidget>
#include <QToolButton>

namespace baton::ui {

AttachWindow::AttachWindow(QWidget *parent) : QMainWindow(parent), m_tabs(new QTabWidget(this))
{
    m_tabs->setObjectName(QStringLiteral("instanceTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->setTabsClosable(true);
    auto *attachButton = new QToolButton(m_tabs);
    attachButton->setObjectName(QStringLiteral("attachButton"));
    attachButton->setText(tr("Attach…"));
    attachButton->setToolTip(tr("Open a tab on another instance's control socket"));
    m_tabs->setCornerWidget(attachButton, Qt::TopRightCorner);
    connect(attachButton, &QToolButton::clicked, this, &AttachWindow::askForSocket);
    connect(m_tabs, &QTabWidget::tabCloseRequested, this, &AttachWindow::closeTab);
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int index) {
        if (MainWindow *window = panel(index))
            setWindowTitle(window->windowTitle());
    });
    setCentralWidget(m_tabs);
    setWindowTitle(tr("Baton — attached"));
    resize(1040, 720);
}

MainWindow *AttachWindow::attach(const QString &path)
{
    auto *source = new RemoteSource(path, this);
    auto *window = new MainWindow(source);
    source->setParent(window);
    const int index = m_tabs->addTab(window, QFileInfo(path).fileName());
    m_tabs->setTabToolTip(index, path);
    connect(window, &QWidget::windowTitleChanged, this, [this, window](const QString &title) {
        const int at = m_tabs->indexOf(window);
        if (at < 0)
            return;
        // "NAME — generation N — State", short enough for a tab.
        const LifecycleStatus status = window->source()->status();
        m_tabs->setTabText(at, tr("%1 — %2 — %3")
                                   .arg(QFileInfo(window->source()->name()).fileName())
                                   .arg(status.generation)
                                   .arg(lifecycleStateName(status.state)));
        if (at == m_tabs->currentIndex())
            setWindowTitle(title);
    });
    return window;
}

MainWindow *AttachWindow::panel(int index) const
{
    return qobject_cast<MainWindow *>(m_tabs->widget(index));
}

int AttachWindow::panelCount() const
{
    return m_tabs->count();
}

void AttachWindow::askForSocket()
{
    bool ok = false;
    const QString path = QInputDialog::getText(
        this, tr("Attach"), tr("Control socket of the instance (its --control-socket):"),
        QLineEdit::Normal, QString(), &ok);
    if (ok && !path.trimmed().isEmpty())
        m_tabs->setCurrentWidget(attach(QFileInfo(path.trimmed()).absoluteFilePath()));
}

void AttachWindow::closeTab(int index)
{
    QWidget *window = m_tabs->widget(index);
    m_tabs->removeTab(index);
    delete window; // detaches: the instance serves on
    if (m_tabs->count() == 0)
        close();
}

void AttachWindow::closeEvent(QCloseEvent *event)
{
    event->accept();
    emit closed();
}

} // namespace baton::ui

#include "connectionspane.h"
#include "connectiontesting.h"
#include "statusheader.h"

#include <QAbstractButton>
#include <QLabel>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>

using namespace baton;
using namespace baton::testing;
using baton::ui::ConnectionFilter;
using baton::ui::ConnectionsPane;
using baton::ui::StatusHeader;

class tst_StatusHeader : public QObject
{
    Q_OBJECT

private:
    // Two busy, one reading, one writing, two idle; the server's counts agree with the list.
    static ServerSnapshot mixed()
    {
        ServerSnapshot s =
            snapshot({connection(1), busy(2, 3000), busy(3, 4000),
                      busy(4, 4900, "/up", ConnectionState::Reading),
                      busy(5, 4000, "/big", ConnectionState::Writing), connection(6)});
        for (const ConnectionInfo &info : s.connections)
            ++s.connectionsByState[size_t(info.state)];
        return s;
    }
    // The number in "· N word ·" of the header's details.
    static qint64 countBefore(const QString &details, const QString &word)
    {
        const QString spaced = u' ' + word;
        const qsizetype end = details.indexOf(spaced);
        const qsizetype start = details.lastIndexOf(u' ', end - 1) + 1;
        return end < 0 ? -1 : details.mid(start, end - start).toLongLong();
    }

private slots:
    void initTestCase()
    {
        // The pane reads its choices: from a scratch settings location, not the user's.
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("Baton"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_statusheader"));
        QSettings().clear();
    }

    // The header's aggregate is "in flight", as in the grouped views, and says which filter
    // buttons it sums, so an operator can match its number to theirs.
    void inFlightMatchesTheStateFilter()
    {
        const ServerSnapshot s = mixed();
        StatusHeader header;
        LifecycleStatus status;
        status.state = LifecycleStatus::State::Serving;
        status.listenAddress = QStringLiteral("127.0.0.1:8080");
        header.setStatus(status, s, 12, 5000, 4242);
        const QString details = header.detailsText();
        QVERIFY2(details.endsWith(QStringLiteral("· 4 in flight · 2 idle")), qPrintable(details));
        QVERIFY2(!details.contains(QStringLiteral("active")), qPrintable(details));

        ConnectionsPane pane;
        pane.setSnapshot(s);
        const auto buttonCount = [&pane](ConnectionFilter filter) {
            return pane.store()->count(filter);
        };
        QCOMPARE(countBefore(details, QStringLiteral("in flight")),
                 buttonCount(ConnectionFilter::Busy) + buttonCount(ConnectionFilter::Reading) +
                     buttonCount(ConnectionFilter::Writing));
        QCOMPARE(countBefore(details, QStringLiteral("idle")), buttonCount(ConnectionFilter::Idle));
        const QString idleButton = ui::connectionFilterName(ConnectionFilter::Idle) + u' ';
        QVERIFY(pane.filterButton(ConnectionFilter::Idle)->text().startsWith(idleButton));

        // The tooltip names the buttons with their words and counts.
        const auto *label = header.findChild<QLabel *>(QStringLiteral("detailsLabel"));
        QVERIFY(label);
        const QString sum = QStringLiteral("%1 2 + %2 1 + %3 1")
                                .arg(ui::connectionFilterName(ConnectionFilter::Busy),
                                     ui::connectionFilterName(ConnectionFilter::Reading),
                                     ui::connectionFilterName(ConnectionFilter::Writing));
        QVERIFY2(label->toolTip().contains(sum), qPrintable(label->toolTip()));
        QVERIFY2(label->toolTip().contains(QStringLiteral("in flight")),
                 qPrintable(label->toolTip()));
    }
};

QTEST_MAIN(tst_StatusHeader)
#include "tst_statusheader.moc"

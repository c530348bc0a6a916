// ConnectionStore hands each replaced snapshot list to its disposer (the window's source lets go
// of it in a thread of its own), and keeps working without one.
#include "connectionstore.h"
#include "connectiontesting.h"

#include <QTest>

using namespace baton;
using namespace baton::testing;
using baton::ui::ConnectionStore;

class tst_ConnectionStore : public QObject
{
    Q_OBJECT

private slots:
    void theReplacedListGoesToTheDisposer()
    {
        ConnectionStore store;
        QList<const ConnectionInfo *> disposed;
        store.setDisposer([&disposed](QList<ConnectionInfo> &&list) {
            disposed.append(list.constData());
            list = {};
        });
        const ServerSnapshot first = snapshot({busy(1, 900), connection(2)}, 1000);
        const ServerSnapshot second = snapshot({busy(1, 900)}, 1100);
        store.setSnapshot(first);
        QVERIFY(disposed.isEmpty()); // nothing was replaced: the store started empty
        store.setSnapshot(second);
        QCOMPARE(disposed.size(), 1);
        QCOMPARE(disposed.last(), first.connections.constData());
        QCOMPARE(store.size(), 1);
    }

    void withoutADisposerTheListIsLetGoOfHere()
    {
        ConnectionStore store;
        ServerSnapshot first = snapshot({busy(1, 900)}, 1000);
        store.setSnapshot(first);
        QVERIFY(!first.connections.isDetached()); // shared with the store
        store.setSnapshot(snapshot({}, 1100));
        QVERIFY(first.connections.isDetached());
        QCOMPARE(store.size(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_ConnectionStore)
#include "tst_connectionstore.moc"

#include "connectiongroupmodel.h"
#include "connectionstore.h"
#include "connectiontesting.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace baton;
using namespace baton::testing;
using baton::ui::ConnectionGroupModel;
using baton::ui::ConnectionStore;

class tst_ConnectionGroupModel : public QObject
{
    Q_OBJECT

private:
    // key, count, in flight, oldest age as shown
    using Row = std::tuple<QString, QString, QString, QString>;
    static QList<Row> rows(const ConnectionGroupModel &model)
    {
        QList<Row> result;
        const auto text = [&model](int row, int column) {
            return model.data(model.index(row, column)).toString();
        };
        for (int row = 0; row < model.rowCount(); ++row)
            result.append({text(row, ConnectionGroupModel::KeyColumn),
                           text(row, ConnectionGroupModel::CountColumn),
                           text(row, ConnectionGroupModel::InFlightColumn),
                           text(row, ConnectionGroupModel::OldestColumn)});
        return result;
    }
    static ConnectionInfo at(ConnectionInfo info, const QString &peer, qint64 connectedAtMs)
    {
        info.peer = peer;
        info.connectedAtMs = connectedAtMs;
        return info;
    }
    static ConnectionInfo lastRequest(quint64 id, const QByteArray &path)
    {
        ConnectionInfo info = connection(id);
        info.method = "GET";
        info.path = path;
        return info;
    }
    // Taken at 5000 ms.
    static ServerSnapshot scripted()
    {
        return snapshot({
            at(busy(1, 4000, "/a"), QStringLiteral("10.0.0.1:1001"), 1000),
            at(busy(2, 2000, "/a"), QStringLiteral("10.0.0.2:1002"), 500),
            at(lastRequest(3, "/b"), QStringLiteral("10.0.0.1:1003"), 3000),
            at(busy(4, 3000, "/b"), QStringLiteral("10.0.0.1:1004"), 2500),
            at(connection(5), QStringLiteral("10.0.0.3:1005"), 4000),
            at(lastRequest(6, "/a"), QStringLiteral("[::1]:1006"), 100),
        });
    }

private slots:
    void byPathCountsAndOldestRequestInFlight()
    {
        ConnectionStore store;
        ConnectionGroupModel model(&store, ConnectionStore::ByPath);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        store.setSnapshot(scripted());
        QCOMPARE(model.rowCount(), 0); // not shown: not computed
        model.setActive(true);
        QCOMPARE(rows(model), (QList<Row>{
                                  {QStringLiteral("/a"), QStringLiteral("3"), QStringLiteral("2"),
                                   QStringLiteral("3.0 s")},
                                  {QStringLiteral("/b"), QStringLiteral("2"), QStringLiteral("1"),
                                   QStringLiteral("2.0 s")},
                                  {QStringLiteral("(no request yet)"), QStringLiteral("1"),
                                   QStringLiteral("0"), QString()},
                              }));

        // 1 and 2 close, 6 starts a request on /c: /a has one connection left, no request.
        ServerSnapshot next = scripted();
        next.takenAtMs = 6000;
        next.connections.removeFirst();
        next.connections.removeFirst();
        next.connections.last().path = "/c";
        next.connections.last().requestStartedAtMs = 5500;
        next.connections.last().state = ConnectionState::Busy;
        next.connections.append(at(lastRequest(7, "/a"), QStringLiteral("10.0.0.3:1007"), 5900));
        store.setSnapshot(next);
        QCOMPARE(rows(model),
                 (QList<Row>{
                     {QStringLiteral("/b"), QStringLiteral("2"), QStringLiteral("1"),
                      QStringLiteral("3.0 s")},
                     {QStringLiteral("(no request yet)"), QStringLiteral("1"), QStringLiteral("0"),
                      QString()},
                     {QStringLiteral("/a"), QStringLiteral("1"), QStringLiteral("0"), QString()},
                     {QStringLiteral("/c"), QStringLiteral("1"), QStringLiteral("1"),
                      QStringLiteral("500 ms")},
                 }));
        store.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void byClientCountsAndOldestConnection()
    {
        ConnectionStore store;
        ConnectionGroupModel model(&store, ConnectionStore::ByClient);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setActive(true);
        store.setSnapshot(scripted());
        QCOMPARE(rows(model), (QList<Row>{
                                  {QStringLiteral("10.0.0.1"), QStringLiteral("3"),
                                   QStringLiteral("2"), QStringLiteral("4.0 s")},
                                  {QStringLiteral("10.0.0.2"), QStringLiteral("1"),
                                   QStringLiteral("1"), QStringLiteral("4.5 s")},
                                  {QStringLiteral("10.0.0.3"), QStringLiteral("1"),
                                   QStringLiteral("0"), QStringLiteral("1.0 s")},
                                  {QStringLiteral("[::1]"), QStringLiteral("1"),
                                   QStringLiteral("0"), QStringLiteral("4.9 s")},
                              }));
        QCOMPARE(ConnectionStore::clientAddress(QStringLiteral("[::1]:8080")),
                 QStringLiteral("[::1]"));
    }
};

QTEST_MAIN(tst_ConnectionGroupModel)
#include "tst_connectiongroupmodel.moc"

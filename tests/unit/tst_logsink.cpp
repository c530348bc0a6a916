#include "core/logevent.h"
#include "core/logsink.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>

#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace baton;

namespace {

Q_LOGGING_CATEGORY(lcTest, "baton.test", QtInfoMsg)

QByteArray devIno(int fd)
{
    struct stat status
    {
    };
    if (::fstat(fd, &status) != 0)
        return {};
    return QByteArray::number(qulonglong(status.st_dev)) + ':' +
           QByteArray::number(qulonglong(status.st_ino));
}

// Points fd 2 at a file for the lifetime of the object, and puts everything back afterwards
// (Qt's default handler included), so that a failing test still reports on the real stderr.
class StderrCapture
{
public:
    StderrCapture()
    {
        m_file.open();
        m_saved = ::dup(STDERR_FILENO);
        ::dup2(m_file.handle(), STDERR_FILENO);
    }
    ~StderrCapture() { restore(); }

    void restore()
    {
        if (m_saved < 0)
            return;
        qInstallMessageHandler(nullptr);
        ::dup2(m_saved, STDERR_FILENO);
        ::close(m_saved);
        m_saved = -1;
    }
    QList<QByteArray> lines()
    {
        QFile file(m_file.fileName());
        if (!file.open(QIODevice::ReadOnly))
            return {};
        QList<QByteArray> lines = file.readAll().split('\n');
        if (!lines.isEmpty() && lines.constLast().isEmpty())
            lines.removeLast();
        return lines;
    }

private:
    QTemporaryFile m_file;
    int m_saved = -1;
};

// What a handler saw of the event while it was being logged.
struct Seen
{
    int calls = 0;
    QByteArray event;
    int fields = 0;
    QString message;
};
Seen s_seen;

void recordingHandler(QtMsgType, const QMessageLogContext &, const QString &message)
{
    ++s_seen.calls;
    const LogEvent *event = currentLogEvent();
    s_seen.event = event ? QByteArray(event->name) : QByteArray();
    s_seen.fields = event ? int(event->fields.size()) : -1;
    s_seen.message = message;
}

} // namespace

class tst_LogSink : public QObject
{
    Q_OBJECT

private slots:
    void init() { qunsetenv("JOURNAL_STREAM"); }

    void journalStreamMatchesOnlyThatFile()
    {
        QTemporaryFile file;
        QVERIFY(file.open());
        QTemporaryFile other;
        QVERIFY(other.open());
        const QByteArray mine = devIno(file.handle());
        QVERIFY(!mine.isEmpty());
        QVERIFY(LogSink::isJournalStream(mine, file.handle()));
        QVERIFY(!LogSink::isJournalStream(mine, other.handle()));
        QVERIFY(!LogSink::isJournalStream(mine + '0', file.handle()));
        QVERIFY(!LogSink::isJournalStream(QByteArray(), file.handle()));
        QVERIFY(!LogSink::isJournalStream("garbage", file.handle()));
        QVERIFY(!LogSink::isJournalStream(mine + ":1", file.handle()));
        QVERIFY(!LogSink::isJournalStream(mine, -1));
    }

    void eventVisibleToHandlerDuringTheCallOnly()
    {
        const QtMessageHandler previous = qInstallMessageHandler(&recordingHandler);
        s_seen = Seen();
        logEvent(lcTest(), QtWarningMsg, "drained", QStringLiteral("drained in 5 ms"),
                 {{"ms", 5}, {"exit_code", 0}});
        QCOMPARE(s_seen.calls, 1);
        QCOMPARE(s_seen.event, QByteArray("drained"));
        QCOMPARE(s_seen.fields, 2);
        QCOMPARE(s_seen.message, QStringLiteral("drained in 5 ms"));
        QVERIFY(!currentLogEvent());
        // An ordinary message right after carries no event.
        qCInfo(lcTest, "plain");
        QCOMPARE(s_seen.calls, 2);
        QVERIFY(s_seen.event.isEmpty());
        // A level the category has off logs nothing, as qCDebug() would not.
        logEvent(lcTest(), QtDebugMsg, "noise", QStringLiteral("not shown"));
        QCOMPARE(s_seen.calls, 2);
        qInstallMessageHandler(previous);
    }

    // Lines from several threads at once: each one whole, on a line of its own.
    void jsonLinesFromManyThreadsNeverMix()
    {
        StderrCapture capture;
        LogSink::install(LogFormatter::Format::Json);
        LogSink::setGeneration(3);
        constexpr int threadCount = 4;
        constexpr int perThread = 200;
        // Longer than PIPE_BUF, so a line only stays whole because it is written in one go.
        const QString filler(5000, u'x');
        std::vector<std::unique_ptr<QThread>> threads;
        for (int t = 0; t < threadCount; ++t) {
            threads.emplace_back(QThread::create([t, &filler] {
                for (int i = 0; i < perThread; ++i)
                    logEvent(lcTest(), QtInfoMsg, "tick",
                             QStringLiteral("thread %1 line %2 %3").arg(t).arg(i).arg(filler),
                             {{"thread", t}, {"line", i}});
            }));
            threads.back()->start();
        }
        for (auto &thread : threads)
            QVERIFY(thread->wait(60000));
        capture.restore();

        const QList<QByteArray> lines = capture.lines();
        QCOMPARE(lines.size(), threadCount * perThread);
        QList<int> next(threadCount, 0);
        for (const QByteArray &line : lines) {
            QJsonParseError error;
            const QJsonObject object = QJsonDocument::fromJson(line, &error).object();
            QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
            QCOMPARE(object.value(QStringLiteral("generation")).toInteger(), 3);
            QCOMPARE(object.value(QStringLiteral("pid")).toInteger(), qint64(::getpid()));
            QCOMPARE(object.value(QStringLiteral("category")).toString(),
                     QStringLiteral("baton.test"));
            const int t = object.value(QStringLiteral("thread")).toInt();
            const int i = object.value(QStringLiteral("line")).toInt();
            QVERIFY(t >= 0 && t < threadCount);
            // Each thread's lines in its own order.
            QCOMPARE(i, next[t]++);
            QCOMPARE(object.value(QStringLiteral("message")).toString(),
                     QStringLiteral("thread %1 line %2 %3").arg(t).arg(i).arg(filler));
        }
    }

    void journalPrefixesWhenStderrIsTheJournal()
    {
        StderrCapture capture;
        qputenv("JOURNAL_STREAM", devIno(STDERR_FILENO));
        LogSink::install(LogFormatter::Format::Text);
        qCInfo(lcTest, "an info line");
        qCWarning(lcTest, "a warning line");
        qCCritical(lcTest, "an error line");
        capture.restore();
        qunsetenv("JOURNAL_STREAM");
        const QByteArray pid = "baton[" + QByteArray::number(qint64(::getpid())) + "] ";
        QCOMPARE(capture.lines(), (QList<QByteArray>{"<6>" + pid + "an info line",
                                                     "<4>" + pid + "warning: a warning line",
                                                     "<3>" + pid + "error: an error line"}));
    }

    // JOURNAL_STREAM inherited while stderr went elsewhere: plain lines.
    void noPrefixWhenStderrIsNotTheJournal()
    {
        StderrCapture capture;
        QTemporaryFile elsewhere;
        QVERIFY(elsewhere.open());
        qputenv("JOURNAL_STREAM", devIno(elsewhere.handle()));
        LogSink::install(LogFormatter::Format::Text);
        qCWarning(lcTest, "a warning line");
        capture.restore();
        qunsetenv("JOURNAL_STREAM");
        const QList<QByteArray> lines = capture.lines();
        QCOMPARE(lines.size(), 1);
        QVERIFY2(lines[0].startsWith("20"), lines[0].constData());
        QVERIFY(lines[0].endsWith("] warning: a warning line"));
    }
};

QTEST_GUILESS_MAIN(tst_LogSink)
#include "tst_logsink.moc"

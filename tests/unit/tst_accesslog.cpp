// The access log's file and writer thread: whole lines in order from many threads, reopening
// after a rename, and a stuck output that costs dropped lines, never a blocked caller or
// unbounded memory.
#include "core/accesslog.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <thread>
#include <unistd.h>
#include <vector>

using namespace baton;

namespace {

constexpr int flushTimeoutMs = 60'000;

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class tst_AccessLog : public QObject
{
    Q_OBJECT

private slots:
    void wholeLinesInOrderFromManyThreads()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("access.log"));
        QString error;
        auto log = AccessLog::open(path, AccessLogFormat::Combined, &error);
        QVERIFY2(log, qPrintable(error));
        QCOMPARE(log->path(), path);

        constexpr int threads = 4;
        constexpr int linesEach = 5000;
        std::vector<std::thread> writers;
        for (int t = 0; t < threads; ++t) {
            writers.emplace_back([&log, t] {
                for (int i = 0; i < linesEach; ++i)
                    log->append(QByteArray("thread " + QByteArray::number(t) + " line " +
                                           QByteArray::number(i) + " " + QByteArray(i % 200, 'x') +
                                           '\n'));
            });
        }
        for (std::thread &writer : writers)
            writer.join();
        QVERIFY(log->flush(flushTimeoutMs));
        QCOMPARE(log->droppedLines(), quint64(0));

        const QList<QByteArray> lines = readAll(path).split('\n');
        QCOMPARE(lines.size(), threads * linesEach + 1);
        QVERIFY(lines.last().isEmpty());
        int next[threads] = {};
        for (qsizetype i = 0; i + 1 < lines.size(); ++i) {
            const QList<QByteArray> words = lines[i].split(' ');
            QVERIFY2(words.size() == 5 && words[0] == "thread", lines[i].constData());
            const int t = words[1].toInt();
            QCOMPARE(words[3].toInt(), next[t]);
            QCOMPARE(words[4].size(), next[t] % 200);
            ++next[t];
        }
    }

    void appendsToWhatIsThere()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("access.log"));
        QFile existing(path);
        QVERIFY(existing.open(QIODevice::WriteOnly));
        existing.write("earlier line\n");
        existing.close();
        QString error;
        auto log = AccessLog::open(path, AccessLogFormat::Json, &error);
        QVERIFY2(log, qPrintable(error));
        QCOMPARE(log->format(), AccessLogFormat::Json);
        log->append("new line\n");
        QVERIFY(log->flush(flushTimeoutMs));
        QCOMPARE(readAll(path), QByteArray("earlier line\nnew line\n"));
    }

    // logrotate renames the file, then sends SIGUSR1: lines before the reopen go on into the
    // renamed file, lines after it into a new file at the path.
    void reopenAfterRename()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("access.log"));
        const QString rotated = dir.filePath(QStringLiteral("access.log.1"));
        QString error;
        auto log = AccessLog::open(path, AccessLogFormat::Combined, &error);
        QVERIFY2(log, qPrintable(error));
        log->append("one\n");
        QVERIFY(log->flush(flushTimeoutMs));
        QVERIFY(QFile::rename(path, rotated));
        log->append("two\n");
        QVERIFY(log->flush(flushTimeoutMs));
        QVERIFY(!QFile::exists(path));
        log->reopen();
        log->append("three\n");
        QVERIFY(log->flush(flushTimeoutMs));
        QCOMPARE(readAll(rotated), QByteArray("one\ntwo\n"));
        QCOMPARE(readAll(path), QByteArray("three\n"));
    }

    // A path that cannot be reopened keeps the log on the file it had.
    void failedReopenKeepsTheOldFile()
    {
        QTemporaryDir dir;
        const QString sub = dir.filePath(QStringLiteral("logs"));
        QVERIFY(QDir().mkpath(sub));
        const QString path = sub + QStringLiteral("/access.log");
        QString error;
        auto log = AccessLog::open(path, AccessLogFormat::Combined, &error);
        QVERIFY2(log, qPrintable(error));
        const QString moved = dir.filePath(QStringLiteral("moved"));
        QVERIFY(QDir().rename(sub, moved)); // the path's directory is gone
        log->reopen();
        log->append("still here\n");
        QVERIFY(log->flush(flushTimeoutMs));
        QCOMPARE(readAll(moved + QStringLiteral("/access.log")), QByteArray("still here\n"));
        QCOMPARE(log->droppedLines(), quint64(0));
    }

    void openFailureSaysWhy()
    {
        QString error;
        const QString path = QStringLiteral("/nonexistent-dir-for-baton/access.log");
        QVERIFY(!AccessLog::open(path, AccessLogFormat::Combined, &error));
        QVERIFY2(error.contains(path), qPrintable(error));
    }

    // Nobody reads the pipe the log writes to: appending goes on without waiting, past the bound
    // lines are dropped and counted, and what does get through is whole lines, in order.
    void stuckOutputDropsInsteadOfBlocking()
    {
        int pipeFds[2];
        QCOMPARE(::pipe(pipeFds), 0);
        QString error;
        auto log = AccessLog::open(QStringLiteral("/proc/self/fd/%1").arg(pipeFds[1]),
                                   AccessLogFormat::Combined, &error);
        QVERIFY2(log, qPrintable(error));
        ::close(pipeFds[1]); // the log's own descriptor is the only writer now

        const QByteArray filler(90, 'y');
        constexpr int lines = 300'000; // about 30 MiB, several times the bound
        int accepted = 0;
        for (int i = 0; i < lines; ++i) {
            if (log->append(QByteArray(QByteArray::number(i) + ' ' + filler + '\n')))
                ++accepted;
        }
        QVERIFY(log->droppedLines() > 0);
        QCOMPARE(log->droppedLines(), quint64(lines - accepted));

        QByteArray received;
        std::thread reader([&received, fd = pipeFds[0]] {
            char buffer[65536];
            ssize_t n;
            while ((n = ::read(fd, buffer, sizeof buffer)) > 0)
                received.append(buffer, n);
        });
        QVERIFY(log->flush(flushTimeoutMs));
        log.reset(); // closes the pipe: the reader sees its end
        reader.join();
        ::close(pipeFds[0]);

        const QList<QByteArray> got = received.split('\n');
        QCOMPARE(got.size(), accepted + 1);
        QVERIFY(got.last().isEmpty());
        qint64 previous = -1;
        for (qsizetype i = 0; i + 1 < got.size(); ++i) {
            const QList<QByteArray> words = got[i].split(' ');
            QVERIFY2(words.size() == 2 && words[1] == filler, got[i].left(200).constData());
            const qint64 number = words[0].toLongLong();
            QVERIFY(number > previous);
            previous = number;
        }
    }
};

QTEST_GUILESS_MAIN(tst_AccessLog)
#include "tst_accesslog.moc"

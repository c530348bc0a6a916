#include "batonprocess.h"

#include "eventloopwait.h"

#include <QEventLoop>
#include <QFile>
#include <QRegularExpression>
#include <QTimer>

#include <algorithm>
#include <csignal>
#include <sys/types.h>

#ifndef BATON_BINARY
#define BATON_BINARY ""
#endif

namespace baton::test {

BatonProcess::BatonProcess(QObject *parent) : QObject(parent)
{
    connect(&m_process, &QProcess::readyReadStandardError, this, [this] { readStderr(false); });
    connect(&m_process, &QProcess::readyReadStandardOutput, this,
            [this] { m_stdout += m_process.readAllStandardOutput(); });
    connect(&m_process, &QProcess::finished, this, [this] {
        m_stdout += m_process.readAllStandardOutput();
        readStderr(true);
    });
}

BatonProcess::~BatonProcess()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!m_process.waitForFinished(10000)) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

QString BatonProcess::binaryPath()
{
    const QString fromEnv = qEnvironmentVariable("BATON_BINARY");
    return fromEnv.isEmpty() ? QStringLiteral(BATON_BINARY) : fromEnv;
}

void BatonProcess::setStderrFile(const QString &path)
{
    m_stderrFile = path;
    m_stderrFileOffset = 0;
    m_process.setStandardErrorFile(path, QIODevice::Truncate);
}

bool BatonProcess::spinUntil(const std::function<bool()> &done, int timeoutMs)
{
    const bool fromFile = !m_stderrFile.isEmpty();
    const auto check = [&] {
        if (fromFile)
            readStderr(false);
        return done();
    };
    return waitUntil(check, timeoutMs, [this, fromFile](QEventLoop &loop) {
        connect(&m_process, &QProcess::readyReadStandardError, &loop, &QEventLoop::quit);
        connect(&m_process, &QProcess::readyReadStandardOutput, &loop, &QEventLoop::quit);
        connect(&m_process, &QProcess::finished, &loop, &QEventLoop::quit);
        connect(&m_process, &QProcess::errorOccurred, &loop, &QEventLoop::quit);
        if (fromFile) {
            // A file says nothing when it grows: look again every few milliseconds.
            auto *poll = new QTimer(&loop);
            connect(poll, &QTimer::timeout, &loop, &QEventLoop::quit);
            poll->start(10);
        }
    });
}

void BatonProcess::readStderr(bool flushPartial)
{
    if (m_stderrFile.isEmpty()) {
        m_stderrPartial += m_process.readAllStandardError();
    } else {
        // Another process (a successor) may still be writing: only whole lines are taken below.
        QFile file(m_stderrFile);
        if (file.open(QIODevice::ReadOnly) && file.seek(m_stderrFileOffset)) {
            const QByteArray more = file.readAll();
            m_stderrFileOffset += more.size();
            m_stderrPartial += more;
        }
    }
    qsizetype newline;
    while ((newline = m_stderrPartial.indexOf('\n')) >= 0) {
        QByteArray line = m_stderrPartial.left(newline);
        if (line.endsWith('\r'))
            line.chop(1);
        m_stderrLines.append(QString::fromUtf8(line));
        m_stderrPartial.remove(0, newline + 1);
    }
    // A file may still grow (a successor writes to it too): a partial line there is not done.
    if (flushPartial && m_stderrFile.isEmpty() && !m_stderrPartial.isEmpty()) {
        m_stderrLines.append(QString::fromUtf8(m_stderrPartial));
        m_stderrPartial.clear();
    }
}

bool BatonProcess::startRaw(const QStringList &args)
{
    m_args = args;
    m_error.clear();
    const QString binary = binaryPath();
    if (binary.isEmpty()) {
        m_error = QStringLiteral("no baton binary configured (BATON_BINARY)");
        return false;
    }
    m_process.start(binary, args, QIODevice::ReadOnly);
    if (!m_process.waitForStarted(10000)) {
        m_error = QStringLiteral("could not start ") + binary + QLatin1String(": ") +
                  m_process.errorString();
        return false;
    }
    m_pid = m_process.processId();
    return true;
}

bool BatonProcess::start(const QStringList &args, int timeoutMs)
{
    QStringList all = args;
    if (!all.contains(QLatin1String("--headless")))
        all.prepend(QStringLiteral("--headless"));
    const bool ownListen = std::any_of(all.cbegin(), all.cend(), [](const QString &arg) {
        return arg == QLatin1String("--listen") || arg.startsWith(QLatin1String("--listen="));
    });
    if (!ownListen)
        all << QStringLiteral("--listen") << QStringLiteral("127.0.0.1:0");
    const bool ownMode = std::any_of(all.cbegin(), all.cend(), [](const QString &arg) {
        return arg.startsWith(QLatin1String("--restart-mode"));
    });
    if (!ownMode)
        all << QStringLiteral("--restart-mode") << QStringLiteral("exec");
    if (!startRaw(all))
        return false;

    static const QRegularExpression listening(
        QStringLiteral("listening on http://(\\[[^\\]]+\\]|[^\\s:/]+):(\\d+)"));
    const auto line = waitForStderrLine(listening, timeoutMs);
    if (!line) {
        m_error = isRunning()
                      ? QStringLiteral("no 'listening on http://HOST:PORT' line within %1 ms")
                            .arg(timeoutMs)
                      : QStringLiteral("baton exited (code %1) before listening")
                            .arg(m_process.exitCode());
        return false;
    }
    const auto match = listening.match(*line);
    m_host = match.captured(1);
    if (m_host.startsWith(QLatin1Char('[')))
        m_host = m_host.mid(1, m_host.size() - 2);
    m_port = quint16(match.captured(2).toUInt());
    if (m_port == 0) {
        m_error = QStringLiteral("baton logged port 0 instead of the real port: ") + *line;
        return false;
    }
    return true;
}

std::optional<QString> BatonProcess::waitForStderrLine(const QRegularExpression &pattern,
                                                       int timeoutMs)
{
    qsizetype checked = 0;
    std::optional<QString> found;
    spinUntil(
        [&] {
            for (; checked < m_stderrLines.size(); ++checked) {
                if (pattern.match(m_stderrLines.at(checked)).hasMatch()) {
                    found = m_stderrLines.at(checked);
                    return true;
                }
            }
            return m_process.state() == QProcess::NotRunning;
        },
        timeoutMs);
    return found;
}

bool BatonProcess::sendSignal(int signal)
{
    if (m_pid <= 0 || m_process.state() == QProcess::NotRunning)
        return false;
    return ::kill(pid_t(m_pid), signal) == 0;
}

std::optional<int> BatonProcess::waitForExit(int timeoutMs)
{
    spinUntil([this] { return m_process.state() == QProcess::NotRunning; }, timeoutMs);
    if (m_process.state() != QProcess::NotRunning || crashed())
        return std::nullopt;
    return m_process.exitCode();
}

std::optional<int> BatonProcess::stop(int timeoutMs)
{
    if (!sendSignal(SIGTERM))
        return std::nullopt;
    return waitForExit(timeoutMs);
}

bool BatonProcess::crashed() const
{
    return m_process.state() == QProcess::NotRunning &&
           m_process.exitStatus() == QProcess::CrashExit;
}

QString BatonProcess::diagnostics(int lines) const
{
    QString text = QStringLiteral("command: ") + binaryPath() + QLatin1Char(' ') +
                   m_args.join(QLatin1Char(' ')) +
                   QStringLiteral("\nstderr (last %1 lines):").arg(lines);
    for (qsizetype i = qMax<qsizetype>(0, m_stderrLines.size() - lines); i < m_stderrLines.size();
         ++i)
        text += QLatin1String("\n  ") + m_stderrLines.at(i);
    return text;
}

} // namespace baton::test

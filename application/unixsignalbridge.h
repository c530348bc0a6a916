#pragma once

#include <QObject>

#include <initializer_list>

class QSocketNotifier;

namespace baton {

// Delivers Unix signals into the Qt event loop ("Calling Qt Functions From Unix Signal
// Handlers"): the handler only writes the signal number to a socketpair; a QSocketNotifier on the
// other end turns it into signalReceived() in the bridge's thread. One bridge per process.
class UnixSignalBridge : public QObject
{
    Q_OBJECT
public:
    UnixSignalBridge(std::initializer_list<int> signalNumbers, QObject *parent = nullptr);
    ~UnixSignalBridge() override;

signals:
    void signalReceived(int signalNumber);

private:
    static void handle(int signalNumber);
    void readSignals();

    static int s_fds[2];
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace baton

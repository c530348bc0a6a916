#include "core/metrics.h"

#include "core/accesslog.h"
#include "core/lifecyclecounters.h"

namespace baton {

quint64 CounterTotals::responsesTotal() const
{
    quint64 total = 0;
    for (size_t code = 0; code < responsesByStatus.size(); ++code) {
        if (code != statusClientClosedRequest)
            total += responsesByStatus[code];
    }
    return total;
}

CounterTotals totalCounters(const ServerContext &context)
{
    CounterTotals totals;
    for (const auto &counters : context.counters) {
        for (size_t s = 0; s < totals.connectionsByState.size(); ++s)
            totals.connectionsByState[s] +=
                counters->connectionsByState[s].load(std::memory_order_relaxed);
        for (size_t code = 0; code < totals.responsesByStatus.size(); ++code)
            totals.responsesByStatus[code] +=
                counters->responsesByStatus[code].load(std::memory_order_relaxed);
        totals.connectionsAccepted += counters->connectionsAccepted.load(std::memory_order_relaxed);
        totals.connectionsRejected += counters->connectionsRejected.load(std::memory_order_relaxed);
        totals.acceptPauses += counters->acceptPauses.load(std::memory_order_relaxed);
        totals.connectionsHandedOver +=
            counters->connectionsHandedOver.load(std::memory_order_relaxed);
        totals.connectionsHandedOverAfterResponse +=
            counters->connectionsHandedOverAfterResponse.load(std::memory_order_relaxed);
        totals.connectionsReturned += counters->connectionsReturned.load(std::memory_order_relaxed);
        totals.connectionsAdopted += counters->connectionsAdopted.load(std::memory_order_relaxed);
        for (size_t b = 0; b < totals.requestDurations.size(); ++b)
            totals.requestDurations[b] +=
                counters->requestDurations[b].load(std::memory_order_relaxed);
        totals.requestDurationSumNs +=
            counters->requestDurationSumNs.load(std::memory_order_relaxed);
        totals.bytesReceived += counters->bytesReceived.load(std::memory_order_relaxed);
        totals.bytesSent += counters->bytesSent.load(std::memory_order_relaxed);
    }
    return totals;
}

namespace {

void addFamily(QByteArray &text, const char *name, const char *type, const char *help)
{
    text += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
}

void addCounter(QByteArray &text, const char *name, const char *help, quint64 value)
{
    addFamily(text, name, "counter", help);
    text += QByteArray(name) + ' ' + QByteArray::number(value) + '\n';
}

QByteArray seconds(quint64 ns)
{
    return QByteArray::number(double(ns) / 1e9, 'g', 15);
}

void addDurationHistogram(QByteArray &text, const CounterTotals &totals)
{
    static const char name[] = "baton_http_request_duration_seconds";
    addFamily(text, name, "histogram",
              "Time from the first byte of a request to its complete answer handed to the "
              "connection (every request counted in baton_requests_total).");
    // Cumulative from one reading of each slot, so the buckets never decrease and +Inf equals
    // the count even while requests are being answered.
    quint64 cumulative = 0;
    for (size_t b = 0; b < totals.requestDurations.size(); ++b) {
        cumulative += totals.requestDurations[b];
        const QByteArray bound = b < requestDurationBoundsNs.size()
                                     ? QByteArray::number(double(requestDurationBoundsNs[b]) / 1e9)
                                     : QByteArrayLiteral("+Inf");
        text += QByteArray(name) + "_bucket{le=\"" + bound + "\"} " +
                QByteArray::number(cumulative) + '\n';
    }
    text += QByteArray(name) + "_sum " + seconds(totals.requestDurationSumNs) + '\n';
    text += QByteArray(name) + "_count " + QByteArray::number(cumulative) + '\n';
}

void addLifecycle(QByteArray &text, const LifecycleCounters &lifecycle)
{
    const LifecycleCounters::Values v = lifecycle.values();
    addFamily(text, "baton_restarts_total", "counter",
              "Restarts by result: succeeded (the new process took over), failed (it exited or "
              "was not ready in time) and abandoned (a shutdown or force kill came first); "
              "carried over to the new process at each restart.");
    text += "baton_restarts_total{result=\"succeeded\"} " +
            QByteArray::number(v.restartsSucceeded) + "\nbaton_restarts_total{result=\"failed\"} " +
            QByteArray::number(v.restartsFailed) + "\nbaton_restarts_total{result=\"abandoned\"} " +
            QByteArray::number(v.restartsAbandoned) + '\n';
    addFamily(text, "baton_drain_duration_seconds", "gauge",
              "How long this process's last drain took, to its last connection or its cut "
              "(0 before any).");
    text += "baton_drain_duration_seconds " + seconds(quint64(v.lastDrainMs) * 1'000'000) + '\n';
    addCounter(text, "baton_connections_cut_total",
               "Connections still open at a drain deadline, answered 503 or reset.",
               v.connectionsCut);
}

} // namespace

QByteArray renderMetrics(const ServerContext &context, const LifecycleCounters *lifecycle)
{
    const CounterTotals totals = totalCounters(context);
    QByteArray text;
    text += "# HELP baton_connections Open connections by state.\n"
            "# TYPE baton_connections gauge\n";
    for (int s = 0; s < connectionStateCount; ++s) {
        text += "baton_connections{state=\"" + connectionStateName(ConnectionState(s)).toLatin1() +
                "\"} " + QByteArray::number(qMax<qint64>(0, totals.connectionsByState[size_t(s)])) +
                '\n';
    }
    text += "# HELP baton_requests_total Requests answered, by status code (499: the client went "
            "away before its answer).\n# TYPE baton_requests_total counter\n";
    for (size_t code = 100; code < totals.responsesByStatus.size(); ++code) {
        if (totals.responsesByStatus[code] > 0)
            text += "baton_requests_total{code=\"" + QByteArray::number(qulonglong(code)) + "\"} " +
                    QByteArray::number(totals.responsesByStatus[code]) + '\n';
    }
    addCounter(text, "baton_connections_accepted_total", "Connections accepted.",
               totals.connectionsAccepted);
    addCounter(text, "baton_connections_rejected_total",
               "Connections refused at --max-connections.", totals.connectionsRejected);
    addCounter(text, "baton_accept_pauses_total",
               "Times accepting paused for lack of descriptors or memory.", totals.acceptPauses);
    addCounter(text, "baton_connections_handed_over_total",
               "Open connections moved to the next generation at a restart.",
               totals.connectionsHandedOver);
    addCounter(text, "baton_connections_adopted_total",
               "Open connections taken over from the previous generation at a restart.",
               totals.connectionsAdopted);
    addDurationHistogram(text, totals);
    addCounter(text, "baton_http_received_bytes_total",
               "Bytes read from clients' connections (heads, bodies, framing).",
               totals.bytesReceived);
    addCounter(text, "baton_http_sent_bytes_total",
               "Bytes written to clients' connections (heads, bodies, framing).", totals.bytesSent);
    addCounter(text, "baton_access_log_dropped_lines_total",
               "Access log lines dropped because the writer fell behind or could not write.",
               context.accessLog ? context.accessLog->droppedLines() : 0);
    if (lifecycle)
        addLifecycle(text, *lifecycle);
    text += "# HELP baton_generation Restart generation of this process (1 = fresh start).\n"
            "# TYPE baton_generation gauge\nbaton_generation " +
            QByteArray::number(context.generation) +
            "\n# HELP baton_ready Whether this process accepts new work (1) or drains (0).\n"
            "# TYPE baton_ready gauge\nbaton_ready " +
            QByteArray(context.ready.load() ? "1" : "0") + '\n';
    addFamily(text, "baton_build_info", "gauge", "The running Baton's version, as a label.");
    text += "baton_build_info{version=\"" BATON_VERSION "\"} 1\n";
    return text;
}

} // namespace baton

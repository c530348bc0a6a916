#include "core/metrics.h"

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
    }
    return totals;
}

namespace {

void addCounter(QByteArray &text, const char *name, const char *help, quint64 value)
{
    text += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + " counter\n" + name +
            ' ' + QByteArray::number(value) + '\n';
}

} // namespace

QByteArray renderMetrics(const ServerContext &context)
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
    text += "# HELP baton_generation Restart generation of this process (1 = fresh start).\n"
            "# TYPE baton_generation gauge\nbaton_generation " +
            QByteArray::number(context.generation) +
            "\n# HELP baton_ready Whether this process accepts new work (1) or drains (0).\n"
            "# TYPE baton_ready gauge\nbaton_ready " +
            QByteArray(context.ready.load() ? "1" : "0") + '\n';
    return text;
}

} // namespace baton

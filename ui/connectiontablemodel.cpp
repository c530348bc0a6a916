#include "connectiontablemodel.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QLocale>

#include <algorithm>
#include <limits>

namespace baton::ui {

namespace {

// Busy first: a request being answered, then one being read, then the rest.
int activityRank(ConnectionState state)
{
    switch (state) {
    case ConnectionState::Busy:
    case ConnectionState::Writing:
        return 0;
    case ConnectionState::Reading:
        return 1;
    case ConnectionState::Closing:
    case ConnectionState::Moving:
        return 2;
    case ConnectionState::Idle:
        break;
    }
    return 3;
}

template<typename T> int compareValues(const T &a, const T &b)
{
    return a < b ? -1 : (b < a ? 1 : 0);
}

// Ascending order by a column. Ages are compared through their timestamps (an older request has
// an earlier start), so the order does not move as time passes.
int compareBy(int column, const ConnectionInfo &a, const ConnectionInfo &b)
{
    constexpr qint64 never = std::numeric_limits<qint64>::max();
    switch (column) {
    case ConnectionTableModel::IdColumn:
        return compareValues(a.id, b.id);
    case ConnectionTableModel::PeerColumn:
        return a.peer.compare(b.peer);
    case ConnectionTableModel::StateColumn:
        if (const int c = compareValues(activityRank(a.state), activityRank(b.state)))
            return c;
        if (const int c = compareValues(a.requestStartedAtMs > 0 ? a.requestStartedAtMs : never,
                                        b.requestStartedAtMs > 0 ? b.requestStartedAtMs : never))
            return c;
        return compareValues(a.connectedAtMs, b.connectedAtMs);
    case ConnectionTableModel::RequestColumn:
        if (const int c = compareValues(a.path, b.path))
            return c;
        return compareValues(a.method, b.method);
    case ConnectionTableModel::RequestAgeColumn: // no request: the smallest age
        return compareValues(a.requestStartedAtMs > 0 ? -a.requestStartedAtMs : -never,
                             b.requestStartedAtMs > 0 ? -b.requestStartedAtMs : -never);
    case ConnectionTableModel::ConnectionAgeColumn:
        return compareValues(b.connectedAtMs, a.connectedAtMs);
    case ConnectionTableModel::BytesInColumn:
        return compareValues(a.bytesIn, b.bytesIn);
    case ConnectionTableModel::BytesOutColumn:
        return compareValues(a.bytesOut, b.bytesOut);
    case ConnectionTableModel::RequestsColumn:
        return compareValues(a.requestsServed, b.requestsServed);
    }
    return 0;
}

} // namespace

QString formatDuration(qint64 ms)
{
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    if (ms < 60'000)
        return QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
    if (ms < 3'600'000)
        return QStringLiteral("%1 min %2 s").arg(ms / 60'000).arg((ms / 1000) % 60);
    return QStringLiteral("%1 h %2 min").arg(ms / 3'600'000).arg((ms / 60'000) % 60);
}

QString formatBytes(qint64 bytes)
{
    return QLocale::system().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

ConnectionTableModel::ConnectionTableModel(QObject *parent) : ConnectionTableModel(nullptr, parent)
{}

ConnectionTableModel::ConnectionTableModel(ConnectionStore *store, QObject *parent)
    : OrderedTableModel(parent), m_store(store ? store : new ConnectionStore(this))
{
    connect(m_store, &ConnectionStore::updated, this, &ConnectionTableModel::update);
    resort();
}

void ConnectionTableModel::setFilter(ConnectionFilter filter)
{
    if (filter == m_filter)
        return;
    m_filter = filter;
    show();
}

void ConnectionTableModel::setTextFilter(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    m_textMatch.assign(size_t(m_store->slotLimit()), 1);
    if (!m_text.isEmpty()) {
        for (int slot = 0; slot < m_store->slotLimit(); ++slot)
            m_textMatch[size_t(slot)] = m_store->isLive(slot) && matchesText(slot);
    }
    show();
}

void ConnectionTableModel::sort(int column, Qt::SortOrder order)
{
    if (column < 0 || column >= ColumnCount || (column == m_sortColumn && order == m_sortOrder))
        return;
    m_sortColumn = column;
    m_sortOrder = order;
    resort();
}

bool ConnectionTableModel::matchesText(int slot) const
{
    const ConnectionInfo &info = m_store->info(slot);
    return info.peer.contains(m_text, Qt::CaseInsensitive) ||
           QString::fromUtf8(info.path).contains(m_text, Qt::CaseInsensitive) ||
           QString::fromLatin1(info.method).contains(m_text, Qt::CaseInsensitive) ||
           connectionStateName(info.state).contains(m_text, Qt::CaseInsensitive);
}

bool ConnectionTableModel::shown(int slot) const
{
    return m_store->matches(slot, m_filter) && (m_text.isEmpty() || m_textMatch[size_t(slot)]);
}

bool ConnectionTableModel::less(int a, int b) const
{
    const ConnectionInfo &x = m_store->info(a);
    const ConnectionInfo &y = m_store->info(b);
    const int c = compareBy(m_sortColumn, x, y);
    if (c != 0)
        return m_sortOrder == Qt::AscendingOrder ? c < 0 : c > 0;
    return x.id < y.id; // a total order: merging needs one
}

void ConnectionTableModel::resort()
{
    m_sorted.clear();
    m_sorted.reserve(size_t(m_store->size()));
    for (int slot = 0; slot < m_store->slotLimit(); ++slot) {
        if (m_store->isLive(slot))
            m_sorted.push_back(slot);
    }
    std::sort(m_sorted.begin(), m_sorted.end(), [this](int a, int b) { return less(a, b); });
    show();
}

// The rows shown are the sorted ones that pass the filters: a filter switch costs one pass, no
// sort.
void ConnectionTableModel::show()
{
    if (m_filter == ConnectionFilter::All && m_text.isEmpty()) {
        applyOrder(m_sorted, m_store->slotLimit());
        return;
    }
    std::vector<int> rows;
    rows.reserve(m_sorted.size());
    for (const int slot : m_sorted) {
        if (shown(slot))
            rows.push_back(slot);
    }
    applyOrder(std::move(rows), m_store->slotLimit());
}

void ConnectionTableModel::update()
{
    const ConnectionStore::Change &change = m_store->lastChange();
    const size_t limit = size_t(m_store->slotLimit());
    if (!m_text.isEmpty()) {
        m_textMatch.resize(limit, 0);
        for (const auto *list : {&change.added, &change.changed}) {
            for (const int slot : *list)
                m_textMatch[size_t(slot)] = matchesText(slot);
        }
    }
    // Rows whose connection did not change keep their relative order; the others are taken out
    // and merged back (mergeInOrder).
    m_touched.assign(limit, 0);
    for (const auto *list : {&change.changed, &change.removed}) {
        for (const int slot : *list)
            m_touched[size_t(slot)] = 1;
    }
    m_kept.clear();
    for (const int slot : m_sorted) {
        if (!m_touched[size_t(slot)])
            m_kept.push_back(slot);
    }
    std::vector<int> moved = change.added;
    moved.insert(moved.end(), change.changed.cbegin(), change.changed.cend());
    mergeInOrder(m_sorted, m_kept, moved, [this](int a, int b) { return less(a, b); });
    show();
    // Every age moved: one signal for the whole table, which a view turns into one repaint.
    if (rowCount() > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int ConnectionTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ConnectionTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ConnectionInfo &info = m_store->info(slotAt(index.row()));
    const qint64 takenAtMs = m_store->takenAtMs();
    const qint64 requestAge =
        info.requestStartedAtMs > 0 ? takenAtMs - info.requestStartedAtMs : -1;
    const qint64 connectionAge = takenAtMs - info.connectedAtMs;
    const bool busy = info.state == ConnectionState::Busy || info.state == ConnectionState::Writing;

    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case IdColumn:
            return QString::number(info.id);
        case PeerColumn:
            return info.peer;
        case StateColumn:
            return info.draining ? connectionStateName(info.state) + QStringLiteral(" (draining)")
                                 : connectionStateName(info.state);
        case RequestColumn:
            return info.method.isEmpty()
                       ? QString()
                       : QString::fromLatin1(info.method) + u' ' + QString::fromUtf8(info.path);
        case RequestAgeColumn:
            return requestAge >= 0 ? formatDuration(requestAge) : QString();
        case ConnectionAgeColumn:
            return formatDuration(connectionAge);
        case BytesInColumn:
            return formatBytes(info.bytesIn);
        case BytesOutColumn:
            return formatBytes(info.bytesOut);
        case RequestsColumn:
            return QString::number(info.requestsServed);
        }
        break;
    case SortRole:
        switch (index.column()) {
        case IdColumn:
            return info.id;
        case PeerColumn:
            return info.peer;
        case StateColumn:
            return int(info.state);
        case RequestColumn:
            return QString::fromUtf8(info.method + ' ' + info.path);
        case RequestAgeColumn:
            return requestAge;
        case ConnectionAgeColumn:
            return connectionAge;
        case BytesInColumn:
            return info.bytesIn;
        case BytesOutColumn:
            return info.bytesOut;
        case RequestsColumn:
            return info.requestsServed;
        }
        break;
    case StateRole:
        return int(info.state);
    case Qt::TextAlignmentRole:
        if (index.column() >= RequestAgeColumn || index.column() == IdColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case Qt::BackgroundRole:
        if (busy)
            return QBrush(QColor(255, 236, 179)); // amber: a request is being answered
        if (info.state == ConnectionState::Closing)
            return QBrush(QColor(236, 236, 236));
        break;
    case Qt::FontRole:
        if (info.draining) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        break;
    case Qt::ToolTipRole:
        return QStringLiteral("Connection %1 from %2, worker thread %3")
            .arg(info.id)
            .arg(info.peer)
            .arg(info.worker);
    default:
        break;
    }
    return {};
}

QVariant ConnectionTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case IdColumn:
        return tr("Id");
    case PeerColumn:
        return tr("Peer");
    case StateColumn:
        return tr("State");
    case RequestColumn:
        return tr("Request");
    case RequestAgeColumn:
        return tr("Request age");
    case ConnectionAgeColumn:
        return tr("Connection age");
    case BytesInColumn:
        return tr("In");
    case BytesOutColumn:
        return tr("Out");
    case RequestsColumn:
        return tr("Requests");
    }
    return {};
}

} // namespace baton::ui

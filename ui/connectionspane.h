#pragma once

#include "connectionstore.h"

#include <QWidget>

#include <array>

class QAbstractButton;
class QButtonGroup;
class QComboBox;
class QLineEdit;
class QStackedWidget;
class QTableView;

namespace baton::ui {

class ConnectionGroupModel;
class ConnectionTableModel;

// The connections part of the window: a view switch (every connection, or grouped by path or by
// client), the state filter with a live count on each button, a text filter, and the table.
// The sort (of the table and of each grouped view), view and filter chosen are remembered
// (QSettings), like the column widths.
class ConnectionsPane : public QWidget
{
    Q_OBJECT
public:
    enum View { ConnectionsView, ByPathView, ByClientView };

    explicit ConnectionsPane(QWidget *parent = nullptr);

    void setSnapshot(const ServerSnapshot &snapshot);

    ConnectionStore *store() const { return m_store; }
    ConnectionTableModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    ConnectionGroupModel *groupModel(ConnectionStore::GroupKind kind) const
    {
        return m_groupModels[kind];
    }
    QTableView *groupTable() const { return m_groupTable; }
    QAbstractButton *filterButton(ConnectionFilter filter) const;
    QComboBox *viewSelector() const { return m_viewSelector; }

    void setView(View view);
    View view() const;

    // Column widths; the sort, view and filter are saved as they change.
    void saveSettings() const;

private:
    void restoreSettings();
    void saveChoices() const;
    void saveGroupSort() const;
    void updateCounts();

    ConnectionStore *m_store;
    ConnectionTableModel *m_model;
    std::array<ConnectionGroupModel *, 2> m_groupModels{};
    QComboBox *m_viewSelector = nullptr;
    QButtonGroup *m_filters = nullptr;
    QLineEdit *m_textFilter = nullptr;
    QStackedWidget *m_stack = nullptr;
    QTableView *m_table = nullptr;
    QTableView *m_groupTable = nullptr;
};

} // namespace baton::ui

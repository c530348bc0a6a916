#pragma once

#include <QHash>
#include <QString>

#include <optional>

namespace baton {

// A minimal INI reader for --config: "key = value" lines, '#' or ';' comments, [sections]
// ignored. Hand-rolled rather than QSettings because QSettings turns "a, b" into a list and
// would silently change a greeting with a comma in it.
class ConfigFile
{
public:
    // nullopt (and *error naming file and line) when unreadable or malformed.
    static std::optional<ConfigFile> load(const QString &path, QString *error);

    bool contains(const QString &key) const { return m_values.contains(key); }
    QString value(const QString &key) const { return m_values.value(key); }
    QList<QString> keys() const { return m_values.keys(); }
    // The line a key was set on, for error messages.
    int lineOf(const QString &key) const { return m_lines.value(key); }
    QString path() const { return m_path; }

private:
    QString m_path;
    QHash<QString, QString> m_values;
    QHash<QString, int> m_lines;
};

} // namespace baton

#include "configfile.h"

#include <QFile>

namespace baton {

std::optional<ConfigFile> ConfigFile::load(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        *error = QStringLiteral("cannot read config file %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    ConfigFile config;
    config.m_path = path;
    int lineNumber = 0;
    while (!file.atEnd()) {
        ++lineNumber;
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (line.isEmpty() || line.startsWith(u'#') || line.startsWith(u';') ||
            (line.startsWith(u'[') && line.endsWith(u']')))
            continue;
        const qsizetype eq = line.indexOf(u'=');
        if (eq <= 0) {
            *error = QStringLiteral("%1:%2: expected key = value").arg(path).arg(lineNumber);
            return std::nullopt;
        }
        const QString key = line.left(eq).trimmed();
        QString value = line.mid(eq + 1).trimmed();
        if (value.size() >= 2 && value.startsWith(u'"') && value.endsWith(u'"'))
            value = value.mid(1, value.size() - 2);
        config.m_values.insert(key, value);
        config.m_lines.insert(key, lineNumber);
    }
    return config;
}

} // namespace baton

#include "panelloader.h"

#include <QDir>
#include <QFileInfo>
#include <QLibrary>
#include <QLoggingCategory>
#include <QStringList>

Q_LOGGING_CATEGORY(lcPanel, "baton.panel", QtInfoMsg)

namespace baton {

namespace {

QStringList candidates()
{
    const QString override = qEnvironmentVariable("BATON_PANEL_PLUGIN");
    if (!override.isEmpty())
        return {override};
    const QString fileName = QStringLiteral(BATON_PANEL_FILE_NAME);
    // The running binary, not argv[0]: a PATH lookup or a symlink must not change what loads.
    const QString binDir =
        QFileInfo(QFileInfo(QStringLiteral("/proc/self/exe")).canonicalFilePath()).absolutePath();
    QStringList paths;
    paths << QDir(binDir).filePath(fileName)
          // Relative first, so that a tree installed under another prefix (or DESTDIR, or a
          // package unpacked anywhere) loads its own panel rather than another install's.
          << QDir::cleanPath(QDir(binDir).filePath(QStringLiteral(BATON_PANEL_RELATIVE_DIR)) +
                             u'/' + fileName)
          << QStringLiteral(BATON_PANEL_INSTALL_DIR "/") + fileName;
    paths.removeDuplicates();
    return paths;
}

} // namespace

std::unique_ptr<PanelPlugin> loadPanelPlugin()
{
    const QStringList paths = candidates();
    QString path;
    for (const QString &candidate : paths) {
        if (QFileInfo(candidate).isFile()) {
            path = candidate;
            break;
        }
    }
    if (path.isEmpty()) {
        qCInfo(lcPanel).noquote() << QStringLiteral("the control panel is not installed (package "
                                                    "baton-gui; looked for %1): running headless")
                                         .arg(paths.join(QStringLiteral(", ")));
        return nullptr;
    }
    // Never unloaded: the application object and the window it makes outlive this function.
    QLibrary library(path);
    // Every symbol bound now: a panel that does not fit this executable fails here, with the
    // loader's message, rather than in the middle of a run.
    library.setLoadHints(QLibrary::ResolveAllSymbolsHint);
    const auto fail = [&path](const QString &why) {
        qCWarning(lcPanel).noquote()
            << QStringLiteral("the control panel %1 cannot be used (%2): running headless")
                   .arg(path, why);
        return nullptr;
    };
    if (!library.load())
        return fail(library.errorString());
    const auto version =
        reinterpret_cast<BatonPanelVersionFunction>(library.resolve(BATON_PANEL_VERSION_SYMBOL));
    const auto create =
        reinterpret_cast<BatonPanelFactoryFunction>(library.resolve(BATON_PANEL_FACTORY_SYMBOL));
    if (!version || !create)
        return fail(QStringLiteral("not a Baton control panel"));
    if (qstrcmp(version(), BATON_VERSION) != 0)
        return fail(QStringLiteral("it is version %1, this baton is %2")
                        .arg(QString::fromLatin1(version()), QStringLiteral(BATON_VERSION)));
    qCInfo(lcPanel).noquote() << QStringLiteral("control panel: %1").arg(path);
    return std::unique_ptr<PanelPlugin>(create());
}

} // namespace baton

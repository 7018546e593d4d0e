#include "windowmodule.h"

#include "headlessrunner.h"
#include "platform.h"

#include <QDir>
#include <QFileInfo>
#include <QLibrary>
#include <QStringList>

#include <cstdio>

using namespace Qt::StringLiterals;

int runWindowModule(int argc, char *argv[])
{
    // Next to the executable in the build tree; in HEIKO_WINDOW_MODULE_DIR (relative to the executable's
    // folder) once installed.
    const QString executable = heiko::platform::executablePath();
    const QDir folder = QFileInfo(executable).absoluteDir();
    const QString name = QStringLiteral(HEIKO_WINDOW_MODULE);
    const QStringList candidates
        = { folder.filePath(name), folder.filePath(QStringLiteral(HEIKO_WINDOW_MODULE_DIR) + u'/' + name) };
    QStringList problems;
    for (const QString &path : candidates) {
        if (!QFileInfo::exists(path))
            continue;
        QLibrary module(path);
        using Entry = int (*)(int, char **);
        const auto entry = reinterpret_cast<Entry>(module.resolve("heiko_run_window"));
        if (entry)
            return entry(argc, argv); // the module stays loaded until the process ends
        problems.append(module.errorString());
    }
    if (problems.isEmpty())
        problems.append(u"%1 is not in %2"_s.arg(name, QDir::toNativeSeparators(candidates.join(u" or "_s))));
    std::fprintf(stderr,
                 "heiko: cannot open the window: %s; reinstall Heiko, or use heiko --headless to download "
                 "without a window\n",
                 qPrintable(problems.join(u"; "_s)));
    return HeadlessRunner::UsageError;
}

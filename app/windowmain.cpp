#include "windowmain.h"

#include "appsettings.h"
#include "commandline.h"
#include "commandlineurls.h"
#include "downloadmanager.h"
#include "headlessrunner.h"
#include "loghub.h"
#include "mainwindow.h"
#include "queuepersistence.h"
#include "queuestore.h"
#include "singleinstance.h"
#include "startup.h"
#include "urllist.h"

#include <QApplication>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QIcon>
#include <QSettings>
#include <QStandardPaths>

#include <cstdio>

using namespace Qt::StringLiterals;

int runWindow(int argc, char *argv[])
{
    QApplication app(argc, argv);
    startup::setApplicationIdentity();
    QApplication::setApplicationDisplayName(u"Heiko"_s);
    QApplication::setDesktopFileName(u"io.github.heiko.Heiko"_s);
    QApplication::setWindowIcon(QIcon(u":/icons/heiko.svg"_s));
    // The window may hide in the tray while dialogs come and go: quitting is the window's decision.
    QApplication::setQuitOnLastWindowClosed(false);
    const CommandLine::Result parsed = CommandLine::parse(QCoreApplication::arguments());
    if (const int status = startup::finishEarly(parsed); status >= 0)
        return status;

    // The URLs to queue: the arguments and, with -i, a list file, whose names (out=) and folders (dir=)
    // travel as its option lines; its refused lines are said on stderr, as a headless run says them.
    // Each argument is checked here, as a headless run checks it: a second window hands its URLs to the
    // first, and the terminal it was started from is the only place that can say which were skipped.
    const CommandLineUrls read = CommandLineUrls::read(parsed.options.urls, parsed.options.inputFile);
    if (!read.error().isEmpty()) {
        std::fprintf(stderr, "heiko: %s\n", qPrintable(read.error()));
        return HeadlessRunner::UsageError;
    }
    const qsizetype skipped = read.refusedCount();
    QStringList urls;
    for (const CommandLineUrls::Problem &refused : read.refused()) {
        std::fprintf(stderr, "heiko: [list] %s skipped: %s: %s\n", qPrintable(refused.where),
                     qPrintable(refused.reason), qPrintable(refused.text));
        // A refused argument is passed on all the same, so that the window says so too, in its status bar
        // and log, for a start from a file manager or a browser, without a terminal; not one that would read
        // as more than one line, or as a list's option or comment line ("  out=...") belonging to the URL
        // before it.
        if (refused.argument >= 0) {
            const QString &argument = parsed.options.urls.at(refused.argument);
            if (!argument.contains(u'\n') && !argument.startsWith(u' ') && !argument.startsWith(u'\t')
                && !argument.startsWith(u'#') && !argument.isEmpty())
                urls.append(argument);
        }
    }
    for (const CommandLineUrls::Problem &warning : read.warnings())
        std::fprintf(stderr, "heiko: [list] %s: %s\n", qPrintable(warning.where), qPrintable(warning.reason));
    QList<heiko::UrlList::Entry> entries;
    entries.reserve(read.entries().size());
    for (const CommandLineUrls::Entry &entry : read.entries())
        entries.append(entry.entry);
    urls.append(heiko::UrlList::toLines(entries));
    const QString directory
        = parsed.options.directory.isEmpty() ? QString() : QDir(parsed.options.directory).absolutePath();

    // One window per user: a second `heiko URL...` hands its URLs to the first and exits. A folder given
    // with -d travels as a leading "--dir=" entry (never a URL), made absolute here, where it was typed.
    SingleInstance instance(SingleInstance::defaultServerName());
    if (!instance.listen()) {
        QString error;
        bool reached = false;
        const QStringList message
            = directory.isEmpty() ? urls : QStringList { u"--dir="_s + directory } + urls;
        if (SingleInstance::sendUrls(SingleInstance::defaultServerName(), message, &error,
                                     SingleInstance::kDefaultSendTimeout, &reached))
            return skipped > 0 ? HeadlessRunner::SomeFailed : 0;
        if (reached) {
            // It took the connection (and refused the URLs, or did not confirm them: they may still arrive).
            // A second window would run the same queue and the same .part files beside it.
            std::fprintf(stderr, "heiko: %s; no second window is opened beside the running Heiko\n",
                         qPrintable(error));
            return HeadlessRunner::SomeFailed;
        }
        std::fprintf(stderr, "heiko: %s; opening a new window\n", qPrintable(error));
    }

    heiko::LogHub log;
    log.installQtMessageHandler();
    log.setEchoStream(stderr, heiko::LogLevel::Warning);
    QSettings settingsStore;
    AppSettings settings(settingsStore);
    // Options on the command line apply to this session; the saved settings stay as they are.
    const heiko::EngineOptions engine = parsed.options.engineOver(settings.engineOptions());
    if (!parsed.options.logFile.isEmpty()) {
        QString error;
        if (!log.setLogFile(parsed.options.logFile, &error)) {
            std::fprintf(stderr, "heiko: %s\n", qPrintable(error));
            return HeadlessRunner::UsageError;
        }
    }
    heiko::DownloadManager manager(log, engine);

    // The queue comes back as it was left: unfinished downloads continue their .part files.
    const heiko::QueueStore queueStore(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
                                       + u"/queue.json"_s);
    QString notice;
    for (const heiko::SavedDownload &download : queueStore.loadAtStart(&notice))
        manager.restore(download);
    if (!notice.isEmpty())
        log.warning(HEIKO_HERE, u"[queue] "_s + notice);
    heiko::QueuePersistence persistence(manager, queueStore, heiko::QueuePersistence::Mode::WholeQueue, log);

    MainWindow window(manager, log, settings);
    QObject::connect(&instance, &SingleInstance::urlsReceived, &window, [&window](QStringList received) {
        QString folder;
        if (!received.isEmpty() && received.constFirst().startsWith(u"--dir="_s))
            folder = received.takeFirst().mid(6);
        window.queueUrls(received, folder);
        window.showAndRaise();
    });
    QObject::connect(&instance, &SingleInstance::activationRequested, &window, &MainWindow::showAndRaise);
    window.show();
    // -d applies to the URLs on this command line only; the saved folder stays what the settings say.
    window.queueUrls(urls, directory);
    const int status = QApplication::exec();
    // No more URLs handed over from here on: this window is going away, and they would be lost with it.
    instance.close();
    // Workers stop and sync their .part files before the queue is saved for the last time (persistence's
    // destructor, which runs before the manager's).
    manager.stopAndWait();
    return status;
}

#if defined(HEIKO_BUILDING_WINDOW_MODULE)
// The module's one entry point, looked up by name (windowmodule.cpp).
extern "C" Q_DECL_EXPORT int heiko_run_window(int argc, char *argv[])
{
    return runWindow(argc, argv);
}
#endif

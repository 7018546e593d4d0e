#include "windowmain.h"

#include "appsettings.h"
#include "commandline.h"
#include "downloadmanager.h"
#include "headlessrunner.h"
#include "loghub.h"
#include "mainwindow.h"
#include "queuepersistence.h"
#include "queuestore.h"
#include "signalwatcher.h"
#include "singleinstance.h"
#include "startup.h"
#include "windowhandover.h"

#include <QApplication>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QIcon>
#include <QSettings>
#include <QStandardPaths>

#include <cstdio>
#include <memory>

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
    const windowhandover::Request request = windowhandover::prepare(parsed.options);
    if (request.exitStatus >= 0)
        return request.exitStatus;

    // One window per user: a second `heiko URL...` hands its URLs to the first and exits.
    SingleInstance instance(SingleInstance::defaultServerName());
    if (!instance.listen()) {
        QString error;
        if (const std::optional<int> status = windowhandover::send(request, parsed.options, &error))
            return *status;
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
    // Made before the manager and the queue's persistence, so that it goes after them: until the last save
    // and the workers are done, a signal (a logout sends SIGTERM and SIGHUP a moment apart) is taken by the
    // watcher, not by its default action, which ended the process before the queue was saved.
    const auto signalWatcher = std::make_unique<SignalWatcher>();
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
    QObject::connect(&instance, &SingleInstance::urlsReceived, &window,
                     [&window](const QStringList &message) {
                         const windowhandover::Received received = windowhandover::unpack(message);
                         if (!received.urls.isEmpty())
                             window.queueUrls(received.urls, received.directory);
                         window.showAndRaise();
                     });
    QObject::connect(&instance, &SingleInstance::activationRequested, &window, &MainWindow::showAndRaise);
    // kill, a logout or the terminal it was started from going away: quit as the Quit action does, so that
    // the workers sync their .part files and the queue is saved (without it they were killed outright, and
    // the last seconds of the queue were lost).
    QObject::connect(signalWatcher.get(), &SignalWatcher::interrupted, &window, [&window, &log] {
        log.info(HEIKO_HERE,
                 u"[heiko] asked to quit by a signal: stopping; unfinished downloads keep their "
                 u".part files"_s);
        window.quitNow();
    });
    window.show();
    // -d applies to the URLs on this command line only; the saved folder stays what the settings say.
    window.queueUrls(request.urls, request.directory);
    const int status = QApplication::exec();
    // No more URLs handed over from here on: this window is going away, and they would be lost with it.
    instance.close();
    // Workers stop and sync their .part files before the queue is saved for the last time (persistence's
    // destructor, which runs before the manager's and the signal watcher's).
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

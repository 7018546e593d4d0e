#include "commandline.h"
#include "downloadmanager.h"
#include "headlessrunner.h"
#include "loghub.h"
#include "mainwindow.h"
#include "platform.h"

#include <QApplication>
#include <QCoreApplication>
#include <QStandardPaths>

#include <cstdio>
#include <memory>

using namespace Qt::StringLiterals;

namespace {

void setApplicationIdentity()
{
    QCoreApplication::setApplicationName(u"heiko"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(HEIKO_VERSION));
    QCoreApplication::setOrganizationName(u"Heiko"_s);
    QCoreApplication::setOrganizationDomain(u"heiko.invalid"_s);
}

// Help, version and usage errors: printed, with the exit status scripts rely on.
int finishEarly(const CommandLine::Result &parsed)
{
    switch (parsed.action) {
    case CommandLine::Action::ShowHelp:
    case CommandLine::Action::ShowVersion:
        std::fputs(qPrintable(parsed.text + u'\n'), stdout);
        return 0;
    case CommandLine::Action::UsageError:
        std::fputs(qPrintable(parsed.text + u'\n'), stderr);
        return HeadlessRunner::UsageError;
    case CommandLine::Action::Run:
        break;
    }
    return -1;
}

} // namespace

int main(int argc, char *argv[])
{
    heiko::platform::tuneAllocator();
    // A headless run (and --help, --version) must work without a display, so the kind of application
    // object is decided before one exists: QCoreApplication loads no GUI platform at all.
    if (!CommandLine::wantsWindow(argc, argv)) {
        heiko::platform::attachParentConsole();
        QCoreApplication app(argc, argv);
        setApplicationIdentity();
        const CommandLine::Result parsed = CommandLine::parse(QCoreApplication::arguments());
        if (const int status = finishEarly(parsed); status >= 0)
            return status;
        // Headless keeps a short ring: nothing reads the backlog, the lines go straight out.
        heiko::LogHub log(1000);
        log.installQtMessageHandler();
        HeadlessRunner runner(parsed.options, log);
        return runner.run();
    }

    QApplication app(argc, argv);
    setApplicationIdentity();
    QApplication::setApplicationDisplayName(u"Heiko"_s);
    const CommandLine::Result parsed = CommandLine::parse(QCoreApplication::arguments());
    if (const int status = finishEarly(parsed); status >= 0)
        return status;

    heiko::LogHub log;
    log.installQtMessageHandler();
    log.setEchoStream(stderr, heiko::LogLevel::Warning);
    heiko::EngineOptions engine = parsed.options.engine;
    heiko::DownloadManager manager(log, engine);
    QString directory = parsed.options.directory;
    if (directory.isEmpty())
        directory = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);

    MainWindow window(manager, log, directory);
    window.show();
    window.addUrlsFromText(parsed.options.urls.join(u'\n'));
    return QApplication::exec();
}

#include "commandline.h"
#include "headlessrunner.h"
#include "loghub.h"
#include "platform.h"
#include "startup.h"
#include "windowhandover.h"
#if defined(HEIKO_WINDOW_MODULE)
#include "windowmodule.h"
#else
#include "windowmain.h"
#endif

#include <QCoreApplication>

#include <cstdio>

int main(int argc, char *argv[])
{
    heiko::platform::tuneAllocator();
    // A headless run (and --help, --version) must work without a display, so the kind of application
    // object is decided before one exists: QCoreApplication loads no GUI platform at all. So must a
    // `heiko URL` where no window can be opened (ssh, cron): it hands the URLs to the window on the desktop.
    const bool windowWanted = CommandLine::wantsWindow(argc, argv);
    if (!windowWanted || !windowhandover::displayAvailable()) {
        heiko::platform::attachParentConsole();
        QCoreApplication app(argc, argv);
        startup::setApplicationIdentity();
        const CommandLine::Result parsed = CommandLine::parse(QCoreApplication::arguments());
        if (const int status = startup::finishEarly(parsed); status >= 0)
            return status;
        if (!parsed.options.headless && !windowWanted) {
            // wantsWindow() saw --headless, --help or --version, which parse() took as the value of the
            // option before it ("-d --headless"): downloading into a folder named "--headless", or handing
            // the URLs to a window, would both be surprises.
            std::fprintf(stderr,
                         "heiko: an option's value starts with '-' (as in '-d --headless'); give that "
                         "option its value\nTry 'heiko --help' for more information.\n");
            return HeadlessRunner::UsageError;
        }
        if (!parsed.options.headless)
            return windowhandover::handOverWithoutDisplay(parsed.options);
        // Headless keeps a short ring: nothing reads the backlog, the lines go straight out.
        heiko::LogHub log(1000);
        log.installQtMessageHandler();
        HeadlessRunner runner(parsed.options, log);
        return runner.run();
    }

    // The window lives in its own module on Linux (see windowmodule.h): a headless run then does not load
    // Qt's GUI libraries at all.
#if defined(HEIKO_WINDOW_MODULE)
    return runWindowModule(argc, argv);
#else
    return runWindow(argc, argv);
#endif
}
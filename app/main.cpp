#include "commandline.h"
#include "headlessrunner.h"
#include "loghub.h"
#include "platform.h"
#include "startup.h"
#if defined(HEIKO_WINDOW_MODULE)
#include "windowmodule.h"
#else
#include "windowmain.h"
#endif

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    heiko::platform::tuneAllocator();
    // A headless run (and --help, --version) must work without a display, so the kind of application
    // object is decided before one exists: QCoreApplication loads no GUI platform at all.
    if (!CommandLine::wantsWindow(argc, argv)) {
        heiko::platform::attachParentConsole();
        QCoreApplication app(argc, argv);
        startup::setApplicationIdentity();
        const CommandLine::Result parsed = CommandLine::parse(QCoreApplication::arguments());
        if (const int status = startup::finishEarly(parsed); status >= 0)
            return status;
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
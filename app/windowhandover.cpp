#include "windowhandover.h"

#include "commandlineurls.h"
#include "headlessrunner.h"
#include "singleinstance.h"
#include "urllist.h"

#include <QDir>
#include <QtGlobal>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace windowhandover {

namespace {

const QString kDirectoryEntry = u"--dir="_s;

// The options that cannot travel to a running window (it keeps its own settings), by their long names.
QStringList optionsNotHandedOver(const CommandLine::Options &options)
{
    QStringList names;
    for (const QString &name : options.given) {
        if (name != u"dir"_s && name != u"input-file"_s)
            names.append(u"--"_s + name);
    }
    return names;
}

} // namespace

Request prepare(const CommandLine::Options &options)
{
    Request request;
    // Each argument is checked here, as a headless run checks it: the terminal this was started from is
    // the only place that can say which were skipped.
    const CommandLineUrls read = CommandLineUrls::read(options.urls, options.inputFile);
    if (!read.error().isEmpty()) {
        std::fprintf(stderr, "heiko: %s\n", qPrintable(read.error()));
        request.exitStatus = HeadlessRunner::UsageError;
        return request;
    }
    request.skipped = read.refusedCount();
    for (const CommandLineUrls::Problem &refused : read.refused()) {
        std::fprintf(stderr, "heiko: [list] %s skipped: %s: %s\n", qPrintable(refused.where),
                     qPrintable(refused.reason), qPrintable(refused.text));
        // A refused argument is passed on all the same, so that the window says so too, in its status bar
        // and log, for a start from a file manager or a browser, without a terminal; not one that would read
        // as more than one line, or as a list's option or comment line ("  out=...") belonging to the URL
        // before it.
        if (refused.argument >= 0) {
            const QString &argument = options.urls.at(refused.argument);
            if (!argument.contains(u'\n') && !argument.startsWith(u' ') && !argument.startsWith(u'\t')
                && !argument.startsWith(u'#') && !argument.isEmpty())
                request.urls.append(argument);
        }
    }
    for (const CommandLineUrls::Problem &warning : read.warnings())
        std::fprintf(stderr, "heiko: [list] %s: %s\n", qPrintable(warning.where), qPrintable(warning.reason));
    QList<heiko::UrlList::Entry> entries;
    entries.reserve(read.entries().size());
    for (const CommandLineUrls::Entry &entry : read.entries())
        entries.append(entry.entry);
    request.urls.append(heiko::UrlList::toLines(entries));
    // Made absolute here, where it was typed: the running window has its own working folder.
    request.directory = options.directory.isEmpty() ? QString() : QDir(options.directory).absolutePath();
    request.message = QStringList { kDirectoryEntry + request.directory } + request.urls;
    return request;
}

Received unpack(QStringList message)
{
    Received received;
    if (!message.isEmpty() && message.constFirst().startsWith(kDirectoryEntry))
        received.directory = message.takeFirst().mid(kDirectoryEntry.size());
    received.urls = std::move(message);
    return received;
}

bool displayAvailable()
{
#if defined(Q_OS_UNIX) && !defined(Q_OS_DARWIN) && !defined(Q_OS_ANDROID)
    if (!qEnvironmentVariableIsEmpty("DISPLAY") || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY"))
        return true;
    // A platform chosen with QT_QPA_PLATFORM ("xcb", "wayland;xcb", "offscreen", "vnc:size=800x600") opens
    // without a display only if it draws somewhere else; xcb and wayland, often set for a whole account,
    // abort without one.
    const QString chosen = qEnvironmentVariable("QT_QPA_PLATFORM");
    for (const QString &platform : chosen.split(u';', Qt::SkipEmptyParts)) {
        const QString name = platform.section(u':', 0, 0).trimmed();
        for (const QLatin1StringView displayless :
             { "offscreen"_L1, "minimal"_L1, "minimalegl"_L1, "eglfs"_L1, "linuxfb"_L1, "vnc"_L1,
               "vkkhrdisplay"_L1 }) {
            if (name == displayless)
                return true;
        }
    }
    return false;
#else
    return true;
#endif
}

std::optional<int> send(const Request &request, const CommandLine::Options &options, QString *error)
{
    bool reached = false;
    if (SingleInstance::sendUrls(SingleInstance::defaultServerName(), request.message, error,
                                 SingleInstance::kDefaultSendTimeout, &reached)) {
        if (const QStringList ignored = optionsNotHandedOver(options); !ignored.isEmpty())
            std::fprintf(stderr, "heiko: %s not applied: the running Heiko keeps its own settings\n",
                         qPrintable(ignored.join(u", "_s)));
        return request.skipped > 0 ? HeadlessRunner::SomeFailed : 0;
    }
    if (reached) {
        std::fprintf(stderr, "heiko: %s; no second window is opened beside the running Heiko\n",
                     qPrintable(*error));
        return HeadlessRunner::SomeFailed;
    }
    return std::nullopt;
}

int handOverWithoutDisplay(const CommandLine::Options &options)
{
    const Request request = prepare(options);
    if (request.exitStatus >= 0)
        return request.exitStatus;
    QString error;
    if (const std::optional<int> status = send(request, options, &error))
        return *status;
    std::fprintf(stderr,
                 "heiko: no display to open a window on (DISPLAY and WAYLAND_DISPLAY are not set), and no "
                 "running Heiko to hand the URLs to; use --headless to download without a window\n");
    return HeadlessRunner::UsageError;
}

} // namespace windowhandover

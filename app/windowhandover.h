#pragma once

#include "commandline.h"

#include <QString>
#include <QStringList>

#include <optional>

// A `heiko URL...` that wants a window hands its URLs to the window already running, if there is one
// (SingleInstance carries them). Shared by the window's start and by a start without a display, which can
// open no window of its own but can still reach the one on the desktop (a `heiko URL` from ssh or cron).
namespace windowhandover {

struct Request
{
    // What is sent: "--dir=FOLDER" first, always (FOLDER empty without -d), then the URL lines. Always
    // first, so that no argument can pose as it: "heiko -- --dir=/elsewhere URL" sends it as a URL line,
    // which the window refuses as not a URL.
    QStringList message;
    QStringList urls; // the URL lines alone, for a window of this process's own
    QString directory; // -d, absolute; empty: the window's own folder
    qsizetype skipped = 0; // arguments or list lines refused (said on stderr)
    int exitStatus = -1; // >= 0: the list could not be read (said on stderr); exit with this
};

// Reads the arguments and -i, says on stderr what it refuses.
Request prepare(const CommandLine::Options &options);

struct Received
{
    QString directory;
    QStringList urls;
};

// What a running window received: the folder entry taken off the front (a message from an older Heiko
// may have none).
Received unpack(QStringList message);

// Hands the request to the running window. Returns this process's exit status when it is done: the URLs
// were delivered (options the window cannot take are said on stderr), or a running Heiko took the
// connection without confirming them (said on stderr: they may still arrive, and a second window would run
// the same queue beside it). std::nullopt when no Heiko listens, with the reason in `error`.
std::optional<int> send(const Request &request, const CommandLine::Options &options, QString *error);

// Whether a window can be opened: on X11 and Wayland systems only with a display (DISPLAY,
// WAYLAND_DISPLAY) or a Qt platform that needs none (QT_QPA_PLATFORM=offscreen, vnc, eglfs...); elsewhere
// always.
bool displayAvailable();

// A start that wants a window where none can be opened: the URLs go to the running window, or the user is
// told to use --headless. Returns the exit status.
int handOverWithoutDisplay(const CommandLine::Options &options);

} // namespace windowhandover

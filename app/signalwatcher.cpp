#include "signalwatcher.h"

#include <QSocketNotifier>

#include <atomic>

#if defined(Q_OS_UNIX)
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#elif defined(Q_OS_WIN)
#include <QMetaObject>

#include <windows.h>
#endif

namespace {

std::atomic<SignalWatcher *> g_watcher { nullptr };

#if defined(Q_OS_UNIX)
// The self-pipe trick: the handler may only do async-signal-safe things, so it writes one byte that a
// QSocketNotifier turns into an event on the watcher's thread.
int g_fds[2] = { -1, -1 };
// Ctrl+C, kill, and the terminal or ssh session going away: each a request to stop cleanly.
constexpr int kSignals[] = { SIGINT, SIGTERM, SIGHUP };

void handleSignal(int)
{
    const int savedErrno = errno; // the interrupted code may be looking at errno
    const char byte = 1;
    [[maybe_unused]] const ssize_t written = ::write(g_fds[0], &byte, 1);
    errno = savedErrno;
}
#elif defined(Q_OS_WIN)
BOOL WINAPI handleConsoleEvent(DWORD)
{
    if (SignalWatcher *watcher = g_watcher.load()) {
        // Runs on a console thread: queue the work to the watcher's own thread.
        QMetaObject::invokeMethod(
            watcher, [watcher] { watcher->handleActivated(); }, Qt::QueuedConnection);
        return TRUE;
    }
    return FALSE;
}
#endif

} // namespace

SignalWatcher::SignalWatcher(QObject *parent)
    : QObject(parent)
{
    g_watcher.store(this);
#if defined(Q_OS_UNIX)
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_fds) == 0) {
        // Both ends non-blocking: the handler must never block, and draining stops at "empty".
        ::fcntl(g_fds[0], F_SETFL, O_NONBLOCK);
        ::fcntl(g_fds[1], F_SETFL, O_NONBLOCK);
        m_notifier = new QSocketNotifier(g_fds[1], QSocketNotifier::Read, this);
        connect(m_notifier, &QSocketNotifier::activated, this, &SignalWatcher::handleActivated);
        struct sigaction action = {};
        action.sa_handler = &handleSignal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        for (const int signal : kSignals) {
            // A hangup the starting program told us to ignore stays ignored: `nohup heiko ...` must survive
            // the terminal closing. (Not so Ctrl+C and kill: a shell starts background jobs with SIGINT
            // ignored, and `kill -INT` must still stop a run cleanly.)
            struct sigaction previous = {};
            if (signal == SIGHUP && ::sigaction(signal, nullptr, &previous) == 0
                && previous.sa_handler == SIG_IGN)
                continue;
            ::sigaction(signal, &action, nullptr);
        }
    }
#elif defined(Q_OS_WIN)
    SetConsoleCtrlHandler(&handleConsoleEvent, TRUE);
#endif
}

SignalWatcher::~SignalWatcher()
{
#if defined(Q_OS_UNIX)
    for (const int signal : kSignals) {
        struct sigaction current = {};
        if (::sigaction(signal, nullptr, &current) == 0 && current.sa_handler == &handleSignal)
            ::signal(signal, SIG_DFL);
    }
    delete m_notifier;
    for (int &fd : g_fds) {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
#elif defined(Q_OS_WIN)
    SetConsoleCtrlHandler(&handleConsoleEvent, FALSE);
#endif
    g_watcher.store(nullptr);
}

void SignalWatcher::handleActivated()
{
#if defined(Q_OS_UNIX)
    // Each signal wrote one byte: two quick Ctrl+C are two requests, even if they arrive together.
    char buffer[16];
    int received = 0;
    for (ssize_t got; (got = ::read(g_fds[1], buffer, sizeof buffer)) > 0;)
        received += int(got);
    for (int i = 0; i < qMax(1, received); ++i)
        Q_EMIT interrupted(++m_count);
#else
    Q_EMIT interrupted(++m_count);
#endif
}

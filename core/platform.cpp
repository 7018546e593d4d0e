#include "platform.h"

#include <QCoreApplication>

#include <QFileInfo>

#if defined(Q_OS_WIN)
#include <io.h>
#include <windows.h>
#elif defined(Q_OS_UNIX)
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <unistd.h>
#if defined(Q_OS_LINUX)
#include <sys/syscall.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#endif

namespace heiko::platform {

qint64 currentProcessId()
{
    return QCoreApplication::applicationPid();
}

quint64 currentThreadId()
{
    // Cached per thread: the log asks for it on every record.
    thread_local const quint64 id = [] {
#if defined(Q_OS_WIN)
        return static_cast<quint64>(GetCurrentThreadId());
#elif defined(Q_OS_LINUX)
        return static_cast<quint64>(syscall(SYS_gettid));
#elif defined(Q_OS_DARWIN)
        quint64 tid = 0;
        pthread_threadid_np(nullptr, &tid);
        return tid;
#else
        return static_cast<quint64>(reinterpret_cast<quintptr>(pthread_self()));
#endif
    }();
    return id;
}

bool isTerminal(std::FILE *stream)
{
#if defined(Q_OS_WIN)
    return _isatty(_fileno(stream)) != 0;
#else
    return ::isatty(fileno(stream)) != 0;
#endif
}

int terminalColumns(std::FILE *stream)
{
#if defined(Q_OS_WIN)
    CONSOLE_SCREEN_BUFFER_INFO info;
    HANDLE handle = reinterpret_cast<HANDLE>(_get_osfhandle(_fileno(stream)));
    if (GetConsoleScreenBufferInfo(handle, &info))
        return info.srWindow.Right - info.srWindow.Left + 1;
    return 0;
#else
    winsize size {};
    if (::ioctl(fileno(stream), TIOCGWINSZ, &size) == 0)
        return size.ws_col;
    return 0;
#endif
}

bool syncFile(QFileDevice &file)
{
    if (!file.isOpen() || !file.flush())
        return false;
    const int fd = file.handle();
    if (fd < 0)
        return false;
#if defined(Q_OS_WIN)
    return FlushFileBuffers(reinterpret_cast<HANDLE>(_get_osfhandle(fd))) != 0;
#elif defined(Q_OS_DARWIN)
    return ::fcntl(fd, F_FULLFSYNC) == 0 || ::fsync(fd) == 0;
#else
    return ::fdatasync(fd) == 0;
#endif
}

bool openExistingNoFollow(QFile &file, const QString &path, QIODevice::OpenMode mode)
{
#if defined(Q_OS_UNIX)
    int flags = O_WRONLY | O_NOFOLLOW | O_CLOEXEC;
    if (mode & QIODevice::Append)
        flags |= O_APPEND;
    if (mode & QIODevice::Truncate)
        flags |= O_TRUNC;
    const int fd = ::open(QFile::encodeName(path).constData(), flags);
    if (fd < 0)
        return false;
    file.setFileName(path);
    if (!file.open(fd, mode, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        return false;
    }
    return true;
#else
    if (QFileInfo(path).isSymLink())
        return false;
    file.setFileName(path);
    return file.open(mode | QIODevice::ExistingOnly);
#endif
}

void tuneAllocator()
{
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 2 * 1024 * 1024);
#endif
}

void attachParentConsole()
{
#if defined(Q_OS_WIN)
    if (AttachConsole(ATTACH_PARENT_PROCESS)) {
        std::FILE *ignored = nullptr;
        freopen_s(&ignored, "CONOUT$", "w", stdout);
        freopen_s(&ignored, "CONOUT$", "w", stderr);
        freopen_s(&ignored, "CONIN$", "r", stdin);
    }
#endif
}

} // namespace heiko::platform

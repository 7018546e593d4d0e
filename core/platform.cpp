#include "platform.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>

#include <atomic>
#include <iterator>

#if defined(Q_OS_WIN)
#include <io.h>
#include <windows.h>
#elif defined(Q_OS_UNIX)
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
    static const qint64 pid = QCoreApplication::applicationPid(); // asked for on every log record
    return pid;
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

QString executablePath()
{
#if defined(Q_OS_LINUX)
    char path[4096];
    const ssize_t length = ::readlink("/proc/self/exe", path, sizeof path - 1);
    return length > 0 ? QFile::decodeName(QByteArray(path, qsizetype(length))) : QString();
#elif defined(Q_OS_WIN)
    wchar_t path[32768];
    const DWORD length = GetModuleFileNameW(nullptr, path, DWORD(std::size(path)));
    return length > 0 && length < std::size(path)
        ? QDir::fromNativeSeparators(QString::fromWCharArray(path, qsizetype(length)))
        : QString();
#else
    return {};
#endif
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

bool isDeleted(const QFileDevice &openFile)
{
#if defined(Q_OS_UNIX)
    struct stat info;
    return openFile.isOpen() && openFile.handle() >= 0 && ::fstat(openFile.handle(), &info) == 0
        && info.st_nlink == 0;
#else
    Q_UNUSED(openFile);
    return false;
#endif
}

#if defined(Q_OS_UNIX)
namespace {

// 0, or the errno of flock(LOCK_EX | LOCK_NB): EWOULDBLOCK when another holds the lock.
int lockExclusive(int fd)
{
    int result = 0;
    do
        result = ::flock(fd, LOCK_EX | LOCK_NB);
    while (result < 0 && errno == EINTR);
    return result == 0 ? 0 : errno;
}

} // namespace
#endif

int lockFile(const QString &path, bool *busy)
{
    *busy = false;
#if defined(Q_OS_UNIX)
    // Writable: NFS turns flock into a byte-range lock, which an exclusive lock needs a writable file for.
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    const int error = lockExclusive(fd);
    if (error == 0)
        return fd;
    *busy = error == EWOULDBLOCK;
    ::close(fd);
    return -1;
#else
    Q_UNUSED(path);
    return -1;
#endif
}

void unlockFile(int descriptor)
{
#if defined(Q_OS_UNIX)
    if (descriptor >= 0)
        ::close(descriptor); // the lock goes with the last descriptor of its open file
#else
    Q_UNUSED(descriptor);
#endif
}

bool lockOpenFile(const QFileDevice &file)
{
#if defined(Q_OS_UNIX)
    return lockExclusive(file.handle())
        != EWOULDBLOCK; // no lock to be had here (ENOLCK...): go on without one
#else
    Q_UNUSED(file);
    return true;
#endif
}

bool openExistingNoFollow(QFile &file, const QString &path, QIODevice::OpenMode mode)
{
#if defined(Q_OS_UNIX)
    int flags = ((mode & QIODevice::ReadOnly) ? O_RDWR : O_WRONLY) | O_NOFOLLOW | O_CLOEXEC;
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

bool pathExists(const QString &path)
{
#if defined(Q_OS_UNIX)
    struct stat info;
    return ::lstat(QFile::encodeName(path).constData(), &info) == 0;
#else
    const QFileInfo info(path);
    return info.exists() || info.isSymLink();
#endif
}

#if defined(Q_OS_UNIX)
namespace {

FileStamp stampOf(const struct stat &info)
{
#if defined(Q_OS_DARWIN)
    const struct timespec &modified = info.st_mtimespec;
#else
    const struct timespec &modified = info.st_mtim;
#endif
    return { qint64(info.st_size), qint64(modified.tv_sec) * 1000 + qint64(modified.tv_nsec) / 1000000 };
}

} // namespace
#endif

FileStamp fileStamp(const QFileDevice &openFile)
{
#if defined(Q_OS_UNIX)
    struct stat info;
    if (openFile.handle() < 0 || ::fstat(openFile.handle(), &info) != 0)
        return {};
    return stampOf(info);
#else
    return fileStamp(openFile.fileName());
#endif
}

FileStamp fileStamp(const QString &path)
{
#if defined(Q_OS_UNIX)
    struct stat info;
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return {};
    return stampOf(info);
#else
    const QFileInfo info(path);
    if (!info.exists())
        return {};
    return { info.size(), info.lastModified().toMSecsSinceEpoch() };
#endif
}

#if defined(Q_OS_LINUX) && defined(O_TMPFILE)
namespace {
// Cleared when a link fails for another reason than a taken name (no /proc, a sandbox that refuses it):
// from then on every body goes the .part way at once, instead of being written twice.
std::atomic<bool> g_unnamedFilesLink { true };
} // namespace
#endif

int writeUnnamedFile(const QString &directory, const char *data, qint64 size, FileStamp *stamp)
{
#if defined(Q_OS_LINUX) && defined(O_TMPFILE)
    if (!g_unnamedFilesLink.load(std::memory_order_relaxed))
        return -1;
    const int descriptor
        = ::open(QFile::encodeName(directory).constData(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    if (descriptor < 0)
        return -1; // no such folder (the .part way makes it), or a file system without unnamed files
    qint64 written = 0;
    while (written < size) {
        const ssize_t result = ::write(descriptor, data + written, size_t(size - written));
        if (result < 0 && errno == EINTR)
            continue;
        if (result <= 0)
            break;
        written += result;
    }
    struct stat info;
    if (written != size || ::fstat(descriptor, &info) != 0) {
        ::close(descriptor); // a full disk: the .part way says so, with the file's name
        return -1;
    }
    *stamp = stampOf(info);
    return descriptor;
#else
    Q_UNUSED(directory);
    Q_UNUSED(data);
    Q_UNUSED(size);
    Q_UNUSED(stamp);
    return -1;
#endif
}

RenameResult linkUnnamedFile(int descriptor, const QString &path)
{
#if defined(Q_OS_LINUX) && defined(O_TMPFILE)
    // Through /proc, as open(2) documents it: linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH.
    const QByteArray self = "/proc/self/fd/" + QByteArray::number(descriptor);
    const QByteArray target = QFile::encodeName(path);
    if (::linkat(AT_FDCWD, self.constData(), AT_FDCWD, target.constData(), AT_SYMLINK_FOLLOW) == 0)
        return RenameResult::Renamed;
    if (errno == EEXIST)
        return RenameResult::TargetExists;
    g_unnamedFilesLink.store(false, std::memory_order_relaxed);
    return RenameResult::Failed;
#else
    Q_UNUSED(descriptor);
    Q_UNUSED(path);
    return RenameResult::Failed;
#endif
}

void closeUnnamedFile(int descriptor)
{
#if defined(Q_OS_UNIX)
    if (descriptor >= 0)
        ::close(descriptor);
#else
    Q_UNUSED(descriptor);
#endif
}

RenameResult renameNoReplace(const QString &from, const QString &to, QString *error)
{
#if defined(Q_OS_WIN)
    if (MoveFileExW(reinterpret_cast<const wchar_t *>(QDir::toNativeSeparators(from).utf16()),
                    reinterpret_cast<const wchar_t *>(QDir::toNativeSeparators(to).utf16()), 0))
        return RenameResult::Renamed;
    const DWORD code = GetLastError();
    if (code == ERROR_ALREADY_EXISTS || code == ERROR_FILE_EXISTS)
        return RenameResult::TargetExists;
    *error = qt_error_string(int(code));
    return RenameResult::Failed;
#else
    const QByteArray source = QFile::encodeName(from);
    const QByteArray target = QFile::encodeName(to);
    int result = -1;
#if defined(Q_OS_LINUX)
    result = ::renameat2(AT_FDCWD, source.constData(), AT_FDCWD, target.constData(), RENAME_NOREPLACE);
    if (result != 0 && (errno == EINVAL || errno == ENOSYS)) // a file system without RENAME_NOREPLACE
        result = -2;
#elif defined(Q_OS_DARWIN)
    result = ::renamex_np(source.constData(), target.constData(), RENAME_EXCL);
    if (result != 0 && (errno == ENOTSUP || errno == EINVAL)) // a file system without RENAME_EXCL (SMB, FAT)
        result = -2;
#else
    result = -2;
#endif
    if (result == -2) {
        // link() fails if the target exists: the same guarantee, in two steps.
        result = ::link(source.constData(), target.constData());
        if (result == 0)
            ::unlink(source.constData());
    }
    if (result == 0)
        return RenameResult::Renamed;
    if (errno == EEXIST)
        return RenameResult::TargetExists;
    *error = QString::fromLocal8Bit(std::strerror(errno));
    return RenameResult::Failed;
#endif
}

QStringList namesEndingWith(const QString &folder, QStringView suffix, qsizetype maxEntries, bool *tooMany)
{
    *tooMany = false;
    QStringList names;
    qsizetype entries = 0;
#if defined(Q_OS_UNIX)
    DIR *dir = ::opendir(QFile::encodeName(folder).constData());
    if (!dir)
        return names;
    const QByteArray encodedSuffix = QFile::encodeName(suffix.toString());
    while (const dirent *entry = ::readdir(dir)) {
        if (++entries > maxEntries) {
            *tooMany = true;
            break;
        }
        const QByteArrayView name(entry->d_name);
        if (name.endsWith(encodedSuffix))
            names.append(QFile::decodeName(entry->d_name));
    }
    ::closedir(dir);
#else
    QDirIterator it(folder, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
    while (it.hasNext()) {
        it.next();
        if (++entries > maxEntries) {
            *tooMany = true;
            break;
        }
        if (it.fileName().endsWith(suffix))
            names.append(it.fileName());
    }
#endif
    return names;
}

PeerState peekConnection(qintptr descriptor)
{
#if defined(Q_OS_UNIX)
    if (descriptor < 0)
        return PeerState::Unknown;
    char byte = 0;
    ssize_t result = 0;
    do
        result = ::recv(int(descriptor), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    while (result < 0 && errno == EINTR);
    if (result > 0)
        return PeerState::Data;
    if (result == 0)
        return PeerState::Closed;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return PeerState::Nothing;
    if (errno == ECONNRESET)
        return PeerState::Reset;
    return PeerState::Unknown;
#else
    // Windows would need Winsock's recv() and WSAGetLastError(); until then, Qt's own view stands.
    Q_UNUSED(descriptor);
    return PeerState::Unknown;
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

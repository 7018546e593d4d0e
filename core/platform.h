#pragma once

#include <QFile>
#include <QIODevice>
#include <QStringList>
#include <QtGlobal>

#include <cstdio>

// The few things Heiko needs from the operating system that Qt does not offer. Each has one portable
// signature here and its platform code behind Q_OS_ guards in platform.cpp.
namespace heiko::platform {

// The process id, as `ps` or the Task Manager shows it.
qint64 currentProcessId();

// The calling thread's id as the OS shows it (Linux: gettid(), as in `top -H`; Windows:
// GetCurrentThreadId(); macOS: pthread_threadid_np()). QThread::currentThreadId() is a pointer-sized
// handle on most systems, not the number a user can look up.
quint64 currentThreadId();

// The running executable's absolute path, found without a QCoreApplication (Linux: /proc/self/exe;
// Windows: GetModuleFileNameW); empty where not known.
QString executablePath();

// Whether the stream is an interactive terminal (live progress) or a pipe/file (plain lines).
bool isTerminal(std::FILE *stream);

// Width of the terminal behind the stream in columns, or 0 when unknown.
int terminalColumns(std::FILE *stream);

// Makes what was written to the file durable (fsync; FlushFileBuffers on Windows; F_FULLFSYNC on macOS,
// where fsync alone does not reach the disk). QFile::flush() only empties Qt's own buffer.
bool syncFile(QFileDevice &file);

// Whether the open file has been deleted (Unix: it has no name left, st_nlink == 0): writes still succeed
// into a file nobody will find. False where it cannot be told (Windows does not delete an open file).
bool isDeleted(const QFileDevice &openFile);

// Opens an existing regular file for writing without following a symbolic link in its place (O_NOFOLLOW):
// a .part that someone replaced with a link to ~/.bashrc is refused, not written through. `mode` is
// WriteOnly with Append or Truncate. Elsewhere than Unix it opens normally after checking for a link.
bool openExistingNoFollow(QFile &file, const QString &path, QIODevice::OpenMode mode);

// An advisory lock on the file at `path` (flock(2), not following a symbolic link), held while the returned
// descriptor is open: another process, or another open of the file, that asks for it is told `*busy`. -1 with
// *busy false where no lock is taken (the file cannot be opened; Windows for now): the caller goes on
// without one.
int lockFile(const QString &path, bool *busy);
void unlockFile(int descriptor);
// The same lock on a file already open, for as long as it stays open; false only when another holds it.
bool lockOpenFile(const QFileDevice &file);

// Whether anything is at `path`: a file, a folder, or a symbolic link (even a dangling one). One lstat(2):
// QFileInfo::exists() plus isSymLink() cost two or three system calls, for every file of a 5,000-file list.
bool pathExists(const QString &path);

// What a file is: its size and last modification (ms since the epoch), as a "delete files" later compares
// them. One fstat(2)/stat(2) on Unix; QFileInfo converts the time to local time, and glibc then reads
// /etc/localtime twice, for every file of a 5,000-file list. `size` is -1 when the file cannot be looked at.
struct FileStamp
{
    qint64 size = -1;
    qint64 modifiedMs = 0;
};
FileStamp fileStamp(const QFileDevice &openFile);
FileStamp fileStamp(const QString &path);

// Renames `from` to `to` unless `to` exists, atomically (renameat2 RENAME_NOREPLACE on Linux, renamex_np
// RENAME_EXCL on macOS, MoveFileEx without REPLACE_EXISTING on Windows, link + unlink elsewhere).
enum class RenameResult { Renamed, TargetExists, Failed };
RenameResult renameNoReplace(const QString &from, const QString &to, QString *error);

// A file that appears under its name only whole: the bytes are written to an unnamed file in `directory`
// (Linux O_TMPFILE), which linkUnnamedFile() then gives a name, failing if the name is taken. For a body
// that is in memory whole, this replaces creating NAME.part and renaming it: with many workers saving into
// one folder, each of those two steps waits for the folder's lock, and the unnamed file takes it once.
// Returns the open descriptor with the file's stamp, or -1 where there is no such file (other systems, file
// systems without O_TMPFILE) or it could not be written; the caller then goes the .part way.
int writeUnnamedFile(const QString &directory, const char *data, qint64 size, FileStamp *stamp);
// RenameResult::Failed also where the link cannot be made (no /proc): the caller goes the .part way.
RenameResult linkUnnamedFile(int descriptor, const QString &path);
void closeUnnamedFile(int descriptor);

// The names in `folder` that end with `suffix` (exactly, case and all), anything they name: files, links,
// folders. Unix reads the folder with readdir(3) and looks at nothing else; QDirIterator made a QFileInfo
// for every entry. Stops with *tooMany set once the folder has more than `maxEntries` entries of any name,
// so that a huge folder costs a bounded look. A folder that cannot be read has no names.
QStringList namesEndingWith(const QString &folder, QStringView suffix, qsizetype maxEntries, bool *tooMany);

// What the next read of a connected socket would meet, looked at without taking anything (recv(2) with
// MSG_PEEK). Qt reports a connection reset by the peer as an ordinary end (its read returns end of file), and
// a TLS socket's own look sees only the bytes it has decrypted: this asks the system's socket itself.
enum class PeerState { Nothing, Data, Closed, Reset, Unknown };
PeerState peekConnection(qintptr descriptor);

// glibc: keeps the allocator from holding on to freed network buffers. Qt passes body data between its
// HTTP thread and ours in short-lived 64-128 KiB blocks; with glibc's adaptive thresholds a burst of them
// (while a write waits for the disk) left tens of MB in the arenas. Fixed thresholds keep peak RSS flat at
// no measurable cost in speed (docs/benchmarks.md). Does nothing elsewhere.
void tuneAllocator();

// Windows: a GUI-subsystem program started from a console gets no stdout/stderr; attach to the parent's
// console so that `heiko --headless` prints there. Does nothing elsewhere.
void attachParentConsole();

} // namespace heiko::platform

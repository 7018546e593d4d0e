// The least a downloader built like Heiko can cost on this machine: the yardstick for the many-file
// scenarios.
//
// The same design as Heiko's engine — a manager thread hands every file to a QThreadPool worker with
// QtConcurrent::run and hears of its end through a continuation in its own thread, and only then hands out
// the next — but each worker does nothing beyond what any downloader must: one blocking GET on its own
// keep-alive connection, the body into NAME.part, a rename to NAME (or, as Heiko does with a body that came
// whole with its head, an unnamed file linked in as NAME). No event loop, timers, log, progress, retries,
// naming rules or checks. What Heiko costs above this is the price of its per-download work, not of
// its threads; what this costs above curl is the price of the design.
//
//   heiko_poolfloor LIST PORT DIR WORKERS      LIST: http://127.0.0.1:PORT/path lines (bench/run-bench.sh's)
//
// Linux only (POSIX sockets, renameat2, O_TMPFILE); plain HTTP/1.1 with Content-Length, as nginx serves the
// bench files.
#include <QCoreApplication>
#include <QFile>
#include <QFuture>
#include <QList>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <arpa/inet.h>
#include <cstdlib>
#include <fcntl.h>
#include <functional>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

struct Setup
{
    QList<QByteArray> paths; // "/medium/f00001.bin"
    QByteArray directory;
    quint16 port = 0;
};

bool writeAll(int fd, const char *data, size_t size)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n <= 0)
            return false;
        data += n;
        size -= size_t(n);
    }
    return true;
}

// One GET on this thread's connection (opened on first use, kept for the next file), body to .part, rename.
bool download(const Setup &setup, const QByteArray &path)
{
    thread_local int connection = -1;
    thread_local std::vector<char> buffer(1 << 20);
    if (connection < 0) {
        connection = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address {};
        address.sin_family = AF_INET;
        address.sin_port = htons(setup.port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(connection, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0)
            return false;
        const int on = 1;
        ::setsockopt(connection, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    }
    const QByteArray request
        = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: identity\r\n\r\n";
    if (!writeAll(connection, request.constData(), size_t(request.size())))
        return false;
    size_t have = 0;
    qsizetype headEnd = -1;
    while (headEnd < 0) {
        const ssize_t n = ::read(connection, buffer.data() + have, buffer.size() - have);
        if (n <= 0)
            return false;
        have += size_t(n);
        headEnd = QByteArrayView(buffer.data(), qsizetype(have)).indexOf("\r\n\r\n");
        if (headEnd < 0 && have == buffer.size())
            return false;
    }
    const qsizetype field = QByteArrayView(buffer.data(), headEnd).indexOf("Content-Length: ");
    if (field < 0)
        return false;
    size_t left = size_t(std::strtoull(buffer.data() + field + 16, nullptr, 10));
    const QByteArray name = setup.directory + path.mid(path.lastIndexOf('/'));
    const size_t bodyStart = size_t(headEnd) + 4;
    if (have - bodyStart == left) {
        const int unnamed = ::open(setup.directory.constData(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
        const QByteArray self = "/proc/self/fd/" + QByteArray::number(unnamed);
        const bool ok = unnamed >= 0 && writeAll(unnamed, buffer.data() + bodyStart, left)
            && ::linkat(AT_FDCWD, self.constData(), AT_FDCWD, name.constData(), AT_SYMLINK_FOLLOW) == 0;
        if (unnamed >= 0)
            ::close(unnamed);
        return ok;
    }
    const QByteArray partName = name + ".part";
    const int part = ::open(partName.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (part < 0)
        return false;
    const size_t first = qMin(have - bodyStart, left);
    bool ok = writeAll(part, buffer.data() + bodyStart, first);
    left -= first;
    while (ok && left > 0) {
        const ssize_t n = ::read(connection, buffer.data(), qMin(buffer.size(), left));
        ok = n > 0 && writeAll(part, buffer.data(), size_t(n));
        left -= ok ? size_t(n) : 0;
    }
    ::close(part);
    return ok
        && ::renameat2(AT_FDCWD, partName.constData(), AT_FDCWD, name.constData(), RENAME_NOREPLACE) == 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    if (argc != 5) {
        std::fputs("usage: heiko_poolfloor LIST PORT DIR WORKERS\n", stderr);
        return 2;
    }
    Setup setup;
    QFile list(QString::fromLocal8Bit(argv[1]));
    if (!list.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "heiko_poolfloor: cannot read %s\n", argv[1]);
        return 2;
    }
    for (const QByteArray &line : list.readAll().split('\n')) {
        const qsizetype pathStart = line.indexOf('/', line.indexOf("//") + 2);
        if (!line.trimmed().isEmpty() && pathStart > 0)
            setup.paths.append(line.trimmed().mid(pathStart));
    }
    setup.port = quint16(std::atoi(argv[2]));
    setup.directory = QByteArray(argv[3]);
    if (setup.paths.isEmpty())
        return 0;

    QThreadPool pool;
    pool.setMaxThreadCount(qMax(1, std::atoi(argv[4])));
    qsizetype next = 0;
    qsizetype ended = 0;
    int failed = 0;
    // The manager's part: hand out one file per free worker, the next when a continuation says one ended.
    std::function<void()> handOut = [&] {
        const QByteArray path = setup.paths.at(next++);
        QtConcurrent::run(&pool, [&setup, path] { return download(setup, path); }).then(&app, [&](bool ok) {
            failed += ok ? 0 : 1;
            ++ended;
            if (next < setup.paths.size())
                handOut();
            else if (ended == setup.paths.size())
                QCoreApplication::quit();
        });
    };
    while (next < setup.paths.size() && next < pool.maxThreadCount())
        handOut();
    const int status = app.exec();
    return status == 0 && failed == 0 ? 0 : 1;
}

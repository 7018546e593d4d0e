#include "testhttpserver.h"

#include <QElapsedTimer>
#include <QHash>
#include <QMutexLocker>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

using namespace Qt::StringLiterals;

namespace {

// Beyond this the request head is refused with 431; large enough for any sane client.
constexpr qsizetype kMaxHeaderBytes = 64 * 1024;
// Generated bodies are produced in slices of this size, so a 5 GiB body never exists in memory.
constexpr qint64 kSliceBytes = 64 * 1024;
// Only queue more when less than this waits in the socket, so a slow reader holds back the server
// instead of making it buffer the whole body.
constexpr qint64 kWriteHighWater = 1024 * 1024;
constexpr int kPaceIntervalMs = 10;
// After an error response the client may still be sending its oversized head; closing at once would
// turn the unread data into a reset that can destroy the response before the client reads it.
constexpr int kLingerMs = 2000;

QByteArray defaultReason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 408:
        return "Request Timeout";
    case 410:
        return "Gone";
    case 416:
        return "Range Not Satisfiable";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Status";
    }
}

// One 64-bit word per 8 body bytes: a splitmix64 finaliser over the word index and the seed. Every
// word differs, so a slice written at a wrong offset (even a multiple of 4 GiB away) is detected.
quint64 patternWord(quint32 seed, quint64 index)
{
    quint64 z
        = (index * 0x9E3779B97F4A7C15ULL) ^ (quint64(seed) * 0xD6E8FEB86659FD93ULL + 0x632BE59BD9B4E019ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

char byteOfWord(quint64 word, qint64 offset)
{
    return static_cast<char>(static_cast<unsigned char>((word >> ((offset & 7) * 8)) & 0xFF));
}

bool isToken(const QByteArray &list, QByteArrayView token)
{
    const QList<QByteArray> parts = list.split(',');
    return std::any_of(parts.cbegin(), parts.cend(), [token](const QByteArray &part) {
        return part.trimmed().compare(token, Qt::CaseInsensitive) == 0;
    });
}

QByteArray findHeader(const QList<QPair<QByteArray, QByteArray>> &headers, QByteArrayView name)
{
    for (const auto &header : headers) {
        if (header.first.compare(name, Qt::CaseInsensitive) == 0)
            return header.second;
    }
    return {};
}

struct ByteRange
{
    enum Kind { Ignore, Unsatisfiable, Satisfiable };
    Kind kind = Ignore;
    qint64 first = 0;
    qint64 last = 0;
};

// A single "bytes=" range; anything else (several ranges, other units, garbage) is ignored, which
// RFC 9110 allows and which makes the server answer the whole body.
ByteRange parseRange(const QByteArray &value, qint64 total)
{
    ByteRange range;
    const QByteArray spec = value.trimmed();
    if (!spec.startsWith("bytes=") || spec.contains(','))
        return range;
    const QByteArray set = spec.mid(6).trimmed();
    const qsizetype dash = set.indexOf('-');
    if (dash < 0)
        return range;
    const QByteArray from = set.left(dash).trimmed();
    const QByteArray to = set.mid(dash + 1).trimmed();
    bool ok = false;
    if (from.isEmpty()) {
        const qint64 suffix = to.toLongLong(&ok);
        if (!ok || suffix < 0)
            return range;
        if (suffix == 0 || total == 0) {
            range.kind = ByteRange::Unsatisfiable;
            return range;
        }
        range.kind = ByteRange::Satisfiable;
        range.first = std::max<qint64>(0, total - suffix);
        range.last = total - 1;
        return range;
    }
    const qint64 first = from.toLongLong(&ok);
    if (!ok || first < 0)
        return range;
    qint64 last = total - 1;
    if (!to.isEmpty()) {
        last = to.toLongLong(&ok);
        if (!ok || last < first)
            return range;
    }
    if (first >= total) {
        range.kind = ByteRange::Unsatisfiable;
        return range;
    }
    range.kind = ByteRange::Satisfiable;
    range.first = first;
    range.last = std::min(last, total - 1);
    return range;
}

// One response being sent on a connection.
struct Exchange
{
    QByteArray head;
    bool headSent = false;
    int headerDelayMs = 0;
    bool closeWithoutResponse = false;
    bool headWithBody = false;

    QByteArray body; // the static body, already cut to the range
    bool generated = false;
    quint32 seed = 0;
    qint64 offset = 0; // position of the first body byte within the whole generated body
    qint64 length = 0; // body bytes to send
    qint64 sent = 0;
    bool chunked = false;
    bool headOnly = false; // HEAD: no body, not even a chunked terminator

    qint64 cutAfter = -1;
    qint64 stallAfter = -1;
    qint64 bytesPerSecond = 0;
    QElapsedTimer paceClock;
    qint64 sentAtPaceStart = 0;

    bool stalled = false;
    bool cutPending = false;
    bool allQueued = false;
    bool closeAfter = false;
    bool closeSilently = false; // closeAfter without a "Connection: close" in the head
    bool lingerAfter = false;
    bool counted = false; // still part of TestHttpServer::currentRequests()
};

struct Connection
{
    int id = 0;
    QTcpSocket *socket = nullptr;
    QTimer *timer = nullptr; // header delay, throttle pacing and lingering close; child of socket
    QByteArray buffer;
    qint64 requestBodyLeft = 0;
    std::optional<Exchange> exchange;
    bool lingering = false;
    bool closing = false; // a close is queued: take no further request
    bool closed = false;
};

} // namespace

QByteArray TestHttpServer::RecordedRequest::header(const QByteArray &name) const
{
    return findHeader(headers, name);
}

// Owns the listening socket and every connection; lives in TestHttpServer::m_thread. The fields under
// "shared" are read by the owner's public methods and are guarded by the owner's m_mutex.
class TestHttpServer::Worker final : public QObject
{
public:
    explicit Worker(TestHttpServer *owner)
        : m_owner(owner)
    { }

    struct Route
    {
        QList<Response> sequence;
        int served = 0;
    };

    // shared
    QHash<QByteArray, Route> routes;
    QList<RecordedRequest> requests;
    int current = 0;
    int maximum = 0;
    int connections = 0;
    int openConnections = 0; // accepted and not yet seen closed

    // worker thread only
    quint16 listen();
    void shutdown();
    void releaseStalls();

private:
    void onNewConnection();
    void onReadyRead(Connection *c);
    void onBytesWritten(Connection *c);
    void onTimer(Connection *c);
    void onDisconnected(Connection *c);

    void processBuffer(Connection *c);
    bool parseAndStart(Connection *c, const QByteArray &head);
    Exchange buildExchange(const Response &route, const QByteArray &method,
                           const QList<QPair<QByteArray, QByteArray>> &requestHeaders, bool clientWantsClose);
    void respondError(Connection *c, int status);
    void startExchange(Connection *c);
    void sendHead(Connection *c);
    void pump(Connection *c);
    void finishExchange(Connection *c);
    void finishCounting(Exchange &exchange);
    void closeLater(Connection *c, bool reset);

    TestHttpServer *m_owner;
    QTcpServer *m_server = nullptr;
    std::map<int, std::unique_ptr<Connection>> m_connections;
    int m_nextConnectionId = 1;
};

quint16 TestHttpServer::Worker::listen()
{
    if (m_server)
        return m_server->serverPort();
    m_server = new QTcpServer(this);
    QObject::connect(m_server, &QTcpServer::newConnection, this, [this] { onNewConnection(); });
    if (!m_server->listen(QHostAddress::LocalHost, 0)) {
        delete m_server;
        m_server = nullptr;
        return 0;
    }
    return m_server->serverPort();
}

void TestHttpServer::Worker::shutdown()
{
    if (m_server)
        m_server->close();
    for (auto &entry : m_connections) {
        Connection *c = entry.second.get();
        c->closed = true;
        c->socket->disconnect();
        c->socket->abort();
        delete c->socket;
    }
    m_connections.clear();
    delete m_server;
    m_server = nullptr;
}

void TestHttpServer::Worker::releaseStalls()
{
    for (auto &entry : m_connections) {
        Connection *c = entry.second.get();
        if (c->closed || !c->exchange || !c->exchange->stalled)
            continue;
        Exchange &x = *c->exchange;
        x.stalled = false;
        x.stallAfter = -1;
        // Restart the throttle's clock, or the stalled time would be sent as one burst.
        x.paceClock.start();
        x.sentAtPaceStart = x.sent;
        pump(c);
    }
}

void TestHttpServer::Worker::onNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        auto connection = std::make_unique<Connection>();
        Connection *c = connection.get();
        c->id = m_nextConnectionId++;
        c->socket = socket;
        c->timer = new QTimer(socket);
        c->timer->setSingleShot(true);
        // A coarse timer may fire 5 % early, and headerDelayMs promises a lower bound.
        c->timer->setTimerType(Qt::PreciseTimer);
        m_connections.emplace(c->id, std::move(connection));
        {
            QMutexLocker locker(&m_owner->m_mutex);
            ++connections;
            ++openConnections;
        }
        QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, c] { onReadyRead(c); });
        QObject::connect(socket, &QTcpSocket::bytesWritten, socket, [this, c] { onBytesWritten(c); });
        QObject::connect(socket, &QTcpSocket::disconnected, socket, [this, c] { onDisconnected(c); });
        QObject::connect(c->timer, &QTimer::timeout, socket, [this, c] { onTimer(c); });
        if (socket->bytesAvailable() > 0)
            onReadyRead(c);
    }
}

void TestHttpServer::Worker::onReadyRead(Connection *c)
{
    if (c->closed)
        return;
    const QByteArray data = c->socket->readAll();
    if (c->lingering)
        return;
    c->buffer += data;
    processBuffer(c);
}

void TestHttpServer::Worker::onBytesWritten(Connection *c)
{
    if (c->closed || !c->exchange)
        return;
    Exchange &x = *c->exchange;
    if (x.cutPending) {
        if (c->socket->bytesToWrite() == 0)
            closeLater(c, true);
        return;
    }
    pump(c);
}

void TestHttpServer::Worker::onTimer(Connection *c)
{
    if (c->closed)
        return;
    if (c->lingering) {
        c->socket->abort();
        return;
    }
    if (!c->exchange)
        return;
    if (!c->exchange->headSent)
        sendHead(c);
    else
        pump(c);
}

void TestHttpServer::Worker::onDisconnected(Connection *c)
{
    if (c->closed)
        return;
    c->closed = true;
    c->timer->stop();
    {
        QMutexLocker locker(&m_owner->m_mutex);
        --openConnections;
    }
    if (c->exchange)
        finishCounting(*c->exchange);
    // Deferred: this runs inside the socket's own signal, and callers up the stack may still hold c.
    const int id = c->id;
    QMetaObject::invokeMethod(
        this,
        [this, id] {
            const auto it = m_connections.find(id);
            if (it == m_connections.end())
                return;
            delete it->second->socket;
            m_connections.erase(it);
        },
        Qt::QueuedConnection);
}

void TestHttpServer::Worker::processBuffer(Connection *c)
{
    while (!c->closed && !c->closing && !c->lingering && !c->exchange) {
        if (c->requestBodyLeft > 0) {
            const qint64 skip = std::min<qint64>(c->requestBodyLeft, c->buffer.size());
            c->buffer.remove(0, skip);
            c->requestBodyLeft -= skip;
            if (c->requestBodyLeft > 0)
                return;
        }
        // RFC 9112 asks servers to ignore empty lines before a request line.
        while (c->buffer.startsWith("\r\n"))
            c->buffer.remove(0, 2);
        const qsizetype end = c->buffer.indexOf("\r\n\r\n");
        if (end < 0) {
            if (c->buffer.size() > kMaxHeaderBytes)
                respondError(c, 431);
            return;
        }
        if (end + 4 > kMaxHeaderBytes) {
            respondError(c, 431);
            return;
        }
        const QByteArray head = c->buffer.left(end);
        c->buffer.remove(0, end + 4);
        if (!parseAndStart(c, head)) {
            respondError(c, 400);
            return;
        }
    }
}

bool TestHttpServer::Worker::parseAndStart(Connection *c, const QByteArray &head)
{
    const QList<QByteArray> lines = head.split('\n');
    const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
    if (requestLine.size() != 3 || requestLine[0].isEmpty() || requestLine[1].isEmpty()
        || !requestLine[2].startsWith("HTTP/1.")) {
        return false;
    }
    RecordedRequest request;
    request.method = requestLine[0];
    request.path = requestLine[1];
    request.connectionId = c->id;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        QByteArray line = lines[i];
        if (line.endsWith('\r'))
            line.chop(1);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return false;
        request.headers.append({ line.left(colon), line.mid(colon + 1).trimmed() });
    }

    const QByteArray connectionHeader = request.header("Connection");
    const bool clientWantsClose = requestLine[2] == "HTTP/1.0" ? !isToken(connectionHeader, "keep-alive")
                                                               : isToken(connectionHeader, "close");
    bool lengthOk = true;
    const QByteArray requestLength = request.header("Content-Length");
    c->requestBodyLeft = requestLength.isEmpty() ? 0 : requestLength.toLongLong(&lengthOk);
    if (!lengthOk || c->requestBodyLeft < 0) {
        c->requestBodyLeft = 0;
        return false;
    }

    const qsizetype query = request.path.indexOf('?');
    const QByteArray routePath = query < 0 ? request.path : request.path.left(query);
    Response route;
    {
        QMutexLocker locker(&m_owner->m_mutex);
        requests.append(request);
        const auto it = routes.find(routePath);
        if (it != routes.end() && !it->sequence.isEmpty()) {
            const qsizetype index = std::min<qsizetype>(it->served, it->sequence.size() - 1);
            route = it->sequence.at(index);
            ++it->served;
        } else {
            route.status = 404;
            route.body = "Not Found\n";
        }
        ++current;
        maximum = std::max(maximum, current);
    }

    c->exchange = buildExchange(route, request.method, request.headers, clientWantsClose);
    c->exchange->counted = true;
    startExchange(c);
    return true;
}

Exchange TestHttpServer::Worker::buildExchange(const Response &route, const QByteArray &method,
                                               const QList<QPair<QByteArray, QByteArray>> &requestHeaders,
                                               bool clientWantsClose)
{
    const bool isHead = method == "HEAD";
    const qint64 total = route.bodySize >= 0 ? route.bodySize : route.body.size();
    int status = route.status;
    QByteArray reason = route.reason.isEmpty() ? defaultReason(status) : route.reason;
    qint64 first = 0;
    qint64 count = total;
    QByteArray contentRange;

    const QByteArray rangeHeader = findHeader(requestHeaders, "Range");
    if (status == 200 && route.acceptRanges && (isHead || method == "GET") && !rangeHeader.isEmpty()) {
        const QByteArray ifRange = findHeader(requestHeaders, "If-Range");
        // Strong comparison only, as RFC 9110 requires: a weak ETag never validates a range.
        const bool validatorMatches = ifRange.isEmpty()
            || (!route.etag.isEmpty() && !route.etag.startsWith("W/") && ifRange == route.etag)
            || (!route.lastModified.isEmpty() && ifRange == route.lastModified);
        const ByteRange range = validatorMatches ? parseRange(rangeHeader, total) : ByteRange();
        if (range.kind == ByteRange::Satisfiable) {
            status = 206;
            reason = defaultReason(status);
            first = range.first;
            count = range.last - range.first + 1;
            contentRange = "bytes " + QByteArray::number(range.first) + '-' + QByteArray::number(range.last)
                + '/' + QByteArray::number(total);
        } else if (range.kind == ByteRange::Unsatisfiable) {
            status = 416;
            reason = defaultReason(status);
            count = 0;
            contentRange = "bytes */" + QByteArray::number(total);
        }
    }

    Exchange x;
    x.chunked = route.chunked;
    x.headOnly = isHead;
    x.length = isHead ? 0 : count;
    if (route.bodySize >= 0) {
        x.generated = true;
        x.seed = route.seed;
        x.offset = first;
    } else if (!isHead) {
        x.body = route.body.mid(first, count);
    }
    x.cutAfter = route.cutAfter;
    x.stallAfter = route.stallAfter;
    x.bytesPerSecond = route.bytesPerSecond;
    x.headWithBody = route.headWithBody;
    x.headerDelayMs = route.headerDelayMs;
    x.closeWithoutResponse = route.closeWithoutResponse;

    const bool closeDelimited = !route.chunked && !route.sendContentLength;
    // A wrong announced length leaves the connection out of step with the framing; closing after the
    // real body makes "announced more than sent" look like a truncated transfer to the client.
    const bool lengthLies = !route.chunked && route.sendContentLength && route.contentLengthOverride >= 0
        && route.contentLengthOverride != count;
    x.closeAfter = clientWantsClose || (!isHead && (closeDelimited || lengthLies));
    x.closeSilently = route.closeAfterResponse && !x.closeAfter;

    QByteArray &h = x.head;
    h += "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason + "\r\n";
    if (route.chunked) {
        h += "Transfer-Encoding: chunked\r\n";
        if (route.contentLengthOverride >= 0)
            h += "Content-Length: " + QByteArray::number(route.contentLengthOverride) + "\r\n";
    } else if (route.sendContentLength) {
        const qint64 announced = route.contentLengthOverride >= 0 ? route.contentLengthOverride : count;
        h += "Content-Length: " + QByteArray::number(announced) + "\r\n";
    }
    if (route.acceptRanges && route.status == 200)
        h += "Accept-Ranges: bytes\r\n";
    if (!contentRange.isEmpty())
        h += "Content-Range: " + contentRange + "\r\n";
    if (!route.etag.isEmpty())
        h += "ETag: " + route.etag + "\r\n";
    if (!route.lastModified.isEmpty())
        h += "Last-Modified: " + route.lastModified + "\r\n";
    if (!route.location.isEmpty())
        h += "Location: " + route.location + "\r\n";
    if (x.closeAfter)
        h += "Connection: close\r\n";
    x.closeAfter = x.closeAfter || x.closeSilently;
    for (const auto &header : route.headers)
        h += header.first + ": " + header.second + "\r\n";
    h += "\r\n";
    return x;
}

void TestHttpServer::Worker::respondError(Connection *c, int status)
{
    c->buffer.clear();
    c->requestBodyLeft = 0;
    Exchange x;
    x.body = defaultReason(status) + '\n';
    x.length = x.body.size();
    x.closeAfter = true;
    x.lingerAfter = true;
    x.head = "HTTP/1.1 " + QByteArray::number(status) + ' ' + defaultReason(status)
        + "\r\nContent-Length: " + QByteArray::number(x.length) + "\r\nConnection: close\r\n\r\n";
    c->exchange = std::move(x);
    startExchange(c);
}

void TestHttpServer::Worker::startExchange(Connection *c)
{
    if (c->exchange->headerDelayMs > 0)
        c->timer->start(c->exchange->headerDelayMs);
    else
        sendHead(c);
}

void TestHttpServer::Worker::sendHead(Connection *c)
{
    Exchange &x = *c->exchange;
    if (x.closeWithoutResponse) {
        closeLater(c, true);
        return;
    }
    if (x.headWithBody && !x.chunked && !x.headOnly && x.cutAfter < 0 && x.stallAfter < 0
        && x.bytesPerSecond == 0 && x.length <= kSliceBytes) {
        c->socket->write(x.head
                         + (x.generated ? TestHttpServer::patternBytes(x.seed, x.offset, x.length) : x.body));
        x.sent = x.length;
    } else {
        c->socket->write(x.head);
    }
    x.headSent = true;
    x.paceClock.start();
    x.sentAtPaceStart = 0;
    pump(c);
}

void TestHttpServer::Worker::pump(Connection *c)
{
    if (c->closed || !c->exchange)
        return;
    Exchange &x = *c->exchange;
    if (!x.headSent || x.stalled || x.cutPending)
        return;
    while (!x.allQueued && x.sent < x.length) {
        if (x.cutAfter >= 0 && x.sent >= x.cutAfter) {
            x.cutPending = true;
            // Only cut once the bytes before the cut have reached the kernel, so the client is sure to
            // get exactly cutAfter bytes before the connection goes away.
            if (c->socket->bytesToWrite() == 0)
                closeLater(c, true);
            return;
        }
        if (x.stallAfter >= 0 && x.sent >= x.stallAfter) {
            x.stalled = true;
            return;
        }
        if (c->socket->bytesToWrite() >= kWriteHighWater)
            return; // bytesWritten resumes
        qint64 n = std::min(kSliceBytes, x.length - x.sent);
        if (x.cutAfter >= 0)
            n = std::min(n, x.cutAfter - x.sent);
        if (x.stallAfter >= 0)
            n = std::min(n, x.stallAfter - x.sent);
        if (x.bytesPerSecond > 0) {
            const qint64 allowed
                = x.sentAtPaceStart + x.bytesPerSecond * x.paceClock.elapsed() / 1000 - x.sent;
            if (allowed <= 0) {
                if (!c->timer->isActive())
                    c->timer->start(kPaceIntervalMs);
                return;
            }
            n = std::min(n, allowed);
        }
        const QByteArray slice = x.generated ? TestHttpServer::patternBytes(x.seed, x.offset + x.sent, n)
                                             : x.body.mid(x.sent, n);
        if (x.chunked)
            c->socket->write(QByteArray::number(n, 16) + "\r\n");
        c->socket->write(slice);
        if (x.chunked)
            c->socket->write("\r\n");
        x.sent += n;
    }
    if (!x.allQueued) {
        if (x.chunked && !x.headOnly)
            c->socket->write("0\r\n\r\n");
        x.allQueued = true;
    }
    if (c->socket->bytesToWrite() == 0)
        finishExchange(c);
}

void TestHttpServer::Worker::finishExchange(Connection *c)
{
    finishCounting(*c->exchange);
    const bool close = c->exchange->closeAfter;
    const bool linger = c->exchange->lingerAfter;
    c->exchange.reset();
    if (linger) {
        c->lingering = true;
        c->timer->start(kLingerMs);
    } else if (close) {
        closeLater(c, false);
    } else {
        processBuffer(c);
    }
}

void TestHttpServer::Worker::finishCounting(Exchange &exchange)
{
    if (!exchange.counted)
        return;
    exchange.counted = false;
    QMutexLocker locker(&m_owner->m_mutex);
    --current;
}

void TestHttpServer::Worker::closeLater(Connection *c, bool reset)
{
    // Queued: closing deletes the socket engine, which must not happen inside its own notification.
    c->closing = true;
    QMetaObject::invokeMethod(
        c->socket,
        [socket = c->socket, reset] {
            if (reset)
                socket->abort();
            else
                socket->disconnectFromHost();
        },
        Qt::QueuedConnection);
}

TestHttpServer::TestHttpServer(QObject *parent)
    : QObject(parent)
    , m_worker(new Worker(this))
{
    m_thread.setObjectName(u"TestHttpServer"_s);
    m_worker->moveToThread(&m_thread);
    m_thread.start();
}

namespace {

// Runs `work` in the server's thread and waits for it. The wait is a std::mutex and condition variable, not
// Qt::BlockingQueuedConnection: ThreadSanitizer sees pthread synchronisation but not the futex inside
// Debian's Qt, and the engine's TSan run must not drown in reports about this scaffolding.
void runInThread(QObject *context, const std::function<void()> &work)
{
    std::mutex mutex;
    std::condition_variable done;
    bool finished = false;
    QMetaObject::invokeMethod(
        context,
        [&] {
            work();
            const std::lock_guard lock(mutex);
            finished = true;
            done.notify_one();
        },
        Qt::QueuedConnection);
    std::unique_lock lock(mutex);
    done.wait(lock, [&] { return finished; });
}

} // namespace

TestHttpServer::~TestHttpServer()
{
    runInThread(m_worker, [worker = m_worker] { worker->shutdown(); });
    m_thread.quit();
    m_thread.wait();
    // The worker has no sockets, timers or children left, so deleting it from this thread is safe.
    delete m_worker;
}

bool TestHttpServer::start()
{
    quint16 port = 0;
    runInThread(m_worker, [worker = m_worker, &port] { port = worker->listen(); });
    QMutexLocker locker(&m_mutex);
    m_port = port;
    m_worker->maximum = m_worker->current;
    return port != 0;
}

quint16 TestHttpServer::port() const
{
    QMutexLocker locker(&m_mutex);
    return m_port;
}

QUrl TestHttpServer::url(const QByteArray &pathAndQuery) const
{
    QString text = u"http://127.0.0.1:"_s + QString::number(port());
    if (!pathAndQuery.startsWith('/'))
        text += u'/';
    text += QString::fromLatin1(pathAndQuery);
    return QUrl(text);
}

void TestHttpServer::setResponse(const QByteArray &path, const Response &response)
{
    setResponseSequence(path, { response });
}

void TestHttpServer::setResponseSequence(const QByteArray &path, const QList<Response> &sequence)
{
    QMutexLocker locker(&m_mutex);
    m_worker->routes.insert(path, Worker::Route { sequence, 0 });
}

QList<TestHttpServer::RecordedRequest> TestHttpServer::requests() const
{
    QMutexLocker locker(&m_mutex);
    return m_worker->requests;
}

int TestHttpServer::requestCount(const QByteArray &path) const
{
    QMutexLocker locker(&m_mutex);
    const QList<RecordedRequest> &all = m_worker->requests;
    return int(std::count_if(all.cbegin(), all.cend(), [&path](const RecordedRequest &request) {
        const qsizetype query = request.path.indexOf('?');
        return (query < 0 ? request.path : request.path.left(query)) == path;
    }));
}

int TestHttpServer::maxConcurrentRequests() const
{
    QMutexLocker locker(&m_mutex);
    return m_worker->maximum;
}

int TestHttpServer::currentRequests() const
{
    QMutexLocker locker(&m_mutex);
    return m_worker->current;
}

int TestHttpServer::connectionCount() const
{
    QMutexLocker locker(&m_mutex);
    return m_worker->connections;
}

int TestHttpServer::openConnectionCount() const
{
    QMutexLocker locker(&m_mutex);
    return m_worker->openConnections;
}

void TestHttpServer::resetStatistics()
{
    QMutexLocker locker(&m_mutex);
    m_worker->requests.clear();
    m_worker->connections = 0;
    // Requests still in flight stay counted, so the new maximum starts from them rather than zero.
    m_worker->maximum = m_worker->current;
}

void TestHttpServer::releaseStalls()
{
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker] { worker->releaseStalls(); }, Qt::QueuedConnection);
}

char TestHttpServer::patternByte(quint32 seed, qint64 offset)
{
    Q_ASSERT(offset >= 0);
    return byteOfWord(patternWord(seed, quint64(offset) >> 3), offset);
}

TestHttpServer::Response TestHttpServer::generated(qint64 size, quint32 seed, qint64 bytesPerSecond)
{
    Response r;
    r.bodySize = size;
    r.seed = seed;
    r.bytesPerSecond = bytesPerSecond;
    r.etag = "\"v" + QByteArray::number(seed) + '"';
    return r;
}

QByteArray TestHttpServer::patternBytes(quint32 seed, qint64 offset, qint64 count)
{
    Q_ASSERT(offset >= 0 && count >= 0);
    QByteArray bytes(qsizetype(count), Qt::Uninitialized);
    char *out = bytes.data();
    quint64 index = quint64(offset) >> 3;
    quint64 word = patternWord(seed, index);
    for (qint64 i = 0; i < count; ++i) {
        const qint64 position = offset + i;
        if (quint64(position) >> 3 != index) {
            index = quint64(position) >> 3;
            word = patternWord(seed, index);
        }
        out[i] = byteOfWord(word, position);
    }
    return bytes;
}

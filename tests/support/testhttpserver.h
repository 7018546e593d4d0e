#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QPair>
#include <QThread>
#include <QUrl>

#include <memory>

// A loopback HTTP/1.1 server for tests that misbehaves on purpose. It runs in its own thread, so a test
// may block (QProcess::waitForFinished, a synchronous API) while it serves. Routes are plain data set
// before or between requests; every method is thread-safe.
class TestHttpServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TestHttpServer)

public:
    // How one request to a path is answered.
    struct Response
    {
        int status = 200;
        QByteArray reason; // empty: the standard reason phrase
        // Extra headers, sent verbatim and in order (duplicates allowed, e.g. two Content-Length).
        QList<QPair<QByteArray, QByteArray>> headers;

        // The body: `body` as given, or when bodySize >= 0 a generated body of that many bytes whose byte
        // at offset i is patternByte(seed, i) (nothing is held in memory; sizes beyond 4 GiB work).
        QByteArray body;
        qint64 bodySize = -1;
        quint32 seed = 0;

        // Honour "Range: bytes=N-" / "bytes=N-M" / "bytes=-N" with 206 + Content-Range (416 when N is at
        // or past the end) and send Accept-Ranges; only when status is 200. A mismatching If-Range gets 200.
        bool acceptRanges = true;
        QByteArray etag; // sent as ETag when not empty; If-Range is compared with it
        QByteArray lastModified; // sent as Last-Modified when not empty
        bool sendContentLength = true;
        // Announce this length instead of the real one; the connection is closed after the real body.
        qint64 contentLengthOverride = -1;
        bool chunked = false; // Transfer-Encoding: chunked instead of Content-Length

        qint64 bytesPerSecond = 0; // throttle the body (0: as fast as possible)
        // After this many body bytes have reached the client, abort the connection: it ends before the
        // announced length (the bytes before the cut are always delivered).
        qint64 cutAfter = -1;
        qint64 stallAfter = -1; // after this many body bytes, send nothing more but keep it open
        int headerDelayMs = 0; // wait this long before sending the status line
        bool closeWithoutResponse = false; // close the connection (a reset) instead of answering at all
        // After a complete keep-alive response, close the connection without having said so (a server's idle
        // timeout): the client finds out only when it tries to use the connection again.
        bool closeAfterResponse = false;

        QByteArray location; // sets Location; use with a 3xx status
        // Send the head and a body of up to 64 KiB in one write, as nginx does with a small file: the client
        // gets them in one read. Otherwise the head goes out on its own first.
        bool headWithBody = false;
    };

    struct RecordedRequest
    {
        QByteArray method;
        QByteArray path; // as sent, with the query
        QList<QPair<QByteArray, QByteArray>> headers; // names as sent
        QByteArray header(const QByteArray &name) const; // case-insensitive, first match, or empty
        int connectionId = 0; // which TCP connection carried it (keep-alive reuse shows here)
    };

    explicit TestHttpServer(QObject *parent = nullptr);
    ~TestHttpServer() override; // stops the thread, closes every connection

    // Listens on 127.0.0.1 on a free port; false if it could not.
    bool start();
    quint16 port() const;
    QUrl url(const QByteArray &pathAndQuery) const; // "http://127.0.0.1:PORT" + path

    // Paths are matched without the query string. Unknown paths get 404.
    void setResponse(const QByteArray &path, const Response &response);
    // The k-th request to `path` (0-based, counted from this call) gets sequence[min(k, size-1)]:
    // "fail twice, then serve".
    void setResponseSequence(const QByteArray &path, const QList<Response> &sequence);

    QList<RecordedRequest> requests() const; // every request so far, in arrival order
    int requestCount(const QByteArray &path) const;
    // Highest number of requests that were being answered at the same time (received, response not yet
    // completely sent or aborted), over all paths, since start() or resetStatistics().
    int maxConcurrentRequests() const;
    int currentRequests() const;
    int connectionCount() const; // TCP connections accepted so far
    int openConnectionCount() const; // accepted and not yet closed (by either side)
    void resetStatistics(); // clears requests, counts and the maximum

    // Releases every response that is stalled now: they send the rest of their body (test "resume after a
    // stall"). Call it once the client has seen the stall; a response that reaches its stall point later
    // stalls as usual. Asynchronous: it takes effect in the server thread right after the call.
    void releaseStalls();

    static char patternByte(quint32 seed, qint64 offset);
    static QByteArray patternBytes(quint32 seed, qint64 offset, qint64 count);
    // A 200 with `size` pattern bytes of `seed`, sent at `bytesPerSecond` (0: at once), and an ETag naming
    // the seed (so that a resume can tell two bodies apart).
    static Response generated(qint64 size, quint32 seed, qint64 bytesPerSecond = 0);

private:
    class Worker;
    QThread m_thread;
    Worker *m_worker = nullptr; // lives in m_thread
    mutable QMutex m_mutex;
    quint16 m_port = 0;
};

#include "nginxfixture.h"
#include "testhttpserver.h"

#include <QElapsedTimer>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;
using Response = TestHttpServer::Response;

namespace {

constexpr int kWaitMs = 10000;
constexpr qint64 kFiveGiB = 5LL * 1024 * 1024 * 1024;

struct RawResponse
{
    QByteArray statusLine;
    int status = 0;
    QByteArray headerBlock; // the header lines exactly as received, without the status line
    QList<QPair<QByteArray, QByteArray>> headers;

    QByteArray header(QByteArrayView name) const
    {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        }
        return {};
    }
    bool hasHeader(QByteArrayView name) const
    {
        return std::any_of(headers.cbegin(), headers.cend(),
                           [name](const auto &h) { return h.first.compare(name, Qt::CaseInsensitive) == 0; });
    }
};

// A blocking HTTP client on a bare socket, for what QNetworkAccessManager hides: the exact bytes on the
// wire, connection reuse, pipelining, early closes. Blocking is fine because the server has its own thread.
class RawClient final
{
public:
    explicit RawClient(quint16 port)
    {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        m_socket.waitForConnected(kWaitMs);
    }

    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    bool isClosed() const { return m_socket.state() == QAbstractSocket::UnconnectedState; }

    bool send(const QByteArray &data)
    {
        m_socket.write(data);
        while (m_socket.bytesToWrite() > 0) {
            if (!m_socket.waitForBytesWritten(kWaitMs))
                return false;
        }
        return true;
    }

    std::optional<RawResponse> readHead()
    {
        qsizetype end = -1;
        while ((end = m_buffer.indexOf("\r\n\r\n")) < 0) {
            if (!fill())
                return std::nullopt;
        }
        const QByteArray head = m_buffer.left(end);
        m_buffer.remove(0, end + 4);
        RawResponse response;
        const qsizetype firstLineEnd = head.indexOf("\r\n");
        response.statusLine = firstLineEnd < 0 ? head : head.left(firstLineEnd);
        response.headerBlock = firstLineEnd < 0 ? QByteArray() : head.mid(firstLineEnd + 2) + "\r\n";
        const QList<QByteArray> parts = response.statusLine.split(' ');
        response.status = parts.size() >= 2 ? parts[1].toInt() : 0;
        if (firstLineEnd >= 0) {
            for (const QByteArray &line : head.mid(firstLineEnd + 2).split('\n')) {
                const QByteArray trimmed = line.trimmed();
                const qsizetype colon = trimmed.indexOf(':');
                if (colon > 0)
                    response.headers.append({ trimmed.left(colon), trimmed.mid(colon + 1).trimmed() });
            }
        }
        return response;
    }

    // Up to `count` bytes: fewer only when the server closed the connection first.
    QByteArray readBytes(qint64 count)
    {
        while (m_buffer.size() < count && fill()) { }
        const QByteArray bytes = m_buffer.left(count);
        m_buffer.remove(0, bytes.size());
        return bytes;
    }

    QByteArray readUntilClosed()
    {
        while (fill()) { }
        return std::exchange(m_buffer, {});
    }

    // True when nothing arrives within `ms` and the connection stays open: the server holds back.
    bool staysSilentFor(int ms)
    {
        return m_buffer.isEmpty() && !m_socket.waitForReadyRead(ms) && m_socket.bytesAvailable() == 0
            && isConnected();
    }

    void close() { m_socket.abort(); }

private:
    bool fill()
    {
        if (m_socket.bytesAvailable() == 0 && isConnected())
            m_socket.waitForReadyRead(kWaitMs);
        const QByteArray data = m_socket.readAll();
        m_buffer += data;
        return !data.isEmpty();
    }

    QTcpSocket m_socket;
    QByteArray m_buffer;
};

QByteArray getRequest(const QByteArray &path, const QByteArray &extraHeaders = {})
{
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders + "\r\n";
}

struct Fetched
{
    bool finished = false;
    int status = 0;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QByteArray body;
    QList<QNetworkReply::RawHeaderPair> headers;

    QByteArray header(QByteArrayView name) const
    {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        }
        return {};
    }
};

Fetched collect(QNetworkReply *reply)
{
    Fetched result;
    if (!reply->isFinished()) {
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!finished.wait(kWaitMs))
            return result;
    }
    result.finished = true;
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.error = reply->error();
    result.body = reply->readAll();
    result.headers = reply->rawHeaderPairs();
    return result;
}

Response generated(qint64 size, quint32 seed)
{
    Response response;
    response.bodySize = size;
    response.seed = seed;
    return response;
}

} // namespace

class TestTestHttpServer final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void patternIsDeterministic();
    void patternDetectsShift_data();
    void patternDetectsShift();
    void plainBody();
    void unknownPathIs404();
    void generatedBody();
    void rangeAtBigOffset();
    void range_data();
    void range();
    void headSendsHeadersOnly();
    void keepAliveReusesConnection();
    void pipelinedRequestsAnsweredInOrder();
    void cutAfterClosesEarly();
    void stallUntilReleased();
    void throttleTakesAtLeastTheMinimumTime();
    void headerDelayHoldsBackTheStatusLine();
    void responseSequence();
    void maxConcurrentRequests();
    void resetStatistics();
    void headerFlood_data();
    void headerFlood();
    void statusLine_data();
    void statusLine();
    void redirect();
    void duplicateHeadersSentVerbatim();
    void chunkedBody();
    void closeDelimitedBody();
    void contentLengthOverride();
    void destructorClosesOpenAndStalledConnections();
    void nginxServesFile();

private:
    QNetworkReply *get(const QByteArray &path, const QList<QPair<QByteArray, QByteArray>> &headers = {});

    std::unique_ptr<TestHttpServer> m_server;
    std::unique_ptr<QNetworkAccessManager> m_nam;
};

void TestTestHttpServer::init()
{
    m_server = std::make_unique<TestHttpServer>();
    QVERIFY(m_server->start());
    QVERIFY(m_server->port() != 0);
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_nam->setProxy(QNetworkProxy::NoProxy);
}

void TestTestHttpServer::cleanup()
{
    // The server goes first, while the client still holds keep-alive connections open.
    m_server.reset();
    m_nam.reset();
}

QNetworkReply *TestTestHttpServer::get(const QByteArray &path,
                                       const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QNetworkRequest request(m_server->url(path));
    for (const auto &header : headers)
        request.setRawHeader(header.first, header.second);
    return m_nam->get(request);
}

void TestTestHttpServer::patternIsDeterministic()
{
    const qint64 offsets[] = { 0, 3, 4096 + 5, (1LL << 32) + 7, kFiveGiB - 64 };
    for (const qint64 offset : offsets) {
        const QByteArray bytes = TestHttpServer::patternBytes(11, offset, 64);
        QCOMPARE(bytes, TestHttpServer::patternBytes(11, offset, 64));
        for (qint64 i = 0; i < bytes.size(); ++i)
            QCOMPARE(bytes.at(i), TestHttpServer::patternByte(11, offset + i));
    }
    QVERIFY(TestHttpServer::patternBytes(1, 0, 64) != TestHttpServer::patternBytes(2, 0, 64));

    const QByteArray block = TestHttpServer::patternBytes(3, 0, 64 * 1024);
    QSet<char> distinct(block.cbegin(), block.cend());
    QCOMPARE(distinct.size(), 256);
}

void TestTestHttpServer::patternDetectsShift_data()
{
    QTest::addColumn<qint64>("shift");
    QTest::newRow("1 byte") << qint64(1);
    QTest::newRow("7 bytes") << qint64(7);
    QTest::newRow("8 bytes") << qint64(8);
    QTest::newRow("64 KiB") << qint64(64 * 1024);
    QTest::newRow("1 MiB") << qint64(1024 * 1024);
    QTest::newRow("4 GiB") << (qint64(1) << 32);
}

void TestTestHttpServer::patternDetectsShift()
{
    QFETCH(qint64, shift);
    const QByteArray base = TestHttpServer::patternBytes(5, 1000, 256);
    QVERIFY(TestHttpServer::patternBytes(5, 1000 + shift, 256) != base);
}

void TestTestHttpServer::plainBody()
{
    Response response;
    response.body = "Hello, world\n";
    m_server->setResponse("/hello", response);

    std::unique_ptr<QNetworkReply> reply(get("/hello?x=1", { { "X-Test", "yes" } }));
    const Fetched fetched = collect(reply.get());
    QVERIFY(fetched.finished);
    QCOMPARE(fetched.error, QNetworkReply::NoError);
    QCOMPARE(fetched.status, 200);
    QCOMPARE(fetched.body, "Hello, world\n"_ba);
    QCOMPARE(fetched.header("Content-Length"), "13"_ba);
    QCOMPARE(fetched.header("Accept-Ranges"), "bytes"_ba);

    const QList<TestHttpServer::RecordedRequest> requests = m_server->requests();
    QCOMPARE(requests.size(), 1);
    QCOMPARE(requests[0].method, "GET"_ba);
    QCOMPARE(requests[0].path, "/hello?x=1"_ba);
    QCOMPARE(requests[0].header("x-test"), "yes"_ba);
    QCOMPARE(requests[0].header("X-TEST"), "yes"_ba);
    QVERIFY(requests[0].header("X-Absent").isEmpty());
    QVERIFY(requests[0].connectionId > 0);
    QCOMPARE(m_server->requestCount("/hello"), 1);
    QCOMPARE(m_server->requestCount("/hello?x=1"), 0);
    QCOMPARE(m_server->connectionCount(), 1);
    QTRY_COMPARE(m_server->currentRequests(), 0);
    QCOMPARE(m_server->maxConcurrentRequests(), 1);
}

void TestTestHttpServer::unknownPathIs404()
{
    std::unique_ptr<QNetworkReply> reply(get("/nowhere"));
    const Fetched fetched = collect(reply.get());
    QVERIFY(fetched.finished);
    QCOMPARE(fetched.status, 404);
    QCOMPARE(fetched.error, QNetworkReply::ContentNotFoundError);
    QCOMPARE(m_server->requestCount("/nowhere"), 1);
}

void TestTestHttpServer::generatedBody()
{
    const qint64 size = 1024 * 1024 + 3;
    m_server->setResponse("/gen.bin", generated(size, 42));
    std::unique_ptr<QNetworkReply> reply(get("/gen.bin"));
    const Fetched fetched = collect(reply.get());
    QVERIFY(fetched.finished);
    QCOMPARE(fetched.error, QNetworkReply::NoError);
    QCOMPARE(fetched.header("Content-Length"), QByteArray::number(size));
    QCOMPARE(fetched.body.size(), size);
    QVERIFY(fetched.body == TestHttpServer::patternBytes(42, 0, size));
}

void TestTestHttpServer::rangeAtBigOffset()
{
    m_server->setResponse("/huge.bin", generated(kFiveGiB, 7));
    const qint64 offset = qint64(1) << 32;
    RawClient client(m_server->port());
    QVERIFY(client.isConnected());
    QVERIFY(client.send(getRequest("/huge.bin", "Range: bytes=4294967296-\r\n")));
    const std::optional<RawResponse> head = client.readHead();
    QVERIFY(head);
    QCOMPARE(head->status, 206);
    QCOMPARE(head->header("Content-Range"), "bytes 4294967296-5368709119/5368709120"_ba);
    QCOMPARE(head->header("Content-Length"), QByteArray::number(kFiveGiB - offset));

    const QByteArray first = client.readBytes(1024);
    QCOMPARE(first.size(), 1024);
    QVERIFY(first == TestHttpServer::patternBytes(7, offset, 1024));
    // The same bytes at offset 0 would mean the server truncated the offset to 32 bits.
    QVERIFY(first != TestHttpServer::patternBytes(7, 0, 1024));

    // Walking away mid-body must end the response on the server too, without it producing the rest.
    QCOMPARE(m_server->currentRequests(), 1);
    client.close();
    QTRY_COMPARE(m_server->currentRequests(), 0);
}

void TestTestHttpServer::range_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("range");
    QTest::addColumn<QByteArray>("ifRange");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("contentRange");
    QTest::addColumn<qint64>("offset");
    QTest::addColumn<qint64>("length");

    const QByteArray etag = "\"v1\"";
    const QByteArray date = "Wed, 21 Oct 2015 07:28:00 GMT";
    QTest::newRow("no range") << "/r.bin"_ba << QByteArray() << QByteArray() << 200 << QByteArray() << 0LL
                              << 1000LL;
    QTest::newRow("open-ended") << "/r.bin"_ba
                                << "bytes=100-"_ba << QByteArray() << 206 << "bytes 100-999/1000"_ba << 100LL
                                << 900LL;
    QTest::newRow("closed") << "/r.bin"_ba
                            << "bytes=100-199"_ba << QByteArray() << 206 << "bytes 100-199/1000"_ba << 100LL
                            << 100LL;
    QTest::newRow("last byte") << "/r.bin"_ba
                               << "bytes=999-999"_ba << QByteArray() << 206 << "bytes 999-999/1000"_ba
                               << 999LL << 1LL;
    QTest::newRow("end clamped") << "/r.bin"_ba
                                 << "bytes=900-5000"_ba << QByteArray() << 206 << "bytes 900-999/1000"_ba
                                 << 900LL << 100LL;
    QTest::newRow("suffix") << "/r.bin"_ba
                            << "bytes=-100"_ba << QByteArray() << 206 << "bytes 900-999/1000"_ba << 900LL
                            << 100LL;
    QTest::newRow("if-range etag matches")
        << "/r.bin"_ba
        << "bytes=100-"_ba << etag << 206 << "bytes 100-999/1000"_ba << 100LL << 900LL;
    QTest::newRow("if-range etag differs") << "/r.bin"_ba
                                           << "bytes=100-"_ba
                                           << "\"v2\""_ba << 200 << QByteArray() << 0LL << 1000LL;
    QTest::newRow("if-range date matches")
        << "/r.bin"_ba
        << "bytes=100-"_ba << date << 206 << "bytes 100-999/1000"_ba << 100LL << 900LL;
    QTest::newRow("if-range date differs")
        << "/r.bin"_ba
        << "bytes=100-"_ba
        << "Thu, 22 Oct 2015 07:28:00 GMT"_ba << 200 << QByteArray() << 0LL << 1000LL;
    QTest::newRow("start at total") << "/r.bin"_ba
                                    << "bytes=1000-"_ba << QByteArray() << 416 << "bytes */1000"_ba << 0LL
                                    << 0LL;
    QTest::newRow("start beyond total")
        << "/r.bin"_ba
        << "bytes=5000-6000"_ba << QByteArray() << 416 << "bytes */1000"_ba << 0LL << 0LL;
    QTest::newRow("ranges disabled") << "/norange.bin"_ba
                                     << "bytes=100-"_ba << QByteArray() << 200 << QByteArray() << 0LL
                                     << 1000LL;
    QTest::newRow("route is not 200")
        << "/gone.bin"_ba
        << "bytes=100-"_ba << QByteArray() << 410 << QByteArray() << 0LL << 1000LL;
}

void TestTestHttpServer::range()
{
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, range);
    QFETCH(QByteArray, ifRange);
    QFETCH(int, status);
    QFETCH(QByteArray, contentRange);
    QFETCH(qint64, offset);
    QFETCH(qint64, length);

    const quint32 seed = 9;
    Response ranged = generated(1000, seed);
    ranged.etag = "\"v1\"";
    ranged.lastModified = "Wed, 21 Oct 2015 07:28:00 GMT";
    m_server->setResponse("/r.bin", ranged);
    Response noRanges = generated(1000, seed);
    noRanges.acceptRanges = false;
    m_server->setResponse("/norange.bin", noRanges);
    Response gone = generated(1000, seed);
    gone.status = 410;
    m_server->setResponse("/gone.bin", gone);

    QList<QPair<QByteArray, QByteArray>> headers;
    if (!range.isEmpty())
        headers.append({ "Range", range });
    if (!ifRange.isEmpty())
        headers.append({ "If-Range", ifRange });
    std::unique_ptr<QNetworkReply> reply(get(path, headers));
    const Fetched fetched = collect(reply.get());
    QVERIFY(fetched.finished);
    QCOMPARE(fetched.status, status);
    QCOMPARE(fetched.header("Content-Range"), contentRange);
    QCOMPARE(fetched.header("Content-Length"), QByteArray::number(length));
    QCOMPARE(fetched.body.size(), length);
    QVERIFY(fetched.body == TestHttpServer::patternBytes(seed, offset, length));
    QCOMPARE(fetched.header("Accept-Ranges").isEmpty(), path != "/r.bin");
}

void TestTestHttpServer::headSendsHeadersOnly()
{
    Response response = generated(kFiveGiB, 1);
    response.etag = "\"big\"";
    m_server->setResponse("/huge.bin", response);
    Response hello;
    hello.body = "hello";
    m_server->setResponse("/hello", hello);

    RawClient client(m_server->port());
    QVERIFY(client.send("HEAD /huge.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    const std::optional<RawResponse> head = client.readHead();
    QVERIFY(head);
    QCOMPARE(head->status, 200);
    QCOMPARE(head->header("Content-Length"), "5368709120"_ba);
    QCOMPARE(head->header("ETag"), "\"big\""_ba);
    QCOMPARE(head->header("Accept-Ranges"), "bytes"_ba);

    // Had the HEAD response carried body bytes, they would show up in front of this response.
    QVERIFY(client.send(getRequest("/hello")));
    const std::optional<RawResponse> second = client.readHead();
    QVERIFY(second);
    QCOMPARE(second->statusLine, "HTTP/1.1 200 OK"_ba);
    QCOMPARE(client.readBytes(5), "hello"_ba);
    QCOMPARE(m_server->requests().at(0).method, "HEAD"_ba);
}

void TestTestHttpServer::keepAliveReusesConnection()
{
    Response response;
    response.body = "abc";
    m_server->setResponse("/a", response);

    RawClient client(m_server->port());
    for (int i = 0; i < 2; ++i) {
        QVERIFY(client.send(getRequest("/a")));
        const std::optional<RawResponse> head = client.readHead();
        QVERIFY(head);
        QCOMPARE(head->status, 200);
        QVERIFY(!head->hasHeader("Connection"));
        QCOMPARE(client.readBytes(3), "abc"_ba);
    }
    QVERIFY(client.isConnected());

    QVERIFY(client.send(getRequest("/a", "Connection: close\r\n")));
    const std::optional<RawResponse> last = client.readHead();
    QVERIFY(last);
    QCOMPARE(last->header("Connection"), "close"_ba);
    QCOMPARE(client.readUntilClosed(), "abc"_ba);
    QVERIFY(client.isClosed());

    const QList<TestHttpServer::RecordedRequest> requests = m_server->requests();
    QCOMPARE(requests.size(), 3);
    QCOMPARE(requests[1].connectionId, requests[0].connectionId);
    QCOMPARE(requests[2].connectionId, requests[0].connectionId);
    QCOMPARE(m_server->connectionCount(), 1);

    RawClient other(m_server->port());
    QVERIFY(other.send(getRequest("/a")));
    QVERIFY(other.readHead());
    QVERIFY(m_server->requests().at(3).connectionId != requests[0].connectionId);
    QCOMPARE(m_server->connectionCount(), 2);
}

void TestTestHttpServer::pipelinedRequestsAnsweredInOrder()
{
    Response first;
    first.body = "first";
    m_server->setResponse("/1", first);
    Response second;
    second.body = "second!";
    m_server->setResponse("/2", second);

    RawClient client(m_server->port());
    QVERIFY(client.send(getRequest("/1") + getRequest("/2")));
    std::optional<RawResponse> head = client.readHead();
    QVERIFY(head);
    QCOMPARE(client.readBytes(head->header("Content-Length").toLongLong()), "first"_ba);
    head = client.readHead();
    QVERIFY(head);
    QCOMPARE(client.readBytes(head->header("Content-Length").toLongLong()), "second!"_ba);
    QCOMPARE(m_server->maxConcurrentRequests(), 1);
}

void TestTestHttpServer::cutAfterClosesEarly()
{
    Response response = generated(100000, 4);
    response.cutAfter = 30000;
    m_server->setResponse("/cut.bin", response);

    RawClient client(m_server->port());
    QVERIFY(client.send(getRequest("/cut.bin")));
    const std::optional<RawResponse> head = client.readHead();
    QVERIFY(head);
    QCOMPARE(head->header("Content-Length"), "100000"_ba);
    const QByteArray body = client.readUntilClosed();
    QCOMPARE(body.size(), 30000);
    QVERIFY(body == TestHttpServer::patternBytes(4, 0, 30000));
    QVERIFY(client.isClosed());

    // A real client reports the truncation as an error rather than a short success.
    std::unique_ptr<QNetworkReply> reply(get("/cut.bin"));
    const Fetched fetched = collect(reply.get());
    QVERIFY(fetched.finished);
    QVERIFY(fetched.error != QNetworkReply::NoError);
    QVERIFY(fetched.body.size() <= 30000);
    QTRY_COMPARE(m_server->currentRequests(), 0);
}

void TestTestHttpServer::stallUntilReleased()
{
    Response response = generated(50000, 8);
    response.stallAfter = 20000;
    m_server->setResponse("/stall.bin", response);

    RawClient client(m_server->port());
    QVERIFY(client.send(getRequest("/stall.bin")));
    const std::optional<RawResponse> head = client.readHead();
    QVERIFY(head);
    QCOMPARE(head->header("Content-Length"), "50000"_ba);
    const QByteArray before = client.readBytes(20000);
    QVERIFY(before == TestHttpServer::patternBytes(8, 0, 20000));
    QVERIFY(client.staysSilentFor(200));
    QCOMPARE(m_server->currentRequests(), 1);

    m_server->releaseStalls();
    const QByteArray after = client.readBytes(30000);
    QCOMPARE(after.size(), 30000);
    QVERIFY(after == TestHttpServer::patternBytes(8, 20000, 30000));
    QVERIFY(client.isConnected());
    QTRY_COMPARE(m_server->currentRequests(), 0);
}

void TestTestHttpServer::throttleTakesAtLeastTheMinimumTime()
{
    Response response = generated(100000, 2);
    response.bytesPerSecond = 200000;
    m_server->setResponse("/slow.bin", response);

    QElapsedTimer timer;
    timer.start();
    std::unique_ptr<QNetworkReply> reply(get("/slow.bin"));
    const Fetched fetched = collect(reply.get());
    const qint64 elapsed = timer.elapsed();
    QVERIFY(fetched.finished);
    QCOMPARE(fetched.error, QNetworkReply::NoError);
    QVERIFY(fetched.body == TestHttpServer::patternBytes(2, 0, 100000));
    QVERIFY2(elapsed >= 400, qPrintable(u"took %1 ms"_s.arg(elapsed)));
}

void TestTestHttpServer::headerDelayHoldsBackTheStatusLine()
{
    Response response;
    response.body = "late";
    response.headerDelayMs = 300;
    m_server->setResponse("/late", response);

    RawClient client(m_server->port());
    QElapsedTimer timer;
    timer.start();
    QVERIFY(client.send(getRequest("/late")));
    const std::optional<RawResponse> head = client.readHead();
    const qint64 elapsed = timer.elapsed();
    QVERIFY(head);
    QCOMPARE(head->status, 200);
    QCOMPARE(client.readBytes(4), "late"_ba);
    QVERIFY2(elapsed >= 290, qPrintable(u"took %1 ms"_s.arg(elapsed)));
}

void TestTestHttpServer::responseSequence()
{
    Response unavailable;
    unavailable.status = 503;
    unavailable.headers = { { "Retry-After", "1" } };
    Response ok;
    ok.body = "ok";
    m_server->setResponseSequence("/flaky", { unavailable, unavailable, ok });

    const QList<int> expected = { 503, 503, 200, 200 };
    for (const int status : expected) {
        std::unique_ptr<QNetworkReply> reply(get("/flaky?attempt"));
        const Fetched fetched = collect(reply.get());
        QVERIFY(fetched.finished);
        QCOMPARE(fetched.status, status);
        if (status == 503)
            QCOMPARE(fetched.header("Retry-After"), "1"_ba);
        else
            QCOMPARE(fetched.body, "ok"_ba);
    }
    QCOMPARE(m_server->requestCount("/flaky"), 4);
}

void TestTestHttpServer::maxConcurrentRequests()
{
    Response response = generated(40000, 6);
    response.stallAfter = 10000;
    response.bytesPerSecond = 400000;
    m_server->setResponse("/slow.bin", response);

    std::vector<std::unique_ptr<QNetworkReply>> replies;
    for (int i = 0; i < 3; ++i)
        replies.emplace_back(get("/slow.bin?n=" + QByteArray::number(i)));
    // All three are held at their stall, so all three are being answered at once.
    QTRY_COMPARE(m_server->currentRequests(), 3);
    QCOMPARE(m_server->maxConcurrentRequests(), 3);
    QCOMPARE(m_server->connectionCount(), 3);

    m_server->releaseStalls();
    for (const auto &reply : replies) {
        const Fetched fetched = collect(reply.get());
        QVERIFY(fetched.finished);
        QCOMPARE(fetched.error, QNetworkReply::NoError);
        QVERIFY(fetched.body == TestHttpServer::patternBytes(6, 0, 40000));
    }
    QTRY_COMPARE(m_server->currentRequests(), 0);
    QCOMPARE(m_server->maxConcurrentRequests(), 3);
}

void TestTestHttpServer::resetStatistics()
{
    Response response;
    response.body = "x";
    m_server->setResponse("/x", response);
    std::unique_ptr<QNetworkReply> reply(get("/x"));
    QVERIFY(collect(reply.get()).finished);
    QTRY_COMPARE(m_server->currentRequests(), 0);
    QCOMPARE(m_server->maxConcurrentRequests(), 1);

    m_server->resetStatistics();
    QVERIFY(m_server->requests().isEmpty());
    QCOMPARE(m_server->requestCount("/x"), 0);
    QCOMPARE(m_server->connectionCount(), 0);
    QCOMPARE(m_server->maxConcurrentRequests(), 0);
}

void TestTestHttpServer::headerFlood_data()
{
    QTest::addColumn<int>("headerBytes");
    QTest::addColumn<bool>("terminated");
    QTest::addColumn<int>("status");
    QTest::newRow("60 KiB, below the cap") << 60 * 1024 << true << 200;
    QTest::newRow("70 KiB, complete") << 70 * 1024 << true << 431;
    QTest::newRow("70 KiB, never ends") << 70 * 1024 << false << 431;
}

void TestTestHttpServer::headerFlood()
{
    QFETCH(int, headerBytes);
    QFETCH(bool, terminated);
    QFETCH(int, status);
    Response response;
    response.body = "fine";
    m_server->setResponse("/f", response);

    QByteArray request = "GET /f HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (int i = 0; request.size() < headerBytes; ++i)
        request += "X-Flood-" + QByteArray::number(i) + ": " + QByteArray(100, 'a') + "\r\n";
    if (terminated)
        request += "\r\n";

    RawClient client(m_server->port());
    QVERIFY(client.send(request));
    const std::optional<RawResponse> head = client.readHead();
    QVERIFY(head);
    QCOMPARE(head->status, status);
    QCOMPARE(m_server->requestCount("/f"), status == 200 ? 1 : 0);
    if (status == 431)
        QCOMPARE(head->header("Connection"), "close"_ba);

    // The flood must not have hurt the server.
    RawClient next(m_server->port());
    QVERIFY(next.send(getRequest("/f")));
    const std::optional<RawResponse> after = next.readHead();
    QVERIFY(after);
    QCOMPARE(after->status, 200);
}

void TestTestHttpServer::statusLine_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("reason");
    QTest::addColumn<QByteArray>("expected");
    const QList<QPair<int, QByteArray>> defaults = {
        { 200, "OK" },
        { 206, "Partial Content" },
        { 301, "Moved Permanently" },
        { 302, "Found" },
        { 303, "See Other" },
        { 307, "Temporary Redirect" },
        { 308, "Permanent Redirect" },
        { 400, "Bad Request" },
        { 401, "Unauthorized" },
        { 403, "Forbidden" },
        { 404, "Not Found" },
        { 408, "Request Timeout" },
        { 410, "Gone" },
        { 416, "Range Not Satisfiable" },
        { 429, "Too Many Requests" },
        { 500, "Internal Server Error" },
        { 502, "Bad Gateway" },
        { 503, "Service Unavailable" },
        { 504, "Gateway Timeout" },
    };
    for (const auto &[status, reason] : defaults) {
        QTest::addRow("%d", status) << status << QByteArray()
                                    << "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason;
    }
    QTest::newRow("custom reason") << 418 << "Short And Stout"_ba
                                   << "HTTP/1.1 418 Short And Stout"_ba;
}

void TestTestHttpServer::statusLine()
{
    QFETCH(int, status);
    QFETCH(QByteArray, reason);
    QFETCH(QByteArray, expected);
    Response response;
    response.status = status;
    response.reason = reason;
    response.body = "body";
    m_server->setResponse("/s", response);

    RawClient client(m_server->port());
    QVERIFY(client.send(getRequest("/s")));
    const std::optional<RawResponse> head = client.readHead();
    QVERIFY(head);
    QCOMPARE(head->statusLine, expected);
    QCOMPARE(client.readBytes(4), "body"_ba);
}

void TestTestHttpServer::redirect()
{
    Response moved;
    moved.status = 302;
    moved.location = "/target?from=old";
    m_server->setResponse("/old", moved);
    Response target;
    target.body = "arrived";
    m_server->setResponse("/target", target);

    QNetworkRequest manual(m_server->url("/old"));
    manual.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    std::unique_ptr<QNetworkReply> reply(m_nam->get(manual));
    const Fetched fetched = collect(reply.get());
    QVERIFY(fetched.finished);
    QCOMPARE(fetched.status, 302);
    QCOMPARE(fetched.header("Location"), "/target?from=old"_ba);

    QNetworkRequest follow(m_server->url("/old"));
    follow.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
    std::unique_ptr<QNetworkReply> followed(m_nam->get(follow));
    const Fetched arrived = collect(followed.get());
    QVERIFY(arrived.finished);
    QCOMPARE(arrived.status, 200);
    QCOMPARE(arrived.body, "arrived"_ba);
    QCOMPARE(m_server->requests().last().path, "/target?from=old"_ba);
}

void TestTestHttpServer::duplicateHeadersSentVerbatim()
{
    Response response;
    response.body = "12345";
    response.sendContentLength = false;
    response.headers = {
        { "Content-Length", "5" },
        { "X-Dup", "a" },
        { "Content-Length", "5" },
        { "X-Dup", "b" },
        { "content-disposition", "attachment; filename=\"x.bin\"" },
    };
    m_server->setResponse("/dup", response);

    RawClient client(m_server->port());
    QVERIFY(client.send(getRequest("/dup")));
    const std::optional<RawResponse> head = client.readHead();
    QVERIFY(head);
    QVERIFY2(head->headerBlock.contains("Content-Length: 5\r\nX-Dup: a\r\nContent-Length: 5\r\nX-Dup: b\r\n"
                                        "content-disposition: attachment; filename=\"x.bin\"\r\n"),
             head->headerBlock.constData());
    QCOMPARE(head->headerBlock.count("Content-Length"), 2);
    QCOMPARE(client.readBytes(5), "12345"_ba);
}

void TestTestHttpServer::chunkedBody()
{
    Response response = generated(200000, 12);
    response.chunked = true;
    m_server->setResponse("/chunked.bin", response);

    std::unique_ptr<QNetworkReply> reply(get("/chunked.bin"));
    const Fetched fetched = collect(reply.get());
    QVERIFY(fetched.finished);
    QCOMPARE(fetched.error, QNetworkReply::NoError);
    QCOMPARE(fetched.header("Transfer-Encoding"), "chunked"_ba);
    QVERIFY(fetched.header("Content-Length").isEmpty());
    QVERIFY(fetched.body == TestHttpServer::patternBytes(12, 0, 200000));

    // The terminating chunk keeps the connection usable for the next request.
    RawClient client(m_server->port());
    QVERIFY(client.send(getRequest("/chunked.bin", "Range: bytes=199990-\r\n")));
    const std::optional<RawResponse> head = client.readHead();
    QVERIFY(head);
    QCOMPARE(head->status, 206);
    const QByteArray expected = "a\r\n" + TestHttpServer::patternBytes(12, 199990, 10) + "\r\n0\r\n\r\n";
    QCOMPARE(client.readBytes(expected.size()), expected);
    QVERIFY(client.isConnected());
}

void TestTestHttpServer::closeDelimitedBody()
{
    Response response = generated(300000, 13);
    response.sendContentLength = false;
    m_server->setResponse("/eof.bin", response);

    RawClient client(m_server->port());
    QVERIFY(client.send(getRequest("/eof.bin")));
    const std::optional<RawResponse> head = client.readHead();
    QVERIFY(head);
    QVERIFY(!head->hasHeader("Content-Length"));
    QVERIFY(!head->hasHeader("Transfer-Encoding"));
    const QByteArray body = client.readUntilClosed();
    QVERIFY(client.isClosed());
    QVERIFY(body == TestHttpServer::patternBytes(13, 0, 300000));

    std::unique_ptr<QNetworkReply> reply(get("/eof.bin"));
    const Fetched fetched = collect(reply.get());
    QVERIFY(fetched.finished);
    QCOMPARE(fetched.error, QNetworkReply::NoError);
    QVERIFY(fetched.body == body);
}

void TestTestHttpServer::contentLengthOverride()
{
    Response response = generated(1000, 14);
    response.contentLengthOverride = 2000;
    m_server->setResponse("/short.bin", response);

    RawClient client(m_server->port());
    QVERIFY(client.send(getRequest("/short.bin")));
    const std::optional<RawResponse> head = client.readHead();
    QVERIFY(head);
    QCOMPARE(head->header("Content-Length"), "2000"_ba);
    const QByteArray body = client.readUntilClosed();
    QVERIFY(client.isClosed());
    QVERIFY(body == TestHttpServer::patternBytes(14, 0, 1000));
}

void TestTestHttpServer::destructorClosesOpenAndStalledConnections()
{
    Response response = generated(kFiveGiB, 15);
    response.stallAfter = 1000;
    m_server->setResponse("/stall.bin", response);
    Response slow = generated(kFiveGiB, 15);
    slow.bytesPerSecond = 10000;
    m_server->setResponse("/slow.bin", slow);
    Response late;
    late.headerDelayMs = 60000;
    m_server->setResponse("/late", late);

    RawClient stalled(m_server->port());
    QVERIFY(stalled.send(getRequest("/stall.bin")));
    QVERIFY(stalled.readHead());
    QCOMPARE(stalled.readBytes(1000).size(), 1000);
    RawClient throttled(m_server->port());
    QVERIFY(throttled.send(getRequest("/slow.bin")));
    QVERIFY(throttled.readHead());
    RawClient waiting(m_server->port());
    QVERIFY(waiting.send(getRequest("/late")));
    RawClient halfHeader(m_server->port());
    QVERIFY(halfHeader.send("GET /stall.bin HTTP/1.1\r\nHost: 12"));
    RawClient idle(m_server->port());
    QVERIFY(idle.isConnected());
    QTRY_COMPARE(m_server->connectionCount(), 5);
    QTRY_COMPARE(m_server->currentRequests(), 3);

    m_server.reset();

    for (RawClient *client : { &stalled, &throttled, &waiting, &halfHeader, &idle }) {
        client->readUntilClosed();
        QVERIFY(client->isClosed());
    }
}

void TestTestHttpServer::nginxServesFile()
{
    if (NginxFixture::nginxExecutable().isEmpty())
        QSKIP("nginx is not installed; install nginx-light (Debian/Ubuntu) to run the end-to-end tests");

    QTemporaryDir root;
    QVERIFY(root.isValid());
    const QByteArray content = TestHttpServer::patternBytes(16, 0, 300000);
    QFile file(root.filePath(u"data.bin"_s));
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(content), content.size());
    file.close();

    NginxFixture nginx;
    QVERIFY2(nginx.start(root.path(), u"add_header X-Fixture extra-config-applied;"_s),
             qPrintable(nginx.errorString()));
    QVERIFY(nginx.port() != 0);

    std::unique_ptr<QNetworkReply> reply(m_nam->get(QNetworkRequest(nginx.url(u"/data.bin"_s))));
    const Fetched fetched = collect(reply.get());
    QVERIFY(fetched.finished);
    QCOMPARE(fetched.error, QNetworkReply::NoError);
    QVERIFY(fetched.header("Server").startsWith("nginx"));
    QCOMPARE(fetched.header("X-Fixture"), "extra-config-applied"_ba);
    QCOMPARE(fetched.header("Content-Type"), "application/octet-stream"_ba);
    QVERIFY(fetched.body == content);

    QNetworkRequest ranged(nginx.url(u"data.bin"_s));
    ranged.setRawHeader("Range", "bytes=100000-");
    std::unique_ptr<QNetworkReply> partial(m_nam->get(ranged));
    const Fetched slice = collect(partial.get());
    QVERIFY(slice.finished);
    QCOMPARE(slice.status, 206);
    QCOMPARE(slice.header("Content-Range"), "bytes 100000-299999/300000"_ba);
    QVERIFY(slice.body == content.mid(100000));

    const quint16 port = nginx.port();
    nginx.stop();
    QTcpSocket probe;
    probe.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(!probe.waitForConnected(2000));
}

QTEST_GUILESS_MAIN(TestTestHttpServer)
#include "tst_testhttpserver.moc"

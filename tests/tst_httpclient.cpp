#include "httpclient.h"
#include "httpfetch.h"
#include "httpreply.h"
#include "testhttpserver.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>
#include <vector>

#if defined(Q_OS_UNIX)
#include <sys/socket.h>
#endif

using namespace Qt::StringLiterals;
using Response = TestHttpServer::Response;

namespace {

constexpr int kWaitMs = 10'000;

Response small(quint32 seed, bool closeAfterResponse = false)
{
    Response r;
    r.bodySize = 1000;
    r.seed = seed;
    r.closeAfterResponse = closeAfterResponse;
    return r;
}

// Starts `count` GETs of `url` at once (so each needs a connection of its own), each reading its body to the
// end; `finished` counts those that ended.
void startDraining(heiko::HttpClient &client, const QUrl &url, int count,
                   std::vector<std::unique_ptr<heiko::HttpReply>> &replies, QObject *context, int &finished)
{
    for (int i = 0; i < count; ++i) {
        replies.emplace_back(client.get({ url, {}, "tst_httpclient" }));
        heiko::HttpReply *reply = replies.back().get();
        QObject::connect(reply, &heiko::HttpReply::readyRead, reply, [reply] {
            char buffer[4096];
            while (reply->read(buffer, sizeof buffer) > 0) { }
        });
        QObject::connect(reply, &heiko::HttpReply::finished, context, [&finished] { ++finished; });
        reply->start();
    }
}

} // namespace

// The keep-alive pool of Heiko's HTTP client: connections are reused, and given up safely.
class TestHttpClient final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void idleConnectionIsReused();
    void idleConnectionClosedByTheServerIsNotReused();
    void connectionWithUnaskedBytesIsNotReused();
    void bodyEndingWithTheConnectionIsNotWholeAfterAReset_data();
    void bodyEndingWithTheConnectionIsNotWholeAfterAReset();
    void emptyPathIsSentAsASlash();
    void garbageOnAReusedConnectionIsRetriedOnANewOne();
    void connectionAfterAnAnswerWithoutBodyIsNotReused_data();
    void connectionAfterAnAnswerWithoutBodyIsNotReused();
    void reusedConnectionDroppedBeforeAnswerIsRetriedOnANewOne();
    void expiredIdleConnectionsAreClosed();
    void clientWithIdleConnectionsIsDestroyedCleanly();
    void bodiesThatCameWithTheirHeadsStayApart();
    void partialReaderKeepsTheBufferBounded();
    void surplusConnectionIsDroppedSafely();
    void replyDeletedOnItsHeadWhileItsBodyFails();
    void closeSeenWhenTheLastReadFilledTheBuffer_data();
    void closeSeenWhenTheLastReadFilledTheBuffer();
};

void TestHttpClient::idleConnectionIsReused()
{
    TestHttpServer server;
    QVERIFY(server.start());
    server.setResponse("/a", small(1));
    heiko::HttpClient client;
    QVERIFY(fetch(client, server.url("/a")).finished);
    QCOMPARE(client.idleCount(), 1);
    const Fetched second = fetch(client, server.url("/a"));
    QVERIFY(second.finished);
    QVERIFY(second.reused);
    QCOMPARE(second.body, TestHttpServer::patternBytes(1, 0, 1000));
    QCOMPARE(server.connectionCount(), 1);
}

void TestHttpClient::idleConnectionClosedByTheServerIsNotReused()
{
    // The server closes a keep-alive connection after answering, without saying so (its idle timeout). The
    // next request must not go out on the dead connection and wait forever for an answer.
    TestHttpServer server;
    QVERIFY(server.start());
    server.setResponse("/a", small(2, true));
    heiko::HttpClient client;
    const Fetched first = fetch(client, server.url("/a"));
    QVERIFY(first.finished);
    QCOMPARE(first.error, heiko::HttpReply::Error::None);
    QTRY_COMPARE_WITH_TIMEOUT(server.openConnectionCount(), 0, kWaitMs); // closed by the server
    const Fetched second = fetch(client, server.url("/a"));
    QVERIFY2(second.finished, "the request went out on a closed connection and got no answer");
    QCOMPARE(second.error, heiko::HttpReply::Error::None);
    QCOMPARE(second.body, TestHttpServer::patternBytes(2, 0, 1000));
    QVERIFY(!second.reused);
    QCOMPARE(server.connectionCount(), 2);
}

void TestHttpClient::reusedConnectionDroppedBeforeAnswerIsRetriedOnANewOne()
{
    // The server closes an idle connection just as the next request goes out on it (after the look before
    // reuse found it open): the request got no answer at all, so it is sent once more on a new connection
    // instead of failing the download.
    TestHttpServer server;
    QVERIFY(server.start());
    Response dropped;
    dropped.closeWithoutResponse = true;
    server.setResponseSequence("/a", { small(3), dropped, small(3) });
    heiko::HttpClient client;
    const Fetched first = fetch(client, server.url("/a"));
    QVERIFY(first.finished);
    QCOMPARE(first.error, heiko::HttpReply::Error::None);
    const Fetched second = fetch(client, server.url("/a"));
    QVERIFY(second.finished);
    QCOMPARE(second.error, heiko::HttpReply::Error::None);
    QCOMPARE(second.body, TestHttpServer::patternBytes(3, 0, 1000));
    QCOMPARE(server.requestCount("/a"), 3);
    QCOMPARE(server.connectionCount(), 2);
}

void TestHttpClient::connectionWithUnaskedBytesIsNotReused()
{
    // A server that answers and then, in a later packet, sends a second response nobody asked for: on reuse
    // that response would be taken for the answer to the next request. The connection must be dropped.
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    int accepted = 0;
    QTcpSocket *first = nullptr;
    connect(&server, &QTcpServer::newConnection, this, [&] {
        while (QTcpSocket *socket = server.nextPendingConnection()) {
            ++accepted;
            if (!first)
                first = socket;
            QByteArray *request = new QByteArray;
            connect(socket, &QObject::destroyed, this, [request] { delete request; });
            connect(socket, &QTcpSocket::readyRead, this, [socket, request] {
                request->append(socket->readAll());
                if (request->contains("\r\n\r\n")) {
                    request->clear();
                    socket->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                }
            });
        }
    });
    heiko::HttpClient client;
    const QUrl url(u"http://127.0.0.1:%1/a"_s.arg(server.serverPort()));
    const Fetched answered = fetch(client, url);
    QVERIFY(answered.finished);
    QCOMPARE(answered.body, "ok"_ba);
    QCOMPARE(client.idleCount(), 1);
    QVERIFY(first);
    first->write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil"); // after the answer was complete
    QTRY_COMPARE_WITH_TIMEOUT(first->bytesToWrite(), 0, kWaitMs); // in the client's receive buffer now
    const Fetched second = fetch(client, url);
    QVERIFY(second.finished);
    QCOMPARE(second.body, "ok"_ba);
    QVERIFY(!second.reused);
    QCOMPARE(accepted, 2);
}

void TestHttpClient::bodyEndingWithTheConnectionIsNotWholeAfterAReset_data()
{
    QTest::addColumn<bool>("reset");
    QTest::newRow("closed") << false;
    QTest::newRow("reset") << true;
}

void TestHttpClient::bodyEndingWithTheConnectionIsNotWholeAfterAReset()
{
    // Without a length, the end of the connection is the end of the body; but a reset is a connection that
    // broke, not a server that finished. Qt reads both as the end.
#if !defined(Q_OS_UNIX)
    QSKIP("a reset is made with SO_LINGER here");
#else
    QFETCH(bool, reset);
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    const QByteArray body = TestHttpServer::patternBytes(7, 0, 1000);
    connect(&server, &QTcpServer::newConnection, this, [&] {
        QTcpSocket *socket = server.nextPendingConnection();
        connect(socket, &QTcpSocket::readyRead, this, [socket, body, reset] {
            if (!socket->readAll().contains("\r\n\r\n"))
                return;
            socket->write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body);
            socket->flush();
            if (reset) {
                const linger abortive { 1, 0 }; // close() then sends a reset instead of a FIN
                ::setsockopt(int(socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &abortive,
                             sizeof abortive);
            }
            socket->close();
            socket->deleteLater();
        });
    });
    heiko::HttpClient client;
    const Fetched fetched = fetch(client, QUrl(u"http://127.0.0.1:%1/x"_s.arg(server.serverPort())));
    QVERIFY(fetched.finished);
    if (reset) {
        QCOMPARE(fetched.error, heiko::HttpReply::Error::RemoteClosed);
    } else {
        QCOMPARE(fetched.error, heiko::HttpReply::Error::None);
        QCOMPARE(fetched.body, body);
    }
#endif
}

void TestHttpClient::garbageOnAReusedConnectionIsRetriedOnANewOne()
{
    // A kept connection whose next answer starts with something that is no status line (here a stray line
    // end before it): likely left over from the exchange before, so the request is sent once more on a new
    // connection instead of failing the download for good.
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    int accepted = 0;
    connect(&server, &QTcpServer::newConnection, this, [&] {
        while (QTcpSocket *socket = server.nextPendingConnection()) {
            const int connection = ++accepted;
            auto *answered = new int(0);
            connect(socket, &QObject::destroyed, this, [answered] { delete answered; });
            connect(socket, &QTcpSocket::readyRead, this, [socket, connection, answered] {
                if (!socket->readAll().contains("\r\n\r\n"))
                    return;
                if (connection == 1 && ++*answered == 2)
                    socket->write("\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno");
                else
                    socket->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            });
        }
    });
    heiko::HttpClient client;
    const QUrl url(u"http://127.0.0.1:%1/a"_s.arg(server.serverPort()));
    QCOMPARE(fetch(client, url).body, "ok"_ba);
    const Fetched second = fetch(client, url);
    QVERIFY(second.finished);
    QCOMPARE(second.error, heiko::HttpReply::Error::None);
    QCOMPARE(second.body, "ok"_ba);
    QCOMPARE(accepted, 2);
}

void TestHttpClient::emptyPathIsSentAsASlash()
{
    // RFC 9112 §3.2.1: "GET ?x=1" is no request line; the empty path is "/", also before a query.
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    QByteArray requestLine;
    connect(&server, &QTcpServer::newConnection, this, [&] {
        QTcpSocket *socket = server.nextPendingConnection();
        connect(socket, &QTcpSocket::readyRead, this, [socket, &requestLine] {
            const QByteArray request = socket->readAll();
            requestLine = request.left(request.indexOf("\r\n"));
            socket->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
    });
    heiko::HttpClient client;
    const Fetched fetched = fetch(client, QUrl(u"http://127.0.0.1:%1?x=1"_s.arg(server.serverPort())));
    QVERIFY(fetched.finished);
    QCOMPARE(fetched.body, "ok"_ba);
    QCOMPARE(requestLine, "GET /?x=1 HTTP/1.1"_ba);
}

void TestHttpClient::connectionAfterAnAnswerWithoutBodyIsNotReused_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::newRow("204") << "HTTP/1.1 204 No Content\r\nContent-Length: 4\r\n\r\n"_ba;
    QTest::newRow("304") << "HTTP/1.1 304 Not Modified\r\nContent-Length: 4\r\n\r\n"_ba;
}

void TestHttpClient::connectionAfterAnAnswerWithoutBodyIsNotReused()
{
    // A 204 or 304 has no body by rule, but a server may send one anyway (the head here announces 4 bytes),
    // and later than the pool's look before reuse would see it: on a reused connection it would be taken for
    // the start of the next response. So the connection is not kept at all.
    QFETCH(QByteArray, head);
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    int accepted = 0;
    connect(&server, &QTcpServer::newConnection, this, [&] {
        while (QTcpSocket *socket = server.nextPendingConnection()) {
            const bool first = ++accepted == 1;
            QByteArray *request = new QByteArray;
            connect(socket, &QObject::destroyed, this, [request] { delete request; });
            connect(socket, &QTcpSocket::readyRead, this, [socket, request, first, head] {
                request->append(socket->readAll());
                if (request->contains("\r\n\r\n")) {
                    request->clear();
                    socket->write(first ? head : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"_ba);
                }
            });
        }
    });
    heiko::HttpClient client;
    const QUrl url(u"http://127.0.0.1:%1/a"_s.arg(server.serverPort()));
    const Fetched answered = fetch(client, url);
    QVERIFY(answered.finished);
    QCOMPARE(answered.error, heiko::HttpReply::Error::None);
    QVERIFY(answered.body.isEmpty());
    QCOMPARE(client.idleCount(), 0);
    const Fetched second = fetch(client, url);
    QVERIFY(second.finished);
    QCOMPARE(second.body, "ok"_ba);
    QVERIFY(!second.reused);
    QCOMPARE(accepted, 2);
}

void TestHttpClient::expiredIdleConnectionsAreClosed()
{
    // Five idle connections expire together: each is closed and forgotten (deleting one used to change the
    // list being walked from inside its own disconnected() signal).
    TestHttpServer server;
    QVERIFY(server.start());
    server.setResponse("/a", small(3));
    heiko::HttpClient client(50);
    std::vector<std::unique_ptr<heiko::HttpReply>> replies;
    int finished = 0;
    startDraining(client, server.url("/a"), 5, replies, this, finished);
    QTRY_COMPARE_WITH_TIMEOUT(finished, 5, kWaitMs);
    QCOMPARE(client.idleCount(), 5);
    QCOMPARE(server.connectionCount(), 5);
    QTRY_COMPARE_WITH_TIMEOUT(client.idleCount(), 0, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(server.openConnectionCount(), 0, kWaitMs); // really closed, not only forgotten
}

void TestHttpClient::clientWithIdleConnectionsIsDestroyedCleanly()
{
    TestHttpServer server;
    QVERIFY(server.start());
    server.setResponse("/a", small(4));
    auto client = std::make_unique<heiko::HttpClient>();
    std::vector<std::unique_ptr<heiko::HttpReply>> replies;
    int finished = 0;
    startDraining(*client, server.url("/a"), 3, replies, this, finished);
    QTRY_COMPARE_WITH_TIMEOUT(finished, 3, kWaitMs);
    replies.clear();
    QCOMPARE(client->idleCount(), 3);
    client.reset();
    QTRY_COMPARE_WITH_TIMEOUT(server.openConnectionCount(), 0, kWaitMs);
}

void TestHttpClient::bodiesThatCameWithTheirHeadsStayApart()
{
    // A body that arrives with its head is kept in the block the socket was read into, which the replies of a
    // thread share for reading. Two replies on one thread, neither read until both are complete, must each
    // keep their own bytes; what is handed out with bufferedBody() and what read() gives after it must join
    // up.
    TestHttpServer server;
    QVERIFY(server.start());
    server.setResponse("/a", small(3));
    server.setResponse("/b", small(4));
    heiko::HttpClient client;
    std::unique_ptr<heiko::HttpReply> a(client.get({ server.url("/a"), {}, "tst_httpclient" }));
    std::unique_ptr<heiko::HttpReply> b(client.get({ server.url("/b"), {}, "tst_httpclient" }));
    QSignalSpy aFinished(a.get(), &heiko::HttpReply::finished);
    QSignalSpy bFinished(b.get(), &heiko::HttpReply::finished);
    a->start();
    b->start();
    QTRY_VERIFY_WITH_TIMEOUT(aFinished.size() == 1 && bFinished.size() == 1, kWaitMs);
    QCOMPARE(a->error(), heiko::HttpReply::Error::None);
    QCOMPARE(b->error(), heiko::HttpReply::Error::None);

    QByteArray bodyA;
    const QByteArrayView held = a->bufferedBody();
    QVERIFY(held.size() > 100);
    bodyA += held.first(100).toByteArray();
    a->skipBuffered(100);
    char buffer[4096];
    for (qint64 n; (n = a->read(buffer, sizeof buffer)) > 0;)
        bodyA.append(buffer, n);
    QByteArray bodyB;
    for (qint64 n; (n = b->read(buffer, sizeof buffer)) > 0;)
        bodyB.append(buffer, n);
    QCOMPARE(bodyA, TestHttpServer::patternBytes(3, 0, 1000));
    QCOMPARE(bodyB, TestHttpServer::patternBytes(4, 0, 1000));
    QVERIFY(a->bufferedBody().isEmpty());

    // A reply destroyed with its body unread takes its block with it; the next one on the thread still works.
    std::unique_ptr<heiko::HttpReply> unread(client.get({ server.url("/b"), {}, "tst_httpclient" }));
    QSignalSpy unreadFinished(unread.get(), &heiko::HttpReply::finished);
    unread->start();
    QVERIFY(unreadFinished.wait(kWaitMs));
    unread.reset();
    const Fetched after = fetch(client, server.url("/a"));
    QVERIFY(after.finished);
    QCOMPARE(after.body, TestHttpServer::patternBytes(3, 0, 1000));
}

void TestHttpClient::partialReaderKeepsTheBufferBounded()
{
    // A consumer that reads only part of what waits each time (as one held back by a speed limit does) of a
    // chunked body: the reply must drop what was read, not keep the whole body, and lose or repeat nothing.
    TestHttpServer server;
    QVERIFY(server.start());
    Response r;
    r.bodySize = 4 * 1024 * 1024;
    r.seed = 5;
    r.chunked = true;
    server.setResponse("/chunked", r);
    heiko::HttpClient client;
    std::unique_ptr<heiko::HttpReply> reply(client.get({ server.url("/chunked"), {}, "tst_httpclient" }));
    reply->setReadBufferSize(64 * 1024);
    QByteArray body;
    qint64 mostHeld = 0;
    connect(reply.get(), &heiko::HttpReply::readyRead, this, [&] {
        char piece[1000];
        const qint64 n = reply->read(piece, sizeof piece);
        if (n > 0)
            body.append(piece, n);
        mostHeld = qMax(mostHeld, reply->heldBytes());
    });
    QSignalSpy finished(reply.get(), &heiko::HttpReply::finished);
    reply->start();
    QVERIFY(finished.wait(kWaitMs * 3));
    QCOMPARE(reply->error(), heiko::HttpReply::Error::None);
    char rest[4096];
    for (qint64 n; (n = reply->read(rest, sizeof rest)) > 0;)
        body.append(rest, n);
    QCOMPARE(body.size(), r.bodySize);
    QVERIFY(body == TestHttpServer::patternBytes(5, 0, r.bodySize));
    QVERIFY2(mostHeld <= 512 * 1024, qPrintable(u"the reply held %1 bytes"_s.arg(mostHeld)));
}

void TestHttpClient::surplusConnectionIsDroppedSafely()
{
    // Twelve responses from one server end at about the same time (the pieces of a segmented download can):
    // the pool keeps kMaxIdlePerHost connections and drops the rest. A connection is given back from inside
    // its own readyRead(); deleting it there crashed when Qt went on in its code.
    TestHttpServer server;
    QVERIFY(server.start());
    Response r = small(6);
    r.headWithBody = true;
    server.setResponse("/a", r);
    heiko::HttpClient client;
    std::vector<std::unique_ptr<heiko::HttpReply>> replies;
    int finished = 0;
    startDraining(client, server.url("/a"), 12, replies, this, finished);
    QTRY_COMPARE_WITH_TIMEOUT(finished, 12, kWaitMs);
    QCOMPARE(client.idleCount(), heiko::HttpClient::kMaxIdlePerHost);
    QTRY_COMPARE_WITH_TIMEOUT(server.openConnectionCount(), heiko::HttpClient::kMaxIdlePerHost, kWaitMs);
}

void TestHttpClient::replyDeletedOnItsHeadWhileItsBodyFails()
{
    // A consumer may delete the reply from inside any of its signals. Here the head and a broken chunk come
    // in the reads of one notification: metaDataChanged(), whose handler deletes the reply, and then the
    // error, which must not touch the deleted reply (under the sanitizers a use after free fails this test).
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    connect(&server, &QTcpServer::newConnection, this, [&server, this] {
        while (QTcpSocket *socket = server.nextPendingConnection()) {
            connect(socket, &QTcpSocket::readyRead, this, [socket] {
                if (!socket->readAll().contains("\r\n\r\n"))
                    return;
                // The first 16 KiB read ends right after a valid chunk; the next read of the same loop meets
                // a chunk size that is not one.
                const QByteArray head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
                const qsizetype size = 16 * 1024 - head.size() - 8;
                socket->write(head + QByteArray::number(size, 16) + "\r\n" + QByteArray(size, 'a')
                              + "\r\nzz\r\n");
            });
        }
    });
    heiko::HttpClient client;
    heiko::HttpReply *reply
        = client.get({ QUrl(u"http://127.0.0.1:%1/a"_s.arg(server.serverPort())), {}, "tst_httpclient" });
    reply->setReadBufferSize(16 * 1024);
    bool deleted = false;
    connect(reply, &heiko::HttpReply::metaDataChanged, this, [&] {
        delete reply;
        deleted = true;
    });
    reply->start();
    QTRY_VERIFY_WITH_TIMEOUT(deleted, kWaitMs);
}

void TestHttpClient::closeSeenWhenTheLastReadFilledTheBuffer_data()
{
    QTest::addColumn<int>("rest");
    QTest::newRow("rest smaller than what was read") << 999;
    QTest::newRow("rest exactly what was read") << 1000;
}

void TestHttpClient::closeSeenWhenTheLastReadFilledTheBuffer()
{
    // A slow consumer (as one held back by a speed limit) of a body that ends with the connection: the server
    // has sent everything and closed while the reply's buffer was full. The consumer takes 1,000 bytes; the
    // reply refills from the socket. When that read takes exactly what is left, the socket holds only its
    // close, which an unbuffered socket reports only to another read; the reply must make it, or it waits
    // for a notification that never comes (and the download for its stall timeout).
    QFETCH(int, rest);
    constexpr qint64 bufferSize = 64 * 1024;
    TestHttpServer server;
    QVERIFY(server.start());
    Response r;
    r.bodySize = bufferSize + rest;
    r.seed = 9;
    r.sendContentLength = false;
    r.acceptRanges = false;
    server.setResponse("/close", r);
    heiko::HttpClient client;
    std::unique_ptr<heiko::HttpReply> reply(client.get({ server.url("/close"), {}, "tst_httpclient" }));
    reply->setReadBufferSize(bufferSize);
    QSignalSpy finished(reply.get(), &heiko::HttpReply::finished);
    reply->start();
    QTRY_COMPARE_WITH_TIMEOUT(reply->bytesAvailable(), bufferSize, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(server.openConnectionCount(), 0, kWaitMs); // all sent, and closed
    QByteArray body;
    char piece[1000];
    body.append(piece, reply->read(piece, sizeof piece));
    // Refilled from the socket (full again when the rest was exactly what was read).
    QTRY_COMPARE_WITH_TIMEOUT(reply->bytesAvailable(), qMin(bufferSize, r.bodySize - 1000), kWaitMs);
    // From here on 1,000 bytes at every turn of the event loop, as a download held back by a limit reads.
    const auto readSome = [&] {
        body.append(piece, reply->read(piece, sizeof piece));
        return !finished.isEmpty();
    };
    QTRY_VERIFY2_WITH_TIMEOUT(
        readSome(), qPrintable(u"not finished after %1 of %2 bytes"_s.arg(body.size()).arg(r.bodySize)),
        kWaitMs);
    QCOMPARE(reply->error(), heiko::HttpReply::Error::None);
    for (qint64 n; (n = reply->read(piece, sizeof piece)) > 0;)
        body.append(piece, n);
    QCOMPARE(body.size(), r.bodySize);
    QVERIFY(body == TestHttpServer::patternBytes(9, 0, r.bodySize));
}

QTEST_GUILESS_MAIN(TestHttpClient)
#include "tst_httpclient.moc"

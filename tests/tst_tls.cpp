#include "downloadmanager.h"
#include "httpclient.h"
#include "httpfetch.h"
#include "httpreply.h"
#include "loghub.h"
#include "platform.h"
#include "testhttpserver.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QPointer>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <memory>

#if defined(Q_OS_UNIX)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif

using namespace Qt::StringLiterals;
using heiko::DownloadError;
using heiko::DownloadManager;
using heiko::DownloadState;

namespace {

QByteArray readData(const QString &name)
{
    QFile file(qEnvironmentVariable("HEIKO_SOURCE_DIR") + u"/tests/data/"_s + name);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

#if defined(Q_OS_UNIX)
// This process's descriptor of the TCP connection whose local end is `localPort` on 127.0.0.1, or -1.
int descriptorOfLocalPort(quint16 localPort)
{
    for (int fd = 0; fd < 4096; ++fd) {
        sockaddr_in address {};
        socklen_t length = sizeof address;
        if (::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) == 0
            && address.sin_family == AF_INET && ntohs(address.sin_port) == localPort)
            return fd;
    }
    return -1;
}
#endif

} // namespace

// HTTPS: certificates are always verified, and a redirect never downgrades to plain http.
// A small TLS server with a test certificate (tests/data/localhost.crt, for 127.0.0.1) answers in this
// thread.
class TestTls final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void untrustedCertificateFailsWithoutRetry();
    void trustedCertificateDownloads();
    void httpsToHttpRedirectIsRefused();
    void httpsToHttpsRedirectIsFollowed();
    void bodyEndingWithTheConnectionNeedsTheClosingAlert();
    void recordsWaitingOnAnIdleConnectionPreventItsReuse();
    void unconfirmedEndFailsAndKeepsWhatArrived();

private:
    void serve(QSslSocket *socket);
    bool waitIdle(DownloadManager &manager);
    void trustTestCertificate(bool trust);

    QSslCertificate m_certificate;
    QSslKey m_key;
    QSslConfiguration m_originalDefault;
    std::unique_ptr<QSslServer> m_tls;
    std::unique_ptr<TestHttpServer> m_plain;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<heiko::LogHub> m_log;
    int m_tlsRequests = 0;
    QPointer<QSslSocket> m_lastServed;
};

void TestTls::initTestCase()
{
    if (!QSslSocket::supportsSsl())
        QSKIP("this Qt has no TLS backend");
    m_certificate = QSslCertificate(readData(u"localhost.crt"_s));
    m_key = QSslKey(readData(u"localhost.key"_s), QSsl::Rsa);
    QVERIFY2(!m_certificate.isNull() && !m_key.isNull(), "tests/data/localhost.{crt,key} (HEIKO_SOURCE_DIR)");
    m_originalDefault = QSslConfiguration::defaultConfiguration();
}

void TestTls::init()
{
    m_tlsRequests = 0;
    m_dir = std::make_unique<QTemporaryDir>();
    m_log = std::make_unique<heiko::LogHub>();
    m_plain = std::make_unique<TestHttpServer>();
    QVERIFY(m_plain->start());
    m_tls = std::make_unique<QSslServer>();
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setLocalCertificate(m_certificate);
    config.setPrivateKey(m_key);
    config.setPeerVerifyMode(QSslSocket::VerifyNone);
    m_tls->setSslConfiguration(config);
    connect(m_tls.get(), &QTcpServer::pendingConnectionAvailable, this, [this] {
        while (QTcpSocket *socket = m_tls->nextPendingConnection())
            serve(qobject_cast<QSslSocket *>(socket));
    });
    QVERIFY(m_tls->listen(QHostAddress::LocalHost));
}

void TestTls::cleanup()
{
    m_tls.reset();
    m_plain.reset();
    m_log.reset();
    m_dir.reset();
    QSslConfiguration::setDefaultConfiguration(m_originalDefault);
}

void TestTls::trustTestCertificate(bool trust)
{
    QSslConfiguration config = m_originalDefault;
    if (trust)
        config.addCaCertificate(m_certificate);
    QSslConfiguration::setDefaultConfiguration(config);
}

void TestTls::serve(QSslSocket *socket)
{
    connect(socket, &QIODevice::readyRead, socket, [this, socket] {
        if (!socket->canReadLine() || !socket->peek(64 * 1024).contains("\r\n\r\n"))
            return;
        const QByteArray request = socket->readAll();
        const QByteArray path = request.split(' ').value(1);
        ++m_tlsRequests;
        QByteArray response;
        m_lastServed = socket;
        if (path == "/file.bin") {
            response = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\nsecure data";
        } else if (path == "/until-close" || path == "/cut") {
            // No length: the body ends with the connection.
            socket->write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nsecure data");
            socket->flush();
            if (path == "/cut")
                socket->abort(); // TCP's close without TLS's closing alert, as a cut on the way looks
            else
                socket->disconnectFromHost(); // the alert, then the close
            return;
        } else if (path == "/keep") {
            socket->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            return; // kept open for the next request
        } else if (path == "/to-http") {
            response = "HTTP/1.1 302 Found\r\nLocation: " + m_plain->url("/file.bin").toEncoded()
                + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        } else if (path == "/to-https") {
            response = "HTTP/1.1 301 Moved\r\nLocation: /file.bin\r\nContent-Length: 0\r\nConnection: "
                       "close\r\n\r\n";
        } else {
            response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        }
        socket->write(response);
        socket->disconnectFromHost();
    });
    connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
}

bool TestTls::waitIdle(DownloadManager &manager)
{
    if (manager.isIdle())
        return true;
    QSignalSpy idle(&manager, &DownloadManager::idle);
    return idle.wait(30'000);
}

void TestTls::untrustedCertificateFailsWithoutRetry()
{
    trustTestCertificate(false);
    DownloadManager manager(*m_log);
    QUrl url(u"https://127.0.0.1/file.bin"_s);
    url.setPort(m_tls->serverPort());
    const int id = manager.add({ url, m_dir->path(), {}, false });
    QVERIFY(waitIdle(manager));
    const heiko::DownloadInfo info = manager.info(id);
    QCOMPARE(info.state, DownloadState::Failed);
    QCOMPARE(info.error.kind(), DownloadError::Kind::Network);
    QVERIFY(!info.error.isTransient());
    QVERIFY2(info.error.message().contains(u"certificate"_s, Qt::CaseInsensitive),
             qPrintable(info.error.message()));
    // Each certificate problem is named: here, a self-signed certificate nobody trusts.
    QVERIFY2(info.error.message().contains(u"self signed"_s, Qt::CaseInsensitive)
                 || info.error.message().contains(u"self-signed"_s, Qt::CaseInsensitive),
             qPrintable(info.error.message()));
    QCOMPARE(info.attempt, 1);
    QCOMPARE(m_tlsRequests, 0); // no request went over the unverified connection
    QVERIFY(QDir(m_dir->path()).isEmpty());
}

void TestTls::trustedCertificateDownloads()
{
    trustTestCertificate(true);
    DownloadManager manager(*m_log);
    QUrl url(u"https://127.0.0.1/file.bin"_s);
    url.setPort(m_tls->serverPort());
    const int id = manager.add({ url, m_dir->path(), {}, false });
    QVERIFY(waitIdle(manager));
    QCOMPARE(manager.info(id).state, DownloadState::Finished);
    QFile file(m_dir->filePath(u"file.bin"_s));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), "secure data"_ba);
}

void TestTls::httpsToHttpRedirectIsRefused()
{
    trustTestCertificate(true);
    m_plain->setResponse("/file.bin", TestHttpServer::Response {});
    DownloadManager manager(*m_log);
    QUrl url(u"https://127.0.0.1/to-http"_s);
    url.setPort(m_tls->serverPort());
    const int id = manager.add({ url, m_dir->path(), {}, false });
    QVERIFY(waitIdle(manager));
    const heiko::DownloadInfo info = manager.info(id);
    QCOMPARE(info.state, DownloadState::Failed);
    QCOMPARE(info.error.kind(), DownloadError::Kind::Redirect);
    QVERIFY2(info.error.message().contains(u"from https to unencrypted http"_s),
             qPrintable(info.error.message()));
    QCOMPARE(m_plain->requestCount("/file.bin"), 0);
    QVERIFY(QDir(m_dir->path()).isEmpty());
}

void TestTls::httpsToHttpsRedirectIsFollowed()
{
    trustTestCertificate(true);
    DownloadManager manager(*m_log);
    QUrl url(u"https://127.0.0.1/to-https"_s);
    url.setPort(m_tls->serverPort());
    const int id = manager.add({ url, m_dir->path(), {}, false });
    QVERIFY(waitIdle(manager));
    QCOMPARE(manager.info(id).state, DownloadState::Finished);
    QCOMPARE(manager.info(id).fileName, u"file.bin"_s);
}

void TestTls::bodyEndingWithTheConnectionNeedsTheClosingAlert()
{
    // RFC 9112 §9.8: without a length, the body is whole only if the server said it was closing. A TCP close
    // alone is what anyone on the way can cause.
    trustTestCertificate(true);
    heiko::HttpClient client;
    QUrl url(u"https://127.0.0.1/until-close"_s);
    url.setPort(m_tls->serverPort());
    const Fetched whole = fetch(client, url);
    QVERIFY(whole.finished);
    QCOMPARE(whole.error, heiko::HttpReply::Error::None);
    QCOMPARE(whole.body, "secure data"_ba);

    url.setPath(u"/cut"_s);
    const Fetched cut = fetch(client, url);
    QVERIFY(cut.finished);
    QCOMPARE(cut.error, heiko::HttpReply::Error::RemoteClosed);
    QVERIFY2(cut.errorString.contains(u"may be cut short"_s), qPrintable(cut.errorString));
}

void TestTls::recordsWaitingOnAnIdleConnectionPreventItsReuse()
{
    // A server that sends something after a complete response, while no event loop runs on the client's
    // thread (a worker going from one download to the next): the bytes wait undecrypted, out of sight of the
    // TLS socket's own look. Reused, they would be read as the answer to the next request.
    trustTestCertificate(true);
    heiko::HttpClient client;
    QUrl url(u"https://127.0.0.1/keep"_s);
    url.setPort(m_tls->serverPort());
    const Fetched first = fetch(client, url);
    QVERIFY(first.finished);
    QCOMPARE(first.body, "ok"_ba);
    QCOMPARE(client.idleCount(), 1);
    QVERIFY(m_lastServed);
#if defined(Q_OS_UNIX)
    // The client's end of the connection, to see the bytes arrive without running its event loop.
    const int clientEnd = descriptorOfLocalPort(m_lastServed->peerPort());
    QVERIFY(clientEnd >= 0);
    m_lastServed->write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nEVIL");
    QVERIFY(m_lastServed->flush());
    QDeadlineTimer deadline(10'000);
    while (heiko::platform::peekConnection(clientEnd) != heiko::platform::PeerState::Data
           && !deadline.hasExpired())
        QThread::yieldCurrentThread();
    QCOMPARE(heiko::platform::peekConnection(clientEnd), heiko::platform::PeerState::Data);
#else
    QSKIP("needs a look at the client's socket from outside Qt");
#endif
    const Fetched second = fetch(client, url);
    QVERIFY(second.finished);
    QCOMPARE(second.body, "ok"_ba);
    QVERIFY(!second.reused);
    QCOMPARE(m_tlsRequests, 2);
}

void TestTls::unconfirmedEndFailsAndKeepsWhatArrived()
{
    // Every attempt ends without the alert. Not even the same length twice proves the file whole (a server
    // script that dies at the same point, a middlebox that cuts at the same record): the download fails with
    // the reason, and what arrived stays in the .part file for the user to judge.
    trustTestCertificate(true);
    heiko::EngineOptions options;
    options.retries = 1;
    options.retryBaseDelay = std::chrono::milliseconds(20);
    DownloadManager manager(*m_log, options);
    QUrl url(u"https://127.0.0.1/cut"_s);
    url.setPort(m_tls->serverPort());
    const int id = manager.add({ url, m_dir->path(), {}, false });
    QVERIFY(waitIdle(manager));
    const heiko::DownloadInfo info = manager.info(id);
    QCOMPARE(info.state, DownloadState::Failed);
    QCOMPARE(info.attempt, 2);
    QVERIFY2(info.error.message().contains(u"may be cut short"_s), qPrintable(info.error.message()));
    QVERIFY(!QFile::exists(m_dir->filePath(u"cut"_s)));
    QFile part(m_dir->filePath(u"cut.part"_s));
    QVERIFY(part.open(QIODevice::ReadOnly));
    QCOMPARE(part.readAll(), "secure data"_ba);
}

QTEST_GUILESS_MAIN(TestTls)
#include "tst_tls.moc"

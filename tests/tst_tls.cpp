#include "downloadmanager.h"
#include "loghub.h"
#include "testhttpserver.h"

#include <QFile>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

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
        if (path == "/file.bin") {
            response = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\nsecure data";
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

QTEST_GUILESS_MAIN(TestTls)
#include "tst_tls.moc"

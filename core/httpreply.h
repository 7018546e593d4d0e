#pragma once

#include "httpclient.h"
#include "httpresponseparser.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QUrl>
#include <QVarLengthArray>

#include <memory>

class QAbstractSocket;

namespace heiko {

// One request and its response on one connection, in the calling thread: connect (or reuse an idle
// connection), send the request, parse the response incrementally, buffer at most readBufferSize() body bytes
// (then the socket is not read, and TCP slows the server down), and hand the connection back to the client
// when the response was complete and the connection may be reused.
class HttpReply final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpReply)

public:
    enum class Error {
        None,
        ConnectionRefused,
        RemoteClosed, // closed or reset before the response was complete
        HostNotFound,
        Tls, // handshake failed or the certificate could not be verified (see sslErrors())
        Protocol, // the response could not be parsed
        Aborted, // abort() was called
        Network, // anything else the socket reported
    };

    HttpReply(HttpClient &client, const HttpRequest &request, QObject *parent = nullptr);
    ~HttpReply() override;

    // Sends the request: on an idle connection to the origin at once, else once a new one is connected. Call
    // it after connecting to the signals: a failure to start (a refused connection, a broken idle one) may be
    // reported before it returns.
    void start();

    QUrl url() const { return m_request.url; }
    int statusCode() const { return m_parser->statusCode(); }
    QByteArray reasonPhrase() const { return m_parser->reasonPhrase(); }
    QByteArray rawHeader(QByteArrayView name) const { return m_parser->header(name); }
    bool hasRawHeader(QByteArrayView name) const { return m_parser->hasHeader(name); }

    qint64 bytesAvailable() const;
    qint64 read(char *data, qint64 maxSize);
    // The body bytes that arrived with the head (or otherwise wait in the reply), for a consumer that writes
    // them out from here instead of copying them out with read() first; skipBuffered() drops what it used.
    // Valid until the next call on the reply or the return to the event loop.
    QByteArrayView bufferedBody() const;
    void skipBuffered(qint64 bytes);
    void setReadBufferSize(qint64 bytes) { m_readBufferSize = qMax<qint64>(16 * 1024, bytes); }

    bool isFinished() const { return m_finished; }
    Error error() const { return m_error; }
    QString errorString() const { return m_errorString; }
    QStringList sslErrors() const { return m_sslErrors; }
    // The memory the reply holds for body bytes, read or not (for tests and diagnostics).
    qint64 heldBytes() const { return m_body.capacity(); }
    // The connection was an idle one from an earlier exchange (for tests and the retry of a stale one).
    bool reusedConnection() const { return m_reused; }

    // Stops at once (finished() is emitted, error() is Aborted); the connection is closed, not reused.
    void abort();

Q_SIGNALS:
    void metaDataChanged(); // the status and header fields are there
    void readyRead(); // body bytes are there
    void finished(); // complete, failed or aborted: check error()

private:
    qint64 bufferedBytes() const { return m_body.size() - m_bodyOffset; }
    bool readsDirectly() const;
    void releaseBody();
    void connectSocket(QAbstractSocket *socket);
    void sendRequest();
    void handleReadyRead();
    void handleDisconnected();
    bool retryStaleConnection(bool receivedGarbage = false);
    void handleSocketError();
    // Whether the server reset the connection (plain TCP; looked at without reading).
    bool wasReset() const;
    void fail(Error error, const QString &message);
    void finish();
    void releaseSocket(bool reuse);

    HttpClient &m_client;
    HttpRequest m_request;
    QString m_origin;
    std::unique_ptr<HttpResponseParser> m_parser;
    QPointer<QAbstractSocket> m_socket;
    QVarLengthArray<QMetaObject::Connection, 5> m_socketConnections; // this reply's, to m_socket
    QByteArray m_body; // body bytes not yet read by the consumer, from m_bodyOffset on
    qsizetype m_bodyOffset = 0;
    qint64 m_readBufferSize = 128 * 1024;
    bool m_reused = false;
    bool m_retriedStale = false;
    bool m_receivedAnything = false;
    bool m_headSignalled = false;
    bool m_stoppedOnFullBuffer = false; // the last read of the socket stopped at the read buffer's size
    bool m_noReuse = false; // the server sent more than the response: never reuse this connection
    bool m_closeNotified = false; // a TLS server said it ends the connection (a close_notify alert)
    bool m_finished = false;
    Error m_error = Error::None;
    QString m_errorString;
    QStringList m_sslErrors;
};

} // namespace heiko

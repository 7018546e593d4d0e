#include "httpreply.h"

#include "platform.h"

#include <QSslConfiguration>
#include <QSslError>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include <cstring>
#include <utility>

using namespace Qt::StringLiterals;

namespace heiko {

namespace {

constexpr qint64 kSocketReadChunk = 256 * 1024;

// The socket is read into one scratch buffer per thread, shared by the replies on it (they use it only inside
// handleReadyRead(), which emits nothing while it holds data there): a block this large, allocated and freed
// for every reply, was a malloc, a free and a heap consolidation for each of thousands of small files. A
// reply whose first read held the head and the start of a Content-Length body takes the block over as its
// body buffer (no copy) and gives it back when the consumer has read it; only then does the thread need
// another.
QByteArray &threadChunkSlot()
{
    thread_local QByteArray chunk;
    return chunk;
}

QByteArray &threadReadChunk()
{
    QByteArray &chunk = threadChunkSlot();
    if (chunk.size() != kSocketReadChunk)
        chunk.resize(kSocketReadChunk); // within the capacity of a block given back: no allocation
    return chunk;
}

bool isHttps(const QUrl &url)
{
    return url.scheme().compare(u"https"_s, Qt::CaseInsensitive) == 0;
}

} // namespace

HttpReply::HttpReply(HttpClient &client, const HttpRequest &request, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_request(request)
    , m_origin(HttpClient::originOf(request.url))
    , m_parser(std::make_unique<HttpResponseParser>())
{ }

HttpReply::~HttpReply()
{
    releaseSocket(false);
    releaseBody(); // a block taken over and never read goes back to the thread
}

void HttpReply::start()
{
    if (m_finished)
        return;
    if (QAbstractSocket *idle = m_client.takeIdle(m_origin)) {
        m_reused = true;
        connectSocket(idle);
        sendRequest();
        return;
    }
    m_reused = false;
    const quint16 port = quint16(m_request.url.port(isHttps(m_request.url) ? 443 : 80));
    if (isHttps(m_request.url)) {
        auto *socket = new QSslSocket;
        socket->setPeerVerifyName(m_request.url.host());
        connectSocket(socket);
        m_socketConnections.append(connect(socket, &QSslSocket::encrypted, this, &HttpReply::sendRequest));
        // Never ignored: each error is kept for the message, and the handshake fails.
        m_socketConnections.append(
            connect(socket, &QSslSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
                for (const QSslError &error : errors)
                    m_sslErrors.append(error.errorString());
            }));
        socket->connectToHostEncrypted(m_request.url.host(), port);
    } else {
        auto *socket = new QTcpSocket;
        connectSocket(socket);
        m_socketConnections.append(
            connect(socket, &QAbstractSocket::connected, this, &HttpReply::sendRequest));
        // Unbuffered: reads go from the kernel straight into the reader's buffer, not through a ring buffer
        // in Qt first; the kernel's own receive buffer is the bound, and TCP slows the server down when it
        // fills.
        socket->connectToHost(m_request.url.host(), port, QIODevice::ReadWrite | QIODevice::Unbuffered);
    }
}

void HttpReply::connectSocket(QAbstractSocket *socket)
{
    m_socket = socket;
    socket->setParent(nullptr);
    // Bounded: what the consumer has not read yet stays in the kernel, where TCP slows the server down.
    socket->setReadBufferSize(kSocketReadChunk);
    m_socketConnections.append(connect(socket, &QIODevice::readyRead, this, &HttpReply::handleReadyRead));
    m_socketConnections.append(
        connect(socket, &QAbstractSocket::disconnected, this, &HttpReply::handleDisconnected));
    m_socketConnections.append(
        connect(socket, &QAbstractSocket::errorOccurred, this, &HttpReply::handleSocketError));
    if (auto *tls = qobject_cast<QSslSocket *>(socket)) {
        // A body that ends with the connection is whole only if the server said it was closing (RFC 9112
        // §9.8): anyone on the way can end the TCP connection early, but not forge this alert.
        m_socketConnections.append(
            connect(tls, &QSslSocket::alertReceived, this, [this](QSsl::AlertLevel, QSsl::AlertType type) {
                if (type == QSsl::AlertType::CloseNotify)
                    m_closeNotified = true;
            }));
    }
}

void HttpReply::sendRequest()
{
    const QUrl &url = m_request.url;
    QByteArray target = url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment);
    if (target.isEmpty() || target.startsWith('?'))
        target.prepend('/'); // RFC 9112 §3.2.1: an empty path is sent as "/", also before a query
    QByteArray host = url.host(QUrl::FullyEncoded).toUtf8();
    if (host.contains(':'))
        host = '[' + host + ']'; // IPv6 literal
    const int defaultPort = isHttps(url) ? 443 : 80;
    if (url.port(defaultPort) != defaultPort)
        host += ':' + QByteArray::number(url.port());
    QByteArray message = "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n";
    if (!m_request.userAgent.isEmpty())
        message += "User-Agent: " + m_request.userAgent + "\r\n";
    if (!url.userName().isEmpty() || !url.password().isEmpty()) {
        // Credentials the user put in the URL go to that origin (a redirect elsewhere drops them first).
        const QByteArray pair
            = url.userName(QUrl::FullyDecoded).toUtf8() + ':' + url.password(QUrl::FullyDecoded).toUtf8();
        message += "Authorization: Basic " + pair.toBase64() + "\r\n";
    }
    for (const auto &[name, value] : m_request.headers)
        message += name + ": " + value + "\r\n";
    message += "Connection: keep-alive\r\n\r\n";
    m_socket->write(message);
}

bool HttpReply::readsDirectly() const
{
    // A Content-Length body needs no decoding: once the head is parsed and what was buffered with it is read,
    // the consumer reads straight from the socket into its own buffer (one copy less for every byte).
    return !m_finished && m_socket && bufferedBytes() == 0
        && m_parser->state() == HttpResponseParser::State::Body
        && m_parser->framing() == HttpResponseParser::Framing::ContentLength;
}

qint64 HttpReply::bytesAvailable() const
{
    if (!readsDirectly())
        return bufferedBytes();
    return qMin(m_socket->bytesAvailable(), m_parser->contentLength() - m_parser->bodyBytesDelivered());
}

void HttpReply::handleReadyRead()
{
    if (m_finished || !m_socket)
        return;
    if (readsDirectly()) {
        if (m_socket->bytesAvailable() == 0) {
            // A notification with nothing to read: the server closed the connection, which an unbuffered
            // socket learns only by reading. A consumer that reads nothing now (one held back by a speed
            // limit) would never read again, so look here; peek() takes nothing from the body.
            char probe = 0;
            m_socket->peek(&probe, 1);
            if (m_socket->state() == QAbstractSocket::UnconnectedState) {
                QMetaObject::invokeMethod(this, &HttpReply::handleDisconnected, Qt::QueuedConnection);
                return;
            }
        }
        Q_EMIT readyRead(); // the consumer pulls the bytes from the socket in read()
        return;
    }
    bool progressed = false;
    bool headNow = false;
    // Read while there is room: beyond readBufferSize the socket is left alone until read() makes room. Once
    // a Content-Length body starts, stop: the rest is read directly (see readsDirectly()).
    // The loop does not ask bytesAvailable() first: an unbuffered QAbstractSocket learns that the server
    // closed the connection only from a read() that returns -1, and a body that ends with the connection
    // (no Content-Length, not chunked) would otherwise wait for the stall timeout.
    while (bufferedBytes() < m_readBufferSize
           && !(m_parser->headComplete() && m_parser->framing() == HttpResponseParser::Framing::ContentLength
                && m_headSignalled)) {
        // Taken here, not before the loop: a reply that reads nothing now must not make the thread allocate a
        // new block when the last one was taken over.
        if (m_parser->headComplete() && m_parser->framing() == HttpResponseParser::Framing::UntilClose
            && wasReset()) {
            const QPointer<HttpReply> stillHere(this);
            if (headNow)
                Q_EMIT metaDataChanged();
            if (stillHere)
                fail(Error::RemoteClosed,
                     u"the connection was reset before the end of the file (the server gave no length, so "
                     u"only "
                     "a clean close ends it)"_s);
            return;
        }
        QByteArray &chunk = threadReadChunk();
        const qint64 room = qMin<qint64>(chunk.size(), m_readBufferSize - bufferedBytes());
        const qint64 got = m_socket->read(chunk.data(), room);
        if (got <= 0)
            break;
        m_receivedAnything = true;
        if (m_bodyOffset > 0 && m_bodyOffset == m_body.size()) {
            releaseBody();
        } else if (m_bodyOffset > 0) {
            // A consumer that reads part of what waits (one held back by a speed limit): drop what it read
            // before appending, or the buffer would keep every byte of a chunked or close-delimited body.
            m_body.remove(0, m_bodyOffset);
            m_bodyOffset = 0;
        }
        const qint64 before = bufferedBytes();
        const QByteArrayView bytes(chunk.constData(), got);
        qsizetype used = 0;
        if (!m_parser->headComplete()) {
            const qsizetype head = m_parser->feedHead(bytes);
            used = head;
            if (head < got && bufferedBytes() == 0 && m_parser->state() == HttpResponseParser::State::Body
                && m_parser->framing() == HttpResponseParser::Framing::ContentLength) {
                // The body that came with the head stays where it is: this block becomes the body buffer.
                used += m_parser->feed(bytes.sliced(head), nullptr);
                m_body = std::move(chunk);
                m_body.resize(used); // shrinking keeps the block
                m_bodyOffset = head;
            }
        }
        if (used < got && m_parser->state() != HttpResponseParser::State::Error)
            used += m_parser->feed(bytes.sliced(used), &m_body);
        progressed = progressed || bufferedBytes() > before;
        if (!m_headSignalled && m_parser->headComplete()) {
            m_headSignalled = true;
            headNow = true;
        }
        if (m_parser->state() == HttpResponseParser::State::Error) {
            // Garbage where the answer should start, on a connection kept from an earlier exchange: most
            // likely something the last server sent after its response (a stray line end), not this answer.
            // Once more on another connection, as for a connection found closed.
            if (!headNow && m_parser->statusCode() == 0 && retryStaleConnection(true))
                return;
            const QPointer<HttpReply> stillHere(this); // a consumer may delete us in metaDataChanged()
            if (headNow)
                Q_EMIT metaDataChanged();
            if (stillHere)
                fail(Error::Protocol, m_parser->errorString());
            return;
        }
        if (used < got) {
            // Bytes after the end of the response: the server is not speaking HTTP/1.1 as asked. The body is
            // complete, but this connection cannot be trusted with another request.
            m_noReuse = true;
            break;
        }
        if (m_parser->state() == HttpResponseParser::State::Complete)
            break;
        if (headNow && m_parser->framing() == HttpResponseParser::Framing::ContentLength)
            m_headSignalled = true; // (set above) from here on the body is read directly
    }
    // Stopped for want of room: what is left in the socket, or its end, is read when the consumer makes room
    // (skipBuffered()). The socket may hold nothing more but its close, which an unbuffered socket reports
    // only to a read, and it will not notify again until one.
    m_stoppedOnFullBuffer = bufferedBytes() >= m_readBufferSize;
    QPointer<HttpReply> alive(this);
    if (headNow)
        Q_EMIT metaDataChanged();
    if (!alive || m_finished)
        return;
    if (progressed || (readsDirectly() && m_socket->bytesAvailable() > 0))
        Q_EMIT readyRead();
    if (!alive || m_finished)
        return;
    if (m_parser->state() == HttpResponseParser::State::Complete) {
        finish();
        return;
    }
    // A read() above met the end of the connection: QAbstractSocket says so only through its state.
    if (m_socket && m_socket->state() == QAbstractSocket::UnconnectedState)
        QMetaObject::invokeMethod(this, &HttpReply::handleDisconnected, Qt::QueuedConnection);
}

qint64 HttpReply::read(char *data, qint64 maxSize)
{
    if (readsDirectly()) {
        const qint64 want = qMin(maxSize, m_parser->contentLength() - m_parser->bodyBytesDelivered());
        const qint64 got = want > 0 ? m_socket->read(data, want) : 0;
        if (got > 0) {
            m_receivedAnything = true;
            m_parser->feed(QByteArrayView(data, got), nullptr); // counts the bytes, copies nothing
            if (m_parser->state() == HttpResponseParser::State::Complete)
                finish();
            else if (m_socket && m_socket->state() == QAbstractSocket::UnconnectedState
                     && m_socket->bytesAvailable() == 0)
                // The last bytes of a connection that is already closed (a TLS socket reports the close
                // before its buffer is read): no notification will come, so decide the end now.
                QMetaObject::invokeMethod(this, &HttpReply::handleDisconnected, Qt::QueuedConnection);
        } else if (m_socket && m_socket->state() == QAbstractSocket::UnconnectedState) {
            // Closed while the consumer still read: now that the socket is drained, the end can be decided.
            QMetaObject::invokeMethod(this, &HttpReply::handleDisconnected, Qt::QueuedConnection);
        }
        return qMax<qint64>(0, got);
    }
    const qint64 n = qMin(maxSize, bufferedBytes());
    if (n <= 0)
        return 0;
    std::memcpy(data, m_body.constData() + m_bodyOffset, size_t(n));
    skipBuffered(n);
    return n;
}

QByteArrayView HttpReply::bufferedBody() const
{
    return QByteArrayView(m_body).sliced(m_bodyOffset);
}

void HttpReply::skipBuffered(qint64 bytes)
{
    m_bodyOffset += qsizetype(qBound<qint64>(0, bytes, bufferedBytes()));
    if (m_bodyOffset >= m_body.size())
        releaseBody();
    // Room again: take what waits in the socket (queued, not from inside the consumer's read loop). Not once
    // the response is complete: nothing more of it is in the socket.
    if (!m_finished && m_socket && m_parser->state() != HttpResponseParser::State::Complete
        && (m_socket->bytesAvailable() > 0 || std::exchange(m_stoppedOnFullBuffer, false)))
        QMetaObject::invokeMethod(this, &HttpReply::handleReadyRead, Qt::QueuedConnection);
}

void HttpReply::releaseBody()
{
    // A read block this reply took over goes back to the thread, unless the thread has one again already.
    QByteArray &slot = threadChunkSlot();
    if (m_body.capacity() >= kSocketReadChunk && slot.capacity() < kSocketReadChunk)
        slot = std::move(m_body);
    m_body = QByteArray();
    m_bodyOffset = 0;
}

bool HttpReply::retryStaleConnection(bool receivedGarbage)
{
    // An idle keep-alive connection the server had closed: try once more on a new one. Safe for a GET, and
    // only when nothing of the response arrived (or nothing that was one: no status line).
    if (!m_reused || m_retriedStale || (m_receivedAnything && !receivedGarbage))
        return false;
    m_retriedStale = true;
    releaseSocket(false);
    m_reused = false;
    m_receivedAnything = false;
    releaseBody();
    m_parser = std::make_unique<HttpResponseParser>();
    QTimer::singleShot(0, this, &HttpReply::start);
    return true;
}

void HttpReply::handleDisconnected()
{
    if (m_finished)
        return;
    // A consumer may delete the reply from inside any signal: nothing of it is touched after one that did.
    const QPointer<HttpReply> alive(this);
    // Whatever still waits in the socket's buffer belongs to this response.
    if (m_socket && m_socket->bytesAvailable() > 0 && !readsDirectly()
        && bufferedBytes() < m_readBufferSize) {
        handleReadyRead();
        if (!alive || m_finished || !m_socket)
            return; // ended, or sent once more (garbage instead of an answer): no longer this socket's end
    }
    if (m_socket && m_socket->bytesAvailable() > 0) {
        if (readsDirectly())
            Q_EMIT readyRead();
        return; // the consumer reads first; read() brings us back here
    }
    if (retryStaleConnection())
        return;
    if (m_parser->state() == HttpResponseParser::State::Body
        && m_parser->framing() == HttpResponseParser::Framing::UntilClose && isHttps(m_request.url)
        && !m_closeNotified) {
        fail(
            Error::RemoteClosed,
            u"the connection ended without the server's TLS closing message, and the server gave no length: "
            "the file may be cut short, so it is not called complete (what arrived stays in its .part file)"_s);
        return;
    }
    m_parser->finishAtEof();
    if (m_parser->state() == HttpResponseParser::State::Complete) {
        if (bytesAvailable() > 0)
            Q_EMIT readyRead();
        if (alive)
            finish();
        return;
    }
    fail(Error::RemoteClosed,
         m_parser->errorString().isEmpty() ? u"the server closed the connection"_s : m_parser->errorString());
}

bool HttpReply::wasReset() const
{
    // Qt reads a reset as the end of the connection, which for this body would mean the end of the file.
    // A TLS socket has read the reset itself by now; its close is judged by the closing alert instead.
    return !isHttps(m_request.url)
        && platform::peekConnection(m_socket->socketDescriptor()) == platform::PeerState::Reset;
}

void HttpReply::handleSocketError()
{
    if (m_finished || !m_socket)
        return;
    const QAbstractSocket::SocketError code = m_socket->error();
    if (code == QAbstractSocket::RemoteHostClosedError) {
        handleDisconnected(); // the end of a close-delimited body, or a connection that broke
        return;
    }
    if (code == QAbstractSocket::NetworkError && retryStaleConnection())
        return;
    switch (code) {
    case QAbstractSocket::ConnectionRefusedError:
        fail(Error::ConnectionRefused, u"connection refused by %1"_s.arg(m_request.url.host()));
        break;
    case QAbstractSocket::HostNotFoundError:
        fail(Error::HostNotFound, u"host %1 not found"_s.arg(m_request.url.host()));
        break;
    case QAbstractSocket::SslHandshakeFailedError:
    case QAbstractSocket::SslInternalError:
    case QAbstractSocket::SslInvalidUserDataError:
        fail(Error::Tls, m_sslErrors.isEmpty() ? m_socket->errorString() : m_sslErrors.join(u"; "_s));
        break;
    default:
        fail(m_sslErrors.isEmpty() ? Error::Network : Error::Tls,
             m_sslErrors.isEmpty() ? m_socket->errorString() : m_sslErrors.join(u"; "_s));
        break;
    }
}

void HttpReply::abort()
{
    if (m_finished)
        return;
    fail(Error::Aborted, u"stopped"_s);
}

void HttpReply::fail(Error error, const QString &message)
{
    if (m_finished)
        return;
    m_error = error;
    m_errorString = message;
    m_finished = true;
    releaseSocket(false);
    Q_EMIT finished();
}

void HttpReply::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    releaseSocket(m_parser->keepAlive() && !m_noReuse);
    Q_EMIT finished();
}

void HttpReply::releaseSocket(bool reuse)
{
    QAbstractSocket *socket = m_socket.data();
    m_socket.clear();
    if (!socket)
        return;
    // Each connection by its handle: disconnect(this) looks through every signal a socket has, which was a
    // few percent of the time of a small download.
    for (const QMetaObject::Connection &connection : std::as_const(m_socketConnections))
        disconnect(connection);
    m_socketConnections.clear();
    // Bytes the server sent after the response (it should not have) are not looked for here: takeIdle() peeks
    // before any reuse and drops such a connection.
    if (reuse && socket->state() == QAbstractSocket::ConnectedState) {
        m_client.giveBack(m_origin, socket);
        return;
    }
    socket->abort();
    socket->deleteLater();
}

} // namespace heiko

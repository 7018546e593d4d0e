#include "httpclient.h"

#include "httpreply.h"
#include "platform.h"

#include <QAbstractSocket>
#include <QSslSocket>

#include <utility>

using namespace Qt::StringLiterals;

namespace heiko {

HttpClient::HttpClient(int idleExpiryMs, QObject *parent)
    : QObject(parent)
    , m_idleExpiryMs(qMax(1, idleExpiryMs))
{
    m_expiry.setInterval(qMax(1, m_idleExpiryMs / 3));
    connect(&m_expiry, &QTimer::timeout, this, &HttpClient::expireIdle);
}

HttpClient::~HttpClient()
{
    const QHash<QString, QList<Idle>> idle = std::exchange(m_idle, {});
    for (const QList<Idle> &list : idle) {
        for (const Idle &i : list)
            discard(i.socket.data());
    }
}

void HttpClient::discard(QAbstractSocket *socket)
{
    // Disconnected first: deleting a connected socket emits disconnected(), whose handler in giveBack() would
    // change the idle lists while the caller walks them.
    if (!socket)
        return;
    socket->disconnect();
    delete socket;
}

int HttpClient::idleCount() const
{
    int count = 0;
    for (const QList<Idle> &list : m_idle)
        count += int(list.size());
    return count;
}

QString HttpClient::originOf(const QUrl &url)
{
    const QString scheme = url.scheme().toLower();
    return scheme + u"://"_s + url.host().toLower() + u':'
        + QString::number(url.port(scheme == u"https"_s ? 443 : 80));
}

HttpReply *HttpClient::get(const HttpRequest &request)
{
    return new HttpReply(*this, request);
}

QAbstractSocket *HttpClient::takeIdle(const QString &origin)
{
    auto it = m_idle.find(origin);
    while (it != m_idle.end() && !it->isEmpty()) {
        const Idle idle = it->takeLast(); // the most recently used: the least likely to have been closed
        QAbstractSocket *socket = idle.socket.data();
        if (!socket)
            continue;
        // An unbuffered socket learns that the server closed it only by reading (and nothing reads an idle
        // one), so look: -1 is the end, 1 a byte it should not have sent; 0 is a connection still open.
        char probe = 0;
        const qint64 peeked
            = socket->state() == QAbstractSocket::ConnectedState ? socket->peek(&probe, 1) : -1;
        // A TLS socket's peek sees only what it has decrypted, which it does in the event loop, and a worker
        // goes from one download to the next without one: ask the system's socket whether records wait.
        // (Unknown: a system where this cannot be asked; Qt's look stands alone there.)
        const platform::PeerState raw
            = idle.tls ? platform::peekConnection(socket->socketDescriptor()) : platform::PeerState::Nothing;
        const bool rawIdle = raw == platform::PeerState::Nothing || raw == platform::PeerState::Unknown;
        if (peeked == 0 && rawIdle && socket->state() == QAbstractSocket::ConnectedState) {
            disconnect(idle.closedWhileIdle); // by its handle: disconnect(this) looks through every signal
            return socket;
        }
        discard(socket); // closed by the server while idle, or it sent something unasked: not reusable
    }
    return nullptr;
}

void HttpClient::giveBack(const QString &origin, QAbstractSocket *socket)
{
    QList<Idle> &list = m_idle[origin];
    if (list.size() >= kMaxIdlePerHost) {
        // Not deleted here: a reply gives its socket back when its response ends, which is noticed inside
        // that socket's own readyRead(); Qt goes on in the socket's code after the handler returns.
        socket->disconnect();
        socket->abort();
        socket->deleteLater();
        return;
    }
    socket->setParent(this);
    // A server that closes an idle connection: forget it at once.
    Idle idle;
    idle.closedWhileIdle = connect(socket, &QAbstractSocket::disconnected, this, [this, origin, socket] {
        m_idle[origin].removeIf([socket](const Idle &i) { return i.socket == socket; });
        socket->deleteLater();
    });
    idle.socket = socket;
    idle.tls = qobject_cast<QSslSocket *>(socket) != nullptr;
    idle.since.start();
    list.append(idle);
    if (!m_expiry.isActive())
        m_expiry.start();
}

void HttpClient::expireIdle()
{
    // Collected first and deleted after: deleting inside removeIf() would let the socket's disconnected()
    // handler change the very list being walked.
    QList<QAbstractSocket *> expired;
    bool any = false;
    for (auto it = m_idle.begin(); it != m_idle.end(); ++it) {
        it->removeIf([this, &expired](const Idle &idle) {
            if (idle.socket && idle.since.elapsed() < m_idleExpiryMs)
                return false;
            expired.append(idle.socket.data());
            return true;
        });
        any = any || !it->isEmpty();
    }
    for (QAbstractSocket *socket : std::as_const(expired))
        discard(socket);
    if (!any)
        m_expiry.stop();
}

} // namespace heiko

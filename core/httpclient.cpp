#include "httpclient.h"

#include "httpreply.h"

#include <QAbstractSocket>

using namespace Qt::StringLiterals;

namespace heiko {

HttpClient::HttpClient(QObject *parent)
    : QObject(parent)
{
    m_expiry.setInterval(kIdleExpiryMs / 3);
    connect(&m_expiry, &QTimer::timeout, this, &HttpClient::expireIdle);
}

HttpClient::~HttpClient()
{
    for (const QList<Idle> &list : std::as_const(m_idle)) {
        for (const Idle &idle : list)
            delete idle.socket.data();
    }
}

QString HttpClient::originOf(const QUrl &url)
{
    const QString scheme = url.scheme().toLower();
    return scheme + u"://"_s + url.host().toLower() + u':' + QString::number(url.port(scheme == u"https"_s ? 443 : 80));
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
        if (socket && socket->state() == QAbstractSocket::ConnectedState && socket->bytesAvailable() == 0) {
            socket->disconnect(this);
            return socket;
        }
        delete socket; // closed by the server while idle, or it sent something unasked: not reusable
    }
    return nullptr;
}

void HttpClient::giveBack(const QString &origin, QAbstractSocket *socket)
{
    QList<Idle> &list = m_idle[origin];
    if (list.size() >= kMaxIdlePerHost) {
        delete socket;
        return;
    }
    socket->setParent(this);
    // A server that closes an idle connection: forget it at once.
    connect(socket, &QAbstractSocket::disconnected, this, [this, origin, socket] {
        QList<Idle> &idle = m_idle[origin];
        idle.removeIf([socket](const Idle &i) { return i.socket == socket; });
        socket->deleteLater();
    });
    Idle idle;
    idle.socket = socket;
    idle.since.start();
    list.append(idle);
    if (!m_expiry.isActive())
        m_expiry.start();
}

void HttpClient::expireIdle()
{
    bool any = false;
    for (auto it = m_idle.begin(); it != m_idle.end(); ++it) {
        it->removeIf([](const Idle &idle) {
            if (idle.socket && idle.since.elapsed() < kIdleExpiryMs)
                return false;
            delete idle.socket.data();
            return true;
        });
        any = any || !it->isEmpty();
    }
    if (!any)
        m_expiry.stop();
}

} // namespace heiko

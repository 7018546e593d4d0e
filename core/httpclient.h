#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QTimer>
#include <QUrl>

class QAbstractSocket;

namespace heiko {

class HttpReply;

// What to ask for: a GET of `url` with these extra header fields (Range, If-Range, ...).
struct HttpRequest
{
    QUrl url;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray userAgent;
};

// Heiko's own HTTP/1.1 client, one per worker thread (like the QNetworkAccessManager it replaces there): it
// keeps that worker's idle keep-alive connections, so the next download from the same server reuses one, and
// it runs every exchange in the worker's own thread. Qt's QNetworkAccessManager hands each request and every
// body chunk to a second thread of its own and parses headers a byte per read; for thousands of small files
// that overhead was most of the time. TLS goes through QSslSocket with full verification.
class HttpClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpClient)

public:
    static constexpr int kMaxIdlePerHost = 8;
    static constexpr int kIdleExpiryMs = 30'000;

    // idleExpiryMs: how long an idle connection is kept (shorter in tests).
    explicit HttpClient(int idleExpiryMs = kIdleExpiryMs, QObject *parent = nullptr);
    ~HttpClient() override;

    // A reply for the request (a child of nobody: the caller deletes it), which reports through its signals
    // once the caller has connected to them and called its start().
    HttpReply *get(const HttpRequest &request);

    // For HttpReply: an open connection to this origin, if one is idle, or nullptr.
    QAbstractSocket *takeIdle(const QString &origin);
    // For HttpReply: a connection whose last response was complete and may carry another request.
    void giveBack(const QString &origin, QAbstractSocket *socket);
    int idleCount() const; // idle connections kept now, over all origins
    static QString originOf(const QUrl &url); // "https://host:443"

private:
    struct Idle
    {
        QPointer<QAbstractSocket> socket;
        QElapsedTimer since;
        QMetaObject::Connection closedWhileIdle;
        bool tls = false;
    };
    void expireIdle();
    static void discard(QAbstractSocket *socket);

    const int m_idleExpiryMs;
    QHash<QString, QList<Idle>> m_idle;
    QTimer m_expiry;
};

} // namespace heiko

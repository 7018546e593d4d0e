#pragma once

#include <QHash>
#include <QList>
#include <QString>
#include <QtGlobal>

#include <mutex>

namespace heiko {

// The keep-alive connections every worker's HttpClient keeps idle, by server ("scheme://host:port"), so that
// they count against the server's cap. A worker's idle connection can only be used by that worker (its
// socket lives in the worker's thread), so with a cap of one and four workers, each worker kept one open:
// four connections to a server that allows one, and a server that counts them refuses the next. A worker
// about to open a new connection ends as many of the other workers' idle ones as the cap leaves no room for
// (endExcess()).
//
// Ending is a shutdown(2) through a descriptor of its own (platform::holdConnection()), which any thread may
// do: the server sees the close at once, and the owner, when it next looks, learns from take() that the
// connection was ended and deletes its socket. That descriptor stays open until take(), so it never names
// another file or socket. Where connections cannot be held (Windows for now) nothing is counted. Thread-safe;
// shared by the manager and its workers.
class IdleConnections final
{
public:
    IdleConnections() = default;
    ~IdleConnections();
    Q_DISABLE_COPY_MOVE(IdleConnections)

    // Counts `descriptor`'s connection as idle, kept by `owner`. Returns the token for take(), 0 when it is
    // not counted.
    quint64 add(const QString &server, qintptr descriptor, const void *owner);
    // The owner takes its idle connection back, to use it or to close it. False: another worker ended it
    // meanwhile.
    bool take(quint64 token);
    // Ends idle connections to `server` that others than `owner` keep, the oldest first, until at most
    // `allowed` of theirs are left. Returns how many it ended.
    int endExcess(const QString &server, const void *owner, int allowed);
    int count(const QString &server) const;

private:
    struct Entry
    {
        quint64 token = 0;
        qintptr held = -1;
        const void *owner = nullptr;
    };

    mutable std::mutex m_mutex;
    QHash<QString, QList<Entry>> m_idle; // oldest first
    QHash<quint64, QString> m_serverOf;
    quint64 m_lastToken = 0;
};

} // namespace heiko

#include "singleinstance.h"

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QDir>
#include <QFileInfo>
#include <QLocalServer>
#include <QLocalSocket>
#include <QLockFile>
#include <QStandardPaths>
#include <QStringDecoder>
#include <QTimer>

#include <algorithm>
#include <utility>

#if defined(Q_OS_UNIX)
#include <unistd.h>
#endif

using namespace Qt::StringLiterals;

namespace {

constexpr QByteArrayView kMagic = "HEIKO-URLS/";
constexpr int kProtocolVersion = 1;
constexpr qint64 kMaxHeaderBytes = 128; // "HEIKO-URLS/1 <count> <bytes>\n" is well under this
constexpr qint64 kMaxReplyBytes = 1024;
constexpr std::chrono::milliseconds kProbeTimeout { 1000 };
constexpr std::chrono::milliseconds kLockTimeout { 5000 };

// The lock file sits beside the socket: in the user's own runtime folder when the name is a path there.
QString lockFilePath(const QString &serverName)
{
    if (QDir::isAbsolutePath(serverName))
        return serverName + u".lock"_s;
    QString name = serverName;
    name.replace(u'/', u'_').replace(u'\\', u'_').replace(u':', u'_');
    return QDir::tempPath() + u'/' + name + u".lock"_s;
}

// Whether the socket file for `serverName` exists and belongs to another user (Unix; false elsewhere, where
// a named pipe's access list does this job). Such a socket is never used: whoever made it would receive
// the URLs, passwords included, or could block every start.
bool ownedByAnotherUser(const QString &serverName)
{
#if defined(Q_OS_UNIX)
    // QLocalSocket puts a name that is not a path in the temporary folder.
    const QString path = QDir::isAbsolutePath(serverName) ? serverName : QDir::tempPath() + u'/' + serverName;
    const QFileInfo info(path);
    return info.exists() && info.ownerId() != uint(::getuid());
#else
    Q_UNUSED(serverName);
    return false;
#endif
}

// Digits only (no sign, no spaces), at most 18 of them so that the value fits; -1 otherwise.
qint64 parseCount(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 18)
        return -1;
    qint64 value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return -1;
        value = value * 10 + (c - '0');
    }
    return value;
}

int remainingMs(const QDeadlineTimer &deadline)
{
    return int(std::max<qint64>(0, deadline.remainingTime()));
}

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

} // namespace

SingleInstance::SingleInstance(QString serverName, QObject *parent)
    : QObject(parent)
    , m_serverName(std::move(serverName))
{ }

SingleInstance::~SingleInstance()
{
    // The sockets are children of the server, including answered ones still closing that are no longer
    // in m_clients; their last signals must not reach a half-destroyed this.
    if (m_server) {
        const QList<QLocalSocket *> sockets = m_server->findChildren<QLocalSocket *>();
        for (QLocalSocket *socket : sockets)
            disconnect(socket, nullptr, this, nullptr);
    }
    m_clients.clear();
    delete m_server;
}

QString SingleInstance::defaultServerName()
{
    const QString override = qEnvironmentVariable("HEIKO_INSTANCE_NAME").trimmed();
    if (!override.isEmpty())
        return override;
    QString user = qEnvironmentVariable("USER");
    if (user.isEmpty())
        user = qEnvironmentVariable("USERNAME");
    if (user.isEmpty())
        user = qEnvironmentVariable("LOGNAME");
    // The config location already differs per user and per portable install; the user name is added for
    // platforms whose named pipes are visible to every session of the machine.
    const QString key = QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation) + u'\n' + user;
    const QByteArray hash
        = QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha256).toHex().left(12);
    const QString name = u"heiko-"_s + QString::fromLatin1(hash);
#if defined(Q_OS_UNIX)
    // In the user's own runtime folder (mode 0700): in the shared temporary folder another user could take
    // the name first and receive the URLs. On Linux logind's /run/user/UID whenever it exists, whatever
    // XDG_RUNTIME_DIR says: a window started from the desktop and a `heiko URL` from ssh, su or cron (where
    // it is unset, and Qt falls back to /tmp/runtime-USER) must find each other. A socket path has room for
    // about 100 bytes.
    QString runtime;
#if defined(Q_OS_LINUX)
    const QString logind = u"/run/user/"_s + QString::number(::getuid());
    if (const QFileInfo info(logind); info.isDir() && info.ownerId() == uint(::getuid()))
        runtime = logind;
#endif
    // Without XDG_RUNTIME_DIR Qt would make /tmp/runtime-USER and warn on every start; the plain name (in the
    // temporary folder, where a socket of another user's is refused, see listen()) does as well.
    if (runtime.isEmpty() && !qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR"))
        runtime = QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
    if (!runtime.isEmpty() && QFileInfo(runtime).isDir()) {
        const QString path = runtime + u'/' + name;
        if (QFile::encodeName(path).size() < 100)
            return path;
    }
#endif
    return name;
}

void SingleInstance::close()
{
    m_clients.clear();
    delete m_server;
    m_server = nullptr;
}

bool SingleInstance::isListening() const
{
    return m_server && m_server->isListening();
}

bool SingleInstance::listen()
{
    if (isListening())
        return true;
    m_error.clear();
    if (m_serverName.isEmpty()) {
        m_error = tr("No name was given for the single-instance socket.");
        return false;
    }

    // Two instances starting at the same moment could both find no primary and both take over; the lock
    // makes "check, then listen" one step. A lock that cannot be had (another instance stuck here, or no
    // writable temp folder) is not fatal: the check below still catches every case but that race.
    if (ownedByAnotherUser(m_serverName)) {
        m_error = tr("The socket \u201C%1\u201D belongs to another user; Heiko does not use it.")
                      .arg(m_serverName);
        return false;
    }
    QLockFile lock(lockFilePath(m_serverName));
    lock.tryLock(int(kLockTimeout.count())); // held until this function returns

    // Ask before listening: with restricted access QLocalServer binds to a temporary name and renames it
    // over the old socket, and a Windows pipe accepts a second server, so a failing listen() cannot be the
    // test for "another instance runs". A socket nobody accepts on (refused, or a leftover file) is stale.
    {
        QLocalSocket probe;
        probe.connectToServer(m_serverName);
        if (probe.waitForConnected(int(kProbeTimeout.count()))) {
            probe.abort();
            m_error = tr("Another instance of Heiko is already running (socket \u201C%1\u201D).")
                          .arg(m_serverName);
            return false;
        }
        if (probe.error() == QLocalSocket::SocketTimeoutError) {
            // Something accepts connections there but too slowly to answer: alive, so not ours to take.
            m_error = tr("The socket \u201C%1\u201D is in use but does not answer.").arg(m_serverName);
            return false;
        }
    }
    QLocalServer::removeServer(m_serverName); // a crashed instance's socket file, if any

    auto *server = new QLocalServer(this);
    server->setSocketOptions(QLocalServer::UserAccessOption); // other users must not inject downloads
    if (!server->listen(m_serverName)) {
        m_error = tr("Cannot listen on \u201C%1\u201D: %2").arg(m_serverName, server->errorString());
        delete server;
        return false;
    }
    m_server = server;
    connect(m_server, &QLocalServer::newConnection, this, &SingleInstance::handleNewConnection);
    return true;
}

void SingleInstance::handleNewConnection()
{
    while (QLocalSocket *socket = m_server->nextPendingConnection()) {
        if (m_clients.size() >= kMaxClients) {
            socket->abort();
            socket->deleteLater();
            continue;
        }
        m_clients.insert(socket, Client {});
        connect(socket, &QLocalSocket::readyRead, this, [this, socket] { handleReadyRead(socket); });
        connect(socket, &QLocalSocket::disconnected, this, [this, socket] {
            m_clients.remove(socket);
            socket->deleteLater();
        });
        // A client that connects and then says nothing (or too little) must not hold a slot forever.
        QTimer::singleShot(m_clientTimeout, socket, [this, socket] {
            disconnect(socket, nullptr, this, nullptr);
            m_clients.remove(socket);
            socket->abort();
            socket->deleteLater();
        });
        if (socket->bytesAvailable() > 0)
            handleReadyRead(socket);
    }
}

void SingleInstance::handleReadyRead(QLocalSocket *socket)
{
    const auto it = m_clients.find(socket);
    if (it == m_clients.end())
        return;
    Client &client = it.value();

    if (client.count < 0) {
        if (!socket->canReadLine()) {
            if (socket->bytesAvailable() > kMaxHeaderBytes)
                refuse(socket, u"header line too long"_s);
            return;
        }
        const QByteArray line = socket->readLine(kMaxHeaderBytes + 1);
        if (!line.endsWith('\n')) {
            refuse(socket, u"header line too long"_s);
            return;
        }
        // Printable ASCII only: a NUL or a control byte here is not a header, whatever the numbers say
        // (the number parsers would stop at a NUL and accept what came before it).
        const QByteArray header = line.chopped(1);
        if (!std::all_of(header.cbegin(), header.cend(), [](char c) { return c >= 0x20 && c < 0x7f; })) {
            refuse(socket, u"not a Heiko message"_s);
            return;
        }
        const QList<QByteArray> fields = header.split(' ');
        if (fields.size() < 1 || !fields[0].startsWith(kMagic)) {
            refuse(socket, u"not a Heiko message"_s);
            return;
        }
        if (parseCount(fields[0].sliced(kMagic.size())) != kProtocolVersion) {
            refuse(socket,
                   u"unsupported protocol version %1 (this Heiko speaks %2)"_s.arg(
                       QString::fromUtf8(fields[0].sliced(kMagic.size()).left(16)),
                       QString::number(kProtocolVersion)));
            return;
        }
        const qint64 count = fields.size() == 3 ? parseCount(fields[1]) : -1;
        const qint64 bytes = fields.size() == 3 ? parseCount(fields[2]) : -1;
        // Every URL ends with a NUL, so there cannot be more URLs than bytes.
        if (count < 0 || bytes < 0 || count > bytes) {
            refuse(socket, u"malformed header"_s);
            return;
        }
        if (bytes > kMaxMessageBytes) {
            refuse(socket, u"message too large (%1 bytes, at most %2)"_s.arg(bytes).arg(kMaxMessageBytes));
            return;
        }
        client.count = count;
        client.bytes = bytes;
    }

    if (socket->bytesAvailable() < client.bytes)
        return;
    const QByteArray payload = socket->read(client.bytes);
    if (!payload.isEmpty() && !payload.endsWith('\0')) {
        refuse(socket, u"malformed URL list"_s);
        return;
    }
    QStringDecoder decoder(QStringDecoder::Utf8);
    const QString text = decoder.decode(payload);
    if (decoder.hasError()) {
        refuse(socket, u"the URLs are not valid UTF-8"_s);
        return;
    }
    QStringList urls = text.split(QChar(0));
    urls.removeLast(); // the empty piece after the last terminator
    if (urls.size() != client.count) {
        refuse(socket, u"%1 URLs announced, %2 sent"_s.arg(client.count).arg(urls.size()));
        return;
    }

    // Answer first: a slot that opens a dialog must not keep the other instance waiting.
    disconnect(socket, &QLocalSocket::readyRead, this, nullptr);
    m_clients.remove(socket);
    socket->write("OK\n");
    socket->flush();
    socket->disconnectFromServer();
    if (urls.isEmpty())
        Q_EMIT activationRequested();
    else
        Q_EMIT urlsReceived(urls);
}

void SingleInstance::refuse(QLocalSocket *socket, const QString &reason)
{
    // Nothing more is read from this client; the reason goes back so a confused sender can tell why.
    disconnect(socket, &QLocalSocket::readyRead, this, nullptr);
    m_clients.remove(socket);
    socket->write("ERR " + reason.toUtf8() + '\n');
    socket->flush();
    socket->disconnectFromServer();
}

bool SingleInstance::sendUrls(const QString &serverName, const QStringList &urls, QString *error,
                              std::chrono::milliseconds timeout, bool *reached)
{
    if (error)
        error->clear();
    if (reached)
        *reached = false;
    if (ownedByAnotherUser(serverName))
        return fail(error,
                    tr("The socket \u201C%1\u201D belongs to another user; the URLs are not sent there.")
                        .arg(serverName));

    QByteArray payload;
    for (const QString &url : urls) {
        if (url.contains(QChar(0)))
            return fail(error, tr("A URL contains a NUL character and cannot be passed on."));
        payload += url.toUtf8();
        payload += '\0';
        if (payload.size() > kMaxMessageBytes)
            return fail(error,
                        tr("Too many URLs to pass on at once (more than %1 MiB).")
                            .arg(kMaxMessageBytes / (1024 * 1024)));
    }
    const QByteArray header = kMagic.toByteArray() + QByteArray::number(kProtocolVersion) + ' '
        + QByteArray::number(urls.size()) + ' ' + QByteArray::number(payload.size()) + '\n';

    const QDeadlineTimer deadline(timeout);
    QLocalSocket socket;
    socket.connectToServer(serverName);
    if (!socket.waitForConnected(remainingMs(deadline)))
        return fail(
            error,
            tr("Cannot reach a running Heiko (\u201C%1\u201D): %2").arg(serverName, socket.errorString()));
    if (reached)
        *reached = true; // from here on the URLs may arrive there even if it does not say so

    socket.write(header);
    socket.write(payload);
    while (socket.bytesToWrite() > 0) {
        if (deadline.hasExpired() || !socket.waitForBytesWritten(remainingMs(deadline)))
            return fail(error,
                        tr("The running Heiko did not take the URLs within %1 ms: %2")
                            .arg(timeout.count())
                            .arg(socket.errorString()));
    }

    while (!socket.canReadLine()) {
        if (socket.bytesAvailable() > kMaxReplyBytes)
            return fail(error, tr("The running Heiko gave an answer this version does not understand."));
        if (deadline.hasExpired() || !socket.waitForReadyRead(remainingMs(deadline))) {
            if (socket.canReadLine())
                break;
            if (socket.state() != QLocalSocket::ConnectedState)
                return fail(error,
                            tr("The running Heiko closed the connection without confirming the URLs."));
            return fail(error,
                        tr("The running Heiko did not confirm the URLs within %1 ms (they may still arrive "
                           "there)")
                            .arg(timeout.count()));
        }
    }
    const QByteArray reply = socket.readLine(kMaxReplyBytes).trimmed();
    socket.disconnectFromServer();
    if (reply == "OK")
        return true;
    if (reply.startsWith("ERR "))
        return fail(error,
                    tr("The running Heiko refused the URLs: %1").arg(QString::fromUtf8(reply.sliced(4))));
    return fail(error, tr("The running Heiko gave an answer this version does not understand."));
}

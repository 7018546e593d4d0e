#pragma once

#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>

#include <chrono>

class QLocalServer;
class QLocalSocket;

// "heiko URL..." while Heiko already runs hands the URLs to the running window and exits.
//
// The first instance listen()s on a local socket (a Unix domain socket, or a named pipe on Windows) named
// per user and per settings location; a later one finds it there and calls sendUrls(), which waits for a
// one-line acknowledgement so the later instance knows the URLs arrived before it exits.
//
// Wire format, UTF-8, version 1 (a newer tag is refused with a reason, never misread):
//   client -> primary: "HEIKO-URLS/1 <count> <bytes>\n" followed by <bytes> bytes: the <count> URLs, each
//                      followed by one NUL byte (arguments can hold newlines, never NUL)
//   primary -> client: "OK\n", or "ERR <reason>\n" and the connection is closed
// An empty list is an activation request: "bring the window to the front".
//
// The primary does all socket I/O asynchronously on its thread and trusts no client: a header longer
// than a line, a payload over kMaxMessageBytes, invalid UTF-8, a count that does not match, or a client
// that stays silent past the client timeout are dropped with no signal emitted.
class SingleInstance final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SingleInstance)

public:
    static constexpr qint64 kMaxMessageBytes = 64 * 1024 * 1024;
    static constexpr int kMaxClients = 32; // connections handled at once; more are closed at once
    static constexpr std::chrono::milliseconds kDefaultSendTimeout { 3000 };
    static constexpr std::chrono::milliseconds kDefaultClientTimeout { 10'000 };

    explicit SingleInstance(QString serverName, QObject *parent = nullptr);
    ~SingleInstance() override; // stops listening; on Unix that removes the socket file

    // "heiko-" and a short hash of the settings location and the user name, so that two users, or two
    // settings locations (portable installs, tests), each have their own primary; on Unix a path in the
    // user's runtime folder (XDG_RUNTIME_DIR), where no other user can put a socket. A non-empty
    // HEIKO_INSTANCE_NAME environment variable overrides it. A socket file of another user is never used,
    // by listen() or by sendUrls().
    static QString defaultServerName();

    QString serverName() const { return m_serverName; }

    // Becomes the primary. Returns false when another live instance owns the name (errorString() says
    // so) or the socket cannot be created. A socket left behind by a crashed instance is removed and
    // taken over.
    bool listen();
    bool isListening() const;
    // Stops listening (a later instance then starts its own window instead of handing URLs to one that is
    // quitting); the clients being served are dropped.
    void close();
    QString errorString() const { return m_error; }

    // How long a connected client may take to send its whole message before it is dropped.
    void setClientTimeout(std::chrono::milliseconds timeout) { m_clientTimeout = timeout; }

    // Blocking client side, for the instance that is about to exit (no event loop needed). Returns true
    // once the primary has acknowledged the URLs; false with the reason in *error (may be null) when
    // nobody listens, the primary refuses the message or does not answer within the timeout.
    // `reached` (may be null) says whether a running Heiko took the connection: then the URLs may arrive
    // there even when it did not confirm them, and the caller must not start a second window.
    static bool sendUrls(const QString &serverName, const QStringList &urls, QString *error,
                         std::chrono::milliseconds timeout = kDefaultSendTimeout, bool *reached = nullptr);

Q_SIGNALS:
    void urlsReceived(const QStringList &urls); // never empty
    void activationRequested(); // a later instance started without URLs: show and raise the window

private:
    struct Client
    {
        qint64 count = -1; // from the header; -1 until the header line has arrived
        qint64 bytes = -1;
    };

    void handleNewConnection();
    void handleReadyRead(QLocalSocket *socket);
    void refuse(QLocalSocket *socket, const QString &reason);

    QString m_serverName;
    QString m_error;
    QLocalServer *m_server = nullptr;
    QHash<QLocalSocket *, Client> m_clients;
    std::chrono::milliseconds m_clientTimeout = kDefaultClientTimeout;
};

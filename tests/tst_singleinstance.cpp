#include "singleinstance.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QFuture>
#include <QLocalServer>
#include <QLocalSocket>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QtConcurrent/QtConcurrentRun>

#include <memory>
#include <utility>
#include <vector>

#ifdef Q_OS_UNIX
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#endif

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

struct SendResult
{
    bool ok = false;
    QString error;
};

// sendUrls() blocks until the primary answers, and the primary answers from this (the test's) thread,
// so the sender runs on another thread while the test's event loop serves the primary.
QFuture<SendResult> sendInBackground(const QString &name, const QStringList &urls,
                                     std::chrono::milliseconds timeout = SingleInstance::kDefaultSendTimeout)
{
    return QtConcurrent::run([name, urls, timeout] {
        SendResult result;
        result.ok = SingleInstance::sendUrls(name, urls, &result.error, timeout);
        return result;
    });
}

QStringList manyUrls(int count)
{
    QStringList urls;
    urls.reserve(count);
    for (int i = 0; i < count; ++i)
        urls.append(
            u"https://example.org/files/%1/\u00E4\u00F6\u00FC-%2.bin?x=%3"_s.arg(i % 97).arg(i).arg(i * 7));
    return urls;
}

#ifdef Q_OS_UNIX
// What a crashed primary leaves behind: a socket file nobody accepts on. Bound, then closed without
// unlinking, so connecting to it is refused.
bool makeStaleSocket(const QString &path)
{
    const QByteArray encoded = QFile::encodeName(path);
    sockaddr_un address {};
    if (encoded.size() + 1 > qsizetype(sizeof(address.sun_path)))
        return false;
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, encoded.constData(), size_t(encoded.size()) + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return false;
    const bool bound = ::bind(fd, reinterpret_cast<const sockaddr *>(&address), sizeof(address)) == 0
        && ::listen(fd, 1) == 0;
    ::close(fd);
    return bound;
}
#endif

} // namespace

class TestSingleInstance final : public QObject
{
    Q_OBJECT

private:
    // A fresh name per test, so runs in parallel (and leftovers of a crashed run) never meet.
    QString uniqueName()
    {
        return u"heiko-tst-%1-%2-%3"_s.arg(QCoreApplication::applicationPid())
            .arg(QRandomGenerator::global()->generate() & 0xffff)
            .arg(++m_counter);
    }

    // Where QLocalServer puts the socket for a name (a temporary server finds out, then goes away).
    static QString socketPath(const QString &name)
    {
        QLocalServer server;
        if (!server.listen(name))
            return {};
        return server.fullServerName();
    }

    // Sends real URLs and checks the primary delivers them: it survived whatever came before.
    static void verifyStillServes(SingleInstance &primary)
    {
        QSignalSpy received(&primary, &SingleInstance::urlsReceived);
        const QStringList urls { u"https://example.org/after"_s };
        QFuture<SendResult> sent = sendInBackground(primary.serverName(), urls);
        QVERIFY(received.wait(5000));
        QCOMPARE(received.at(0).at(0).toStringList(), urls);
        QTRY_VERIFY(sent.isFinished());
        QVERIFY2(sent.result().ok, qPrintable(sent.result().error));
    }

    int m_counter = 0;

private Q_SLOTS:
    void deliversExactlyTheUrls_data()
    {
        QTest::addColumn<QStringList>("urls");
        QTest::newRow("one") << QStringList { u"https://example.org/file.iso"_s };
        QTest::newRow("non-ASCII") << QStringList {
            u"https://\u4F8B\u3048.jp/\u30D5\u30A1\u30A4\u30EB.zip"_s,
            u"https://example.org/\u00FCber/caf\u00E9?q=\u0436&emoji=\U0001F600"_s,
            u"https://xn--e1afmkfd.xn--p1ai/%D1%84"_s,
        };
        QTest::newRow("odd but allowed") << QStringList {
            u"https://example.org/a b"_s, // spaces, as typed
            u"https://example.org/line\nbreak"_s, // one argument that holds a newline stays one entry
            QString(), // an empty argument is passed on as it is; the window decides what it means
            u"HEIKO-URLS/1 1 1"_s,
        };
        QTest::newRow("10,000") << manyUrls(10'000);
    }

    void deliversExactlyTheUrls()
    {
        QFETCH(QStringList, urls);
        SingleInstance primary(uniqueName());
        QVERIFY2(primary.listen(), qPrintable(primary.errorString()));
        QVERIFY(primary.isListening());
        QSignalSpy received(&primary, &SingleInstance::urlsReceived);
        QSignalSpy activation(&primary, &SingleInstance::activationRequested);

        QFuture<SendResult> sent = sendInBackground(primary.serverName(), urls);
        QVERIFY(received.wait(10'000));
        QTRY_VERIFY(sent.isFinished());
        QVERIFY2(sent.result().ok, qPrintable(sent.result().error));
        QCOMPARE(received.size(), 1);
        const QStringList got = received.at(0).at(0).toStringList();
        QCOMPARE(got.size(), urls.size());
        QCOMPARE(got, urls);
        QCOMPARE(activation.size(), 0);
    }

    void emptyListRequestsActivation()
    {
        SingleInstance primary(uniqueName());
        QVERIFY(primary.listen());
        QSignalSpy received(&primary, &SingleInstance::urlsReceived);
        QSignalSpy activation(&primary, &SingleInstance::activationRequested);
        QFuture<SendResult> sent = sendInBackground(primary.serverName(), {});
        QVERIFY(activation.wait(5000));
        QTRY_VERIFY(sent.isFinished());
        QVERIFY2(sent.result().ok, qPrintable(sent.result().error));
        QCOMPARE(activation.size(), 1);
        QCOMPARE(received.size(), 0);
    }

    void secondListenFailsWhileTheFirstLives()
    {
        const QString name = uniqueName();
        SingleInstance first(name);
        QVERIFY(first.listen());
        {
            SingleInstance second(name);
            QVERIFY(!second.listen());
            QVERIFY(!second.isListening());
            QVERIFY2(second.errorString().contains(u"already running"_s), qPrintable(second.errorString()));
        }
        // The failed attempt did not take the name away from the first.
        QVERIFY(first.isListening());
        verifyStillServes(first);
    }

    void nameIsFreeAgainAfterThePrimaryEnds()
    {
        const QString name = uniqueName();
        {
            SingleInstance first(name);
            QVERIFY(first.listen());
        }
        QString error;
        QVERIFY(!SingleInstance::sendUrls(name, { u"https://example.org/x"_s }, &error));
        SingleInstance next(name);
        QVERIFY2(next.listen(), qPrintable(next.errorString()));
        verifyStillServes(next);
    }

    void staleSocketIsTakenOver_data()
    {
        QTest::addColumn<bool>("asSocket");
        QTest::newRow("socket left by a crash") << true;
        QTest::newRow("plain file in the way") << false;
    }

    void staleSocketIsTakenOver()
    {
#ifndef Q_OS_UNIX
        QSKIP("Named pipes vanish with their process; there is no stale file to take over.");
#else
        QFETCH(bool, asSocket);
        const QString name = uniqueName();
        const QString path = socketPath(name);
        QVERIFY(!path.isEmpty());
        QVERIFY(!QFileInfo::exists(path));
        if (asSocket) {
            QVERIFY(makeStaleSocket(path));
        } else {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("left over");
        }
        QVERIFY(QFileInfo::exists(path));

        // Nobody answers there: a sender fails at once, and a new primary takes the name over.
        QString error;
        QVERIFY(!SingleInstance::sendUrls(name, { u"https://example.org/x"_s }, &error));
        SingleInstance primary(name);
        QVERIFY2(primary.listen(), qPrintable(primary.errorString()));
        verifyStillServes(primary);
#endif
    }

    void garbageIsRefused_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<bool>("answered"); // false: the primary drops the client when its time is up

        QByteArray noise(64 * 1024, '\0');
        QRandomGenerator random(20'261'126);
        for (char &byte : noise)
            byte = char(random.bounded(256));
        noise.replace('\n', 'x'); // a header line that never ends

        QTest::newRow("random noise") << noise << true;
        QTest::newRow("HTTP request") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n") << true;
        QTest::newRow("future version") << QByteArray("HEIKO-URLS/2 1 4\nabc\0", 21) << true;
        QTest::newRow("version word") << QByteArray("HEIKO-URLS/x 1 4\nabc\0", 21) << true;
        QTest::newRow("count mismatch") << QByteArray("HEIKO-URLS/1 2 4\nabc\0", 21) << true;
        QTest::newRow("more URLs than bytes") << QByteArray("HEIKO-URLS/1 9 4\nabc\0", 21) << true;
        QTest::newRow("no terminator") << QByteArray("HEIKO-URLS/1 1 3\nabc") << true;
        QTest::newRow("invalid UTF-8") << QByteArray("HEIKO-URLS/1 1 4\n\xff\xfe\xc0\0", 21) << true;
        QTest::newRow("negative size") << QByteArray("HEIKO-URLS/1 0 -1\n") << true;
        QTest::newRow("too large") << QByteArray("HEIKO-URLS/1 1 67108865\n") << true;
        QTest::newRow("huge number") << QByteArray("HEIKO-URLS/1 1 999999999999999999999999\n") << true;
        QTest::newRow("missing fields") << QByteArray("HEIKO-URLS/1\n") << true;
        QTest::newRow("NUL in header") << QByteArray("HEIKO-URLS/1 1\0 4\nabc\0", 22) << true;
        QTest::newRow("silent") << QByteArray() << false;
        QTest::newRow("half a header") << QByteArray("HEIKO-URLS/1 1") << false;
        QTest::newRow("payload cut short") << QByteArray("HEIKO-URLS/1 1 100\nhttps://") << false;
    }

    void garbageIsRefused()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(bool, answered);
        SingleInstance primary(uniqueName());
        primary.setClientTimeout(std::chrono::milliseconds(300));
        QVERIFY(primary.listen());
        QSignalSpy received(&primary, &SingleInstance::urlsReceived);
        QSignalSpy activation(&primary, &SingleInstance::activationRequested);

        QLocalSocket client;
        QByteArray reply;
        connect(&client, &QLocalSocket::readyRead, &client, [&] { reply += client.readAll(); });
        client.connectToServer(primary.serverName());
        QVERIFY(client.waitForConnected(2000));
        client.write(bytes);
        // The primary ends the conversation either way; the client only sees it if the loop runs.
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), QLocalSocket::UnconnectedState, 5000);
        reply += client.readAll();

        if (answered)
            QVERIFY2(reply.startsWith("ERR ") && reply.endsWith('\n'), reply.constData());
        else
            QVERIFY2(reply.isEmpty(), reply.constData());
        QCOMPARE(received.size(), 0);
        QCOMPARE(activation.size(), 0);
        verifyStillServes(primary);
    }

    void tooManyClientsAreTurnedAway()
    {
        SingleInstance primary(uniqueName());
        QVERIFY(primary.listen());
        QSignalSpy received(&primary, &SingleInstance::urlsReceived);
        std::vector<std::unique_ptr<QLocalSocket>> clients;
        int dropped = 0;
        const int extra = 5;
        for (int i = 0; i < SingleInstance::kMaxClients + extra; ++i) {
            auto client = std::make_unique<QLocalSocket>();
            connect(client.get(), &QLocalSocket::disconnected, this, [&dropped] { ++dropped; });
            client->connectToServer(primary.serverName());
            QVERIFY(client->waitForConnected(2000));
            clients.push_back(std::move(client));
        }
        QTRY_COMPARE(dropped, extra);
        QCOMPARE(received.size(), 0);

        // Once the silent ones leave, their slots are free again. The primary notices each departure in its
        // own time, so a sender that arrives first may still be turned away: retry until one gets through.
        clients.clear();
        bool served = false;
        for (int attempt = 0; attempt < 50 && !served; ++attempt) {
            QFuture<SendResult> sent = sendInBackground(primary.serverName(), { u"https://example.org/x"_s });
            QTRY_VERIFY(sent.isFinished());
            served = sent.result().ok;
        }
        QVERIFY(served);
        QCOMPARE(received.size(), 1);
    }

    void destroyedWhileClientsAreMidMessage()
    {
        auto primary = std::make_unique<SingleInstance>(uniqueName());
        QVERIFY(primary->listen());
        const QString name = primary->serverName();
        QLocalSocket halfway;
        halfway.connectToServer(name);
        QVERIFY(halfway.waitForConnected(2000));
        halfway.write("HEIKO-URLS/1 1 100\nhttps://");
        QLocalSocket answered;
        answered.connectToServer(name);
        QVERIFY(answered.waitForConnected(2000));
        answered.write("junk\n");
        QTRY_VERIFY(answered.bytesAvailable() > 0 || answered.state() == QLocalSocket::UnconnectedState);

        primary.reset(); // with a client still half-way through its message
        QTRY_COMPARE(halfway.state(), QLocalSocket::UnconnectedState);
        QString error;
        QVERIFY(!SingleInstance::sendUrls(name, { u"https://example.org/x"_s }, &error));
    }

    void sendingToNobodyFailsQuickly()
    {
        QElapsedTimer timer;
        timer.start();
        QString error;
        QVERIFY(!SingleInstance::sendUrls(uniqueName(), { u"https://example.org/x"_s }, &error));
        QVERIFY(!error.isEmpty());
        QVERIFY2(error.contains(u"Cannot reach"_s), qPrintable(error));
        QVERIFY2(timer.elapsed() < 1000, qPrintable(u"took %1 ms"_s.arg(timer.elapsed())));
    }

    void silentServerTimesOut()
    {
        // Something listens but never answers (a hung primary): the sender gives up at its timeout.
        QLocalServer mute;
        QVERIFY(mute.listen(uniqueName()));
        QElapsedTimer timer;
        timer.start();
        QString error;
        QVERIFY(!SingleInstance::sendUrls(mute.serverName(), { u"https://example.org/x"_s }, &error,
                                          std::chrono::milliseconds(300)));
        QVERIFY2(error.contains(u"did not confirm"_s), qPrintable(error));
        QVERIFY2(timer.elapsed() < 3000, qPrintable(u"took %1 ms"_s.arg(timer.elapsed())));
    }

    void refusalReasonReachesTheSender()
    {
        // A sender with a message the primary will not take learns why instead of a bare "failed".
        QStringList urls { u"https://example.org/\0nul"_s };
        QString error;
        QVERIFY(!SingleInstance::sendUrls(uniqueName(), urls, &error));
        QVERIFY2(error.contains(u"NUL"_s), qPrintable(error));
    }

    void unconfirmedHandOverSaysItReachedTheServer()
    {
        // A primary that takes the connection and never answers (stuck, or still starting): sendUrls() fails,
        // but says that it reached one, so the caller does not open a second window beside it.
        const QString name = uniqueName();
        QLocalServer silent;
        QVERIFY(silent.listen(name));
        QString error;
        bool reached = false;
        QFuture<bool> sent = QtConcurrent::run([&] {
            return SingleInstance::sendUrls(name, { u"https://example.org/x"_s }, &error, 300ms, &reached);
        });
        QTRY_VERIFY(sent.isFinished());
        QVERIFY(!sent.result());
        QVERIFY(reached);
        QVERIFY2(error.contains(u"did not confirm"_s) || error.contains(u"did not take"_s),
                 qPrintable(error));
        // Nobody there: not reached, and a new window is the right answer.
        reached = true;
        QVERIFY(
            !SingleInstance::sendUrls(uniqueName(), { u"https://example.org/x"_s }, &error, 300ms, &reached));
        QVERIFY(!reached);
    }

    void anotherUsersSocketIsNeverUsed()
    {
#ifndef Q_OS_UNIX
        QSKIP("a named pipe's access list does this elsewhere");
#else
        if (::getuid() != 0)
            QSKIP("needs root to give a socket file to another user");
        // Someone else listening on the name first would receive the URLs, passwords included.
        const QString name = uniqueName();
        QLocalServer foreign;
        QVERIFY(foreign.listen(name));
        QVERIFY(::chown(QFile::encodeName(foreign.fullServerName()).constData(), 65534, 65534) == 0);
        QSignalSpy connected(&foreign, &QLocalServer::newConnection);
        QString error;
        QVERIFY(!SingleInstance::sendUrls(name, { u"https://user:secret@example.org/x"_s }, &error, 300ms));
        QVERIFY2(error.contains(u"another user"_s), qPrintable(error));
        SingleInstance primary(name);
        QVERIFY(!primary.listen());
        QVERIFY2(primary.errorString().contains(u"another user"_s), qPrintable(primary.errorString()));
        QCoreApplication::processEvents();
        QCOMPARE(connected.count(), 0);
#endif
    }

    void defaultServerName()
    {
        const QByteArray saved = qgetenv("HEIKO_INSTANCE_NAME");
        const auto restore = qScopeGuard([&] {
            if (saved.isNull())
                qunsetenv("HEIKO_INSTANCE_NAME");
            else
                qputenv("HEIKO_INSTANCE_NAME", saved);
        });

        qputenv("HEIKO_INSTANCE_NAME", "heiko-override");
        QCOMPARE(SingleInstance::defaultServerName(), u"heiko-override"_s);

        qunsetenv("HEIKO_INSTANCE_NAME");
        // A runtime folder as a desktop session has one (logind's /run/user/UID is taken first when it
        // exists).
        const QByteArray savedRuntime = qgetenv("XDG_RUNTIME_DIR");
        QTemporaryDir runtimeDir; // mode 0700
        QVERIFY(runtimeDir.isValid());
        qputenv("XDG_RUNTIME_DIR", QFile::encodeName(runtimeDir.path()));
        const auto restoreRuntime = qScopeGuard([&] {
            if (savedRuntime.isNull())
                qunsetenv("XDG_RUNTIME_DIR");
            else
                qputenv("XDG_RUNTIME_DIR", savedRuntime);
        });
        const QString name = SingleInstance::defaultServerName();
        const QString fileName = QFileInfo(name).fileName();
        QVERIFY2(fileName.startsWith(u"heiko-"_s), qPrintable(name));
        QCOMPARE(fileName.size(), 18);
        QCOMPARE(SingleInstance::defaultServerName(), name); // stable
#ifdef Q_OS_UNIX
        // In a folder of the user's own that nobody else can write to, never in the shared temporary one.
        const QFileInfo folder(QFileInfo(name).absolutePath());
        QVERIFY2(QDir::isAbsolutePath(name), qPrintable(name));
        QCOMPARE(folder.ownerId(), uint(::getuid()));
        QVERIFY2(!(folder.permissions() & (QFile::WriteGroup | QFile::WriteOther)),
                 qPrintable(folder.filePath()));
        QVERIFY(folder.filePath() != QDir::tempPath());
#endif

        // Another settings location (another application name here) is another instance.
        const QString appName = QCoreApplication::applicationName();
        QCoreApplication::setApplicationName(appName + u"-other"_s);
        const QString other = SingleInstance::defaultServerName();
        QCoreApplication::setApplicationName(appName);
        QVERIFY(other != name);
    }
};

QTEST_GUILESS_MAIN(TestSingleInstance)
#include "tst_singleinstance.moc"

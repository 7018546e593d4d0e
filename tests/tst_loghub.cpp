#include "loghub.h"
#include "secretmasking.h"

#include <QLoggingCategory>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#if defined(Q_OS_UNIX)
#include <unistd.h>
#endif

using namespace Qt::StringLiterals;
using heiko::LogHub;
using heiko::LogLevel;
using heiko::LogRecord;

Q_LOGGING_CATEGORY(lcHeikoTest, "heiko.test")

class TestLogHub final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void textFormatFollowsTheOriginalProgram();
    void lineIsTheTextAsUtf8_data();
    void lineIsTheTextAsUtf8();
    void timeIsLocalAcrossDaylightSaving();
    void timeMatchesQDateTime_data();
    void timeMatchesQDateTime();
    void recordsCarryTheWritingThread();
    void ringKeepsTheNewestRecords();
    void notificationsAreCoalesced();
    void concurrentWritersLoseNothing();
    void secretsAreMasked_data();
    void secretsAreMasked();
    void maskedUrlHidesOnlyThePassword();
    void controlCharactersAreEscaped();
    void qtMessagesAreRouted();
    void minimumLevelDropsRecords();
    void logFileGetsEveryLine();
    void logFileErrorIsReported();
    void concurrentWritersWriteWholeLinesInOrder();
    void warningIsWrittenWhenTheCallReturns();
    void slowOutputSlowsTheLoggersDown();
    void logFileOnAStreamDeviceDoesNotHang();
};

void TestLogHub::textFormatFollowsTheOriginalProgram()
{
    LogHub hub;
    const int line = __LINE__ + 1;
    hub.info(HEIKO_HERE, u"[download start] song.mp3"_s, 7);
    const QList<LogRecord> records = hub.recordsSince(0);
    QCOMPARE(records.size(), 1);
    const QString text = records.first().toText();
    // [INFO]<TAB>2026-11-26
    // 11:07:23,600<TAB>process:17648<TAB>thread:14680<TAB>module:…<TAB>file.cpp:33<TAB>msg
    const QRegularExpression format(
        uR"(^\[INFO\]\t\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\tprocess:(\d+)\tthread:(\d+)\tmodule:tst_loghub\ttst_loghub\.cpp:(\d+)\t\[download start\] song\.mp3$)"_s);
    const QRegularExpressionMatch match = format.match(text);
    QVERIFY2(match.hasMatch(), qPrintable(text));
    QCOMPARE(match.captured(1).toLongLong(), QCoreApplication::applicationPid());
    QCOMPARE(match.captured(3).toInt(), line);
    QCOMPARE(records.first().downloadId, 7);
    QVERIFY(records.first().threadId != 0);
}

void TestLogHub::lineIsTheTextAsUtf8_data()
{
    // toLine() (what the log file and the console get) is built as bytes; it must be toText() exactly.
    QTest::addColumn<LogRecord>("record");
    LogRecord own;
    own.timeMs = QDateTime(QDate(2026, 11, 26), QTime(11, 7, 23, 600), Qt::UTC).toMSecsSinceEpoch();
    own.processId = 17648;
    own.threadId = 18446744073709551615ull;
    own.file = "downloadworker.cpp";
    own.line = 33;
    own.message = u"[download start] Ünïcödé ♫ 曲.mp3"_s;
    QTest::newRow("own, non-ASCII message") << own;
    LogRecord routed = own;
    routed.level = LogLevel::Warning;
    routed.file = nullptr;
    routed.category = "qt.network.ssl";
    routed.message = u"a warning"_s;
    QTest::newRow("Qt's, no file") << routed;
    LogRecord bare;
    bare.level = LogLevel::Error;
    bare.timeMs = -1;
    bare.file = "noextension";
    bare.message = QString();
    QTest::newRow("no extension, empty message, before the epoch") << bare;
    LogRecord odd = routed;
    odd.category = "qt.\xff\xfe";
    QTest::newRow("a category that is not UTF-8") << odd;
    LogRecord far = own;
    far.timeMs = QDateTime(QDate(12345, 6, 7), QTime(8, 9, 10, 11), Qt::UTC).toMSecsSinceEpoch();
    QTest::newRow("a year with five digits") << far;
}

void TestLogHub::lineIsTheTextAsUtf8()
{
    QFETCH(LogRecord, record);
    QCOMPARE(record.toLine(), record.toText().toUtf8() + '\n');
}

void TestLogHub::timeIsLocalAcrossDaylightSaving()
{
    // formatTime() keeps the UTC offset for a minute; it must still show the local time on both sides of a
    // change of offset. A POSIX zone string, so that no time zone database is needed.
    const QByteArray previous = qgetenv("TZ");
    const bool hadTz = qEnvironmentVariableIsSet("TZ");
    qputenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3");
    tzset();
    // 2026-03-29 01:00 UTC: 02:00 CET becomes 03:00 CEST. 2026-10-25 01:00 UTC: back to CET.
    const qint64 spring = QDateTime(QDate(2026, 3, 29), QTime(1, 0), Qt::UTC).toMSecsSinceEpoch();
    const qint64 autumn = QDateTime(QDate(2026, 10, 25), QTime(1, 0), Qt::UTC).toMSecsSinceEpoch();
    const QStringList got
        = { heiko::LogRecord::formatTime(spring - 1),      heiko::LogRecord::formatTime(spring),
            heiko::LogRecord::formatTime(spring + 61'001), heiko::LogRecord::formatTime(autumn - 1),
            heiko::LogRecord::formatTime(autumn),          heiko::LogRecord::formatTime(autumn + 17) };
    if (hadTz)
        qputenv("TZ", previous);
    else
        qunsetenv("TZ");
    tzset();
    const QStringList expected
        = { u"2026-03-29 01:59:59,999"_s, u"2026-03-29 03:00:00,000"_s, u"2026-03-29 03:01:01,001"_s,
            u"2026-10-25 02:59:59,999"_s, u"2026-10-25 02:00:00,000"_s, u"2026-10-25 02:00:00,017"_s };
    QCOMPARE(got, expected);
}

void TestLogHub::timeMatchesQDateTime_data()
{
    QTest::addColumn<QDateTime>("utc");
    QTest::newRow("epoch") << QDateTime(QDate(1970, 1, 1), QTime(0, 0), Qt::UTC);
    QTest::newRow("before the epoch") << QDateTime(QDate(1969, 12, 31), QTime(23, 59, 59, 999), Qt::UTC);
    QTest::newRow("long before") << QDateTime(QDate(1901, 2, 3), QTime(4, 5, 6, 7), Qt::UTC);
    QTest::newRow("leap day") << QDateTime(QDate(2028, 2, 29), QTime(12, 34, 56, 789), Qt::UTC);
    QTest::newRow("year end") << QDateTime(QDate(2026, 12, 31), QTime(23, 59, 59, 999), Qt::UTC);
    QTest::newRow("far ahead") << QDateTime(QDate(2399, 12, 31), QTime(1, 2, 3, 4), Qt::UTC);
    QTest::newRow("five-digit year") << QDateTime(QDate(12345, 6, 7), QTime(8, 9, 10, 11), Qt::UTC);
}

void TestLogHub::timeMatchesQDateTime()
{
    // formatTime() formats by hand (QDateTime::toString() parses its format string for every line): it must
    // say what QDateTime says, in UTC and an hour east of it.
    QFETCH(QDateTime, utc);
    const QByteArray previous = qgetenv("TZ");
    const bool hadTz = qEnvironmentVariableIsSet("TZ");
    QStringList got;
    QStringList expected;
    // Two different minutes: the offset is kept for a minute, so a zone change within one shows a minute
    // late.
    const std::pair<const char *, QDateTime> cases[] = { { "UTC0", utc }, { "CET-1", utc.addSecs(120) } };
    for (const auto &[zone, time] : cases) {
        qputenv("TZ", zone);
        tzset();
        got.append(heiko::LogRecord::formatTime(time.toMSecsSinceEpoch()));
        expected.append(time.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss,zzz"_s));
    }
    if (hadTz)
        qputenv("TZ", previous);
    else
        qunsetenv("TZ");
    tzset();
    QCOMPARE(got, expected);
}

void TestLogHub::recordsCarryTheWritingThread()
{
    LogHub hub;
    hub.info(HEIKO_HERE, u"main"_s);
    // std::thread, joined: ThreadSanitizer sees the join (it cannot see QThread::wait in Debian's Qt).
    std::thread thread([&hub] { hub.info(HEIKO_HERE, u"worker"_s); });
    thread.join();
    const QList<LogRecord> records = hub.recordsSince(0);
    QCOMPARE(records.size(), 2);
    QCOMPARE(records.at(0).message, u"main"_s);
    QCOMPARE(records.at(1).message, u"worker"_s);
    QVERIFY(records.at(0).threadId != records.at(1).threadId);
    QCOMPARE(records.at(0).processId, records.at(1).processId);
}

void TestLogHub::ringKeepsTheNewestRecords()
{
    LogHub hub(100);
    for (int i = 1; i <= 250; ++i)
        hub.info(HEIKO_HERE, QString::number(i));
    const QList<LogRecord> all = hub.recordsSince(0);
    QCOMPARE(all.size(), 100);
    QCOMPARE(all.first().sequence, 151);
    QCOMPARE(all.first().message, u"151"_s);
    QCOMPARE(all.last().sequence, 250);
    const QList<LogRecord> tail = hub.recordsSince(240);
    QCOMPARE(tail.size(), 10);
    QCOMPARE(tail.first().message, u"241"_s);
    QVERIFY(hub.recordsSince(250).isEmpty());
}

void TestLogHub::notificationsAreCoalesced()
{
    LogHub hub;
    QSignalSpy spy(&hub, &LogHub::recordsAdded);
    for (int i = 0; i < 500; ++i)
        hub.info(HEIKO_HERE, u"burst"_s);
    QCOMPARE(spy.count(), 1); // one signal for the whole burst
    QCOMPARE(hub.recordsSince(0).size(), 500);
    hub.info(HEIKO_HERE, u"after the consumer caught up"_s);
    QCOMPARE(spy.count(), 2);
}

void TestLogHub::concurrentWritersLoseNothing()
{
    LogHub hub(100'000);
    constexpr int threads = 8;
    constexpr int perThread = 2000;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&hub, t] {
            for (int i = 0; i < perThread; ++i)
                hub.write(LogLevel::Info, HEIKO_HERE, t, QString::number(i));
        });
    }
    for (std::thread &worker : workers)
        worker.join();
    const QList<LogRecord> records = hub.recordsSince(0);
    QCOMPARE(records.size(), threads * perThread);
    QList<int> nextPerThread(threads, 0);
    for (qsizetype i = 0; i < records.size(); ++i) {
        QCOMPARE(records.at(i).sequence, i + 1);
        const int t = records.at(i).downloadId;
        // Each writer's records appear in the order it wrote them.
        QCOMPARE(records.at(i).message, QString::number(nextPerThread[t]++));
    }
}

void TestLogHub::secretsAreMasked_data()
{
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("secret");
    QTest::newRow("url password") << u"GET http://alice:s3cret@example.com/f.iso"_s << u"s3cret"_s;
    QTest::newRow("https password, empty user") << u"from https://:pa55@host:8443/x"_s << u"pa55"_s;
    QTest::newRow("authorization header") << u"sent Authorization: Bearer abc.def.ghi"_s << u"abc.def.ghi"_s;
    QTest::newRow("proxy authorization") << u"Proxy-Authorization: Basic dXNlcjpwYXNz"_s << u"dXNlcjpwYXNz"_s;
    QTest::newRow("cookie header") << u"cookie: session=deadbeef; theme=dark"_s << u"deadbeef"_s;
    QTest::newRow("set-cookie") << u"Set-Cookie: id=42cafe; HttpOnly"_s << u"42cafe"_s;
    QTest::newRow("upper case header") << u"retry with AUTHORIZATION: Basic c2VjcmV0"_s << u"c2VjcmV0"_s;
    QTest::newRow("mixed case cookie") << u"a CoOkIe= tok3n"_s << u"tok3n"_s;
    QTest::newRow("Kelvin sign in cookie") << u"Coo\u212Aie: k3lvin"_s << u"k3lvin"_s;
    QTest::newRow("password and header") << u"http://u:pw1@h/ Cookie: c00k"_s << u"pw1"_s;
}

void TestLogHub::secretsAreMasked()
{
    QFETCH(QString, message);
    QFETCH(QString, secret);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    LogHub hub;
    QString error;
    QVERIFY2(hub.setLogFile(dir.filePath(u"heiko.log"_s), &error), qPrintable(error));
    hub.warning(HEIKO_HERE, message);
    const QList<LogRecord> records = hub.recordsSince(0);
    QCOMPARE(records.size(), 1);
    QVERIFY2(!records.first().message.contains(secret), qPrintable(records.first().message));
    QVERIFY(records.first().message.contains(heiko::secrets::kMask));
    QFile file(dir.filePath(u"heiko.log"_s));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray written = file.readAll();
    QVERIFY(!written.isEmpty());
    QVERIFY(!written.contains(secret.toUtf8()));
}

void TestLogHub::maskedUrlHidesOnlyThePassword()
{
    const QString masked
        = heiko::secrets::maskedUrl(QUrl(u"https://bob:hunter2@example.org:8443/a/b.zip?x=1"_s));
    QVERIFY(!masked.contains(u"hunter2"_s));
    QVERIFY(masked.contains(u"bob"_s));
    QVERIFY(masked.contains(u"example.org:8443/a/b.zip?x=1"_s));
    QCOMPARE(heiko::secrets::maskedUrl(QUrl(u"http://example.org/x"_s)), u"http://example.org/x"_s);
}

void TestLogHub::controlCharactersAreEscaped()
{
    LogHub hub;
    hub.info(HEIKO_HERE, u"name\n[ERROR] forged\x1b[31m red\u202Egpj.exe"_s);
    const QString message = hub.recordsSince(0).first().message;
    QVERIFY(!message.contains(u'\n'));
    QVERIFY(!message.contains(QChar(0x1b)));
    QVERIFY(!message.contains(QChar(0x202E)));
    QVERIFY(message.contains(u"\\n[ERROR] forged"_s));
    QVERIFY(message.contains(u"\\u001b[31m"_s));
    QVERIFY(message.contains(u"\\u202e"_s));
}

void TestLogHub::qtMessagesAreRouted()
{
    {
        LogHub hub;
        hub.installQtMessageHandler();
        qWarning("plain warning %d", 42);
        qCWarning(lcHeikoTest) << "category warning";
        const QList<LogRecord> records = hub.recordsSince(0);
        QCOMPARE(records.size(), 2);
        QCOMPARE(records.at(0).level, LogLevel::Warning);
        QCOMPARE(records.at(0).message, u"plain warning 42"_s);
        QCOMPARE(records.at(1).module(), u"heiko.test"_s);
        QCOMPARE(records.at(1).message, u"category warning"_s);
        QVERIFY(records.at(1).toText().contains(u"module:heiko.test"_s));
    }
    // The hub gave the handler back when it went away: nothing dangles.
    qWarning("after the hub is gone");
}

void TestLogHub::minimumLevelDropsRecords()
{
    LogHub hub;
    QCOMPARE(hub.minimumLevel(), LogLevel::Info);
    QVERIFY(!hub.wants(LogLevel::Debug)); // callers skip making a debug line's text
    QVERIFY(hub.wants(LogLevel::Info));
    hub.debug(HEIKO_HERE, u"hidden"_s);
    hub.info(HEIKO_HERE, u"shown"_s);
    hub.setMinimumLevel(LogLevel::Debug);
    QVERIFY(hub.wants(LogLevel::Debug));
    hub.debug(HEIKO_HERE, u"now shown"_s);
    const QList<LogRecord> records = hub.recordsSince(0);
    QCOMPARE(records.size(), 2);
    QCOMPARE(records.at(0).message, u"shown"_s);
    QCOMPARE(records.at(1).message, u"now shown"_s);
    QCOMPARE(records.at(1).toText().left(7), u"[DEBUG]"_s);
}

void TestLogHub::logFileGetsEveryLine()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"heiko.log"_s);
    {
        LogHub hub(10); // the file keeps more than the ring
        QString error;
        QVERIFY(hub.setLogFile(path, &error));
        for (int i = 0; i < 50; ++i)
            hub.info(HEIKO_HERE, u"line %1"_s.arg(i));
        // Written at once, not at exit: a crash keeps the lines.
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().split('\n');
        QCOMPARE(lines.size(), 51); // the last is empty after the final newline
        QVERIFY(lines.at(0).startsWith("[INFO]\t"));
        QVERIFY(lines.at(49).endsWith("\tline 49"));
    }
}

void TestLogHub::logFileErrorIsReported()
{
    LogHub hub;
    QString error;
    QVERIFY(!hub.setLogFile(u"/nonexistent-folder-for-heiko/x.log"_s, &error));
    QVERIFY2(error.contains(u"/nonexistent-folder-for-heiko/x.log"_s), qPrintable(error));
}

void TestLogHub::concurrentWritersWriteWholeLinesInOrder()
{
    // Threads that log at once hand their lines to whichever of them is writing: the file and the console
    // must still get every line whole, once, in the order of the records' numbers.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"heiko.log"_s);
    std::FILE *echo = std::tmpfile();
    QVERIFY(echo);
    const auto closeEcho = qScopeGuard([echo] { std::fclose(echo); });
    constexpr int threads = 8;
    constexpr int perThread = 2000;
    QByteArray fileWanted;
    QByteArray echoWanted;
    {
        LogHub hub(threads * perThread);
        QString error;
        QVERIFY2(hub.setLogFile(path, &error), qPrintable(error));
        hub.setEchoStream(echo, LogLevel::Warning);
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&hub, t] {
                for (int i = 0; i < perThread; ++i) {
                    // Every seventh a warning, which also goes to the console; one in a hundred is long.
                    const QString text = QString::number(i) + QString(i % 100 == 0 ? 5000 : 0, u'x');
                    hub.write(i % 7 == 0 ? LogLevel::Warning : LogLevel::Info, HEIKO_HERE, t, text);
                }
            });
        }
        for (std::thread &worker : workers)
            worker.join();
        const QList<LogRecord> records = hub.recordsSince(0);
        QCOMPARE(records.size(), threads * perThread);
        for (const LogRecord &record : records) {
            fileWanted += record.toLine();
            if (record.level >= LogLevel::Warning)
                echoWanted += record.toLine();
        }
    }
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
    const QByteArray written = file.readAll();
    QCOMPARE(written.size(), fileWanted.size());
    QVERIFY(written == fileWanted); // QCOMPARE would print megabytes
    std::rewind(echo);
    QByteArray echoed(echoWanted.size() + 1, '\0');
    echoed.resize(qsizetype(std::fread(echoed.data(), 1, size_t(echoed.size()), echo)));
    QCOMPARE(echoed.size(), echoWanted.size());
    QVERIFY(echoed == echoWanted);
}

void TestLogHub::warningIsWrittenWhenTheCallReturns()
{
    // An info line may still be on its way out when info() returns (another thread writes it with its
    // own); a warning or an error may be the last thing a process says before it dies, so it is written
    // when the call returns, even while another thread is the one writing.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"heiko.log"_s);
    LogHub hub(100);
    QString error;
    QVERIFY2(hub.setLogFile(path, &error), qPrintable(error));
    std::atomic<bool> stop { false };
    std::vector<std::thread> chatter;
    for (int t = 0; t < 3; ++t) {
        chatter.emplace_back([&hub, &stop] {
            // Bounded: on a slow disk an endless chatter would make the file (and the test) as big as the
            // disk is slow.
            for (int i = 0; i < 20'000 && !stop.load(); ++i)
                hub.info(HEIKO_HERE, u"chatter"_s);
        });
    }
    const auto stopChatter = qScopeGuard([&] {
        stop = true;
        for (std::thread &thread : chatter)
            thread.join();
    });
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QByteArray unread; // read from the file, after the last warning found
    for (int i = 0; i < 300; ++i) {
        const QByteArray marker = "\twarning " + QByteArray::number(i) + '\n';
        hub.warning(HEIKO_HERE, QString::fromLatin1(marker.trimmed()));
        unread += file.readAll(); // what is in the file now, and no later
        const qsizetype at = unread.indexOf(marker);
        QVERIFY2(at >= 0, marker.constData());
        unread.remove(0, at + marker.size());
    }
}

void TestLogHub::slowOutputSlowsTheLoggersDown()
{
#if defined(Q_OS_UNIX)
    // The console is a pipe nobody reads for now (a terminal that cannot keep up): threads that log must wait
    // once about a megabyte waits to be written, not pile up text in memory for as long as they log. Then
    // every line arrives, whole and in order.
    int fds[2];
    QCOMPARE(::pipe(fds), 0);
    std::FILE *echo = ::fdopen(fds[1], "w");
    QVERIFY(echo);
    constexpr int threads = 4;
    constexpr int perThread = 2000;
    const QString kilobyte(1000, u'k');
    QByteArray echoed;
    std::thread reader;
    std::atomic<bool> readerMayStart { false };
    {
        LogHub hub(threads * perThread);
        hub.setEchoStream(echo, LogLevel::Info);
        std::atomic<int> returned { 0 };
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&hub, &returned, &kilobyte, t] {
                for (int i = 0; i < perThread; ++i) {
                    hub.write(LogLevel::Info, HEIKO_HERE, t, QString::number(i) + kilobyte);
                    ++returned;
                }
            });
        }
        // 8,000 lines of about 1,100 bytes. The pipe takes 64 KiB; the writer is stuck with the text it took
        // (at most about 1 MiB), and about 1 MiB more may wait: so at most about 2,000 calls return (anywhere
        // from about 900, as the writer's take falls) and the rest wait. Without a bound all 8,000 returned
        // within milliseconds. Given a second to get past the bound, they must not.
        // Checked at the end: the workers must be let go (the pipe read) whatever happens.
        const bool pastTheBound = QTest::qWaitFor([&] { return returned.load() >= 2100; }, 1000);
        const int returnedWhileBlocked = returned.load();
        reader = std::thread([fd = fds[0], &echoed] {
            char block[64 * 1024];
            for (ssize_t n; (n = ::read(fd, block, sizeof block)) > 0;)
                echoed.append(block, qsizetype(n));
        });
        for (std::thread &worker : workers)
            worker.join();
        QCOMPARE(returned.load(), threads * perThread);
        QByteArray wanted;
        for (const LogRecord &record : hub.recordsSince(0))
            wanted += record.toLine();
        hub.setEchoStream(nullptr);
        std::fclose(echo); // the reader sees the end
        reader.join();
        ::close(fds[0]);
        QVERIFY2(!pastTheBound && returnedWhileBlocked > 0,
                 qPrintable(QString::number(returnedWhileBlocked)));
        QCOMPARE(echoed.size(), wanted.size());
        QVERIFY(echoed == wanted);
    }
#else
    QSKIP("needs a POSIX pipe");
#endif
}

void TestLogHub::logFileOnAStreamDeviceDoesNotHang()
{
#if defined(Q_OS_LINUX)
    // --log-file /dev/stderr (or a pipe): opening it makes Qt warn about seeking a sequential device, and
    // that warning, routed into the hub whose lock setLogFile() held, hung the process.
    LogHub hub;
    hub.installQtMessageHandler();
    QString error;
    hub.setLogFile(u"/dev/null"_s, &error); // a character device: sequential
    hub.info(HEIKO_HERE, u"still alive"_s);
    QCOMPARE(hub.recordsSince(0).last().message, u"still alive"_s);
    hub.uninstallQtMessageHandler();
#else
    QSKIP("needs /dev/null");
#endif
}

QTEST_GUILESS_MAIN(TestLogHub)
#include "tst_loghub.moc"

#include "commandline.h"
#include "queuestore.h"
#include "testhttpserver.h"
#include "units.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalServer>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

#if defined(Q_OS_UNIX)
#include <csignal>
#include <sys/resource.h>
#endif

using namespace Qt::StringLiterals;
using Response = TestHttpServer::Response;

namespace {

Response generated(qint64 size, quint32 seed, qint64 bytesPerSecond = 0)
{
    Response r;
    r.bodySize = size;
    r.seed = seed;
    r.bytesPerSecond = bytesPerSecond;
    return r;
}

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

// The `heiko` command line as scripts use it: exit codes, list handling, log and JSON output.
class TestCli final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void helpAndVersion();
    void missingWindowModuleIsAClearError();
    void usageErrorsExitWith2_data();
    void usageErrorsExitWith2();
    void commandLineValuesGoOverTheSavedOnes();
    void attachedValuesAndSingleDashWords();
    void singleDashWordsNeverOpenTheWindow();
    void downloadsEveryUrlAndExits0();
    void failedDownloadExits1AndOthersFinish();
    void badListLinesAreReportedAndSkipped();
    void readsTheListFromStdin();
    void listFilesAreReadAsTheWindowReadsThem();
    void listOptionsNameAndPlaceFiles();
    void twoWorkersTakeFiveFilesInTurn();
    void jsonEventsOnePerLine();
    void limitRateSlowsTheDownload();
    void logFileGetsTheLog();
    void credentialsNeverAppear();
    void unwritableTargetFolderIsAClearError();
    void interruptKeepsPartFiles_data();
    void interruptKeepsPartFiles();
    void terminalShowsLiveProgress();
    void secondInstanceHandsUrlsToTheFirst();
    void silentFirstInstanceGetsNoSecondWindowBesideIt();
    void noDisplayAndNoWindowIsAClearError();
    void killedRunContinuesWhenRunAgain_data();
    void killedRunContinuesWhenRunAgain();
    void windowRestoresItsQueueAfterAKill();
    void windowStopsCleanlyOnSigterm();
    void twoRunsIntoOneFolderKeepEachOthersProgress();
    void ignoredHangupLetsTheRunFinish();
    void diskFullMidwayKeepsThePart();

private:
    // `environment`: the process's, when not empty; else this one's.
    Run heiko(const QStringList &arguments, const QByteArray &stdinData = {}, int timeoutMs = 60'000,
              const QProcessEnvironment &environment = {});
    QString m_binary;
    std::unique_ptr<TestHttpServer> m_server;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QTemporaryDir> m_data; // XDG_DATA_HOME of every run: fresh, as on a new account
};

void TestCli::initTestCase()
{
    m_binary = qEnvironmentVariable("HEIKO_BINARY");
    QVERIFY2(QFile::exists(m_binary), "HEIKO_BINARY must name the built heiko executable (ctest sets it)");
}

void TestCli::init()
{
    m_server = std::make_unique<TestHttpServer>();
    QVERIFY(m_server->start());
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    // Where headless runs keep their state: nothing left there by an earlier test or run (the first save on
    // a new account makes the folder).
    m_data = std::make_unique<QTemporaryDir>();
    QVERIFY(m_data->isValid());
    qputenv("XDG_DATA_HOME", QFile::encodeName(m_data->filePath(u"share"_s)));
}

void TestCli::cleanup()
{
    m_server.reset();
    m_dir.reset();
    m_data.reset();
}

Run TestCli::heiko(const QStringList &arguments, const QByteArray &stdinData, int timeoutMs,
                   const QProcessEnvironment &environment)
{
    QProcess process;
    if (!environment.isEmpty())
        process.setProcessEnvironment(environment);
    process.setProgram(m_binary);
    process.setArguments(arguments);
    process.start();
    if (!process.waitForStarted(10'000))
        return {};
    if (!stdinData.isEmpty())
        process.write(stdinData);
    process.closeWriteChannel();
    // The test server has its own thread, so blocking here does not stop it from serving.
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
    }
    Run run;
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

void TestCli::helpAndVersion()
{
    const Run help = heiko({ u"--help"_s });
    QCOMPARE(help.exitCode, 0);
    for (const QString &option :
         { u"--headless"_s, u"--input-file"_s, u"--dir"_s, u"--max-workers"_s, u"--connections"_s,
           u"--timeout"_s, u"--retries"_s, u"--log-file"_s, u"--json"_s, u"--version"_s, u"--limit-rate"_s,
           u"--max-overall-limit"_s, u"--max-per-host"_s, u"--max-connections"_s })
        QVERIFY2(help.out.contains(option), qPrintable(option));
    const Run version = heiko({ u"--version"_s });
    QCOMPARE(version.exitCode, 0);
    QCOMPARE(version.out.trimmed(), u"heiko " HEIKO_VERSION ""_s);
}

void TestCli::missingWindowModuleIsAClearError()
{
#if !defined(Q_OS_LINUX)
    QSKIP("the window is a module only on Linux");
#else
    // An executable without its window module next to it (a broken install): asking for the window says what
    // is missing and what to do, and a headless run still works without it.
    const QString lonely = m_dir->filePath(u"heiko"_s);
    QVERIFY(QFile::copy(m_binary, lonely));
    QVERIFY(QFile::setPermissions(lonely, QFile::permissions(m_binary)));
    QProcess process;
    process.start(lonely, { u"http://127.0.0.1:1/x.bin"_s });
    QVERIFY(process.waitForFinished(30'000));
    QCOMPARE(process.exitCode(), 2);
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QVERIFY2(err.contains(u"cannot open the window"_s) && err.contains(u"heiko_window"_s)
                 && err.contains(u"--headless"_s),
             qPrintable(err));
    process.start(lonely, { u"--version"_s });
    QVERIFY(process.waitForFinished(30'000));
    QCOMPARE(process.exitCode(), 0);
#endif
}

void TestCli::usageErrorsExitWith2_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown option") << QStringList { u"--headless"_s, u"--frobnicate"_s } << u"frobnicate"_s;
    QTest::newRow("no urls") << QStringList { u"--headless"_s } << u"nothing to download"_s;
    QTest::newRow("zero workers") << QStringList { u"--headless"_s, u"-j"_s, u"0"_s, u"http://x/"_s }
                                  << u"invalid --max-workers '0'"_s;
    QTest::newRow("words for workers") << QStringList { u"--headless"_s, u"-j"_s, u"two"_s, u"http://x/"_s }
                                       << u"invalid --max-workers 'two'"_s;
    QTest::newRow("17 connections") << QStringList { u"--headless"_s, u"-x"_s, u"17"_s, u"http://x/"_s }
                                    << u"invalid --connections"_s;
    QTest::newRow("negative timeout")
        << QStringList { u"--headless"_s, u"--timeout"_s, u"-1"_s, u"http://x/"_s } << u"invalid --timeout"_s;
    QTest::newRow("missing value") << QStringList { u"--headless"_s, u"-d"_s } << u"Missing value"_s;
    QTest::newRow("bad rate") << QStringList { u"--headless"_s, u"--limit-rate"_s, u"fast"_s, u"http://x/"_s }
                              << u"invalid --limit-rate 'fast'"_s;
    QTest::newRow("rate below a byte per second (it was cut to 0: no limit)")
        << QStringList { u"--headless"_s, u"--limit-rate"_s, u"0.5"_s, u"http://x/"_s }
        << u"invalid --limit-rate '0.5'"_s;
    QTest::newRow("negative overall")
        << QStringList { u"--headless"_s, u"--max-overall-limit"_s, u"-1M"_s, u"http://x/"_s }
        << u"invalid --max-overall-limit"_s;
    QTest::newRow("per host 0") << QStringList { u"--headless"_s, u"--max-per-host"_s, u"0"_s,
                                                 u"http://x/"_s }
                                << u"invalid --max-per-host"_s;
    QTest::newRow("overall connections 0")
        << QStringList { u"--headless"_s, u"--max-connections"_s, u"0"_s, u"http://x/"_s }
        << u"invalid --max-connections '0'"_s;
    QTest::newRow("--headless taken as a value")
        << QStringList { u"-d"_s, u"--headless"_s, u"http://x/"_s } << u"an option's value starts with '-'"_s;
    QTest::newRow("json in the window")
        << QStringList { u"--json"_s, u"http://x/"_s } << u"--json needs --headless"_s;
    QTest::newRow("missing list") << QStringList {
        u"--headless"_s, u"-i"_s, u"/nonexistent/urls.txt"_s
    } << u"-i /nonexistent/urls.txt: Cannot read \u201Curls.txt\u201D: it does not exist"_s;
}

void TestCli::usageErrorsExitWith2()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const Run run = heiko(arguments);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(message), qPrintable(run.err));
    QVERIFY(QDir(m_dir->path()).isEmpty());
}

void TestCli::commandLineValuesGoOverTheSavedOnes()
{
    // The window runs with its saved settings, except the engine options this command line gives.
    const CommandLine::Result parsed
        = CommandLine::parse({ u"heiko"_s, u"--max-per-host"_s, u"3"_s, u"--timeout"_s, u"7"_s, u"-j"_s,
                               u"5"_s, u"http://x/a"_s });
    QCOMPARE(parsed.action, CommandLine::Action::Run);
    heiko::EngineOptions saved;
    saved.maxWorkers = 2;
    saved.maxConnectionsPerHost = 8;
    saved.timeout = std::chrono::seconds(180);
    saved.retries = 9;
    saved.downloadRateLimit = 12345;
    const heiko::EngineOptions running = parsed.options.engineOver(saved);
    QCOMPARE(running.maxWorkers, 5);
    QCOMPARE(running.maxConnectionsPerHost, 3);
    QCOMPARE(running.timeout, std::chrono::milliseconds(7000));
    QCOMPARE(running.retries, 9); // not given: the saved value
    QCOMPARE(running.downloadRateLimit, qint64(12345));
    QCOMPARE(running.connectionsPerFile, saved.connectionsPerFile);
}

void TestCli::attachedValuesAndSingleDashWords()
{
    // As aria2 and wget take them: "-j2", "-x16", "-d/tmp/x"; "-headless" is "--headless". A value that
    // starts like an option stays the value of the option before it.
    const CommandLine::Result parsed = CommandLine::parse(
        { u"heiko"_s, u"-headless"_s, u"-j2"_s, u"-x16"_s, u"-d/tmp/x"_s, u"--log-file"_s, u"-jlog"_s,
          u"-i"_s, u"-"_s, u"-limit-rate=1K"_s, u"http://x/a"_s });
    QCOMPARE(parsed.action, CommandLine::Action::Run);
    QVERIFY(parsed.options.headless);
    QCOMPARE(parsed.options.engine.maxWorkers, 2);
    QCOMPARE(parsed.options.engine.connectionsPerFile, 16);
    QCOMPARE(parsed.options.directory, u"/tmp/x"_s);
    QCOMPARE(parsed.options.logFile, u"-jlog"_s);
    QCOMPARE(parsed.options.inputFile, u"-"_s);
    QCOMPARE(parsed.options.engine.downloadRateLimit, qint64(1024));
    QCOMPARE(parsed.options.urls, QStringList { u"http://x/a"_s });
    // Words that are long options' names are not split: "-dir" is --dir, not -d "ir".
    const CommandLine::Result longWord = CommandLine::parse({ u"heiko"_s, u"-dir"_s, u"/tmp/y"_s });
    QCOMPARE(longWord.action, CommandLine::Action::Run);
    QCOMPARE(longWord.options.directory, u"/tmp/y"_s);
    // "-d=/tmp/z" and "-j=4": the option and its value, as the parser has always read them.
    const CommandLine::Result withEquals = CommandLine::parse({ u"heiko"_s, u"-d=/tmp/z"_s, u"-j=4"_s });
    QCOMPARE(withEquals.action, CommandLine::Action::Run);
    QCOMPARE(withEquals.options.directory, u"/tmp/z"_s);
    QCOMPARE(withEquals.options.engine.maxWorkers, 4);
}

void TestCli::singleDashWordsNeverOpenTheWindow()
{
    // "-version", "-help" and "-headless" are read as the long options, so they must take the way without a
    // window too: here there is no display at all, where the window's way aborts.
    QProcessEnvironment noDisplay = QProcessEnvironment::systemEnvironment();
    for (const QString &name : { u"QT_QPA_PLATFORM"_s, u"DISPLAY"_s, u"WAYLAND_DISPLAY"_s })
        noDisplay.remove(name);
    const auto run = [&](const QStringList &arguments) {
        return heiko(arguments, {}, 30'000, noDisplay);
    };
    const Run version = run({ u"-version"_s });
    QCOMPARE(version.exitCode, 0);
    QCOMPARE(version.out.trimmed(), u"heiko " HEIKO_VERSION ""_s);
    const Run help = run({ u"-help"_s });
    QCOMPARE(help.exitCode, 0);
    QVERIFY(help.out.contains(u"--headless"_s));
    m_server->setResponse("/one.bin", generated(5000, 7));
    const Run download
        = run({ u"-headless"_s, u"-d"_s, m_dir->path(), u"-j2"_s, m_server->url("/one.bin").toString() });
    QVERIFY2(download.exitCode == 0, qPrintable(download.err));
    QCOMPARE(readFile(m_dir->filePath(u"one.bin"_s)), TestHttpServer::patternBytes(7, 0, 5000));
}

void TestCli::downloadsEveryUrlAndExits0()
{
    for (int i = 0; i < 3; ++i)
        m_server->setResponse("/track" + QByteArray::number(i) + ".ogg", generated(100'000 + i, quint32(i)));
    QStringList arguments { u"--headless"_s, u"-d"_s, m_dir->path() };
    for (int i = 0; i < 3; ++i)
        arguments << m_server->url("/track" + QByteArray::number(i) + ".ogg").toString();
    const Run run = heiko(arguments);
    QCOMPARE(run.exitCode, 0);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(readFile(m_dir->filePath(u"track%1.ogg"_s.arg(i))),
                 TestHttpServer::patternBytes(quint32(i), 0, 100'000 + i));
    QVERIFY2(run.err.contains(u"[summary] 3 finished, 0 failed"_s), qPrintable(run.err));
}

void TestCli::failedDownloadExits1AndOthersFinish()
{
    m_server->setResponse("/good.bin", generated(5000, 1));
    Response missing;
    missing.status = 404;
    m_server->setResponse("/gone.bin", missing);
    const Run run = heiko({ u"--headless"_s, u"-d"_s, m_dir->path(), m_server->url("/gone.bin").toString(),
                            m_server->url("/good.bin").toString() });
    QCOMPARE(run.exitCode, 1);
    QVERIFY(run.err.contains(u"HTTP 404 Not Found"_s));
    QCOMPARE(readFile(m_dir->filePath(u"good.bin"_s)), TestHttpServer::patternBytes(1, 0, 5000));
    QVERIFY(!QFile::exists(m_dir->filePath(u"gone.bin"_s)));
}

void TestCli::badListLinesAreReportedAndSkipped()
{
    m_server->setResponse("/ok1.bin", generated(1000, 1));
    m_server->setResponse("/ok2.bin", generated(2000, 2));
    const QByteArray list = "# my list\n"
                            "\n"
        + m_server->url("/ok1.bin").toEncoded()
        + "\n"
          "ftp://example.com/file\n"
          "not a url at all\n"
          "\x01\x02garbage\n"
        + m_server->url("/ok2.bin").toEncoded() + "\r\n";
    QFile file(m_dir->filePath(u"urls.txt"_s));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(list);
    file.close();
    const QString out = m_dir->filePath(u"out"_s);
    const Run run = heiko({ u"--headless"_s, u"-d"_s, out, u"-i"_s, file.fileName() });
    QCOMPARE(run.exitCode, 1); // something in the list was not downloaded
    QVERIFY2(run.err.contains(u"urls.txt:4 skipped"_s), qPrintable(run.err));
    QVERIFY(run.err.contains(u"urls.txt:5 skipped"_s));
    QVERIFY(run.err.contains(u"urls.txt:6 skipped"_s));
    QVERIFY(!run.err.contains(u"urls.txt:1 "_s)); // comments and blank lines are not errors
    QVERIFY(run.err.contains(u"ftp"_s));
    QCOMPARE(readFile(out + u"/ok1.bin"_s), TestHttpServer::patternBytes(1, 0, 1000));
    QCOMPARE(readFile(out + u"/ok2.bin"_s), TestHttpServer::patternBytes(2, 0, 2000));
}

void TestCli::readsTheListFromStdin()
{
    m_server->setResponse("/a.txt", generated(10, 1));
    m_server->setResponse("/b.txt", generated(20, 2));
    const QByteArray list
        = m_server->url("/a.txt").toEncoded() + '\n' + m_server->url("/b.txt").toEncoded() + '\n';
    const Run run = heiko({ u"--headless"_s, u"-d"_s, m_dir->path(), u"-i"_s, u"-"_s }, list);
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(readFile(m_dir->filePath(u"a.txt"_s)), TestHttpServer::patternBytes(1, 0, 10));
    QCOMPARE(readFile(m_dir->filePath(u"b.txt"_s)), TestHttpServer::patternBytes(2, 0, 20));
}

void TestCli::listFilesAreReadAsTheWindowReadsThem()
{
    // A headless run reads a list as a dropped list file is read (CSV with its name column, UTF-16), refuses
    // what is not text, and points out an argument that is not a URL at all.
    m_server->setResponse("/a", generated(10, 1));
    m_server->setResponse("/b", generated(20, 2));
    QFile csv(m_dir->filePath(u"links.csv"_s));
    QVERIFY(csv.open(QIODevice::WriteOnly));
    csv.write("url,name\n" + m_server->url("/a").toEncoded() + ",first.bin\n");
    csv.close();
    const QString out = m_dir->filePath(u"out"_s);
    Run run = heiko({ u"--headless"_s, u"-d"_s, out, u"-i"_s, csv.fileName() });
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(readFile(out + u"/first.bin"_s), TestHttpServer::patternBytes(1, 0, 10));

    const QString line = m_server->url("/b").toString() + u'\n';
    QByteArray utf16 = "\xFF\xFE"_ba;
    for (const QChar c : line)
        utf16.append(char(c.unicode() & 0xff)).append(char(c.unicode() >> 8));
    run = heiko({ u"--headless"_s, u"-d"_s, out, u"-i"_s, u"-"_s }, utf16);
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(readFile(out + u"/b"_s), TestHttpServer::patternBytes(2, 0, 20));

    run = heiko({ u"--headless"_s, u"-d"_s, out, u"-i"_s, u"-"_s }, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR"_ba);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(u"-i -: \u201Cstdin\u201D is not a text file"_s), qPrintable(run.err));

    // A pipe named as the list (`-i <(...)`, `-i /dev/stdin`) is read like standard input.
    QFile::remove(out + u"/b"_s);
    run = heiko({ u"--headless"_s, u"-d"_s, out, u"-i"_s, u"/dev/stdin"_s },
                m_server->url("/b").toEncoded() + '\n');
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(readFile(out + u"/b"_s), TestHttpServer::patternBytes(2, 0, 20));

    run = heiko({ u"--headless"_s, u"-d"_s, out, u"# a comment"_s, m_server->url("/a").toString() });
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(u"argument 1 skipped: not a URL: # a comment"_s), qPrintable(run.err));
}

void TestCli::listOptionsNameAndPlaceFiles()
{
    m_server->setResponse("/a", generated(10, 1));
    m_server->setResponse("/b", generated(20, 2));
    m_server->setResponse("/c", generated(30, 3));
    const QByteArray list = m_server->url("/a").toEncoded() + "\n  out=first.bin\n  dir=music/live\n"
        + m_server->url("/b").toEncoded() + "\n  dir=../../escape\n" + m_server->url("/c").toEncoded()
        + "\n  out=../../.bashrc\n";
    const QString out = m_dir->filePath(u"out"_s);
    const Run run = heiko({ u"--headless"_s, u"-d"_s, out, u"-i"_s, u"-"_s }, list);
    QCOMPARE(run.exitCode, 1); // the escaping dir= line was refused
    QCOMPARE(readFile(out + u"/music/live/first.bin"_s), TestHttpServer::patternBytes(1, 0, 10));
    QVERIFY2(run.err.contains(u"dir= must name a folder inside the target folder"_s), qPrintable(run.err));
    QVERIFY(!QFile::exists(m_dir->filePath(u"escape"_s)));
    QCOMPARE(m_server->requestCount("/b"), 0);
    // out= is reduced to a plain name inside the folder, like a server's name would be.
    const QStringList names = QDir(out).entryList(QDir::Files | QDir::Hidden);
    QCOMPARE(names.size(), 1);
    QVERIFY2(!names.first().startsWith(u'.') && !names.first().contains(u'/'), qPrintable(names.first()));
    QCOMPARE(readFile(out + u'/' + names.first()), TestHttpServer::patternBytes(3, 0, 30));
}

void TestCli::twoWorkersTakeFiveFilesInTurn()
{
    QByteArray list;
    for (int i = 1; i <= 5; ++i) {
        const QByteArray path = "/music/song" + QByteArray::number(i) + ".mp3";
        m_server->setResponse(path, generated(80 * 1024, quint32(i), 400 * 1024));
        list += m_server->url(path).toEncoded() + '\n';
    }
    QFile file(m_dir->filePath(u"urls.txt"_s));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(list);
    file.close();
    const QString out = m_dir->filePath(u"out"_s);
    const Run run = heiko({ u"--headless"_s, u"-j"_s, u"2"_s, u"-d"_s, out, u"-i"_s, file.fileName() });
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(m_server->maxConcurrentRequests(), 2);

    // [INFO]<TAB>time<TAB>process:P<TAB>thread:T<TAB>module:M<TAB>file:line<TAB>[download start] URL
    static const QRegularExpression line(
        uR"(^\[INFO\]\t\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\tprocess:(\d+)\tthread:(\d+)\tmodule:\w+\t\w+\.cpp:\d+\t\[download (start|finish)\] (.*)$)"_s);
    QSet<QString> processes;
    QSet<QString> startThreads;
    QSet<QString> finishThreads;
    int starts = 0;
    int finishes = 0;
    for (const QString &text : run.err.split(u'\n')) {
        const QRegularExpressionMatch match = line.match(text);
        if (!match.hasMatch())
            continue;
        processes.insert(match.captured(1));
        if (match.captured(3) == u"start"_s) {
            ++starts;
            startThreads.insert(match.captured(2));
        } else {
            ++finishes;
            finishThreads.insert(match.captured(2));
        }
    }
    QCOMPARE(starts, 5);
    QCOMPARE(finishes, 5);
    QCOMPARE(processes.size(), 1);
    QCOMPARE(startThreads.size(), 2);
    QCOMPARE(finishThreads, startThreads);
    for (int i = 1; i <= 5; ++i)
        QCOMPARE(readFile(out + u"/song%1.mp3"_s.arg(i)),
                 TestHttpServer::patternBytes(quint32(i), 0, 80 * 1024));
}

void TestCli::jsonEventsOnePerLine()
{
    m_server->setResponse("/data.bin", generated(1'500'000, 5, 1'000'000));
    Response missing;
    missing.status = 404;
    m_server->setResponse("/nope", missing);
    const Run run = heiko({ u"--headless"_s, u"--json"_s, u"-d"_s, m_dir->path(),
                            m_server->url("/data.bin").toString(), m_server->url("/nope").toString() });
    QCOMPARE(run.exitCode, 1);
    QMultiHash<QString, QJsonObject> events;
    for (const QString &text : run.out.split(u'\n', Qt::SkipEmptyParts)) {
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8(), &error);
        QVERIFY2(error.error == QJsonParseError::NoError && document.isObject(), qPrintable(text));
        const QJsonObject object = document.object();
        QVERIFY(object.contains(u"time"_s));
        events.insert(object.value(u"event"_s).toString(), object);
    }
    QCOMPARE(events.count(u"added"_s), 2);
    QCOMPARE(events.count(u"started"_s), 2);
    QCOMPARE(events.count(u"finished"_s), 1);
    QCOMPARE(events.count(u"failed"_s), 1);
    QVERIFY(events.count(u"progress"_s) >= 1); // the 1.5 s download reports progress
    const QJsonObject finished = events.value(u"finished"_s);
    QCOMPARE(finished.value(u"bytes"_s).toInteger(), 1'500'000);
    QCOMPARE(finished.value(u"path"_s).toString(), m_dir->filePath(u"data.bin"_s));
    const QJsonObject failed = events.value(u"failed"_s);
    QCOMPARE(failed.value(u"status"_s).toInt(), 404);
    QCOMPARE(failed.value(u"error"_s).toString(), u"http"_s);
    QVERIFY(events.value(u"started"_s).value(u"thread"_s).toInteger() > 0);
    const QJsonObject progress = events.value(u"progress"_s);
    QCOMPARE(progress.value(u"total"_s).toInteger(), 1'500'000);
}

void TestCli::limitRateSlowsTheDownload()
{
    m_server->setResponse("/slowed.bin", generated(300 * 1024, 6));
    QElapsedTimer clock;
    clock.start();
    const Run run = heiko({ u"--headless"_s, u"--limit-rate"_s, u"150K"_s, u"-d"_s, m_dir->path(),
                            m_server->url("/slowed.bin").toString() });
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(clock.elapsed() >= 1500, qPrintable(u"300 KiB at 150 KiB/s took %1 ms"_s.arg(clock.elapsed())));
    QCOMPARE(readFile(m_dir->filePath(u"slowed.bin"_s)), TestHttpServer::patternBytes(6, 0, 300 * 1024));
}

void TestCli::logFileGetsTheLog()
{
    m_server->setResponse("/x.bin", generated(100, 1));
    const QString log = m_dir->filePath(u"heiko.log"_s);
    const Run run = heiko({ u"--headless"_s, u"--log-file"_s, log, u"-d"_s, m_dir->filePath(u"out"_s),
                            m_server->url("/x.bin").toString() });
    QCOMPARE(run.exitCode, 0);
    const QString text = QString::fromUtf8(readFile(log));
    QVERIFY(text.contains(u"[download start] "_s + m_server->url("/x.bin").toString()));
    QVERIFY(text.contains(u"[download finish] x.bin"_s));
    QVERIFY(text.contains(u"[summary]"_s));
}

void TestCli::credentialsNeverAppear()
{
    m_server->setResponse("/private.bin", generated(100, 1));
    Response missing;
    missing.status = 404;
    m_server->setResponse("/private-missing.bin", missing);
    QUrl url = m_server->url("/private.bin");
    url.setUserName(u"alice"_s);
    url.setPassword(u"Sup3rS3cret"_s);
    QUrl missingUrl = m_server->url("/private-missing.bin");
    missingUrl.setUserInfo(u"bob:An0therS3cret"_s);
    const QString log = m_dir->filePath(u"heiko.log"_s);
    const Run run
        = heiko({ u"--headless"_s, u"--json"_s, u"--log-file"_s, log, u"-d"_s, m_dir->filePath(u"out"_s),
                  url.toString(), missingUrl.toString(), u"ftp://carol:Th1rdS3cret@example.com/x"_s });
    QCOMPARE(run.exitCode, 1);
    const QString everything = run.out + run.err + QString::fromUtf8(readFile(log));
    QVERIFY(everything.contains(u"alice"_s)); // the URL is there, just masked
    for (const QString &secret : { u"Sup3rS3cret"_s, u"An0therS3cret"_s, u"Th1rdS3cret"_s })
        QVERIFY2(!everything.contains(secret), qPrintable(secret));
}

void TestCli::unwritableTargetFolderIsAClearError()
{
    QFile blocker(m_dir->filePath(u"a-file"_s));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    const Run run
        = heiko({ u"--headless"_s, u"-d"_s, m_dir->filePath(u"a-file/sub"_s), u"http://127.0.0.1:1/x"_s });
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(u"cannot create the folder"_s) && run.err.contains(u"--dir"_s),
             qPrintable(run.err));
}

namespace {

// Where a headless run into `folder` keeps what it left unfinished (the test's XDG_DATA_HOME).
QString headlessState(const QString &folder)
{
    const QString data = qEnvironmentVariable("XDG_DATA_HOME", QDir::homePath() + u"/.local/share"_s);
    return heiko::QueueStore::headlessStatePath(data + u"/Heiko/heiko"_s, folder);
}

qint64 savedDurableBytes(const QString &stateFile)
{
    QList<heiko::SavedDownload> saved;
    QString error;
    if (!heiko::QueueStore(stateFile).load(&saved, &error) || saved.isEmpty())
        return -1;
    return saved.first().durableBytes;
}

} // namespace

void TestCli::interruptKeepsPartFiles_data()
{
    QTest::addColumn<int>("signal");
    QTest::newRow("Ctrl+C") << int(SIGINT);
    QTest::newRow("kill") << int(SIGTERM);
    QTest::newRow("ssh session ends") << int(SIGHUP);
}

void TestCli::interruptKeepsPartFiles()
{
    // The run stops, its .part synced and its state saved for the next run, which continues it.
#if !defined(Q_OS_UNIX)
    QSKIP("sends signals");
#else
    QFETCH(int, signal);
    m_server->setResponse("/slow.bin", generated(4 * 1024 * 1024, 9, 256 * 1024));
    QProcess process;
    process.start(m_binary,
                  { u"--headless"_s, u"-d"_s, m_dir->path(), m_server->url("/slow.bin").toString() });
    QVERIFY(process.waitForStarted());
    const QString part = m_dir->filePath(u"slow.bin.part"_s);
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(part).size() > 64 * 1024, 20'000);
    ::kill(pid_t(process.processId()), signal);
    QVERIFY(process.waitForFinished(20'000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 130);
    QVERIFY(QFileInfo(part).size() > 64 * 1024);
    QVERIFY(!QFile::exists(m_dir->filePath(u"slow.bin"_s)));
    QVERIFY(QString::fromUtf8(process.readAllStandardError()).contains(u"interrupted"_s));
    QCOMPARE(savedDurableBytes(headlessState(m_dir->path())), QFileInfo(part).size());
#endif
}

void TestCli::terminalShowsLiveProgress()
{
#if !defined(Q_OS_LINUX)
    QSKIP("uses util-linux script(1) for a pseudo-terminal");
#else
    const QString script = QStandardPaths::findExecutable(u"script"_s);
    if (script.isEmpty())
        QSKIP("script(1) from util-linux is not installed");
    m_server->setResponse("/live.bin", generated(600 * 1024, 4, 600 * 1024));
    const QString command
        = u"%1 --headless -d %2 %3"_s.arg(m_binary, m_dir->path(), m_server->url("/live.bin").toString());
    QProcess process;
    process.start(script, { u"-qfec"_s, command, u"/dev/null"_s });
    QVERIFY(process.waitForFinished(60'000));
    QCOMPARE(process.exitCode(), 0);
    const QString out = QString::fromUtf8(process.readAllStandardOutput());
    // Live rows are drawn with autowrap off and redrawn in place; the finished run leaves the log lines.
    QVERIFY2(out.contains(u"\x1b[?7l"_s), qPrintable(out.left(2000)));
    QVERIFY(out.contains(u"live.bin"_s));
    QVERIFY(out.contains(u"workers 1/2"_s));
    QVERIFY(out.contains(u"[summary] 1 finished"_s));
    QCOMPARE(readFile(m_dir->filePath(u"live.bin"_s)), TestHttpServer::patternBytes(4, 0, 600 * 1024));

    // With --json on the same terminal, the JSON lines come between redraws, and a redraw (cursor up over
    // the block, erase to the end of the screen) would erase them: no live rows then.
    QVERIFY(QFile::remove(m_dir->filePath(u"live.bin"_s)));
    QProcess json;
    json.start(script, { u"-qfec"_s, command + u" --json"_s, u"/dev/null"_s });
    QVERIFY(json.waitForFinished(60'000));
    QCOMPARE(json.exitCode(), 0);
    const QString jsonOut = QString::fromUtf8(json.readAllStandardOutput());
    QVERIFY2(!jsonOut.contains(u"\x1b["_s), qPrintable(jsonOut.left(2000)));
    QVERIFY2(jsonOut.contains(u"\"event\":\"finished\""_s), qPrintable(jsonOut.left(2000)));
#endif
}

void TestCli::silentFirstInstanceGetsNoSecondWindowBesideIt()
{
    // A running Heiko that takes the connection but does not confirm in time (busy starting up): the URLs may
    // still arrive there, so the second `heiko URL` says so and exits instead of opening a second window on
    // the same queue and .part files. Its skipped arguments are said on its own terminal.
    const QString name = u"heiko-cli-silent-%1"_s.arg(QCoreApplication::applicationPid());
    QLocalServer silent;
    QVERIFY(silent.listen(name));
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
    environment.insert(u"HOME"_s, m_dir->path());
    environment.insert(u"XDG_CONFIG_HOME"_s, m_dir->filePath(u"config"_s));
    environment.insert(u"HEIKO_INSTANCE_NAME"_s, name);
    const Run run
        = heiko({ u"https://example.org/a.iso"_s, u"ftp://example.org/b.iso"_s }, {}, 20'000, environment);
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(u"no second window"_s), qPrintable(run.err));
    QVERIFY2(run.err.contains(u"argument 2 skipped"_s) && run.err.contains(u"ftp"_s), qPrintable(run.err));
}

void TestCli::noDisplayAndNoWindowIsAClearError()
{
    // `heiko URL` without a display and without a running window: no crash in the GUI platform, but a
    // message that says what to do, and usage errors are usage errors there too.
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString &name : { u"QT_QPA_PLATFORM"_s, u"DISPLAY"_s, u"WAYLAND_DISPLAY"_s })
        environment.remove(name);
    environment.insert(u"HOME"_s, m_dir->path());
    environment.insert(u"XDG_CONFIG_HOME"_s, m_dir->filePath(u"config"_s));
    environment.insert(u"HEIKO_INSTANCE_NAME"_s, m_dir->filePath(u"nobody-listens"_s));
    const Run run = heiko({ m_server->url("/a.bin").toString() }, {}, 20'000, environment);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(u"no display to open a window on"_s) && run.err.contains(u"--headless"_s),
             qPrintable(run.err));
    QCOMPARE(m_server->requestCount("/a.bin"), 0);
    const Run bad = heiko({ u"--frobnicate"_s }, {}, 20'000, environment);
    QCOMPARE(bad.exitCode, 2);
    QVERIFY2(bad.err.contains(u"frobnicate"_s), qPrintable(bad.err));
    // A platform that needs a display, set for the whole account (as in ~/.profile), is no display.
    for (const QString &platform : { u"xcb"_s, u"wayland;xcb"_s }) {
        environment.insert(u"QT_QPA_PLATFORM"_s, platform);
        const Run chosen = heiko({ m_server->url("/a.bin").toString() }, {}, 20'000, environment);
        QCOMPARE(chosen.exitCode, 2);
        QVERIFY2(chosen.err.contains(u"no display to open a window on"_s), qPrintable(chosen.err));
    }
}

void TestCli::secondInstanceHandsUrlsToTheFirst()
{
    // The window, offscreen, with its own settings and instance name: the second `heiko URL` must hand its
    // URL over and exit, and the first window must download it.
    m_server->setResponse("/first.bin", generated(1000, 1));
    m_server->setResponse("/second.bin", generated(2000, 2));
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
    environment.insert(u"HOME"_s, m_dir->path());
    environment.insert(u"XDG_CONFIG_HOME"_s, m_dir->filePath(u"config"_s));
    environment.insert(u"HEIKO_INSTANCE_NAME"_s,
                       u"heiko-cli-test-%1"_s.arg(QCoreApplication::applicationPid()));
    const QString folder = m_dir->filePath(u"Downloads"_s);
    QProcess first;
    first.setProcessEnvironment(environment);
    first.start(m_binary, { u"-d"_s, folder, m_server->url("/first.bin").toString() });
    QVERIFY(first.waitForStarted());
    QTRY_COMPARE_WITH_TIMEOUT(m_server->requestCount("/first.bin"), 1, 30'000);

    QProcess second;
    second.setProcessEnvironment(environment);
    second.start(m_binary, { m_server->url("/second.bin").toString() });
    QVERIFY(second.waitForFinished(30'000));
    QCOMPARE(second.exitCode(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->requestCount("/second.bin"), 1, 30'000);
    // -d was for the first window's own URLs; the handed-over one goes to the settings' folder, which is
    // HOME/Downloads here too.
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(folder + u"/first.bin"_s), 30'000);
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(m_dir->filePath(u"Downloads/second.bin"_s)), 30'000);

    // From where no window can be opened (ssh, cron: no display), the URLs still reach the window. Options
    // the running window cannot take are said to be ignored, and an argument posing as the folder marker
    // is a URL that is refused, not a folder.
    m_server->setResponse("/third.bin", generated(3000, 3));
    QProcessEnvironment noDisplay = environment;
    for (const QString &name : { u"QT_QPA_PLATFORM"_s, u"DISPLAY"_s, u"WAYLAND_DISPLAY"_s })
        noDisplay.remove(name);
    const QString elsewhere = m_dir->filePath(u"elsewhere"_s);
    QProcess third;
    third.setProcessEnvironment(noDisplay);
    third.start(m_binary,
                { u"--limit-rate"_s, u"10K"_s, u"--"_s, u"--dir="_s + elsewhere,
                  m_server->url("/third.bin").toString() });
    QVERIFY(third.waitForFinished(30'000));
    const QString thirdErr = QString::fromUtf8(third.readAllStandardError());
    QCOMPARE(third.exitStatus(), QProcess::NormalExit);
    QCOMPARE(third.exitCode(), 1); // one argument skipped
    QVERIFY2(thirdErr.contains(u"argument 1 skipped"_s), qPrintable(thirdErr));
    QVERIFY2(thirdErr.contains(u"--limit-rate not applied"_s), qPrintable(thirdErr));
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(m_dir->filePath(u"Downloads/third.bin"_s)), 30'000);
    QVERIFY(!QFileInfo::exists(elsewhere));
    first.kill();
    first.waitForFinished();
    QCOMPARE(readFile(m_dir->filePath(u"Downloads/second.bin"_s)), TestHttpServer::patternBytes(2, 0, 2000));
}

void TestCli::killedRunContinuesWhenRunAgain_data()
{
    QTest::addColumn<bool>("hardKill");
    QTest::newRow("kill -9") << true;
    QTest::newRow("Ctrl+C") << false;
}

void TestCli::killedRunContinuesWhenRunAgain()
{
#if !defined(Q_OS_UNIX)
    QSKIP("sends signals");
#else
    QFETCH(bool, hardKill);
    constexpr qint64 size = 3 * 1024 * 1024;
    Response slow = generated(size, 21, 400 * 1024);
    slow.etag = "\"v21\"";
    m_server->setResponse("/big.iso", slow);
    const QString folder = m_dir->filePath(u"out"_s);
    const QStringList arguments { u"--headless"_s, u"-d"_s, folder, m_server->url("/big.iso").toString() };
    const QString state = headlessState(folder);
    QFile::remove(state);

    QProcess first;
    first.start(m_binary, arguments);
    QVERIFY(first.waitForStarted());
    // Wait until the run has synced some bytes and saved that (every 2 s), then kill it.
    QTRY_VERIFY_WITH_TIMEOUT(savedDurableBytes(state) > 256 * 1024, 30'000);
    ::kill(pid_t(first.processId()), hardKill ? SIGKILL : SIGINT);
    QVERIFY(first.waitForFinished(20'000));
    const qint64 kept = QFileInfo(folder + u"/big.iso.part"_s).size();
    QVERIFY(kept > 0 && kept < size);

    Response fast = generated(size, 21);
    fast.etag = "\"v21\"";
    m_server->setResponse("/big.iso", fast);
    const Run second = heiko(arguments);
    QCOMPARE(second.exitCode, 0);
    QVERIFY2(second.err.contains(u"[resume] big.iso: continuing"_s), qPrintable(second.err));
    const QByteArray range = m_server->requests().last().header("Range");
    QVERIFY2(range.startsWith("bytes=") && range != "bytes=0-", range.constData());
    QCOMPARE(readFile(folder + u"/big.iso"_s), TestHttpServer::patternBytes(21, 0, size));
    // The summary counts what this run fetched, not the bytes the first run had left.
    const qint64 from = range.sliced(6, range.size() - 7).toLongLong();
    const QString fetched = u"; "_s + heiko::units::formatBytes(size - from) + u" in "_s;
    QVERIFY2(second.err.contains(fetched), qPrintable(fetched + u" in:\n"_s + second.err));
    QVERIFY(!QFile::exists(folder + u"/big.iso.part"_s));
    QVERIFY(!QFile::exists(state)); // nothing left unfinished
#endif
}

void TestCli::windowRestoresItsQueueAfterAKill()
{
#if !defined(Q_OS_UNIX)
    QSKIP("sends signals");
#else
    constexpr qint64 size = 3 * 1024 * 1024;
    Response slow = generated(size, 22, 400 * 1024);
    slow.etag = "\"v22\"";
    m_server->setResponse("/album.zip", slow);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
    environment.insert(u"HOME"_s, m_dir->path());
    environment.insert(u"XDG_CONFIG_HOME"_s, m_dir->filePath(u"config"_s));
    environment.insert(u"XDG_DATA_HOME"_s, m_dir->filePath(u"data"_s));
    environment.insert(u"HEIKO_INSTANCE_NAME"_s,
                       u"heiko-restore-test-%1"_s.arg(QCoreApplication::applicationPid()));
    const QString folder = m_dir->filePath(u"Downloads"_s);
    const QString queue = m_dir->filePath(u"data/Heiko/heiko/queue.json"_s);

    QProcess first;
    first.setProcessEnvironment(environment);
    first.start(m_binary, { u"-d"_s, folder, m_server->url("/album.zip").toString() });
    QVERIFY(first.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(savedDurableBytes(queue) > 256 * 1024, 30'000);
    first.kill(); // SIGKILL: no chance to save anything more
    QVERIFY(first.waitForFinished());

    Response fast = generated(size, 22);
    fast.etag = "\"v22\"";
    m_server->setResponse("/album.zip", fast);
    QProcess second;
    second.setProcessEnvironment(environment);
    second.start(m_binary, QStringList {});
    QVERIFY(second.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(folder + u"/album.zip"_s), 30'000);
    second.kill();
    second.waitForFinished();
    const QByteArray range = m_server->requests().last().header("Range");
    QVERIFY2(range.startsWith("bytes=") && range != "bytes=0-", range.constData());
    QCOMPARE(readFile(folder + u"/album.zip"_s), TestHttpServer::patternBytes(22, 0, size));
#endif
}

void TestCli::windowStopsCleanlyOnSigterm()
{
    // kill (SIGTERM), as a logout or a service manager sends it: the window quits as its Quit action does.
    // The worker syncs the .part and the queue is saved with what is on the disk now, not what the last
    // periodic save saw (the download here has no periodic save yet: it is under 2 s old).
#if !defined(Q_OS_UNIX)
    QSKIP("sends signals");
#else
    m_server->setResponse("/term.bin", generated(8 * 1024 * 1024, 23, 512 * 1024));
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
    environment.insert(u"HOME"_s, m_dir->path());
    environment.insert(u"XDG_CONFIG_HOME"_s, m_dir->filePath(u"config"_s));
    environment.insert(u"XDG_DATA_HOME"_s, m_dir->filePath(u"data"_s));
    environment.insert(u"HEIKO_INSTANCE_NAME"_s, m_dir->filePath(u"instance"_s));
    const QString folder = m_dir->filePath(u"Downloads"_s);
    const QString queue = m_dir->filePath(u"data/Heiko/heiko/queue.json"_s);
    QProcess window;
    window.setProcessEnvironment(environment);
    window.start(m_binary, { u"-d"_s, folder, m_server->url("/term.bin").toString() });
    QVERIFY(window.waitForStarted());
    const QString part = folder + u"/term.bin.part"_s;
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(part).size() > 200 * 1024, 30'000);
    // SIGTERM and, a moment later, SIGHUP, as a logout sends them: the second must not end the process
    // before the queue is saved.
    window.terminate();
    ::kill(pid_t(window.processId()), SIGHUP);
    QVERIFY(window.waitForFinished(30'000));
    QCOMPARE(window.exitStatus(), QProcess::NormalExit);
    QCOMPARE(window.exitCode(), 0);
    const qint64 kept = QFileInfo(part).size();
    QVERIFY(kept > 200 * 1024);
    QCOMPARE(savedDurableBytes(queue), kept);
#endif
}

void TestCli::ignoredHangupLetsTheRunFinish()
{
    // Started under nohup (SIGHUP ignored), a run goes on when the terminal closes.
#if !defined(Q_OS_UNIX)
    QSKIP("sends signals");
#else
    m_server->setResponse("/nohup.bin", generated(1024 * 1024, 25, 1024 * 1024));
    QProcess ignoring;
    ignoring.setProgram(u"nohup"_s);
    ignoring.setArguments(
        { m_binary, u"--headless"_s, u"-d"_s, m_dir->path(), m_server->url("/nohup.bin").toString() });
    ignoring.setWorkingDirectory(m_dir->path()); // nohup may write nohup.out there
    ignoring.start();
    QVERIFY(ignoring.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(m_dir->filePath(u"nohup.bin.part"_s)).size() > 0, 20'000);
    ::kill(pid_t(ignoring.processId()), SIGHUP);
    QVERIFY(ignoring.waitForFinished(20'000));
    QCOMPARE(ignoring.exitStatus(), QProcess::NormalExit);
    QCOMPARE(ignoring.exitCode(), 0);
    QCOMPARE(readFile(m_dir->filePath(u"nohup.bin"_s)), TestHttpServer::patternBytes(25, 0, 1024 * 1024));
#endif
}

void TestCli::twoRunsIntoOneFolderKeepEachOthersProgress()
{
    // Two headless runs into one folder at once (two terminals, two lists, one Downloads folder) save into
    // the same state file. Run 2 is interrupted with y.bin unfinished while run 1 goes on and finishes
    // x.bin: run 1's last save must not erase run 2's entry, so that running run 2's command again
    // continues y.bin's .part instead of starting it over under a new name.
#if !defined(Q_OS_UNIX)
    QSKIP("sends signals");
#else
    constexpr qint64 ySize = 4 * 1024 * 1024;
    m_server->setResponse("/x.bin", generated(1024 * 1024, 31, 512 * 1024));
    m_server->setResponse("/y.bin", generated(ySize, 32, 256 * 1024));
    QProcess run1;
    run1.start(m_binary, { u"--headless"_s, u"-d"_s, m_dir->path(), m_server->url("/x.bin").toString() });
    QVERIFY(run1.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(m_dir->filePath(u"x.bin.part"_s)).size() > 0, 20'000);
    QProcess run2;
    run2.start(m_binary, { u"--headless"_s, u"-d"_s, m_dir->path(), m_server->url("/y.bin").toString() });
    QVERIFY(run2.waitForStarted());
    const QString yPart = m_dir->filePath(u"y.bin.part"_s);
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(yPart).size() > 128 * 1024, 20'000);
    ::kill(pid_t(run2.processId()), SIGINT);
    QVERIFY(run2.waitForFinished(20'000));
    QCOMPARE(run2.exitCode(), 130);
    QVERIFY(run1.waitForFinished(30'000));
    QCOMPARE(run1.exitCode(), 0);
    QVERIFY(QFile::exists(m_dir->filePath(u"x.bin"_s)));
    const qint64 kept = QFileInfo(yPart).size();
    QCOMPARE(savedDurableBytes(headlessState(m_dir->path())), kept);

    m_server->setResponse("/y.bin", generated(ySize, 32));
    const Run again = heiko({ u"--headless"_s, u"-d"_s, m_dir->path(), m_server->url("/y.bin").toString() });
    QCOMPARE(again.exitCode, 0);
    QCOMPARE(m_server->requests().last().header("Range"), "bytes=" + QByteArray::number(kept) + '-');
    QCOMPARE(readFile(m_dir->filePath(u"y.bin"_s)), TestHttpServer::patternBytes(32, 0, ySize));
    QVERIFY(!QFile::exists(m_dir->filePath(u"y (1).bin"_s)));
#endif
}

void TestCli::diskFullMidwayKeepsThePart()
{
#if !defined(Q_OS_LINUX)
    QSKIP("simulates a full disk with RLIMIT_FSIZE");
#else
    // The child may write files of at most 1 MiB: the write that would go past it fails (EFBIG), as a
    // write to a full disk fails (ENOSPC). The other download still finishes, and the process goes on.
    m_server->setResponse("/big.bin", generated(4 * 1024 * 1024, 31));
    m_server->setResponse("/small.bin", generated(1000, 32));
    QProcess process;
    process.setChildProcessModifier([] {
        struct rlimit limit
        {
            1024 * 1024, 1024 * 1024
        };
        ::setrlimit(RLIMIT_FSIZE, &limit);
        ::signal(SIGXFSZ, SIG_IGN);
    });
    process.start(m_binary,
                  { u"--headless"_s, u"-d"_s, m_dir->path(), m_server->url("/big.bin").toString(),
                    m_server->url("/small.bin").toString() });
    QVERIFY(process.waitForFinished(60'000));
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 1);
    QVERIFY2(err.contains(u"cannot write"_s) && err.contains(u"free some space"_s), qPrintable(err));
    QCOMPARE(QFileInfo(m_dir->filePath(u"big.bin.part"_s)).size(), 1024 * 1024); // kept, every byte that fit
    QVERIFY(!QFile::exists(m_dir->filePath(u"big.bin"_s)));
    QCOMPARE(readFile(m_dir->filePath(u"small.bin"_s)), TestHttpServer::patternBytes(32, 0, 1000));
#endif
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"

#include "downloadmanager.h"
#include "loghub.h"
#include "nginxfixture.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

QByteArray sha256(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return hash.result().toHex();
}

bool writeRandomFile(const QString &path, qint64 size, quint32 seed)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    QRandomGenerator random(seed);
    QByteArray chunk(64 * 1024, Qt::Uninitialized);
    for (qint64 written = 0; written < size;) {
        const qint64 n = qMin<qint64>(chunk.size(), size - written);
        random.fillRange(reinterpret_cast<quint32 *>(chunk.data()), chunk.size() / 4);
        if (file.write(chunk.constData(), n) != n)
            return false;
        written += n;
    }
    return true;
}

} // namespace

// End to end against a real nginx on loopback: what users meet in the field.
class TestNginx final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void headlessDownloadsAListIntact();
    void pauseAndResumeAgainstNginx();
    void segmentedDownloadPausedAndResumed();
    void notFoundFromNginx();

private:
    QTemporaryDir m_root;
    NginxFixture m_nginx;
    QStringList m_names;
};

void TestNginx::initTestCase()
{
    if (NginxFixture::nginxExecutable().isEmpty())
        QSKIP("nginx is not installed (apt-get install nginx-light; ./run.sh test does it)");
    QVERIFY(m_root.isValid());
    QVERIFY(QDir(m_root.path()).mkpath(u"music"_s));
    const QList<qint64> sizes { 0, 1, 65'536, 1'000'003, 7 * 1024 * 1024 + 5 };
    for (int i = 0; i < sizes.size(); ++i) {
        const QString name = u"track-%1.flac"_s.arg(i);
        QVERIFY(writeRandomFile(m_root.filePath(u"music/"_s + name), sizes.at(i), quint32(100 + i)));
        m_names << name;
    }
    QVERIFY(writeRandomFile(m_root.filePath(u"music/slow.bin"_s), 3 * 1024 * 1024, 7));
    // A location that trickles, so that a pause lands mid-body.
    QVERIFY2(m_nginx.start(m_root.path(),
                           u"location /slow/ { alias %1/music/; limit_rate 512k; }"_s.arg(m_root.path())),
             qPrintable(m_nginx.errorString()));
}

void TestNginx::cleanupTestCase()
{
    m_nginx.stop();
}

void TestNginx::headlessDownloadsAListIntact()
{
    QTemporaryDir out;
    QVERIFY(out.isValid());
    QByteArray list = "# five tracks\n";
    for (const QString &name : std::as_const(m_names))
        list += m_nginx.url(u"/music/"_s + name).toEncoded() + '\n';
    QFile listFile(out.filePath(u"urls.txt"_s));
    QVERIFY(listFile.open(QIODevice::WriteOnly));
    listFile.write(list);
    listFile.close();

    QProcess heiko;
    heiko.start(qEnvironmentVariable("HEIKO_BINARY"),
                { u"--headless"_s, u"-j"_s, u"2"_s, u"-x"_s, u"4"_s, u"-d"_s, out.filePath(u"dl"_s), u"-i"_s,
                  listFile.fileName() });
    QVERIFY(heiko.waitForFinished(120'000));
    const QString err = QString::fromUtf8(heiko.readAllStandardError());
    QCOMPARE(heiko.exitCode(), 0);
    for (const QString &name : std::as_const(m_names))
        QCOMPARE(sha256(out.filePath(u"dl/"_s + name)), sha256(m_root.filePath(u"music/"_s + name)));
    QCOMPARE(QDir(out.filePath(u"dl"_s)).entryList(QDir::Files).size(), m_names.size());

    static const QRegularExpression start(uR"(\tthread:(\d+)\t.*\[download start\])"_s);
    QSet<QString> threads;
    for (const QString &line : err.split(u'\n')) {
        const QRegularExpressionMatch match = start.match(line);
        if (match.hasMatch())
            threads.insert(match.captured(1));
    }
    QCOMPARE(threads.size(), 2);
    // The 7 MiB track came in pieces (nginx serves ranges); the others are too small to split.
    QVERIFY2(err.contains(u"[segments] track-4.flac over 4 connections in 4 pieces"_s), qPrintable(err));
    QCOMPARE(err.count(u"[segments]"_s), 1);
}

void TestNginx::segmentedDownloadPausedAndResumed()
{
    QTemporaryDir out;
    QVERIFY(out.isValid());
    heiko::LogHub log;
    heiko::EngineOptions options;
    options.connectionsPerFile = 4;
    heiko::DownloadManager manager(log, options);
    // 7 MiB at 512 KiB/s per connection: about 3.5 s over 4 connections, so the pause lands mid-way.
    const int id = manager.add({ m_nginx.url(u"/slow/track-4.flac"_s), out.path(), {}, false });
    QTRY_COMPARE_WITH_TIMEOUT(manager.info(id).segments.size(), 4, 30'000);
    QTRY_VERIFY_WITH_TIMEOUT(manager.info(id).bytesReceived > 1024 * 1024, 30'000);
    manager.pause(id);
    QSignalSpy idle(&manager, &heiko::DownloadManager::idle);
    QVERIFY(manager.isIdle() || idle.wait(30'000));
    const QList<heiko::Segment> pieces = manager.info(id).segments;
    QCOMPARE(pieces.size(), 4);
    for (const heiko::Segment &piece : pieces)
        QVERIFY2(piece.position > piece.start && piece.position < piece.end, "every piece is part-way");
    manager.resume(id);
    QVERIFY(idle.wait(60'000));
    QCOMPARE(manager.info(id).state, heiko::DownloadState::Finished);
    QCOMPARE(sha256(out.filePath(u"track-4.flac"_s)), sha256(m_root.filePath(u"music/track-4.flac"_s)));
}

void TestNginx::pauseAndResumeAgainstNginx()
{
    QTemporaryDir out;
    QVERIFY(out.isValid());
    heiko::LogHub log;
    heiko::DownloadManager manager(log);
    const int id = manager.add({ m_nginx.url(u"/slow/slow.bin"_s), out.path(), {}, false });
    QTRY_VERIFY_WITH_TIMEOUT(manager.info(id).bytesReceived > 256 * 1024, 30'000);
    manager.pause(id);
    QSignalSpy idle(&manager, &heiko::DownloadManager::idle);
    QVERIFY(manager.isIdle() || idle.wait(30'000));
    const qint64 kept = QFileInfo(out.filePath(u"slow.bin.part"_s)).size();
    QVERIFY(kept > 256 * 1024);
    QVERIFY(kept < 3 * 1024 * 1024);
    manager.resume(id);
    QVERIFY(idle.wait(60'000));
    QCOMPARE(manager.info(id).state, heiko::DownloadState::Finished);
    QCOMPARE(sha256(out.filePath(u"slow.bin"_s)), sha256(m_root.filePath(u"music/slow.bin"_s)));
    bool resumed = false;
    for (const heiko::LogRecord &record : log.recordsSince(0))
        resumed = resumed || record.message.startsWith(u"[download resume] slow.bin from"_s);
    QVERIFY(resumed); // continued from the .part, not from zero
}

void TestNginx::notFoundFromNginx()
{
    QTemporaryDir out;
    QVERIFY(out.isValid());
    heiko::LogHub log;
    heiko::DownloadManager manager(log);
    QSignalSpy idle(&manager, &heiko::DownloadManager::idle);
    const int id = manager.add({ m_nginx.url(u"/music/no-such-file.mp3"_s), out.path(), {}, false });
    QVERIFY(idle.wait(30'000));
    QCOMPARE(manager.info(id).state, heiko::DownloadState::Failed);
    QVERIFY(manager.info(id).error.message().contains(u"HTTP 404 Not Found"_s));
    QVERIFY(QDir(out.path()).isEmpty());
}

QTEST_GUILESS_MAIN(TestNginx)
#include "tst_nginx.moc"

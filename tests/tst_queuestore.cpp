#include "queuestore.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using heiko::DownloadState;
using heiko::QueueStore;
using heiko::SavedDownload;
using heiko::Segment;

namespace heiko {
// Found by QCOMPARE through ADL: a failure then shows the segment, not "<no representation>".
static char *toString(const Segment &segment)
{
    return QTest::toString(u"[%1, %2, %3)"_s.arg(segment.start).arg(segment.position).arg(segment.end));
}
} // namespace heiko

// The saved queue: what comes back after a restart, and what never goes into the file.
class TestQueueStore final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip();
    void passwordsAreNeverWritten();
    void missingFileIsAnEmptyQueue();
    void damagedFileIsSetAsideAndReported();
    void newerFormatIsNotUsed();
    void foreignEntriesAreLeftOut();
    void segmentsRoundTrip();
    void inconsistentSegmentsStartOver_data();
    void inconsistentSegmentsStartOver();
    void emptyQueueRemovesTheFile();
    void headlessPathIsPerFolder();
};

namespace {

SavedDownload sample()
{
    SavedDownload d;
    d.url = QUrl(u"https://example.com/music/song.mp3?x=1"_s);
    d.directory = u"/home/user/Music"_s;
    d.requestedName = u"chosen.mp3"_s;
    d.state = DownloadState::Paused;
    d.files.fileName = u"song.mp3"_s;
    d.files.partPath = u"/home/user/Music/song.mp3.part"_s;
    d.files.etag = "\"abc\"";
    d.files.lastModified = "Sun, 06 Nov 1994 08:49:37 GMT";
    d.files.rangesSupported = true;
    d.files.rangesIgnored = true;
    d.bytesTotal = qint64(5) * 1024 * 1024 * 1024;
    d.durableBytes = qint64(4) * 1024 * 1024 * 1024 + 7;
    d.attempts = 3;
    d.rateLimit = 300 * 1024;
    return d;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

void TestQueueStore::roundTrip()
{
    QTemporaryDir dir;
    const QueueStore store(dir.filePath(u"q/queue.json"_s)); // the folder is created
    SavedDownload finished = sample();
    finished.state = DownloadState::Finished;
    finished.files.partPath.clear();
    finished.files.finalPath = u"/home/user/Music/song.mp3"_s;
    finished.finalSize = 1234;
    finished.finalModifiedMs = 1'700'000'000'000;
    SavedDownload failed = sample();
    failed.rateLimit = -1; // not saved: the limit for new downloads applies when it comes back
    failed.state = DownloadState::Failed;
    failed.errorMessage = u"HTTP 404 Not Found"_s;
    QString error;
    QVERIFY2(store.save({ sample(), finished, failed }, &error), qPrintable(error));
    QList<SavedDownload> loaded;
    QVERIFY2(store.load(&loaded, &error), qPrintable(error));
    QCOMPARE(loaded.size(), 3);
    const SavedDownload &a = loaded.at(0);
    QCOMPARE(a.url, sample().url);
    QCOMPARE(a.directory, sample().directory);
    QCOMPARE(a.requestedName, u"chosen.mp3"_s);
    QCOMPARE(a.state, DownloadState::Paused);
    QCOMPARE(a.files.partPath, sample().files.partPath);
    QCOMPARE(a.files.etag, sample().files.etag);
    QCOMPARE(a.files.lastModified, sample().files.lastModified);
    QVERIFY(a.files.rangesSupported);
    QVERIFY(a.files.rangesIgnored);
    QCOMPARE(a.bytesTotal, sample().bytesTotal); // 64-bit values survive JSON
    QCOMPARE(a.durableBytes, sample().durableBytes);
    QCOMPARE(a.attempts, 3);
    QCOMPARE(a.rateLimit, 300 * 1024);
    QCOMPARE(loaded.at(2).rateLimit, -1);
    QCOMPARE(loaded.at(1).state, DownloadState::Finished);
    QCOMPARE(loaded.at(1).files.finalPath, finished.files.finalPath);
    QCOMPARE(loaded.at(1).finalSize, 1234);
    QCOMPARE(loaded.at(1).finalModifiedMs, 1'700'000'000'000);
    QCOMPARE(loaded.at(2).errorMessage, u"HTTP 404 Not Found"_s);
}

void TestQueueStore::passwordsAreNeverWritten()
{
    QTemporaryDir dir;
    const QueueStore store(dir.filePath(u"queue.json"_s));
    SavedDownload d = sample();
    d.url.setUserName(u"alice"_s);
    d.url.setPassword(u"Sup3rS3cret"_s);
    d.hadPassword = true;
    QString error;
    QVERIFY(store.save({ d }, &error));
    const QByteArray text = readFile(store.path());
    QVERIFY(!text.contains("Sup3rS3cret"));
    QVERIFY(text.contains("alice"));
    QList<SavedDownload> loaded;
    QVERIFY(store.load(&loaded, &error));
    QVERIFY(loaded.first().hadPassword);
    QVERIFY(loaded.first().url.password().isEmpty());
}

void TestQueueStore::missingFileIsAnEmptyQueue()
{
    QTemporaryDir dir;
    const QueueStore store(dir.filePath(u"nothing.json"_s));
    QList<SavedDownload> loaded { sample() };
    QString error;
    QVERIFY(store.load(&loaded, &error));
    QVERIFY(loaded.isEmpty());
    QVERIFY(error.isEmpty());
}

void TestQueueStore::damagedFileIsSetAsideAndReported()
{
    QTemporaryDir dir;
    const QueueStore store(dir.filePath(u"queue.json"_s));
    QFile file(store.path());
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(
        "{\"format\": \"heiko-queue\", \"downloads\": [ {\"url\": \"http://x/\" "); // cut off mid-write
    file.close();
    QString notice;
    QVERIFY(store.loadAtStart(&notice).isEmpty());
    QVERIFY2(notice.contains(u"damaged"_s) && notice.contains(u".damaged"_s), qPrintable(notice));
    QVERIFY(!QFile::exists(store.path()));
    QVERIFY(QFile::exists(store.path() + u".damaged"_s)); // kept for whoever wants to rescue it
    // A second damaged file does not replace the first one set aside.
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("not json");
    file.close();
    QVERIFY(store.loadAtStart(&notice).isEmpty());
    QVERIFY2(notice.contains(u".damaged.1"_s), qPrintable(notice));
    QFile first(store.path() + u".damaged"_s);
    QVERIFY(first.open(QIODevice::ReadOnly));
    QVERIFY(first.readAll().startsWith("{\"format\""));
}

void TestQueueStore::newerFormatIsNotUsed()
{
    QTemporaryDir dir;
    const QueueStore store(dir.filePath(u"queue.json"_s));
    QFile file(store.path());
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"format": "heiko-queue", "version": 99, "downloads": []})");
    file.close();
    QList<SavedDownload> loaded;
    QString error;
    bool newer = false;
    QVERIFY(!store.load(&loaded, &error, &newer));
    QVERIFY(newer);
    QVERIFY2(error.contains(u"newer Heiko"_s), qPrintable(error));
    // At start it is set aside under a name that says what it is, and the notice says how to get it back.
    QString notice;
    QVERIFY(store.loadAtStart(&notice).isEmpty());
    QVERIFY(QFile::exists(store.path() + u".newer"_s));
    QVERIFY2(notice.contains(u".newer"_s) && notice.contains(u"rename it back to queue.json"_s),
             qPrintable(notice));
}

void TestQueueStore::foreignEntriesAreLeftOut()
{
    QTemporaryDir dir;
    const QueueStore store(dir.filePath(u"queue.json"_s));
    QFile file(store.path());
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"format": "heiko-queue", "version": 1, "downloads": [
        {"url": "file:///etc/passwd", "state": "queued", "directory": "/tmp"},
        {"url": "https://example.com/ok.bin", "state": "exploded", "directory": "/tmp"},
        {"url": "https://example.com/fine.bin", "state": "paused", "directory": "/tmp"}
    ]})");
    file.close();
    QList<SavedDownload> loaded;
    QString error;
    QVERIFY(store.load(&loaded, &error));
    QCOMPARE(loaded.size(), 1);
    QCOMPARE(loaded.first().url, QUrl(u"https://example.com/fine.bin"_s));
    QVERIFY2(error.contains(u"2 damaged entries"_s), qPrintable(error));
}

void TestQueueStore::segmentsRoundTrip()
{
    QTemporaryDir dir;
    const QueueStore store(dir.filePath(u"queue.json"_s));
    SavedDownload segmented = sample(); // 5 GiB
    constexpr qint64 kGiB = 1024 * 1024 * 1024;
    // Beyond 4 GiB, partly written, one done, and one after a gap (sorted without overlap is enough).
    segmented.files.segments = { { 0, 123'456, 2 * kGiB },
                                 { 2 * kGiB, 3 * kGiB + 5, 3 * kGiB + 7 },
                                 { 3 * kGiB + 7, 4 * kGiB + 1, 4 * kGiB + 1 },
                                 { 4 * kGiB + 100, 4 * kGiB + 100, 5 * kGiB } };
    QString error;
    QVERIFY2(store.save({ segmented, sample() }, &error), qPrintable(error));
    QList<SavedDownload> loaded;
    QVERIFY2(store.load(&loaded, &error), qPrintable(error));
    QCOMPARE(loaded.size(), 2);
    QCOMPARE(loaded.at(0).files.segments, segmented.files.segments);
    QVERIFY(loaded.at(0).files.rangesSupported); // trusted segments keep the download resumable
    QVERIFY(loaded.at(1).files.segments.isEmpty()); // one connection: no segments
    QVERIFY(loaded.at(1).files.rangesSupported);
}

void TestQueueStore::inconsistentSegmentsStartOver_data()
{
    QTest::addColumn<QByteArray>("segments"); // the JSON value of files.segments
    QTest::addColumn<qint64>("bytesTotal");
    QTest::addColumn<int>("trusted"); // how many segments are kept; 0: not trusted
    // The control: the same crafted entry with sound segments is used as it is, so the rows below fail for
    // their segments alone.
    QTest::newRow("consistent") << "[[0, 10, 50], [50, 60, 100]]"_ba << qint64(100) << 2;
    QTest::newRow("overlapping") << "[[0, 10, 60], [50, 60, 100]]"_ba << qint64(100) << 0;
    QTest::newRow("end beyond bytesTotal") << "[[0, 10, 50], [50, 60, 101]]"_ba << qint64(100) << 0;
    QTest::newRow("unsorted") << "[[50, 60, 100], [0, 10, 50]]"_ba << qint64(100) << 0;
    QTest::newRow("position beyond end") << "[[0, 60, 50]]"_ba << qint64(100) << 0;
    QTest::newRow("negative") << "[[-50, -50, 50]]"_ba << qint64(100) << 0;
    QTest::newRow("too few numbers") << "[[0, 10]]"_ba << qint64(100) << 0;
    QTest::newRow("not numbers") << R"([["0", "10", "50"]])"_ba << qint64(100) << 0;
    QTest::newRow("total not known") << "[[0, 10, 50]]"_ba << qint64(-1) << 0;
}

void TestQueueStore::inconsistentSegmentsStartOver()
{
    QFETCH(QByteArray, segments);
    QFETCH(qint64, bytesTotal);
    QFETCH(int, trusted);
    QTemporaryDir dir;
    const QueueStore store(dir.filePath(u"queue.json"_s));
    QFile file(store.path());
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"format": "heiko-queue", "version": 1, "downloads": [
        {"url": "https://example.com/big.iso", "state": "paused", "directory": "/tmp", "bytesTotal": )"
               + QByteArray::number(bytesTotal) + R"(,
         "files": {"fileName": "big.iso", "partPath": "/tmp/big.iso.part", "etag": "\"v1\"",
                   "rangesSupported": true, "segments": )"
               + segments + R"(}}
    ]})");
    file.close();
    QList<SavedDownload> loaded;
    QString error;
    QVERIFY2(store.load(&loaded, &error), qPrintable(error));
    QCOMPARE(loaded.size(), 1); // the download itself is kept: only its pieces are not trusted
    const SavedDownload &d = loaded.first();
    QCOMPARE(d.bytesTotal, bytesTotal);
    QCOMPARE(d.files.segments.size(), trusted);
    // Without trusted pieces the .part has holes: the download must start over, not resume from it.
    QCOMPARE(d.files.rangesSupported, trusted > 0);
}

void TestQueueStore::emptyQueueRemovesTheFile()
{
    QTemporaryDir dir;
    const QueueStore store(dir.filePath(u"queue.json"_s));
    QString error;
    QVERIFY(store.save({ sample() }, &error));
    QVERIFY(QFile::exists(store.path()));
    QVERIFY(store.save({}, &error));
    QVERIFY(!QFile::exists(store.path()));
}

void TestQueueStore::headlessPathIsPerFolder()
{
    const QString a = QueueStore::headlessStatePath(u"/data"_s, u"/music"_s);
    QCOMPARE(a, QueueStore::headlessStatePath(u"/data"_s, u"/music/"_s));
    QVERIFY(a != QueueStore::headlessStatePath(u"/data"_s, u"/video"_s));
    QVERIFY(a.startsWith(u"/data/"_s));
}

QTEST_GUILESS_MAIN(TestQueueStore)
#include "tst_queuestore.moc"

#include "downloadmanager.h"
#include "loghub.h"
#include "queuepersistence.h"
#include "queuestore.h"
#include "testhttpserver.h"

#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using heiko::DownloadManager;
using heiko::DownloadState;
using heiko::QueuePersistence;
using heiko::QueueStore;
using heiko::SavedDownload;

namespace {

constexpr int kWaitMs = 10'000;

QList<SavedDownload> loadAll(const QueueStore &store)
{
    QList<SavedDownload> saved;
    QString error;
    if (!store.load(&saved, &error))
        qWarning("cannot load the queue: %s", qPrintable(error));
    return saved;
}

} // namespace

class TestQueuePersistence final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void progressOfALongListIsSavedLessOften_data();
    void progressOfALongListIsSavedLessOften();
    void progressIsSaved();
    void changeIsSavedSoonEvenWhileProgressWaits();
    void sharedFileIsSavedIntoAFolderNotMadeYet();
    void anotherRunsEntryUnderANameThisRunUsedBeforeIsKept();
};

void TestQueuePersistence::progressOfALongListIsSavedLessOften_data()
{
    QTest::addColumn<int>("downloads");
    QTest::addColumn<int>("intervalMs");
    QTest::newRow("empty") << 0 << QueuePersistence::kSaveIntervalMs;
    QTest::newRow("500") << 500 << QueuePersistence::kSaveIntervalMs;
    QTest::newRow("1,000") << 1000 << 4000;
    QTest::newRow("5,000") << 5000 << 20'000;
    QTest::newRow("100,000") << 100'000 << QueuePersistence::kMaxProgressSaveIntervalMs;
}

void TestQueuePersistence::progressOfALongListIsSavedLessOften()
{
    // Every save writes and syncs the whole list: a long one must not be rewritten every 2 s for the bytes of
    // one slow download.
    QFETCH(int, downloads);
    QFETCH(int, intervalMs);
    QCOMPARE(QueuePersistence::progressSaveIntervalMs(downloads), intervalMs);
}

void TestQueuePersistence::progressIsSaved()
{
    // A short list: a running download's synced bytes reach the file within a few seconds, while it runs.
    TestHttpServer server;
    QVERIFY(server.start());
    server.setResponse("/slow.bin", TestHttpServer::generated(4 * 1024 * 1024, 1, 512 * 1024)); // 8 s
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QueueStore store(dir.filePath(u"queue.json"_s));
    heiko::LogHub log;
    DownloadManager manager(log);
    QueuePersistence persistence(manager, store, QueuePersistence::Mode::WholeQueue, log);
    const int id = manager.add({ server.url("/slow.bin"), dir.path(), {}, false });
    const auto savedBytes = [&] {
        const QList<SavedDownload> saved = loadAll(store);
        return saved.size() == 1 ? saved.first().durableBytes : -1;
    };
    QTRY_VERIFY_WITH_TIMEOUT(savedBytes() > 0, kWaitMs);
    QCOMPARE(manager.info(id).state, DownloadState::Running);
    manager.stopAndWait();
}

void TestQueuePersistence::changeIsSavedSoonEvenWhileProgressWaits()
{
    // 2,000 downloads: progress is saved every 8 s. A change (a download added) is still saved within the
    // usual 2 s: it brings the waiting save forward.
    TestHttpServer server;
    QVERIFY(server.start());
    server.setResponse("/slow.bin", TestHttpServer::generated(64 * 1024 * 1024, 2, 256 * 1024));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QueueStore store(dir.filePath(u"queue.json"_s));
    heiko::LogHub log;
    heiko::EngineOptions options;
    options.maxWorkers = 1;
    DownloadManager manager(log, options);
    QueuePersistence persistence(manager, store, QueuePersistence::Mode::WholeQueue, log);
    manager.add({ server.url("/slow.bin"), dir.path(), {}, false }); // runs, and reports progress
    for (int i = 0; i < 1999; ++i) {
        const int id = manager.add({ server.url("/queued" + QByteArray::number(i)), dir.path(), {}, false });
        manager.pause(id);
    }
    QSignalSpy progress(&manager, &DownloadManager::progressUpdated);
    QTRY_COMPARE_WITH_TIMEOUT(loadAll(store).size(), 2000, kWaitMs);
    // Progress after that save: its save waits 8 s.
    progress.clear();
    QVERIFY(progress.wait(kWaitMs));
    QVERIFY(progress.wait(kWaitMs));
    const int added = manager.add({ server.url("/late.bin"), dir.path(), {}, false });
    manager.pause(added);
    QElapsedTimer elapsed;
    elapsed.start();
    QTRY_COMPARE_WITH_TIMEOUT(loadAll(store).size(), 2001, kWaitMs);
    QVERIFY2(elapsed.elapsed() < 5000, qPrintable(u"saved after %1 ms"_s.arg(elapsed.elapsed())));
    manager.stopAndWait();
}

void TestQueuePersistence::sharedFileIsSavedIntoAFolderNotMadeYet()
{
    // The first headless run on an account: <data>/unfinished/ does not exist yet, and the lock file beside
    // the state file is made in it before the state file is.
    TestHttpServer server;
    QVERIFY(server.start());
    server.setResponse("/slow.bin", TestHttpServer::generated(4 * 1024 * 1024, 3, 256 * 1024));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QueueStore store(dir.filePath(u"data/unfinished/state.json"_s));
    heiko::LogHub log;
    DownloadManager manager(log);
    QueuePersistence persistence(manager, store, QueuePersistence::Mode::UnfinishedOnly, log);
    persistence.shareFileWithOtherRuns({});
    manager.add({ server.url("/slow.bin"), dir.path(), {}, false });
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(dir.filePath(u"slow.bin.part"_s)).size() > 0, kWaitMs);
    manager.stopAndWait();
    QVERIFY2(persistence.saveNow(), "the shared state file could not be saved");
    QCOMPARE(loadAll(store).size(), 1);
}

void TestQueuePersistence::anotherRunsEntryUnderANameThisRunUsedBeforeIsKept()
{
    // Run A finishes x.bin; x.bin is moved away (a script), and run B, into the same folder, is interrupted
    // with its own x.bin.part. A's next save must not erase B's entry: x.bin.part is no longer A's.
    TestHttpServer server;
    QVERIFY(server.start());
    server.setResponse("/a/x.bin", TestHttpServer::generated(1024 * 1024, 4, 384 * 1024)); // ~3 s
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QueueStore store(dir.filePath(u"state.json"_s));
    heiko::LogHub log;
    heiko::EngineOptions options;
    DownloadManager manager(log, options);
    QueuePersistence persistence(manager, store, QueuePersistence::Mode::UnfinishedOnly, log);
    persistence.shareFileWithOtherRuns({});
    const int a = manager.add({ server.url("/a/x.bin"), dir.path(), {}, false });
    QTRY_COMPARE_WITH_TIMEOUT(loadAll(store).size(), 1, kWaitMs); // saved while unfinished
    SavedDownload entryB = loadAll(store).first();
    QTRY_COMPARE_WITH_TIMEOUT(manager.info(a).state, DownloadState::Finished, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(loadAll(store).size(), 0, kWaitMs);
    QVERIFY(QFile::rename(dir.filePath(u"x.bin"_s), dir.filePath(u"moved.bin"_s)));
    // Run B's save, as B's QueuePersistence writes it.
    entryB.url = server.url("/b/x.bin");
    entryB.state = DownloadState::Paused;
    QFile part(entryB.files.partPath);
    QVERIFY(part.open(QIODevice::WriteOnly));
    part.write(QByteArray(1000, 'b'));
    part.close();
    QString error;
    QVERIFY(store.save({ entryB }, &error));
    // Anything in run A makes it save again.
    const int other = manager.add({ server.url("/a/other.bin"), dir.path(), {}, true });
    Q_UNUSED(other);
    QVERIFY(persistence.saveNow());
    const QList<SavedDownload> after = loadAll(store);
    QVERIFY2(std::any_of(after.cbegin(), after.cend(),
                         [&](const SavedDownload &d) { return d.url == entryB.url; }),
             "run A's save erased run B's entry");
    manager.stopAndWait();
}

QTEST_GUILESS_MAIN(TestQueuePersistence)
#include "tst_queuepersistence.moc"

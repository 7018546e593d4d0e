#include "downloadmanager.h"
#include "loghub.h"
#include "queuepersistence.h"
#include "queuestore.h"
#include "testhttpserver.h"

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

QTEST_GUILESS_MAIN(TestQueuePersistence)
#include "tst_queuepersistence.moc"

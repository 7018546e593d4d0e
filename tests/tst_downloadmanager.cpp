#include "downloadmanager.h"
#include "downloadworker.h"
#include "loghub.h"
#include "partclaims.h"
#include "platform.h"
#include "queuestore.h"
#include "testhttpserver.h"
#include "transferstate.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QStorageInfo>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <memory>

using namespace Qt::StringLiterals;
using heiko::DownloadError;
using heiko::DownloadManager;
using heiko::DownloadState;
using Response = TestHttpServer::Response;

namespace {

constexpr int kWaitMs = 30'000;

Response status(int code)
{
    Response r;
    r.status = code;
    r.body = "error page";
    return r;
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

// Linux only: the process's peak resident set size in KiB (VmHWM).
[[maybe_unused]] qint64 peakRssKiB()
{
    QFile status(u"/proc/self/status"_s);
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

} // namespace

class TestDownloadManager final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void downloadsFileIntact();
    void workerCapIsNeverExceededAndFullyUsed_data();
    void workerCapIsNeverExceededAndFullyUsed();
    void logShowsWorkersTakingFilesInTurn();
    void raisingMaxWorkersStartsMoreAtOnce();
    void loweringMaxWorkersStartsNoneUntilUnder();
    void progressIsBatched();
    void httpErrorFailsWithoutRetryOrFile_data();
    void httpErrorFailsWithoutRetryOrFile();
    void transientStatusIsRetried();
    void retriesRunOut();
    void followsRedirects();
    void refusedRedirects_data();
    void refusedRedirects();
    void redirectLoopStops();
    void redirectDropsCredentialsForAnotherOrigin();
    void stallIsDetectedAndKeepsPart();
    void stallThenResume();
    void resetMidBodyResumesWithRange();
    void resumeGetsWholeFileInsteadStartsOver();
    void resumeWithWrongRangeStartsOver();
    void partOfTheFileSentAsAWhole200IsNotSaved();
    void rangeWithoutATotalNeverShortensTheFile();
    void rangeWithoutAnEtagKeepsTheOneToCheckAgainst();
    void changedWeakEtagStartsOver();
    void shortBodyIsNeverFinished();
    void conflictingContentLengthFails();
    void contentDispositionNamesTheFile();
    void existingFileIsNeverOverwritten();
    void sameUrlTwiceGetsTwoFiles();
    void sendsIdentityEncoding();
    void pauseKeepsPartAndResumeContinues();
    void cancelDeletesPart();
    void removeWithFiles();
    void invalidUrlIsKeptAsFailed();
    void progressBeyond4GiB();
    void resumeAtOffsetBeyond4GiB();
    void memoryDoesNotGrowWithFileSize();
    void pauseResumePauseStaysPaused();
    void cancelResumeWhileStoppingStartsOver();
    void removingFinishedEntryKeepsOtherDownloadsPart();
    void removeWithFilesLeavesReplacedFileAlone();
    void pauseAfterCompletionKeepsFinished();
    void cancelAfterCompletionKeepsTheFileAndSaysSo();
    void resumeOfCompletePartFinishesWithoutRequest();
    void rangeNotSatisfiableButSameLengthFinishes();
    void rangeNotSatisfiableWithNewLengthStartsOver();
    void rangeWithChangedEtagIsNotAppended();
    void setOptionsAppliesWorkerCount();
    void manySameNamesGetDistinctFiles();
    void overloadedHostCoolsDown();
    void notEnoughDiskSpaceFailsAtOnce();
    void removedFolderIsNoticedWhileDownloading_data();
    void removedFolderIsNoticedWhileDownloading();
    void partReplacedBySymlinkIsNotWrittenThrough();
    void lastModifiedGuardsResumeOnlyWhenStrong_data();
    void lastModifiedGuardsResumeOnlyWhenStrong();
    void encodedBodyIsNeverResumed();
    void trickleCompletes();
    void chunkedWinsOverContentLength();
    void headerFloodIsRefused();
    void savedStateRestoresAndResumesFromSyncedBytes();
    void rangeNotSatisfiableWithDifferentTotalStartsOver();
    void perHostCapAcrossDownloads();
    void retryWaitDoesNotHoldBackOtherServers();
    void downloadSpeedLimitHoldsAndChangesLive();
    void overallSpeedLimitCapsTogether();
    void collisionPolicy_data();
    void collisionPolicy();
    void segmentedDownloadUsesSeveralConnections();
    void segmentsNeedRangesAndSize_data();
    void segmentsNeedRangesAndSize();
    void freeConnectionStealsHalfOfASlowPiece();
    void noStealingWithoutAValidator();
    void refusedConnectionIsDroppedAndItsPieceTakenOver();
    void refusedConnectionsAreNotReplacedByNewOnes();
    void downloadShortOfPlacesDoesNotGrowAfterADrop();
    void restingConnectionTakesTheFirstPlaceBack();
    void segmentsSurvivePauseAndRestart();
    void segmentedResumeWithAnEmptyFirstPiece();
    void segmentedPartCutShortIsNotFinishedShort();
    void partBeingWrittenByAnotherProcessIsLeftAlone();
    void pausedDownloadKeepsItsNameWhenItsPartIsDeleted();
    void removingADownloadWhosePartIsGoneDeletesNoOtherFile();
    void overwriteNeverReplacesAnotherDownloadsPart();
    void fileChangedDuringSegmentsStartsOver();
    void pieceAnsweredWithOtherBytesIsDropped();
    void serverThatIgnoresRangesIsFetchedOverOneConnection();
    void longRetryAfterIsCapped();
    void piecesCountAgainstTheHostCap();
    void piecesCountAgainstTheOverallCap();
    void resumedPiecesTakeOnlyThePlacesTheyCanUse();
    void segmentedDownloadTakesPlacesGivenBackLater_data();
    void segmentedDownloadTakesPlacesGivenBackLater();
    void pieceRefusedBeforeAnswerIsTakenOverAtOnce();
    void closeUnderSpeedLimitIsNoticedAtOnce();
    void piecesShareASpeedLimit();
    void limitLiftedAfterTheBodyCameWhole_data();
    void limitLiftedAfterTheBodyCameWhole();
    void tinyRateStillMoves();
    void ownSpeedLimitSurvivesARestart();
    void restoredCancelledDownloadHasNoError();
    void speedLimitedDownloadIsSyncedAsItGoes_data();
    void speedLimitedDownloadIsSyncedAsItGoes();
    void droppedPiecesGiveTheirConnectionsBack();
    void restartFromZeroNeverPairsOldSyncedBytesWithNewPieces();
    void wholeSmallBodyFollowsTheNamingRules();
    void wholeSmallBodyLeavesTheNameToARunningPart();
    void pausedAtOnceStillEnds();
    void pauseOfAStalledDownloadIsNoticedAtOnce();
    void nameTakenWhileDownloadingGetsTheNextNumber();
    void shutdownSavesFilesFinishedMeanwhileAsFinished();
    void cancelOrRemoveJustBeforeQuittingIsCarriedOut();
    void cancelClearsThePiecesShown();
    void destroyedWhileAttemptsEnd();

private:
    heiko::AttemptResult runAttempt(const QByteArray &path,
                                    const std::shared_ptr<heiko::TransferState> &state);
    std::unique_ptr<DownloadManager> makeManager(int workers = 2);
    bool waitIdle(DownloadManager &manager, int timeoutMs = kWaitMs);
    QStringList filesInDir() const;
    bool hasLogLine(const QString &start) const;
    bool unnamedFilesWork() const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<TestHttpServer> m_server;
    std::unique_ptr<heiko::LogHub> m_log;
    heiko::EngineOptions m_options;
};

void TestDownloadManager::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_server = std::make_unique<TestHttpServer>();
    QVERIFY(m_server->start());
    m_log = std::make_unique<heiko::LogHub>();
    m_options = {};
    m_options.retryBaseDelay = std::chrono::milliseconds(20);
    m_options.timeout = std::chrono::seconds(20);
}

void TestDownloadManager::cleanup()
{
    m_server.reset();
    m_log.reset();
    m_dir.reset();
}

std::unique_ptr<DownloadManager> TestDownloadManager::makeManager(int workers)
{
    heiko::EngineOptions options = m_options;
    options.maxWorkers = workers;
    return std::make_unique<DownloadManager>(*m_log, options);
}

bool TestDownloadManager::waitIdle(DownloadManager &manager, int timeoutMs)
{
    if (manager.isIdle())
        return true;
    QSignalSpy idle(&manager, &DownloadManager::idle);
    return idle.wait(timeoutMs);
}

QStringList TestDownloadManager::filesInDir() const
{
    return QDir(m_dir->path()).entryList(QDir::Files | QDir::Hidden | QDir::System, QDir::Name);
}

bool TestDownloadManager::hasLogLine(const QString &start) const
{
    const QList<heiko::LogRecord> records = m_log->recordsSince(0);
    return std::any_of(records.cbegin(), records.cend(),
                       [&](const heiko::LogRecord &record) { return record.message.startsWith(start); });
}

bool TestDownloadManager::unnamedFilesWork() const
{
    // Whether a body that came whole can be written to an unnamed file and linked in here (Linux, O_TMPFILE).
    heiko::platform::FileStamp stamp;
    const int probe = heiko::platform::writeUnnamedFile(m_dir->path(), "x", 1, &stamp);
    const bool linked = probe >= 0
        && heiko::platform::linkUnnamedFile(probe, m_dir->filePath(u"probe"_s))
            == heiko::platform::RenameResult::Renamed;
    heiko::platform::closeUnnamedFile(probe);
    return linked && QFile::remove(m_dir->filePath(u"probe"_s));
}

void TestDownloadManager::downloadsFileIntact()
{
    m_server->setResponse("/music/song.mp3", TestHttpServer::generated(3 * 1024 * 1024 + 17, 1));
    auto manager = makeManager();
    QSignalSpy finished(manager.get(), &DownloadManager::downloadFinished);
    const int id = manager->add({ m_server->url("/music/song.mp3"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(finished.count(), 1);
    const heiko::DownloadInfo info = manager->info(id);
    QCOMPARE(info.state, DownloadState::Finished);
    QCOMPARE(info.fileName, u"song.mp3"_s);
    QCOMPARE(info.filePath, m_dir->filePath(u"song.mp3"_s));
    QCOMPARE(info.bytesReceived, 3 * 1024 * 1024 + 17);
    QCOMPARE(info.bytesTotal, 3 * 1024 * 1024 + 17);
    QCOMPARE(filesInDir(), QStringList { u"song.mp3"_s }); // no .part left behind
    QCOMPARE(readFile(info.filePath), TestHttpServer::patternBytes(1, 0, 3 * 1024 * 1024 + 17));
}

void TestDownloadManager::workerCapIsNeverExceededAndFullyUsed_data()
{
    QTest::addColumn<int>("workers");
    QTest::newRow("1") << 1;
    QTest::newRow("2") << 2;
    QTest::newRow("4") << 4;
}

void TestDownloadManager::workerCapIsNeverExceededAndFullyUsed()
{
    QFETCH(int, workers);
    const int files = workers * 3;
    // Slow enough that every worker is busy at once, fast enough to keep the test short.
    for (int i = 0; i < files; ++i)
        m_server->setResponse("/f" + QByteArray::number(i),
                              TestHttpServer::generated(60 * 1024, quint32(i), 400 * 1024));
    auto manager = makeManager(workers);
    int maxBusy = 0;
    connect(manager.get(), &DownloadManager::workersChanged, this,
            [&maxBusy](int busy, int) { maxBusy = qMax(maxBusy, busy); });
    for (int i = 0; i < files; ++i)
        manager->add({ m_server->url("/f" + QByteArray::number(i)), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(m_server->maxConcurrentRequests(), workers);
    QCOMPARE(maxBusy, workers);
    QCOMPARE(manager->stateCounts().finished, files);
    QCOMPARE(manager->bytesFetched(), qint64(files) * 60 * 1024); // what the headless summary reports
    manager->remove(manager->ids().first(), false); // what was fetched stays fetched
    QCOMPARE(manager->bytesFetched(), qint64(files) * 60 * 1024);
    for (int i = 0; i < files; ++i)
        QCOMPARE(readFile(m_dir->filePath(u"f%1"_s.arg(i))),
                 TestHttpServer::patternBytes(quint32(i), 0, 60 * 1024));
}

void TestDownloadManager::logShowsWorkersTakingFilesInTurn()
{
    for (int i = 0; i < 5; ++i)
        m_server->setResponse("/song" + QByteArray::number(i) + ".mp3",
                              TestHttpServer::generated(40 * 1024, quint32(i), 400 * 1024));
    auto manager = makeManager(2);
    for (int i = 0; i < 5; ++i)
        manager->add({ m_server->url("/song" + QByteArray::number(i) + ".mp3"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QSet<quint64> startThreads;
    QSet<quint64> finishThreads;
    int starts = 0;
    for (const heiko::LogRecord &record : m_log->recordsSince(0)) {
        if (record.message.startsWith(u"[download start]"_s)) {
            startThreads.insert(record.threadId);
            ++starts;
        } else if (record.message.startsWith(u"[download finish]"_s)) {
            finishThreads.insert(record.threadId);
        }
    }
    QCOMPARE(starts, 5);
    QCOMPARE(startThreads.size(), 2); // two workers took the five files
    QCOMPARE(finishThreads, startThreads);
    QVERIFY(!startThreads.contains(heiko::platform::currentThreadId())); // workers, not the manager's thread
}

void TestDownloadManager::raisingMaxWorkersStartsMoreAtOnce()
{
    for (int i = 0; i < 6; ++i)
        m_server->setResponse("/r" + QByteArray::number(i),
                              TestHttpServer::generated(200 * 1024, quint32(i), 200 * 1024));
    auto manager = makeManager(1);
    for (int i = 0; i < 6; ++i)
        manager->add({ m_server->url("/r" + QByteArray::number(i)), m_dir->path(), {}, false });
    QTRY_COMPARE_WITH_TIMEOUT(m_server->currentRequests(), 1, kWaitMs);
    QCOMPARE(manager->busyWorkers(), 1);
    manager->setMaxWorkers(3);
    QCOMPARE(manager->busyWorkers(), 3); // at once, not at the next finish
    QTRY_COMPARE_WITH_TIMEOUT(m_server->currentRequests(), 3, kWaitMs);
    QVERIFY(waitIdle(*manager));
    QCOMPARE(m_server->maxConcurrentRequests(), 3);
    QCOMPARE(manager->stateCounts().finished, 6);
}

void TestDownloadManager::loweringMaxWorkersStartsNoneUntilUnder()
{
    for (int i = 0; i < 8; ++i)
        m_server->setResponse("/l" + QByteArray::number(i),
                              TestHttpServer::generated(100 * 1024, quint32(i), 300 * 1024));
    auto manager = makeManager(4);
    QList<int> busySeen;
    for (int i = 0; i < 8; ++i)
        manager->add({ m_server->url("/l" + QByteArray::number(i)), m_dir->path(), {}, false });
    QCOMPARE(manager->busyWorkers(), 4);
    manager->setMaxWorkers(1);
    // Running downloads finish; no new one starts until fewer than one runs.
    int lastBusy = manager->busyWorkers();
    bool roseAgain = false;
    connect(manager.get(), &DownloadManager::workersChanged, this, [&](int busy, int) {
        if (busy > lastBusy && busy > 1)
            roseAgain = true;
        lastBusy = busy;
    });
    QTRY_COMPARE_WITH_TIMEOUT(manager->busyWorkers(), 1, kWaitMs);
    m_server->resetStatistics();
    QVERIFY(waitIdle(*manager));
    QVERIFY(!roseAgain);
    QCOMPARE(m_server->maxConcurrentRequests(), 1);
    QCOMPARE(manager->stateCounts().finished, 8);
}

void TestDownloadManager::progressIsBatched()
{
    m_server->setResponse("/big", TestHttpServer::generated(4 * 1024 * 1024, 9, 8 * 1024 * 1024));
    auto manager = makeManager();
    QSignalSpy progress(manager.get(), &DownloadManager::progressUpdated);
    QElapsedTimer clock;
    clock.start();
    manager->add({ m_server->url("/big"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    const qint64 elapsed = clock.elapsed();
    // About ten updates a second however many network chunks arrived (the body came in hundreds of reads).
    QVERIFY(progress.count() >= 1);
    QVERIFY2(progress.count() <= elapsed / DownloadManager::kProgressIntervalMs + 3,
             qPrintable(u"%1 updates in %2 ms"_s.arg(progress.count()).arg(elapsed)));
}

void TestDownloadManager::httpErrorFailsWithoutRetryOrFile_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("reason");
    QTest::newRow("401") << 401 << u"Unauthorized"_s;
    QTest::newRow("403") << 403 << u"Forbidden"_s;
    QTest::newRow("404") << 404 << u"Not Found"_s;
    QTest::newRow("410") << 410 << u"Gone"_s;
}

void TestDownloadManager::httpErrorFailsWithoutRetryOrFile()
{
    QFETCH(int, code);
    QFETCH(QString, reason);
    m_server->setResponse("/missing.iso", status(code));
    auto manager = makeManager();
    QSignalSpy failed(manager.get(), &DownloadManager::downloadFailed);
    const int id = manager->add({ m_server->url("/missing.iso"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(failed.count(), 1);
    const heiko::DownloadInfo info = manager->info(id);
    QCOMPARE(info.state, DownloadState::Failed);
    QCOMPARE(info.error.kind(), DownloadError::Kind::Http);
    QCOMPARE(info.error.httpStatus(), code);
    QVERIFY2(info.error.message().contains(QString::number(code)), qPrintable(info.error.message()));
    QVERIFY2(info.error.message().contains(reason), qPrintable(info.error.message()));
    QCOMPARE(info.attempt, 1); // 4xx is not retried
    QVERIFY2(filesInDir().isEmpty(), qPrintable(filesInDir().join(u", "_s)));
}

void TestDownloadManager::transientStatusIsRetried()
{
    m_server->setResponseSequence(
        "/flaky", { status(503), status(500), status(429), TestHttpServer::generated(10'000, 3) });
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/flaky"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(m_server->requestCount("/flaky"), 4);
    QCOMPARE(readFile(m_dir->filePath(u"flaky"_s)), TestHttpServer::patternBytes(3, 0, 10'000));
    int retries = 0;
    for (const heiko::LogRecord &record : m_log->recordsSince(0))
        retries += record.message.startsWith(u"[retry]"_s) ? 1 : 0;
    QCOMPARE(retries, 3);
}

void TestDownloadManager::retriesRunOut()
{
    m_server->setResponse("/down", status(502));
    m_options.retries = 2;
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/down"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Failed);
    QCOMPARE(manager->info(id).error.httpStatus(), 502);
    QCOMPARE(m_server->requestCount("/down"), 3); // the first try and two retries
}

void TestDownloadManager::followsRedirects()
{
    Response hop1;
    hop1.status = 301;
    hop1.location = "/hop2";
    Response hop2;
    hop2.status = 307;
    hop2.location = m_server->url("/files/final.bin").toEncoded();
    m_server->setResponse("/start", hop1);
    m_server->setResponse("/hop2", hop2);
    m_server->setResponse("/files/final.bin", TestHttpServer::generated(5000, 4));
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/start"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(manager->info(id).fileName, u"final.bin"_s); // named after where the bytes came from
    QCOMPARE(readFile(m_dir->filePath(u"final.bin"_s)), TestHttpServer::patternBytes(4, 0, 5000));
}

void TestDownloadManager::refusedRedirects_data()
{
    QTest::addColumn<QByteArray>("location");
    QTest::addColumn<QString>("expected");
    QTest::newRow("file") << "file:///etc/passwd"_ba << u"file"_s;
    QTest::newRow("ftp") << "ftp://127.0.0.1/x"_ba << u"ftp"_s;
    QTest::newRow("javascript") << "javascript:alert(1)"_ba << u"javascript"_s;
    QTest::newRow("no location") << QByteArray() << u"Location"_s;
}

void TestDownloadManager::refusedRedirects()
{
    QFETCH(QByteArray, location);
    QFETCH(QString, expected);
    Response redirect;
    redirect.status = 302;
    redirect.location = location;
    m_server->setResponse("/evil", redirect);
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/evil"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    const heiko::DownloadInfo info = manager->info(id);
    QCOMPARE(info.state, DownloadState::Failed);
    QCOMPARE(info.error.kind(), DownloadError::Kind::Redirect);
    QVERIFY2(info.error.message().contains(expected), qPrintable(info.error.message()));
    QCOMPARE(info.attempt, 1); // a refused redirect is not retried
    QVERIFY(filesInDir().isEmpty());
}

void TestDownloadManager::redirectLoopStops()
{
    Response a;
    a.status = 302;
    a.location = "/b";
    Response b;
    b.status = 302;
    b.location = "/a";
    m_server->setResponse("/a", a);
    m_server->setResponse("/b", b);
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/a"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Failed);
    QVERIFY(manager->info(id).error.message().contains(u"more than 10 redirects"_s));
    QCOMPARE(m_server->requestCount("/a") + m_server->requestCount("/b"), 11);
}

void TestDownloadManager::redirectDropsCredentialsForAnotherOrigin()
{
    TestHttpServer other;
    QVERIFY(other.start());
    other.setResponse("/file.bin", TestHttpServer::generated(1000, 5));
    Response sameOrigin;
    sameOrigin.status = 302;
    sameOrigin.location = "/second";
    Response crossOrigin;
    crossOrigin.status = 302;
    crossOrigin.location = other.url("/file.bin").toEncoded();
    m_server->setResponse("/first", sameOrigin);
    m_server->setResponse("/second", crossOrigin);
    QUrl url = m_server->url("/first");
    url.setUserName(u"alice"_s);
    url.setPassword(u"s3cret"_s);
    auto manager = makeManager();
    const int id = manager->add({ url, m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    const QList<TestHttpServer::RecordedRequest> requests = other.requests();
    QCOMPARE(requests.size(), 1);
    QVERIFY(requests.first().header("Authorization").isEmpty());
    for (const heiko::LogRecord &record : m_log->recordsSince(0))
        QVERIFY2(!record.toText().contains(u"s3cret"_s), qPrintable(record.toText()));
}

void TestDownloadManager::stallIsDetectedAndKeepsPart()
{
    Response stalling = TestHttpServer::generated(1024 * 1024, 6);
    stalling.stallAfter = 100 * 1024;
    m_server->setResponse("/stall.bin", stalling);
    m_options.timeout = std::chrono::milliseconds(600);
    m_options.retries = 0;
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/stall.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    const heiko::DownloadInfo info = manager->info(id);
    QCOMPARE(info.state, DownloadState::Failed);
    QCOMPARE(info.error.kind(), DownloadError::Kind::Timeout);
    QVERIFY2(info.error.message().contains(u"no data"_s), qPrintable(info.error.message()));
    QCOMPARE(filesInDir(), QStringList { u"stall.bin.part"_s });
    QCOMPARE(QFileInfo(m_dir->filePath(u"stall.bin.part"_s)).size(), 100 * 1024);
    m_server->releaseStalls();
}

void TestDownloadManager::stallThenResume()
{
    Response stalling = TestHttpServer::generated(1024 * 1024, 7);
    stalling.stallAfter = 300 * 1024;
    m_server->setResponseSequence("/s.bin", { stalling, TestHttpServer::generated(1024 * 1024, 7) });
    m_options.timeout = std::chrono::milliseconds(600);
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/s.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    const QList<TestHttpServer::RecordedRequest> requests = m_server->requests();
    QCOMPARE(requests.size(), 2);
    QCOMPARE(requests.at(1).header("Range"), "bytes=307200-"_ba);
    QCOMPARE(requests.at(1).header("If-Range"), "\"v7\""_ba);
    QCOMPARE(readFile(m_dir->filePath(u"s.bin"_s)), TestHttpServer::patternBytes(7, 0, 1024 * 1024));
    m_server->releaseStalls();
}

void TestDownloadManager::resetMidBodyResumesWithRange()
{
    Response cut = TestHttpServer::generated(2 * 1024 * 1024, 8);
    cut.cutAfter = 700 * 1024;
    Response cutAgain = TestHttpServer::generated(2 * 1024 * 1024, 8);
    cutAgain.cutAfter = 300 * 1024; // counted from the start of the 206 body
    m_server->setResponseSequence("/cut.bin",
                                  { cut, cutAgain, TestHttpServer::generated(2 * 1024 * 1024, 8) });
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/cut.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    const QList<TestHttpServer::RecordedRequest> requests = m_server->requests();
    QVERIFY(requests.size() >= 3);
    QVERIFY(requests.at(0).header("Range").isEmpty());
    // The retries asked for the rest from what was on disk, each further than the one before (Qt may also
    // resend a broken request on its own, so only Heiko's ranged requests are counted).
    static const QRegularExpression range(uR"(^bytes=(\d+)-$)"_s);
    QList<qint64> offsets;
    for (const TestHttpServer::RecordedRequest &request : requests) {
        const QRegularExpressionMatch match = range.match(QString::fromLatin1(request.header("Range")));
        if (match.hasMatch())
            offsets.append(match.captured(1).toLongLong());
    }
    QVERIFY(offsets.size() >= 2);
    QVERIFY(offsets.first() > 0 && offsets.first() <= 700 * 1024);
    QVERIFY(offsets.last() > offsets.first());
    QCOMPARE(readFile(m_dir->filePath(u"cut.bin"_s)), TestHttpServer::patternBytes(8, 0, 2 * 1024 * 1024));
}

void TestDownloadManager::resumeGetsWholeFileInsteadStartsOver()
{
    Response cut = TestHttpServer::generated(1024 * 1024, 10);
    cut.cutAfter = 400 * 1024;
    Response noRanges = TestHttpServer::generated(1024 * 1024, 10);
    noRanges.acceptRanges = false; // ignores Range: answers 200 with everything
    m_server->setResponseSequence("/norange.bin", { cut, noRanges });
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/norange.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    // A 200 to a range request is never appended: the file is exactly the source, not 1.4 MB of splice.
    QCOMPARE(readFile(m_dir->filePath(u"norange.bin"_s)), TestHttpServer::patternBytes(10, 0, 1024 * 1024));
    // What came over the network, the bytes of the broken first answer included.
    QCOMPARE(manager->bytesFetched(), qint64(400 * 1024 + 1024 * 1024));
}

void TestDownloadManager::partOfTheFileSentAsAWhole200IsNotSaved()
{
    // A broken cache answers the resume with a 200 that carries a Content-Range for the rest: saved as the
    // whole file (its Content-Length) it was a 624 KiB file called finished. Retried, never saved.
    constexpr qint64 size = 1024 * 1024;
    Response cut = TestHttpServer::generated(size, 113);
    cut.cutAfter = 400 * 1024;
    Response partial;
    partial.acceptRanges = false;
    partial.etag = "\"v113\"";
    partial.body = TestHttpServer::patternBytes(113, 400 * 1024, size - 400 * 1024);
    partial.headers = { { "Content-Range", "bytes 409600-1048575/1048576" } };
    m_server->setResponseSequence("/partial.bin", { cut, partial, TestHttpServer::generated(size, 113) });
    // And a fresh download whose first answer is a 200 for its first 1,000 bytes.
    Response start;
    start.acceptRanges = false;
    start.body = TestHttpServer::patternBytes(114, 0, 1000);
    start.headers = { { "Content-Range", "bytes 0-999/1048576" } };
    m_server->setResponseSequence("/start.bin", { start, TestHttpServer::generated(size, 114) });
    // A 200 whose Content-Range is the whole body is only odd: taken.
    Response whole;
    whole.acceptRanges = false;
    whole.body = TestHttpServer::patternBytes(115, 0, 5000);
    whole.headers = { { "Content-Range", "bytes 0-4999/5000" } };
    m_server->setResponse("/whole.bin", whole);
    auto manager = makeManager(3);
    const int a = manager->add({ m_server->url("/partial.bin"), m_dir->path(), {}, false });
    const int b = manager->add({ m_server->url("/start.bin"), m_dir->path(), {}, false });
    const int c = manager->add({ m_server->url("/whole.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    for (const int id : { a, b, c })
        QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QVERIFY(readFile(m_dir->filePath(u"partial.bin"_s)) == TestHttpServer::patternBytes(113, 0, size));
    QVERIFY(readFile(m_dir->filePath(u"start.bin"_s)) == TestHttpServer::patternBytes(114, 0, size));
    QCOMPARE(readFile(m_dir->filePath(u"whole.bin"_s)), TestHttpServer::patternBytes(115, 0, 5000));
    QCOMPARE(manager->info(c).attempt, 1);
}

void TestDownloadManager::rangeWithoutATotalNeverShortensTheFile()
{
    // The first answer announced 1 MiB; the resume gets "206 bytes 409600-614399/*": part of the rest, total
    // not said. The file stays 1 MiB long: the rest is fetched, never a 600 KiB file called finished.
    constexpr qint64 size = 1024 * 1024;
    Response cut = TestHttpServer::generated(size, 116);
    cut.cutAfter = 400 * 1024;
    Response someOfTheRest;
    someOfTheRest.status = 206;
    someOfTheRest.acceptRanges = false;
    someOfTheRest.etag = "\"v116\"";
    someOfTheRest.body = TestHttpServer::patternBytes(116, 400 * 1024, 200 * 1024);
    someOfTheRest.headers = { { "Content-Range", "bytes 409600-614399/*" } };
    m_server->setResponseSequence("/star.bin", { cut, someOfTheRest, TestHttpServer::generated(size, 116) });
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/star.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QVERIFY(readFile(m_dir->filePath(u"star.bin"_s)) == TestHttpServer::patternBytes(116, 0, size));
}

void TestDownloadManager::rangeWithoutAnEtagKeepsTheOneToCheckAgainst()
{
    // The first answer (ETag "v117") breaks. A proxy's 206 for the rest carries no ETag and breaks too. Then
    // the file is replaced by another of the same size. The next resume must still send If-Range "v117" and
    // start over on the new file's 200: had the ETag-less 206 erased the stored ETag, the new file's 206 was
    // taken and the result was half of each.
    constexpr qint64 size = 1024 * 1024;
    Response cut = TestHttpServer::generated(size, 117);
    cut.cutAfter = 300 * 1024;
    Response anonymous;
    anonymous.status = 206;
    anonymous.acceptRanges = false;
    anonymous.body = TestHttpServer::patternBytes(117, 300 * 1024, size - 300 * 1024);
    anonymous.headers = { { "Content-Range", "bytes 307200-1048575/1048576" } };
    anonymous.cutAfter = 200 * 1024;
    m_server->setResponseSequence("/changes.bin", { cut, anonymous, TestHttpServer::generated(size, 118) });
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/changes.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    const QList<TestHttpServer::RecordedRequest> requests = m_server->requests();
    QVERIFY(requests.size() >= 3);
    QCOMPARE(requests.at(2).header("If-Range"), "\"v117\""_ba);
    QVERIFY2(readFile(m_dir->filePath(u"changes.bin"_s)) == TestHttpServer::patternBytes(118, 0, size),
             "the file is not the server's current one");
}

void TestDownloadManager::changedWeakEtagStartsOver()
{
    // A server that only sends weak ETags: none goes into If-Range (a server must not honour a weak one
    // there), but a 206 with another weak ETag is another file, and the download starts over on it.
    constexpr qint64 size = 1024 * 1024;
    Response cut = TestHttpServer::generated(size, 119);
    cut.etag = "W/\"a\"";
    cut.cutAfter = 300 * 1024;
    Response changed = TestHttpServer::generated(size, 120);
    changed.etag = "W/\"b\"";
    m_server->setResponseSequence("/weak.bin", { cut, changed });
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/weak.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    const QList<TestHttpServer::RecordedRequest> requests = m_server->requests();
    QVERIFY(requests.size() >= 2);
    QVERIFY(requests.at(1).header("If-Range").isEmpty());
    QVERIFY2(readFile(m_dir->filePath(u"weak.bin"_s)) == TestHttpServer::patternBytes(120, 0, size),
             "the file is not the server's current one");
}

void TestDownloadManager::resumeWithWrongRangeStartsOver()
{
    Response cut = TestHttpServer::generated(1024 * 1024, 11);
    cut.cutAfter = 400 * 1024;
    Response wrongRange;
    wrongRange.status = 206;
    wrongRange.acceptRanges = false;
    wrongRange.body = TestHttpServer::patternBytes(11, 0, 1000);
    wrongRange.headers = { { "Content-Range", "bytes 0-999/1048576" } };
    m_server->setResponseSequence("/wrong.bin",
                                  { cut, wrongRange, TestHttpServer::generated(1024 * 1024, 11) });
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/wrong.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    const QList<TestHttpServer::RecordedRequest> requests = m_server->requests();
    // Qt may quietly resend a request whose connection broke, so the server can see more requests than
    // Heiko made; what matters is that the wrong range was answered and never appended.
    QVERIFY(requests.size() >= 3);
    QCOMPARE(readFile(m_dir->filePath(u"wrong.bin"_s)), TestHttpServer::patternBytes(11, 0, 1024 * 1024));
}

void TestDownloadManager::shortBodyIsNeverFinished()
{
    Response shortBody;
    shortBody.body = "only part of it";
    shortBody.contentLengthOverride = 1000;
    shortBody.acceptRanges = false;
    m_server->setResponse("/short", shortBody);
    m_options.retries = 1;
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/short"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Failed);
    QVERIFY2(manager->info(id).error.message().contains(u"broke after 15 B of 1.00 kB"_s),
             qPrintable(manager->info(id).error.message()));
    QVERIFY(!QFile::exists(m_dir->filePath(u"short"_s))); // never under the final name
}

void TestDownloadManager::conflictingContentLengthFails()
{
    Response conflicting;
    conflicting.body = QByteArray(100, 'x');
    conflicting.sendContentLength = false;
    conflicting.headers = { { "Content-Length", "100" }, { "Content-Length", "120" } };
    m_server->setResponse("/conflict", conflicting);
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/conflict"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Failed);
    QVERIFY(!QFile::exists(m_dir->filePath(u"conflict"_s)));
}

void TestDownloadManager::contentDispositionNamesTheFile()
{
    Response r = TestHttpServer::generated(2000, 12);
    r.headers = { { "Content-Disposition",
                    "attachment; filename=\"fallback.pdf\"; filename*=UTF-8''%E6%A5%BD%E6%9B%B2.pdf" } };
    m_server->setResponse("/download.php", r);
    Response hostile = TestHttpServer::generated(100, 13);
    hostile.headers = { { "Content-Disposition", "attachment; filename=\"../../.bashrc\"" } };
    m_server->setResponse("/hostile", hostile);
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/download.php?id=3"), m_dir->path(), {}, false });
    const int hostileId = manager->add({ m_server->url("/hostile"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).fileName, u"楽曲.pdf"_s);
    QVERIFY(QFile::exists(m_dir->filePath(u"楽曲.pdf"_s)));
    const QString hostileName = manager->info(hostileId).fileName;
    QVERIFY2(!hostileName.contains(u'/') && !hostileName.startsWith(u'.'), qPrintable(hostileName));
    QVERIFY(QFile::exists(m_dir->filePath(hostileName)));
    QCOMPARE(QFileInfo(manager->info(hostileId).filePath).absolutePath(), QDir(m_dir->path()).absolutePath());
}

void TestDownloadManager::existingFileIsNeverOverwritten()
{
    QVERIFY(writeFile(m_dir->filePath(u"song.mp3"_s), "precious"_ba));
    QVERIFY(writeFile(m_dir->filePath(u"song (1).mp3.part"_s), "someone else's part"_ba));
    m_server->setResponse("/song.mp3", TestHttpServer::generated(3000, 14));
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/song.mp3"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).fileName, u"song (2).mp3"_s);
    QCOMPARE(readFile(m_dir->filePath(u"song.mp3"_s)), "precious"_ba);
    QCOMPARE(readFile(m_dir->filePath(u"song (1).mp3.part"_s)), "someone else's part"_ba);
    QCOMPARE(readFile(m_dir->filePath(u"song (2).mp3"_s)), TestHttpServer::patternBytes(14, 0, 3000));
}

void TestDownloadManager::sameUrlTwiceGetsTwoFiles()
{
    m_server->setResponse("/twice.bin", TestHttpServer::generated(256 * 1024, 15, 1024 * 1024));
    auto manager = makeManager(2);
    manager->add({ m_server->url("/twice.bin"), m_dir->path(), {}, false });
    manager->add({ m_server->url("/twice.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(m_server->maxConcurrentRequests(), 2);
    QCOMPARE(filesInDir(), (QStringList { u"twice (1).bin"_s, u"twice.bin"_s }));
    const QByteArray expected = TestHttpServer::patternBytes(15, 0, 256 * 1024);
    QCOMPARE(readFile(m_dir->filePath(u"twice.bin"_s)), expected);
    QCOMPARE(readFile(m_dir->filePath(u"twice (1).bin"_s)), expected);
}

void TestDownloadManager::sendsIdentityEncoding()
{
    m_server->setResponse("/plain.txt", TestHttpServer::generated(100, 16));
    auto manager = makeManager();
    manager->add({ m_server->url("/plain.txt"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    const QList<TestHttpServer::RecordedRequest> requests = m_server->requests();
    QCOMPARE(requests.size(), 1);
    QCOMPARE(requests.first().header("Accept-Encoding"), "identity"_ba);
    QVERIFY(requests.first().header("User-Agent").startsWith("Heiko/"));
}

void TestDownloadManager::pauseKeepsPartAndResumeContinues()
{
    m_server->setResponse("/pause.bin", TestHttpServer::generated(1024 * 1024, 17, 1024 * 1024));
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/pause.bin"), m_dir->path(), {}, false });
    QTRY_VERIFY_WITH_TIMEOUT(manager->info(id).bytesReceived > 100 * 1024, kWaitMs);
    manager->pause(id);
    QCOMPARE(manager->info(id).state, DownloadState::Paused);
    QVERIFY(waitIdle(*manager));
    const qint64 kept = QFileInfo(m_dir->filePath(u"pause.bin.part"_s)).size();
    QVERIFY(kept > 100 * 1024);
    QVERIFY(kept < 1024 * 1024);
    QCOMPARE(manager->info(id).bytesReceived, kept);
    manager->resume(id);
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(m_server->requests().last().header("Range"), "bytes=" + QByteArray::number(kept) + '-');
    QCOMPARE(readFile(m_dir->filePath(u"pause.bin"_s)), TestHttpServer::patternBytes(17, 0, 1024 * 1024));
}

void TestDownloadManager::cancelDeletesPart()
{
    m_server->setResponse("/cancel.bin", TestHttpServer::generated(1024 * 1024, 18, 512 * 1024));
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/cancel.bin"), m_dir->path(), {}, false });
    QTRY_VERIFY_WITH_TIMEOUT(manager->info(id).bytesReceived > 10 * 1024, kWaitMs);
    manager->cancel(id);
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Cancelled);
    QVERIFY(filesInDir().isEmpty());
}

void TestDownloadManager::removeWithFiles()
{
    m_server->setResponse("/keep.bin", TestHttpServer::generated(1000, 19));
    m_server->setResponse("/drop.bin", TestHttpServer::generated(1000, 20));
    auto manager = makeManager();
    const int keep = manager->add({ m_server->url("/keep.bin"), m_dir->path(), {}, false });
    const int drop = manager->add({ m_server->url("/drop.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QSignalSpy removed(manager.get(), &DownloadManager::downloadRemoved);
    manager->remove(keep, false);
    manager->remove(drop, true);
    QCOMPARE(removed.count(), 2);
    QVERIFY(manager->ids().isEmpty());
    QCOMPARE(filesInDir(), QStringList { u"keep.bin"_s });
}

void TestDownloadManager::invalidUrlIsKeptAsFailed()
{
    auto manager = makeManager();
    const int id = manager->add({ QUrl(u"ftp://example.com/file"_s), m_dir->path(), {}, false });
    QCOMPARE(manager->info(id).state, DownloadState::Failed);
    QCOMPARE(manager->info(id).error.kind(), DownloadError::Kind::InvalidUrl);
    QVERIFY(manager->info(id).error.message().contains(u"not an http or https URL"_s));
    QVERIFY(manager->isIdle());
}

void TestDownloadManager::progressBeyond4GiB()
{
    constexpr qint64 fiveGiB = qint64(5) * 1024 * 1024 * 1024;
    Response huge = TestHttpServer::generated(fiveGiB, 21);
    huge.stallAfter = 2 * 1024 * 1024;
    m_server->setResponse("/huge.iso", huge);
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/huge.iso"), m_dir->path(), {}, false });
    QTRY_COMPARE_WITH_TIMEOUT(manager->info(id).bytesReceived, 2 * 1024 * 1024, kWaitMs);
    const heiko::DownloadInfo info = manager->info(id);
    QCOMPARE(info.bytesTotal, fiveGiB); // no 32-bit truncation anywhere on the way
    manager->cancel(id);
    QVERIFY(waitIdle(*manager));
    m_server->releaseStalls();
}

void TestDownloadManager::resumeAtOffsetBeyond4GiB()
{
    // The worker resumes a sparse .part that already holds 4.5 GiB: the Range, the 206 check and the append
    // all work with 64-bit offsets. (Nothing but the last MiB is really written.)
    constexpr qint64 offset = qint64(4608) * 1024 * 1024;
    constexpr qint64 tail = 1024 * 1024;
    m_server->setResponse("/big.img", TestHttpServer::generated(offset + tail, 22));
    const QString part = m_dir->filePath(u"big.img.part"_s);
    {
        QFile file(part);
        QVERIFY(file.open(QIODevice::WriteOnly));
        if (!file.resize(offset))
            QSKIP("the temporary folder's file system cannot hold a sparse 4.5 GiB file");
    }
    auto state = std::make_shared<heiko::TransferState>();
    heiko::TransferState::Files files;
    files.fileName = u"big.img"_s;
    files.partPath = part;
    files.etag = "\"v22\"";
    files.rangesSupported = true;
    state->setFiles(files);
    heiko::AttemptJob job;
    job.downloadId = 1;
    job.url = m_server->url("/big.img");
    job.directory = m_dir->path();
    job.attempt = 2;
    job.options = m_options;
    job.state = state;
    job.log = m_log.get();
    QThreadPool pool;
    QFuture<heiko::AttemptResult> future = QtConcurrent::run(&pool, &heiko::runDownloadAttempt, job);
    future.waitForFinished();
    QCOMPARE(future.resultCount(), 1);
    const heiko::AttemptResult result = future.result();
    QVERIFY2(!result.error, qPrintable(result.error.message()));
    QCOMPARE(m_server->requests().first().header("Range"), "bytes=" + QByteArray::number(offset) + '-');
    QCOMPARE(result.bytes, offset + tail);
    QCOMPARE(state->bytesTotal(), offset + tail);
    QFile done(m_dir->filePath(u"big.img"_s));
    QVERIFY(done.open(QIODevice::ReadOnly));
    QCOMPARE(done.size(), offset + tail);
    QVERIFY(done.seek(offset));
    QCOMPARE(done.read(tail), TestHttpServer::patternBytes(22, offset, tail));
}

void TestDownloadManager::memoryDoesNotGrowWithFileSize()
{
#if !defined(Q_OS_LINUX)
    QSKIP("reads the peak resident set size from /proc");
#elif defined(__SANITIZE_ADDRESS__)
    QSKIP("AddressSanitizer keeps freed memory in quarantine: resident size says nothing about Heiko there");
#else
    m_server->setResponse("/warmup.bin", TestHttpServer::generated(16 * 1024 * 1024, 23));
    m_server->setResponse("/large.bin", TestHttpServer::generated(qint64(768) * 1024 * 1024, 24));
    auto manager = makeManager(1);
    const int warmup = manager->add({ m_server->url("/warmup.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(warmup).state, DownloadState::Finished);
    const qint64 before = peakRssKiB();
    QVERIFY(before > 0);
    const int large = manager->add({ m_server->url("/large.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager, 120'000));
    QCOMPARE(manager->info(large).state, DownloadState::Finished);
    QCOMPARE(QFileInfo(m_dir->filePath(u"large.bin"_s)).size(), qint64(768) * 1024 * 1024);
    const qint64 after = peakRssKiB();
    // 48x the bytes of the warm-up, but the peak may only grow by buffers (and the test server's).
    QVERIFY2(after - before < 24 * 1024,
             qPrintable(u"peak RSS grew from %1 KiB to %2 KiB"_s.arg(before).arg(after)));
#endif
}

heiko::AttemptResult TestDownloadManager::runAttempt(const QByteArray &path,
                                                     const std::shared_ptr<heiko::TransferState> &state)
{
    heiko::AttemptJob job;
    job.downloadId = 1;
    job.url = m_server->url(path);
    job.directory = m_dir->path();
    job.attempt = 2;
    job.options = m_options;
    job.state = state;
    job.log = m_log.get();
    QThreadPool pool;
    QFuture<heiko::AttemptResult> future = QtConcurrent::run(&pool, &heiko::runDownloadAttempt, job);
    future.waitForFinished();
    return future.resultCount() > 0 ? future.result() : heiko::AttemptResult {};
}

namespace {

std::shared_ptr<heiko::TransferState> partState(const QString &name, const QString &part,
                                                const QByteArray &etag, qint64 total)
{
    auto state = std::make_shared<heiko::TransferState>();
    heiko::TransferState::Files files;
    files.fileName = name;
    files.partPath = part;
    files.etag = etag;
    files.rangesSupported = true;
    state->setFiles(files);
    state->setBytesTotal(total);
    return state;
}

} // namespace

void TestDownloadManager::pauseResumePauseStaysPaused()
{
    m_server->setResponse("/slow.bin", TestHttpServer::generated(2 * 1024 * 1024, 31, 256 * 1024));
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/slow.bin"), m_dir->path(), {}, false });
    QTRY_VERIFY_WITH_TIMEOUT(manager->info(id).bytesReceived > 10 * 1024, kWaitMs);
    manager->pause(id);
    manager->resume(id); // the worker is still stopping: queued to run again once it has
    manager->pause(id); // ... and paused again before that
    QCOMPARE(manager->info(id).state, DownloadState::Paused);
    QVERIFY(waitIdle(*manager)); // a requeued download would run now instead of going idle
    QCOMPARE(manager->info(id).state, DownloadState::Paused);
    QCOMPARE(m_server->requestCount("/slow.bin"), 1);
}

void TestDownloadManager::cancelResumeWhileStoppingStartsOver()
{
    m_server->setResponse("/c.bin", TestHttpServer::generated(1024 * 1024, 32, 512 * 1024));
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/c.bin"), m_dir->path(), {}, false });
    QTRY_VERIFY_WITH_TIMEOUT(manager->info(id).bytesReceived > 10 * 1024, kWaitMs);
    manager->cancel(id);
    manager->resume(id); // before the worker has let go
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    // The cancel threw the bytes away, so the second request starts from zero.
    QCOMPARE(m_server->requestCount("/c.bin"), 2);
    QVERIFY(m_server->requests().last().header("Range").isEmpty());
    QCOMPARE(readFile(m_dir->filePath(u"c.bin"_s)), TestHttpServer::patternBytes(32, 0, 1024 * 1024));
}

void TestDownloadManager::removingFinishedEntryKeepsOtherDownloadsPart()
{
    m_server->setResponse("/x.bin", TestHttpServer::generated(1000, 33));
    auto manager = makeManager(2);
    const int first = manager->add({ m_server->url("/x.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(first).state, DownloadState::Finished);
    QVERIFY(QFile::remove(m_dir->filePath(u"x.bin"_s))); // the user moved the finished file away
    m_server->setResponse("/x.bin", TestHttpServer::generated(2 * 1024 * 1024, 34, 512 * 1024));
    const int second = manager->add({ m_server->url("/x.bin"), m_dir->path(), {}, false });
    QTRY_VERIFY_WITH_TIMEOUT(manager->info(second).bytesReceived > 10 * 1024, kWaitMs);
    QVERIFY(QFile::exists(m_dir->filePath(u"x.bin.part"_s)));
    manager->remove(first, false);
    QVERIFY(QFile::exists(m_dir->filePath(u"x.bin.part"_s))); // the other download's, not the removed one's
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(second).state, DownloadState::Finished);
    QCOMPARE(readFile(m_dir->filePath(u"x.bin"_s)), TestHttpServer::patternBytes(34, 0, 2 * 1024 * 1024));
}

void TestDownloadManager::removeWithFilesLeavesReplacedFileAlone()
{
    m_server->setResponse("/r.bin", TestHttpServer::generated(1000, 35));
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/r.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    const QString path = manager->info(id).filePath;
    QVERIFY(QFile::remove(path));
    QVERIFY(writeFile(path, "a different file the user put there"));
    manager->remove(id, true);
    QCOMPARE(readFile(path), "a different file the user put there"_ba);
}

void TestDownloadManager::pauseAfterCompletionKeepsFinished()
{
    m_server->setResponse("/t.bin", TestHttpServer::generated(1000, 36));
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/t.bin"), m_dir->path(), {}, false });
    // Without letting the manager's thread process events, wait until the worker has renamed the file: the
    // pause below then lands after the last byte but before the manager heard of the finish.
    QElapsedTimer clock;
    clock.start();
    while (!(QFile::exists(m_dir->filePath(u"t.bin"_s)) && manager->info(id).filePath.isEmpty())
           && clock.elapsed() < kWaitMs)
        QThread::yieldCurrentThread();
    manager->pause(id);
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(manager->info(id).filePath, m_dir->filePath(u"t.bin"_s));
    manager->resume(id); // nothing to resume: no second copy
    QVERIFY(manager->isIdle());
    QCOMPARE(filesInDir(), QStringList { u"t.bin"_s });
    QVERIFY(hasLogLine(u"[finished] t.bin was complete before the pause reached it; the file is kept"_s));
}

void TestDownloadManager::cancelAfterCompletionKeepsTheFileAndSaysSo()
{
    m_server->setResponse("/k.bin", TestHttpServer::generated(1000, 39));
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/k.bin"), m_dir->path(), {}, false });
    // As above: the cancel lands after the worker linked the file in, before the manager heard of it.
    QElapsedTimer clock;
    clock.start();
    while (!(QFile::exists(m_dir->filePath(u"k.bin"_s)) && manager->info(id).filePath.isEmpty())
           && clock.elapsed() < kWaitMs)
        QThread::yieldCurrentThread();
    manager->cancel(id);
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(readFile(m_dir->filePath(u"k.bin"_s)), TestHttpServer::patternBytes(39, 0, 1000));
    // "[cancelled]" was logged when the cancel was asked for; the line after it says what came of it.
    QVERIFY(hasLogLine(u"[cancelled] k.bin"_s));
    QVERIFY(hasLogLine(u"[finished] k.bin was complete before the cancel reached it; the file is kept"_s));
}

void TestDownloadManager::resumeOfCompletePartFinishesWithoutRequest()
{
    const QByteArray body = TestHttpServer::patternBytes(37, 0, 5000);
    m_server->setResponse("/c.bin", TestHttpServer::generated(5000, 37));
    const QString part = m_dir->filePath(u"c.bin.part"_s);
    QVERIFY(writeFile(part, body));
    const heiko::AttemptResult result = runAttempt("/c.bin", partState(u"c.bin"_s, part, "\"v37\"", 5000));
    QVERIFY2(!result.error, qPrintable(result.error.message()));
    QCOMPARE(m_server->requestCount("/c.bin"), 0);
    QCOMPARE(readFile(m_dir->filePath(u"c.bin"_s)), body);
    QVERIFY(!QFile::exists(part));
}

void TestDownloadManager::rangeNotSatisfiableButSameLengthFinishes()
{
    // The manager did not learn the total (say the last attempt ended before it was stored): the server's
    // 416 "bytes */5000" tells us the .part is already whole.
    const QByteArray body = TestHttpServer::patternBytes(38, 0, 5000);
    m_server->setResponse("/d.bin", TestHttpServer::generated(5000, 38));
    const QString part = m_dir->filePath(u"d.bin.part"_s);
    QVERIFY(writeFile(part, body));
    const heiko::AttemptResult result = runAttempt("/d.bin", partState(u"d.bin"_s, part, "\"v38\"", -1));
    QVERIFY2(!result.error, qPrintable(result.error.message()));
    QCOMPARE(m_server->requests().first().header("Range"), "bytes=5000-"_ba);
    QCOMPARE(readFile(m_dir->filePath(u"d.bin"_s)), body);
}

void TestDownloadManager::rangeNotSatisfiableWithNewLengthStartsOver()
{
    m_server->setResponse("/s.bin",
                          TestHttpServer::generated(3000, 39)); // the file is now shorter than our .part
    const QString part = m_dir->filePath(u"s.bin.part"_s);
    QVERIFY(writeFile(part, TestHttpServer::patternBytes(39, 0, 4000)));
    auto state = partState(u"s.bin"_s, part, "\"v39\"", -1);
    const heiko::AttemptResult result = runAttempt("/s.bin", state);
    QVERIFY(result.error.isTransient()); // retried from zero by the manager
    QVERIFY2(result.error.message().contains(u"from 4.00 kB on"_s)
                 && result.error.message().contains(u"the file is now 3.00 kB"_s)
                 && result.error.message().contains(u"again from the start"_s),
             qPrintable(result.error.message()));
    QCOMPARE(QFileInfo(part).size(), 0);
    QVERIFY(!state->files().rangesSupported);
    QVERIFY(!QFile::exists(m_dir->filePath(u"s.bin"_s)));
}

void TestDownloadManager::rangeWithChangedEtagIsNotAppended()
{
    // The server ignores If-Range and answers the range from a newer version of the file.
    const QString part = m_dir->filePath(u"e.bin.part"_s);
    QVERIFY(writeFile(part, TestHttpServer::patternBytes(6, 0, 4000)));
    Response newer;
    newer.status = 206;
    newer.acceptRanges = false;
    newer.body = TestHttpServer::patternBytes(7, 4000, 6000);
    newer.etag = "\"v7\"";
    newer.headers = { { "Content-Range", "bytes 4000-9999/10000" } };
    m_server->setResponse("/e.bin", newer);
    const heiko::AttemptResult result = runAttempt("/e.bin", partState(u"e.bin"_s, part, "\"v6\"", 10000));
    QVERIFY(result.error.isError());
    QVERIFY2(result.error.message().contains(u"changed"_s), qPrintable(result.error.message()));
    QVERIFY(!QFile::exists(m_dir->filePath(u"e.bin"_s)));
    QCOMPARE(QFileInfo(part).size(), 0); // the old bytes are useless now; the retry starts from zero
}

void TestDownloadManager::setOptionsAppliesWorkerCount()
{
    for (int i = 0; i < 4; ++i)
        m_server->setResponse("/o" + QByteArray::number(i),
                              TestHttpServer::generated(400 * 1024, quint32(40 + i), 200 * 1024));
    auto manager = makeManager(1);
    for (int i = 0; i < 4; ++i)
        manager->add({ m_server->url("/o" + QByteArray::number(i)), m_dir->path(), {}, false });
    QCOMPARE(manager->busyWorkers(), 1);
    heiko::EngineOptions options = manager->options();
    options.maxWorkers = 3;
    manager->setOptions(options);
    QCOMPARE(manager->maxWorkers(), 3);
    QCOMPARE(manager->busyWorkers(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->currentRequests(), 3,
                              kWaitMs); // really running, not queued in the pool
    QVERIFY(waitIdle(*manager));
}

void TestDownloadManager::manySameNamesGetDistinctFiles()
{
    // "download.php?id=N": every URL suggests the same name; each file gets its own number, none fails.
    constexpr int count = 60;
    Response page = TestHttpServer::generated(2000, 45);
    m_server->setResponse("/download.php", page);
    auto manager = makeManager(8);
    for (int i = 0; i < count; ++i)
        manager->add(
            { m_server->url("/download.php?id=" + QByteArray::number(i)), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->stateCounts().finished, count);
    const QStringList files = filesInDir();
    QCOMPARE(files.size(), count);
    QVERIFY(files.contains(u"download.php"_s));
    static const QRegularExpression numbered(uR"(^download \(\d+\)\.php$)"_s);
    for (const QString &file : files)
        QVERIFY2(file == u"download.php"_s || numbered.match(file).hasMatch(), qPrintable(file));
}

void TestDownloadManager::rangeNotSatisfiableWithDifferentTotalStartsOver()
{
    // The first answer announced 10,000 bytes and broke after 1; asked for the rest, the server now says the
    // file is 1 byte long (416, "bytes */1"). That is another file: never "finished" with 1 byte.
    Response announced;
    announced.body = "x";
    announced.contentLengthOverride = 10'000;
    Response shrunk;
    shrunk.status = 416;
    shrunk.acceptRanges = false;
    shrunk.headers = { { "Content-Range", "bytes */1" } };
    m_server->setResponseSequence("/shrinking.bin",
                                  { announced, shrunk, TestHttpServer::generated(2000, 60) });
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/shrinking.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(readFile(manager->info(id).filePath), TestHttpServer::patternBytes(60, 0, 2000));
    // The log says where the download had got to, how long the file is now, and what happens next.
    QStringList said;
    for (const heiko::LogRecord &record : m_log->recordsSince(0)) {
        if (record.message.contains(u"HTTP 416"_s))
            said.append(record.message);
    }
    QCOMPARE(said.size(), 1);
    QVERIFY2(said.first().contains(u"from 1 B on"_s) && said.first().contains(u"the file is now 1 B"_s)
                 && said.first().contains(u"again from the start"_s),
             qPrintable(said.first()));
}

void TestDownloadManager::perHostCapAcrossDownloads()
{
    // Six workers, but at most two connections to one server: the other server's downloads still run.
    TestHttpServer other;
    QVERIFY(other.start());
    for (int i = 0; i < 4; ++i) {
        m_server->setResponse("/h" + QByteArray::number(i),
                              TestHttpServer::generated(100 * 1024, quint32(70 + i), 300 * 1024));
        other.setResponse("/o" + QByteArray::number(i),
                          TestHttpServer::generated(100 * 1024, quint32(80 + i), 300 * 1024));
    }
    m_options.maxConnectionsPerHost = 2;
    auto manager = makeManager(6);
    for (int i = 0; i < 4; ++i)
        manager->add({ m_server->url("/h" + QByteArray::number(i)), m_dir->path(), {}, false });
    for (int i = 0; i < 4; ++i)
        manager->add({ other.url("/o" + QByteArray::number(i)), m_dir->path(), {}, false });
    QCOMPARE(manager->busyWorkers(), 4); // 2 + 2, although 6 workers are free
    QVERIFY(waitIdle(*manager));
    QCOMPARE(m_server->maxConcurrentRequests(), 2);
    QCOMPARE(other.maxConcurrentRequests(), 2);
    QCOMPARE(manager->stateCounts().finished, 8);
}

void TestDownloadManager::retryWaitDoesNotHoldBackOtherServers()
{
    // A download waits to retry while its server's one connection goes to the next download from it. The
    // scheduler stops looking through the queue once everything left is held back; the download waiting to
    // retry must not be counted twice there, or a third server's download is left waiting with a worker free.
    TestHttpServer other;
    QVERIFY(other.start());
    TestHttpServer third;
    QVERIFY(third.start());
    m_server->setResponseSequence("/a1", { status(500), TestHttpServer::generated(100, 90) });
    m_server->setResponse(
        "/a2", TestHttpServer::generated(1024 * 1024, 91, 64 * 1024)); // slow: runs for the whole test
    other.setResponse("/s", TestHttpServer::generated(1024 * 1024, 92, 64 * 1024));
    third.setResponse("/b", TestHttpServer::generated(1024 * 1024, 93, 64 * 1024));
    m_options.maxConnectionsPerHost = 1;
    m_options.retryBaseDelay = std::chrono::seconds(60);
    auto manager = makeManager(1);
    const int a1 = manager->add({ m_server->url("/a1"), m_dir->path(), {}, false });
    QTRY_VERIFY_WITH_TIMEOUT(manager->info(a1).retryAtMs > 0, kWaitMs); // failed once, waits to retry
    manager->add({ other.url("/s"), m_dir->path(), {}, false });
    QCOMPARE(manager->busyWorkers(), 1);
    const int a2 = manager->add({ m_server->url("/a2"), m_dir->path(), {}, false });
    const int b = manager->add({ third.url("/b"), m_dir->path(), {}, false });
    QCOMPARE(manager->busyWorkers(), 1); // the one worker runs /s; a1 waits, a2 and b are queued

    manager->setMaxWorkers(3);
    QCOMPARE(manager->info(a2).state, DownloadState::Running);
    QCOMPARE(manager->info(b).state, DownloadState::Running);
    QCOMPARE(manager->busyWorkers(), 3);
    QCOMPARE(manager->info(a1).state, DownloadState::Queued);
}

void TestDownloadManager::downloadSpeedLimitHoldsAndChangesLive()
{
    constexpr qint64 size = 600 * 1024;
    m_server->setResponse("/limited.bin", TestHttpServer::generated(size, 90));
    m_options.downloadRateLimit = 200 * 1024;
    auto manager = makeManager();
    QElapsedTimer clock;
    clock.start();
    const int id = manager->add({ m_server->url("/limited.bin"), m_dir->path(), {}, false });
    QCOMPARE(manager->info(id).rateLimit, 200 * 1024);
    // A second's worth at the limit, then the limit is lifted and the rest comes at once.
    QTRY_VERIFY_WITH_TIMEOUT(manager->info(id).bytesReceived >= 200 * 1024, kWaitMs);
    const qint64 firstPart = clock.elapsed();
    QVERIFY2(firstPart >= 700,
             qPrintable(u"200 KiB arrived after %1 ms under a 200 KiB/s limit"_s.arg(firstPart)));
    QVERIFY(manager->info(id).bytesReceived < size); // the limit held it back
    manager->setRateLimit(id, 0);
    QVERIFY(waitIdle(*manager));
    QCOMPARE(readFile(m_dir->filePath(u"limited.bin"_s)), TestHttpServer::patternBytes(90, 0, size));
}

void TestDownloadManager::overallSpeedLimitCapsTogether()
{
    constexpr qint64 size = 200 * 1024;
    m_server->setResponse("/a.bin", TestHttpServer::generated(size, 91));
    m_server->setResponse("/b.bin", TestHttpServer::generated(size, 92));
    m_options.overallRateLimit = 200 * 1024;
    m_options.timeout = std::chrono::seconds(5); // the watchdog must not take a held-back read for a stall
    auto manager = makeManager(2);
    QElapsedTimer clock;
    clock.start();
    manager->add({ m_server->url("/a.bin"), m_dir->path(), {}, false });
    manager->add({ m_server->url("/b.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    // 400 KiB through a 200 KiB/s limit: not under 1.5 s (a burst of 0.1 s is allowed), however many workers.
    QVERIFY2(clock.elapsed() >= 1500, qPrintable(u"took %1 ms"_s.arg(clock.elapsed())));
    QCOMPARE(manager->stateCounts().finished, 2);
    QCOMPARE(readFile(m_dir->filePath(u"a.bin"_s)), TestHttpServer::patternBytes(91, 0, size));
    QCOMPARE(readFile(m_dir->filePath(u"b.bin"_s)), TestHttpServer::patternBytes(92, 0, size));
}

void TestDownloadManager::collisionPolicy_data()
{
    QTest::addColumn<int>("policy");
    QTest::addColumn<QStringList>("files");
    QTest::addColumn<QString>("newFile"); // where the download's bytes end up; empty: nowhere
    QTest::newRow("rename") << int(heiko::CollisionPolicy::Rename)
                            << QStringList { u"song (1).mp3"_s, u"song.mp3"_s } << u"song (1).mp3"_s;
    QTest::newRow("overwrite") << int(heiko::CollisionPolicy::Overwrite) << QStringList { u"song.mp3"_s }
                               << u"song.mp3"_s;
    QTest::newRow("skip") << int(heiko::CollisionPolicy::Skip) << QStringList { u"song.mp3"_s } << QString();
}

void TestDownloadManager::collisionPolicy()
{
    QFETCH(int, policy);
    QFETCH(QStringList, files);
    QFETCH(QString, newFile);
    QVERIFY(writeFile(m_dir->filePath(u"song.mp3"_s), "the old song"));
    m_server->setResponse("/song.mp3", TestHttpServer::generated(5000, 46));
    m_options.collisionPolicy = heiko::CollisionPolicy(policy);
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/song.mp3"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(filesInDir(), files);
    const QByteArray fresh = TestHttpServer::patternBytes(46, 0, 5000);
    if (newFile.isEmpty()) {
        QCOMPARE(readFile(m_dir->filePath(u"song.mp3"_s)), "the old song"_ba);
        QCOMPARE(manager->info(id).filePath, m_dir->filePath(u"song.mp3"_s));
        manager->remove(id, true); // a skipped file was never ours to delete
        QCOMPARE(readFile(m_dir->filePath(u"song.mp3"_s)), "the old song"_ba);
    } else {
        QCOMPARE(readFile(m_dir->filePath(newFile)), fresh);
        QCOMPARE(manager->info(id).filePath, m_dir->filePath(newFile));
        if (newFile != u"song.mp3"_s)
            QCOMPARE(readFile(m_dir->filePath(u"song.mp3"_s)), "the old song"_ba);
    }
}

void TestDownloadManager::overloadedHostCoolsDown()
{
    // One worker. /a is overloaded (503, Retry-After: 1): /b on the same host must wait for the cool-down,
    // while /c on another host goes ahead at once.
    TestHttpServer other;
    QVERIFY(other.start());
    Response busy = status(503);
    busy.headers = { { "Retry-After", "1" } };
    m_server->setResponseSequence("/a", { busy, TestHttpServer::generated(100, 50) });
    m_server->setResponse("/b", TestHttpServer::generated(100, 51));
    other.setResponse("/c", TestHttpServer::generated(100, 52));
    m_options.retryBaseDelay = std::chrono::milliseconds(10);
    auto manager = makeManager(1);
    const int a = manager->add({ m_server->url("/a"), m_dir->path(), {}, false });
    const int b = manager->add({ m_server->url("/b"), m_dir->path(), {}, false });
    const int c = manager->add({ other.url("/c"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    for (const int id : { a, b, c })
        QCOMPARE(manager->info(id).state, DownloadState::Finished);
    qint64 coolDownAt = 0;
    qint64 startB = 0;
    qint64 startC = 0;
    for (const heiko::LogRecord &record : m_log->recordsSince(0)) {
        if (record.message.startsWith(u"[cool-down]"_s))
            coolDownAt = record.timeMs;
        if (record.message.startsWith(u"[download start]"_s) && record.downloadId == b)
            startB = record.timeMs;
        if (record.message.startsWith(u"[download start]"_s) && record.downloadId == c)
            startC = record.timeMs;
    }
    QVERIFY(coolDownAt > 0);
    QVERIFY2(startB - coolDownAt >= 900,
             qPrintable(u"b started %1 ms after the cool-down began"_s.arg(startB - coolDownAt)));
    QVERIFY2(startC < startB, "the other host's download should not wait");
}

void TestDownloadManager::removedFolderIsNoticedWhileDownloading_data()
{
    QTest::addColumn<int>("connections");
    QTest::addColumn<bool>("wholeFolder");
    QTest::newRow("folder, one connection") << 1 << true;
    QTest::newRow("folder, in pieces") << 4 << true;
    QTest::newRow("the .part only") << 1 << false;
}

void TestDownloadManager::removedFolderIsNoticedWhileDownloading()
{
    // The target folder (or just the .part) is deleted while the download runs. Writes go on into the open,
    // nameless file; without a look the download would run to the end and fail at the rename, every byte
    // lost. It must fail at the next sync (every 2 s), saying what happened and what to do.
    QFETCH(int, connections);
    QFETCH(bool, wholeFolder);
    constexpr qint64 size = 8 * 1024 * 1024;
    m_server->setResponse("/gone.bin", TestHttpServer::generated(size, 121, 512 * 1024)); // 16 s in all
    m_options.connectionsPerFile = connections;
    const QString folder = m_dir->filePath(u"target"_s);
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/gone.bin"), folder, {}, false });
    QTRY_VERIFY_WITH_TIMEOUT(manager->info(id).bytesReceived > 256 * 1024, kWaitMs);
    if (wholeFolder)
        QVERIFY(QDir(folder).removeRecursively());
    else
        QVERIFY(QFile::remove(folder + u"/gone.bin.part"_s));
    QElapsedTimer noticed;
    noticed.start();
    QTRY_COMPARE_WITH_TIMEOUT(manager->info(id).state, DownloadState::Failed, kWaitMs);
    QVERIFY2(noticed.elapsed() < 8000, "noticed only after the whole body had arrived");
    const DownloadError error = manager->info(id).error;
    QCOMPARE(error.kind(), DownloadError::Kind::Disk);
    if (wholeFolder)
        QVERIFY2(error.message().contains(u"was removed"_s) && error.message().contains(folder),
                 qPrintable(error.message()));
    else
        QVERIFY2(error.message().contains(u"gone.bin.part was deleted"_s), qPrintable(error.message()));
}

void TestDownloadManager::notEnoughDiskSpaceFailsAtOnce()
{
    if (!QStorageInfo(m_dir->path()).isValid())
        QSKIP("the free space of the temporary folder is unknown here (a chroot without its mount in /proc)");
    Response huge;
    huge.body = "x";
    huge.contentLengthOverride = qint64(1) << 56; // 64 PB: more than any disk has free
    m_server->setResponse("/huge.iso", huge);
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/huge.iso"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    const heiko::DownloadInfo info = manager->info(id);
    QCOMPARE(info.state, DownloadState::Failed);
    QCOMPARE(info.error.kind(), DownloadError::Kind::Disk);
    QVERIFY2(info.error.message().contains(u"not enough disk space"_s)
                 && info.error.message().contains(u"free"_s),
             qPrintable(info.error.message()));
    QCOMPARE(info.attempt, 1); // not retried: more space will not appear by itself
    QVERIFY(filesInDir().isEmpty());
    QVERIFY2(info.error.message().contains(u"huge.iso"_s), qPrintable(info.error.message()));
    // The message names the file as it would have been saved: the name the user chose, if any.
    const int named = manager->add({ m_server->url("/huge.iso"), m_dir->path(), u"mine.iso"_s, false });
    QVERIFY(waitIdle(*manager));
    const QString message = manager->info(named).error.message();
    QVERIFY2(message.contains(u"mine.iso"_s) && !message.contains(u"huge.iso"_s), qPrintable(message));
}

void TestDownloadManager::partReplacedBySymlinkIsNotWrittenThrough()
{
#if !defined(Q_OS_UNIX)
    QSKIP("symbolic links");
#else
    // A paused download's .part is swapped for a link to a file elsewhere; resuming must not write there.
    QTemporaryDir elsewhere;
    const QString victim = elsewhere.filePath(u"victim.txt"_s);
    QVERIFY(writeFile(victim, "precious"));
    m_server->setResponse("/p.bin", TestHttpServer::generated(1024 * 1024, 53, 512 * 1024));
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/p.bin"), m_dir->path(), {}, false });
    QTRY_VERIFY_WITH_TIMEOUT(manager->info(id).bytesReceived > 64 * 1024, kWaitMs);
    manager->pause(id);
    QVERIFY(waitIdle(*manager));
    const QString part = m_dir->filePath(u"p.bin.part"_s);
    QVERIFY(QFile::remove(part));
    QVERIFY(QFile::link(victim, part));
    manager->resume(id);
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(readFile(victim), "precious"_ba);
    QVERIFY(QFileInfo(part).isSymLink()); // left alone
    QVERIFY(manager->info(id).filePath != m_dir->filePath(u"p.bin"_s)
            || !QFileInfo(m_dir->filePath(u"p.bin"_s)).isSymLink());
    QCOMPARE(readFile(manager->info(id).filePath), TestHttpServer::patternBytes(53, 0, 1024 * 1024));
#endif
}

void TestDownloadManager::lastModifiedGuardsResumeOnlyWhenStrong_data()
{
    QTest::addColumn<QByteArray>("date");
    QTest::addColumn<bool>("ifRange");
    QTest::newRow("sent long after the change") << "Mon, 01 Jan 2024 00:00:30 GMT"_ba << true;
    QTest::newRow("sent in the same second") << "Mon, 01 Jan 2024 00:00:00 GMT"_ba << false;
    QTest::newRow("no Date") << QByteArray() << false;
}

void TestDownloadManager::lastModifiedGuardsResumeOnlyWhenStrong()
{
    QFETCH(QByteArray, date);
    QFETCH(bool, ifRange);
    const QByteArray modified = "Mon, 01 Jan 2024 00:00:00 GMT";
    Response cut = TestHttpServer::generated(1024 * 1024, 54);
    cut.etag.clear(); // only Last-Modified to go by
    cut.lastModified = modified;
    if (!date.isEmpty())
        cut.headers = { { "Date", date } };
    cut.cutAfter = 300 * 1024;
    Response rest = cut;
    rest.cutAfter = -1;
    m_server->setResponseSequence("/lm.bin", { cut, rest });
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/lm.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QByteArray sentIfRange;
    for (const TestHttpServer::RecordedRequest &request : m_server->requests()) {
        if (!request.header("Range").isEmpty())
            sentIfRange = request.header("If-Range");
    }
    QCOMPARE(sentIfRange, ifRange ? modified : QByteArray());
    QCOMPARE(readFile(m_dir->filePath(u"lm.bin"_s)), TestHttpServer::patternBytes(54, 0, 1024 * 1024));
}

void TestDownloadManager::encodedBodyIsNeverResumed()
{
    // A server that compresses anyway: offsets into the encoded bytes mean nothing, so a retry starts over.
    Response encoded = TestHttpServer::generated(200 * 1024, 55);
    encoded.headers = { { "Content-Encoding", "gzip" } };
    encoded.cutAfter = 50 * 1024;
    Response whole = TestHttpServer::generated(200 * 1024, 55);
    whole.headers = { { "Content-Encoding", "gzip" } };
    m_server->setResponseSequence("/z.bin", { encoded, whole });
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/z.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    for (const TestHttpServer::RecordedRequest &request : m_server->requests())
        QVERIFY(request.header("Range").isEmpty());
    // Stored as sent: Heiko asked for identity and does not decode (no decompression bomb either).
    QCOMPARE(readFile(m_dir->filePath(u"z.bin"_s)), TestHttpServer::patternBytes(55, 0, 200 * 1024));
}

void TestDownloadManager::trickleCompletes()
{
    m_server->setResponse("/trickle.txt", TestHttpServer::generated(600, 56, 400)); // a few bytes per packet
    auto manager = makeManager();
    QList<qint64> seen;
    connect(manager.get(), &DownloadManager::progressUpdated, this,
            [&](const QList<int> &ids) { seen.append(manager->info(ids.first()).bytesReceived); });
    const int id = manager->add({ m_server->url("/trickle.txt"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(readFile(m_dir->filePath(u"trickle.txt"_s)), TestHttpServer::patternBytes(56, 0, 600));
    QVERIFY(seen.size() >= 3); // progress moved in steps, never backwards
    QVERIFY(std::is_sorted(seen.cbegin(), seen.cend()));
}

void TestDownloadManager::chunkedWinsOverContentLength()
{
    Response both = TestHttpServer::generated(70'000, 57);
    both.chunked = true;
    both.headers = { { "Content-Length", "10" } }; // a lie next to chunked framing: RFC 9112 says ignore it
    m_server->setResponse("/both.bin", both);
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/both.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(readFile(m_dir->filePath(u"both.bin"_s)), TestHttpServer::patternBytes(57, 0, 70'000));
}

void TestDownloadManager::headerFloodIsRefused()
{
    Response flood = TestHttpServer::generated(100, 58);
    for (int i = 0; i < 5000; ++i)
        flood.headers.append({ "X-Flood-" + QByteArray::number(i), QByteArray(200, 'a') });
    m_server->setResponse("/flood", flood);
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/flood"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    // A 1 MB header section is refused as soon as it passes one of the parser's limits (fields, bytes);
    // nothing is written, and it is not retried: such a server will do it again.
    const heiko::DownloadInfo info = manager->info(id);
    QCOMPARE(info.state, DownloadState::Failed);
    QCOMPARE(info.error.kind(), DownloadError::Kind::Protocol);
    QVERIFY2(info.error.message().contains(u"header"_s), qPrintable(info.error.message()));
    QCOMPARE(info.attempt, 1);
    QVERIFY(filesInDir().isEmpty());
}

void TestDownloadManager::savedStateRestoresAndResumesFromSyncedBytes()
{
    m_server->setResponse("/saved.bin", TestHttpServer::generated(1024 * 1024, 59, 512 * 1024));
    QList<heiko::SavedDownload> saved;
    {
        auto first = makeManager();
        const int id = first->add({ m_server->url("/saved.bin"), m_dir->path(), {}, false });
        QTRY_VERIFY_WITH_TIMEOUT(first->info(id).bytesReceived > 100 * 1024, kWaitMs);
        first->pause(id);
        QVERIFY(waitIdle(*first));
        saved = first->savedState();
    }
    QCOMPARE(saved.size(), 1);
    QCOMPARE(saved.first().state, DownloadState::Paused);
    const qint64 durable = saved.first().durableBytes;
    QVERIFY(durable > 100 * 1024);
    // What a power loss can leave: bytes past the last sync that are not the file's.
    QFile part(saved.first().files.partPath);
    QVERIFY(part.open(QIODevice::Append));
    part.write(QByteArray(5000, '\0'));
    part.close();

    m_server->setResponse("/saved.bin", TestHttpServer::generated(1024 * 1024, 59));
    auto second = makeManager();
    const int id = second->restore(saved.first());
    QCOMPARE(second->info(id).state, DownloadState::Paused);
    QCOMPARE(second->info(id).bytesReceived, durable);
    second->resume(id);
    QVERIFY(waitIdle(*second));
    QCOMPARE(second->info(id).state, DownloadState::Finished);
    QCOMPARE(m_server->requests().last().header("Range"), "bytes=" + QByteArray::number(durable) + '-');
    QCOMPARE(readFile(m_dir->filePath(u"saved.bin"_s)), TestHttpServer::patternBytes(59, 0, 1024 * 1024));
}

namespace {

// "bytes=S-E" or "bytes=S-" of a request: S, or -1 without a Range.
qint64 rangeStart(const TestHttpServer::RecordedRequest &request)
{
    const QByteArray range = request.header("Range");
    if (!range.startsWith("bytes="))
        return -1;
    return range.mid(6, range.indexOf('-') - 6).toLongLong();
}

} // namespace

void TestDownloadManager::segmentedDownloadUsesSeveralConnections()
{
    // 6 MiB at 3 MiB/s per connection: over 4 connections the pieces are fetched side by side.
    constexpr qint64 size = 6 * 1024 * 1024;
    m_server->setResponse("/seg.bin", TestHttpServer::generated(size, 101, 3 * 1024 * 1024));
    m_options.connectionsPerFile = 4;
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/seg.bin"), m_dir->path(), {}, false });
    QTRY_COMPARE_WITH_TIMEOUT(manager->info(id).segments.size(), 4, kWaitMs); // the window sees the pieces
    QTRY_COMPARE_WITH_TIMEOUT(manager->info(id).connections, 4,
                              kWaitMs); // and how many connections fetch them
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).connections, 0);
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QVERIFY(manager->info(id).segments.isEmpty());
    QCOMPARE(readFile(m_dir->filePath(u"seg.bin"_s)), TestHttpServer::patternBytes(101, 0, size));
    QCOMPARE(m_server->maxConcurrentRequests(), 4);
    const QList<TestHttpServer::RecordedRequest> requests = m_server->requests();
    QCOMPARE(requests.size(), 4);
    QCOMPARE(requests.first().header("Range"),
             QByteArray()); // the first asks for the file and learns its size
    QSet<int> connections;
    QList<QByteArray> ranges;
    for (const auto &request : requests) {
        connections.insert(request.connectionId);
        if (!request.header("Range").isEmpty())
            ranges.append(request.header("Range"));
    }
    QCOMPARE(connections.size(), 4); // a connection of its own for every piece
    std::sort(ranges.begin(), ranges.end());
    QCOMPARE(
        ranges,
        (QList<QByteArray> { "bytes=1572864-3145727", "bytes=3145728-4718591", "bytes=4718592-6291455" }));
    QVERIFY(!QFile::exists(m_dir->filePath(u"seg.bin.part"_s)));
}

void TestDownloadManager::segmentsNeedRangesAndSize_data()
{
    QTest::addColumn<qint64>("size");
    QTest::addColumn<bool>("acceptRanges");
    QTest::addColumn<bool>("sendLength");
    QTest::addColumn<bool>("chunked");
    QTest::newRow("smaller than two pieces of 1 MiB") << qint64(2 * 1024 * 1024 - 1) << true << true << false;
    QTest::newRow("no ranges") << qint64(4 * 1024 * 1024) << false << true << false;
    // Both also check that a large body without a Content-Length is read to its end at once.
    QTest::newRow("no length, chunked") << qint64(4 * 1024 * 1024) << true << false << true;
    QTest::newRow("no length, ends with the connection") << qint64(4 * 1024 * 1024) << true << false << false;
}

void TestDownloadManager::segmentsNeedRangesAndSize()
{
    QFETCH(qint64, size);
    QFETCH(bool, acceptRanges);
    QFETCH(bool, sendLength);
    QFETCH(bool, chunked);
    Response response = TestHttpServer::generated(size, 102);
    response.acceptRanges = acceptRanges;
    response.sendContentLength = sendLength;
    response.chunked = chunked;
    m_server->setResponse("/one.bin", response);
    m_options.connectionsPerFile = 8;
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/one.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(m_server->requestCount("/one.bin"), 1); // one connection, one request
    QCOMPARE(readFile(m_dir->filePath(u"one.bin"_s)), TestHttpServer::patternBytes(102, 0, size));
}

void TestDownloadManager::freeConnectionStealsHalfOfASlowPiece()
{
    // 16 MiB in 4 pieces; one of the ranged responses trickles at 1 MiB/s, the others are fast. Without work
    // stealing that piece alone takes 4 s; a connection that finishes takes the second half of it instead.
    constexpr qint64 size = 16 * 1024 * 1024;
    const Response fast = TestHttpServer::generated(size, 103);
    const Response slow = TestHttpServer::generated(size, 103, 1024 * 1024);
    m_server->setResponseSequence("/steal.bin", { fast, slow, fast });
    m_options.connectionsPerFile = 4;
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/steal.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(readFile(m_dir->filePath(u"steal.bin"_s)), TestHttpServer::patternBytes(103, 0, size));
    // The slow piece was the second request's; a later request starts inside its range: a stolen half.
    const QList<TestHttpServer::RecordedRequest> requests = m_server->requests();
    QVERIFY(requests.size() > 4);
    const qint64 slowStart = rangeStart(requests.at(1));
    const qint64 slowEnd = slowStart + size / 4;
    bool stolen = false;
    for (qsizetype i = 4; i < requests.size(); ++i) {
        const qint64 start = rangeStart(requests.at(i));
        stolen = stolen || (start > slowStart && start < slowEnd);
    }
    QVERIFY2(stolen, "no request took over part of the slow piece");
}

void TestDownloadManager::noStealingWithoutAValidator()
{
    // A server with neither ETag nor Last-Modified: nothing to send in If-Range. The file changes while one
    // piece trickles; a stolen half asked for now would be of the new version, and the file half of each.
    // Without a validator a free connection rests instead, and the file is the one version the pieces
    // asked for at the first answer are of.
    // Pieces of 3 MiB: the slow one has more than two pieces' minimum left when the others are done.
    constexpr qint64 size = 12 * 1024 * 1024;
    Response fast = TestHttpServer::generated(size, 105);
    Response slow = TestHttpServer::generated(size, 105, 3 * 1024 * 1024);
    Response changed = TestHttpServer::generated(size, 106);
    for (Response *r : { &fast, &slow, &changed })
        r->etag.clear();
    m_server->setResponseSequence("/unvalidated.bin", { fast, slow, fast, fast, changed });
    m_options.connectionsPerFile = 4;
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/unvalidated.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(m_server->requestCount("/unvalidated.bin"), 4); // the first answer and three pieces
    QVERIFY(readFile(m_dir->filePath(u"unvalidated.bin"_s)) == TestHttpServer::patternBytes(105, 0, size));
}

void TestDownloadManager::refusedConnectionIsDroppedAndItsPieceTakenOver()
{
    // Servers often limit connections per client: two of the ranged requests get 503. The others finish the
    // whole file, taking over the refused pieces.
    constexpr qint64 size = 8 * 1024 * 1024;
    const Response ok = TestHttpServer::generated(size, 104, 8 * 1024 * 1024);
    m_server->setResponseSequence("/limited.bin", { ok, status(503), status(503), ok });
    m_options.connectionsPerFile = 4;
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/limited.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(manager->info(id).attempt, 1); // no retry of the whole download was needed
    QCOMPARE(readFile(m_dir->filePath(u"limited.bin"_s)), TestHttpServer::patternBytes(104, 0, size));
    int dropped = 0;
    for (const heiko::LogRecord &record : m_log->recordsSince(0))
        dropped += record.message.contains(u"[segments] a connection"_s)
            && record.message.contains(u"HTTP 503"_s);
    QCOMPARE(dropped, 2);
}

void TestDownloadManager::refusedConnectionsAreNotReplacedByNewOnes()
{
    // A server that allows two connections refuses the other two pieces' with 503. The download goes on
    // with two: it does not open new connections in their place at every tick, each refused again.
    constexpr qint64 size = 32 * 1024 * 1024;
    const Response ok = TestHttpServer::generated(size, 128, 2 * 1024 * 1024);
    m_server->setResponseSequence("/two.bin", { ok, ok, status(503) });
    m_options.connectionsPerFile = 4;
    m_options.timeout = std::chrono::seconds(2); // the attempt's tick every 0.5 s
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/two.bin"), m_dir->path(), {}, false });
    // 6 MiB in (about 1.5 s): two ticks or more after the refusals, and seconds before either piece of
    // 8 MiB is done and its connection takes a refused one's (a legitimate fifth request).
    QTRY_VERIFY_WITH_TIMEOUT(manager->info(id).bytesReceived > 6 * 1024 * 1024, kWaitMs);
    QCOMPARE(m_server->requestCount("/two.bin"), 4);
    manager->cancel(id);
    QVERIFY(waitIdle(*manager));
}

void TestDownloadManager::downloadShortOfPlacesDoesNotGrowAfterADrop()
{
    // The server cap allows two connections; the download asks for four and gets two. Its second one is
    // refused (503) and gives its place back. The download was short of places, and one is free now, but
    // the server has said what it allows: the attempt does not take the place again at its next ticks.
    constexpr qint64 size = 32 * 1024 * 1024;
    const Response ok = TestHttpServer::generated(size, 131, 2 * 1024 * 1024);
    m_server->setResponseSequence("/short.bin", { ok, status(503), ok });
    m_options.connectionsPerFile = 4;
    m_options.maxConnectionsPerHost = 2;
    m_options.timeout = std::chrono::seconds(2); // the attempt's tick every 0.5 s
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/short.bin"), m_dir->path(), {}, false });
    // 3 MiB in (about 1.5 s): ticks after the refusal, and seconds before the first connection's piece of
    // 16 MiB is done and it takes the refused one's (a legitimate third request).
    QTRY_VERIFY_WITH_TIMEOUT(manager->info(id).bytesReceived > 3 * 1024 * 1024, kWaitMs);
    QCOMPARE(m_server->requestCount("/short.bin"), 2);
    manager->cancel(id);
    QVERIFY(waitIdle(*manager));
}

void TestDownloadManager::restingConnectionTakesTheFirstPlaceBack()
{
    // Two connections, and a server that allows two. The second finishes its piece and, with nothing left to
    // take, gives its place back, which a queued download takes. Then the first connection stalls and is
    // dropped: the place it leaves is the download's own, and the resting connection uses it for the rest
    // of the piece, instead of asking the full cap for another and failing the attempt.
    constexpr qint64 size = 4 * 1024 * 1024;
    Response stalled = TestHttpServer::generated(size, 129);
    stalled.stallAfter = 1024 * 1024;
    m_server->setResponseSequence("/stalls.bin", { stalled, TestHttpServer::generated(size, 129) });
    m_server->setResponse("/slow.bin", TestHttpServer::generated(1024 * 1024, 130, 256 * 1024));
    m_options.connectionsPerFile = 2;
    m_options.maxConnectionsPerHost = 2;
    m_options.timeout = std::chrono::seconds(2);
    m_options.retries = 0;
    auto manager = makeManager(2);
    const int id = manager->add({ m_server->url("/stalls.bin"), m_dir->path(), {}, false });
    QTRY_COMPARE_WITH_TIMEOUT(manager->info(id).segments.size(), 2, kWaitMs);
    const int slow = manager->add({ m_server->url("/slow.bin"), m_dir->path(), {}, false });
    QTRY_COMPARE_WITH_TIMEOUT(manager->info(slow).state, DownloadState::Running, kWaitMs);
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(manager->info(id).attempt, 1);
    QVERIFY2(readFile(m_dir->filePath(u"stalls.bin"_s)) == TestHttpServer::patternBytes(129, 0, size),
             "the file is not the server's");
    QCOMPARE(manager->info(slow).state, DownloadState::Finished);
}

void TestDownloadManager::segmentedResumeWithAnEmptyFirstPiece()
{
    // The first piece belongs to the first, unranged response. When that connection got its head and then
    // nothing while the other pieces were synced, the download resumes at byte 0 with pieces to keep. It must
    // still ask for a range, with If-Range: a plain GET truncated the .part, and the pieces' counts then
    // called a file with 5 MiB of zeros finished.
    constexpr qint64 size = 8 * 1024 * 1024;
    Response stalled = TestHttpServer::generated(size, 111);
    stalled.stallAfter = 0;
    m_server->setResponseSequence("/hole.bin", { stalled, TestHttpServer::generated(size, 111, 512 * 1024) });
    m_options.connectionsPerFile = 4;
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/hole.bin"), m_dir->path(), {}, false });
    const auto syncedElsewhereOnly = [&] { // saved: bytes of a later piece, none of the first
        const QList<heiko::SavedDownload> saved = manager->savedState();
        if (saved.isEmpty() || saved.first().files.segments.size() < 2)
            return false;
        const QList<heiko::Segment> &pieces = saved.first().files.segments;
        return pieces.first().position == pieces.first().start
            && std::any_of(pieces.cbegin() + 1, pieces.cend(),
                           [](const heiko::Segment &piece) { return piece.position > piece.start; });
    };
    QTRY_VERIFY_WITH_TIMEOUT(syncedElsewhereOnly(), kWaitMs);
    manager->pause(id);
    QVERIFY(waitIdle(*manager));
    QVERIFY(syncedElsewhereOnly());
    m_server->releaseStalls();
    m_server->resetStatistics();
    m_server->setResponse("/hole.bin", TestHttpServer::generated(size, 111));
    manager->resume(id);
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QVERIFY2(readFile(m_dir->filePath(u"hole.bin"_s)) == TestHttpServer::patternBytes(111, 0, size),
             "the finished file differs from the server's");
    const QList<TestHttpServer::RecordedRequest> requests = m_server->requests();
    QVERIFY(!requests.isEmpty());
    QCOMPARE(requests.first().header("Range"), "bytes=0-"_ba);
    QVERIFY(!requests.first().header("If-Range").isEmpty());
}

void TestDownloadManager::segmentsSurvivePauseAndRestart()
{
    constexpr qint64 size = 16 * 1024 * 1024;
    m_server->setResponse("/resume.bin", TestHttpServer::generated(size, 105, 2 * 1024 * 1024));
    m_options.connectionsPerFile = 4;
    QList<heiko::SavedDownload> saved;
    {
        auto first = makeManager(1);
        const int id = first->add({ m_server->url("/resume.bin"), m_dir->path(), {}, false });
        QTRY_VERIFY_WITH_TIMEOUT(first->info(id).bytesReceived > 3 * 1024 * 1024, kWaitMs);
        first->pause(id);
        QVERIFY(waitIdle(*first));
        QCOMPARE(first->info(id).segments.size(),
                 4); // the window still shows the pieces of a paused download
        saved = first->savedState();
    }
    QCOMPARE(saved.size(), 1);
    const QList<heiko::Segment> pieces = saved.first().files.segments;
    QCOMPARE(pieces.size(), 4);
    QVERIFY(heiko::segments::isConsistent(pieces, size));
    for (const heiko::Segment &piece : pieces)
        QVERIFY2(piece.position > piece.start, "every piece had made progress before the pause");
    const qint64 done = size - heiko::segments::remainingBytes(pieces);
    QCOMPARE(saved.first().durableBytes, done);

    // Another process (here: another manager) continues each piece where it was synced.
    m_server->resetStatistics();
    m_server->setResponse("/resume.bin", TestHttpServer::generated(size, 105));
    auto second = makeManager(1);
    const int id = second->restore(saved.first());
    QCOMPARE(second->info(id).bytesReceived, done);
    second->resume(id);
    QVERIFY(waitIdle(*second));
    QCOMPARE(second->info(id).state, DownloadState::Finished);
    QCOMPARE(readFile(m_dir->filePath(u"resume.bin"_s)), TestHttpServer::patternBytes(105, 0, size));
    const QList<TestHttpServer::RecordedRequest> requests = m_server->requests();
    QCOMPARE(requests.first().header("Range"), "bytes=" + QByteArray::number(pieces.first().position) + '-');
    for (const auto &request : requests) {
        const qint64 start = rangeStart(request);
        QVERIFY2(start >= 0, "after a pause nothing is fetched from the beginning");
        for (const heiko::Segment &piece : pieces)
            QVERIFY2(start < piece.start || start >= piece.position,
                     "bytes already on disk were fetched again");
    }
}

void TestDownloadManager::segmentedPartCutShortIsNotFinishedShort()
{
    // A segmented download whose last piece finished first (the saved pieces no longer list it) is paused,
    // and its .part loses its tail between runs (a tool, a partial copy). Continuing only the open piece
    // would call a file without its tail finished: the resume sees the .part shorter than the bytes its
    // pieces call written, and starts over.
    constexpr qint64 size = 4 * 1024 * 1024;
    const Response slow = TestHttpServer::generated(size, 151, 256 * 1024); // the first answer: piece 1
    const Response fast = TestHttpServer::generated(size, 151); // piece 2, done at once
    m_server->setResponseSequence("/cut.bin", { slow, fast });
    m_options.connectionsPerFile = 2;
    QList<heiko::SavedDownload> saved;
    {
        auto first = makeManager(1);
        const int id = first->add({ m_server->url("/cut.bin"), m_dir->path(), {}, false });
        QTRY_VERIFY_WITH_TIMEOUT(first->info(id).bytesReceived > 2 * 1024 * 1024 + 300 * 1024, kWaitMs);
        first->pause(id);
        QVERIFY(waitIdle(*first));
        saved = first->savedState();
    }
    QCOMPARE(saved.size(), 1);
    const QList<heiko::Segment> pieces = saved.first().files.segments;
    QVERIFY(!pieces.isEmpty());
    qint64 furthest = 0;
    qint64 lastEnd = 0;
    for (const heiko::Segment &piece : pieces) {
        furthest = qMax(furthest, piece.position);
        lastEnd = qMax(lastEnd, piece.end);
    }
    QVERIFY2(lastEnd < size, "the last piece is not done: this test needs it done first");
    QVERIFY(QFile::resize(saved.first().files.partPath, furthest)); // the tail is gone, the rest intact

    m_server->setResponse("/cut.bin", TestHttpServer::generated(size, 151));
    auto second = makeManager(1);
    const int id = second->restore(saved.first());
    second->resume(id);
    QVERIFY(waitIdle(*second));
    QCOMPARE(second->info(id).state, DownloadState::Finished);
    const QByteArray got = readFile(second->info(id).filePath);
    QVERIFY2(got == TestHttpServer::patternBytes(151, 0, size),
             qPrintable(u"the file has %1 bytes of %2, or other bytes"_s.arg(got.size()).arg(size)));
}

void TestDownloadManager::partBeingWrittenByAnotherProcessIsLeftAlone()
{
    // A second run of the same list (a cron job overlapping the one before) finds the first run's saved entry
    // and would continue its .part while the first still writes it: its start cuts the file to the synced
    // length under the other's feet. The .part is locked while it is written; the second leaves it alone,
    // says why, and lets go of it (its cancel must not delete it).
    constexpr qint64 size = 2 * 1024 * 1024;
    m_server->setResponse("/shared.bin", TestHttpServer::generated(size, 141, 512 * 1024));
    auto first = makeManager(1);
    const int id = first->add({ m_server->url("/shared.bin"), m_dir->path(), {}, false });
    const QString part = m_dir->filePath(u"shared.bin.part"_s);
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(part).size() > 256 * 1024, kWaitMs);
    const QList<heiko::SavedDownload> saved = first->savedState();
    QCOMPARE(saved.size(), 1);

    auto second = makeManager(1);
    const int other = second->restore(saved.first());
    second->resume(other);
    QVERIFY(waitIdle(*second));
    QCOMPARE(second->info(other).state, DownloadState::Failed);
    QVERIFY2(second->info(other).error.message().contains(u"is being downloaded by another Heiko"_s),
             qPrintable(second->info(other).error.message()));
    second->cancel(other);
    QVERIFY(QFile::exists(part) || QFile::exists(m_dir->filePath(u"shared.bin"_s)));

    QVERIFY(waitIdle(*first));
    QCOMPARE(first->info(id).state, DownloadState::Finished);
    QVERIFY2(readFile(m_dir->filePath(u"shared.bin"_s)) == TestHttpServer::patternBytes(141, 0, size),
             "the file is not the server's");
}

void TestDownloadManager::pausedDownloadKeepsItsNameWhenItsPartIsDeleted()
{
    // Two files of one name from two places. A is paused and the user deletes its .part; B, added then, does
    // not take that name (A, resumed, would continue B's file as its own): the name stays A's.
    constexpr qint64 size = 1024 * 1024;
    m_server->setResponse("/a/file.bin", TestHttpServer::generated(size, 161, 256 * 1024));
    m_server->setResponse("/b/file.bin", TestHttpServer::generated(size, 162, 256 * 1024));
    auto manager = makeManager();
    const QString part = m_dir->filePath(u"file.bin.part"_s);
    const int a = manager->add({ m_server->url("/a/file.bin"), m_dir->path(), {}, false });
    QTRY_VERIFY_WITH_TIMEOUT(manager->info(a).bytesReceived > 64 * 1024, kWaitMs);
    manager->pause(a);
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(a).filePath, part);
    QVERIFY(QFile::remove(part));
    const int b = manager->add({ m_server->url("/b/file.bin"), m_dir->path(), {}, false });
    QTRY_VERIFY_WITH_TIMEOUT(manager->info(b).bytesReceived > 128 * 1024, kWaitMs);
    manager->pause(b);
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(b).filePath, m_dir->filePath(u"file (1).bin.part"_s));

    m_server->setResponse("/a/file.bin", TestHttpServer::generated(size, 161));
    m_server->setResponse("/b/file.bin", TestHttpServer::generated(size, 162));
    manager->resume(a);
    manager->resume(b);
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(a).state, DownloadState::Finished);
    QCOMPARE(manager->info(b).state, DownloadState::Finished);
    QCOMPARE(manager->info(a).filePath, m_dir->filePath(u"file.bin"_s));
    QVERIFY2(readFile(manager->info(a).filePath) == TestHttpServer::patternBytes(161, 0, size),
             "A's file is not A's bytes");
    QVERIFY2(readFile(manager->info(b).filePath) == TestHttpServer::patternBytes(162, 0, size),
             "B's file is not B's bytes");
}

void TestDownloadManager::removingADownloadWhosePartIsGoneDeletesNoOtherFile()
{
    // As above, then A is removed from the list ("its .part goes too"): B's unfinished file stays.
    constexpr qint64 size = 1024 * 1024;
    m_server->setResponse("/a/file.bin", TestHttpServer::generated(size, 171, 256 * 1024));
    m_server->setResponse("/b/file.bin", TestHttpServer::generated(size, 172, 256 * 1024));
    auto manager = makeManager();
    const QString part = m_dir->filePath(u"file.bin.part"_s);
    const int a = manager->add({ m_server->url("/a/file.bin"), m_dir->path(), {}, false });
    QTRY_VERIFY_WITH_TIMEOUT(manager->info(a).bytesReceived > 64 * 1024, kWaitMs);
    manager->pause(a);
    QVERIFY(waitIdle(*manager));
    QVERIFY(QFile::remove(part));
    const int b = manager->add({ m_server->url("/b/file.bin"), m_dir->path(), {}, false });
    QTRY_VERIFY_WITH_TIMEOUT(manager->info(b).bytesReceived > 128 * 1024, kWaitMs);
    manager->pause(b);
    QVERIFY(waitIdle(*manager));
    const QString bPart = manager->info(b).filePath;
    const qint64 bHad = QFileInfo(bPart).size();
    QVERIFY(bHad > 0);
    manager->remove(a, false);
    QVERIFY2(QFile::exists(bPart), "removing A deleted B's .part");
    QCOMPARE(QFileInfo(bPart).size(), bHad);
    // And the name is free again once A is gone.
    manager->resume(b);
    QVERIFY(waitIdle(*manager));
    const int c = manager->add({ m_server->url("/a/file.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(c).filePath, m_dir->filePath(u"file.bin"_s));
}

void TestDownloadManager::overwriteNeverReplacesAnotherDownloadsPart()
{
    // Under Overwrite, B's server names its file "report.pdf.part": the name of A's unfinished file. B must
    // not replace it (A would write on into a file without a name, fail, and its cancel delete B's file).
    m_options.collisionPolicy = heiko::CollisionPolicy::Overwrite;
    constexpr qint64 size = 1024 * 1024;
    m_server->setResponse("/a/report.pdf", TestHttpServer::generated(size, 181, 384 * 1024));
    Response named = TestHttpServer::generated(200 * 1024, 182);
    named.headers = { { "Content-Disposition", "attachment; filename=\"report.pdf.part\"" } };
    m_server->setResponse("/b/get", named);
    auto manager = makeManager();
    const int a = manager->add({ m_server->url("/a/report.pdf"), m_dir->path(), {}, false });
    QTRY_VERIFY_WITH_TIMEOUT(manager->info(a).bytesReceived > 64 * 1024, kWaitMs);
    const int b = manager->add({ m_server->url("/b/get"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(a).state, DownloadState::Finished);
    QCOMPARE(manager->info(b).state, DownloadState::Finished);
    QVERIFY(manager->info(b).filePath != m_dir->filePath(u"report.pdf.part"_s));
    QVERIFY2(readFile(manager->info(a).filePath) == TestHttpServer::patternBytes(181, 0, size),
             "A's file is not A's");
    QCOMPARE(readFile(manager->info(b).filePath), TestHttpServer::patternBytes(182, 0, 200 * 1024));
}

void TestDownloadManager::fileChangedDuringSegmentsStartsOver()
{
    // The first response is of version 1; by the time the pieces are asked for, version 2 is on the server:
    // If-Range gets the whole new file (200), and the download starts over and ends with version 2 only.
    constexpr qint64 size = 4 * 1024 * 1024;
    m_server->setResponseSequence(
        "/changed.bin",
        { TestHttpServer::generated(size, 106, 4 * 1024 * 1024), TestHttpServer::generated(size, 107) });
    m_options.connectionsPerFile = 2;
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/changed.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(manager->info(id).attempt, 2);
    QCOMPARE(readFile(m_dir->filePath(u"changed.bin"_s)), TestHttpServer::patternBytes(107, 0, size));
}

void TestDownloadManager::serverThatIgnoresRangesIsFetchedOverOneConnection()
{
    // "Accept-Ranges: bytes", but every request gets the whole file (a download script, a proxy): a piece's
    // 200 of the same file means ranges are ignored, not that the file changed. The download starts over
    // once, on one connection, instead of splitting again on every retry until it fails.
    constexpr qint64 size = 4 * 1024 * 1024;
    Response ignoring = TestHttpServer::generated(size, 123);
    ignoring.acceptRanges = false;
    ignoring.headers = { { "Accept-Ranges", "bytes" } };
    m_server->setResponse("/ignoring.bin", ignoring);
    m_options.connectionsPerFile = 4;
    m_options.retries = 2;
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/ignoring.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(manager->info(id).attempt, 2);
    QVERIFY2(readFile(m_dir->filePath(u"ignoring.bin"_s)) == TestHttpServer::patternBytes(123, 0, size),
             "the file is not the server's");
    QVERIFY(hasLogLine(u"[retry] ignoring.bin"_s));
    // The first attempt: its request and at most three pieces'; the second: one request.
    QVERIFY2(m_server->requestCount("/ignoring.bin") <= 5,
             qPrintable(QString::number(m_server->requestCount("/ignoring.bin"))));
}

void TestDownloadManager::pieceAnsweredWithOtherBytesIsDropped()
{
    // The second connection asks for its piece and gets a 206 for other bytes (the start of the file): that
    // connection is dropped and its piece fetched by the other; nothing of the wrong answer is written.
    constexpr qint64 size = 4 * 1024 * 1024;
    Response wrongPiece;
    wrongPiece.status = 206;
    wrongPiece.acceptRanges = false;
    wrongPiece.etag = "\"v122\"";
    wrongPiece.body = QByteArray(1024 * 1024, 'Z');
    wrongPiece.headers = { { "Content-Range", "bytes 0-1048575/4194304" } };
    m_server->setResponseSequence("/piece.bin",
                                  { TestHttpServer::generated(size, 122, 2 * 1024 * 1024), wrongPiece,
                                    TestHttpServer::generated(size, 122) });
    m_options.connectionsPerFile = 2;
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/piece.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(manager->info(id).attempt, 1); // the download went on: no start over
    QVERIFY2(readFile(m_dir->filePath(u"piece.bin"_s)) == TestHttpServer::patternBytes(122, 0, size),
             "the file is not the server's");
    const QList<TestHttpServer::RecordedRequest> requests = m_server->requests();
    QVERIFY(requests.size() >= 2);
    QVERIFY(!requests.at(1).header("Range").isEmpty()); // the wrong answer was to a piece's request
}

void TestDownloadManager::longRetryAfterIsCapped()
{
    // "Retry-After: 3600" is waited for at most retryMaxDelay (60 s by default; 300 ms here), not an hour.
    Response busy;
    busy.status = 503;
    busy.headers = { { "Retry-After", "3600" } };
    m_server->setResponseSequence("/later.bin", { busy, TestHttpServer::generated(1000, 123) });
    m_options.retryMaxDelay = std::chrono::milliseconds(300);
    auto manager = makeManager();
    const int id = manager->add({ m_server->url("/later.bin"), m_dir->path(), {}, false });
    QElapsedTimer elapsed;
    elapsed.start();
    QVERIFY(waitIdle(*manager, 20'000));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QVERIFY2(elapsed.elapsed() < 10'000, "the retry waited for the server's hour");
    QCOMPARE(m_server->requestCount("/later.bin"), 2);
}

void TestDownloadManager::piecesCountAgainstTheHostCap()
{
    // Two segmented downloads from one server that allows 4 connections: together they never use more.
    constexpr qint64 size = 8 * 1024 * 1024;
    m_server->setResponse("/a.bin", TestHttpServer::generated(size, 108, 4 * 1024 * 1024));
    m_server->setResponse("/b.bin", TestHttpServer::generated(size, 109, 4 * 1024 * 1024));
    m_options.connectionsPerFile = 4;
    m_options.maxConnectionsPerHost = 4;
    auto manager = makeManager(2);
    manager->add({ m_server->url("/a.bin"), m_dir->path(), {}, false });
    manager->add({ m_server->url("/b.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->stateCounts().finished, 2);
    QVERIFY2(m_server->maxConcurrentRequests() <= 4,
             qPrintable(QString::number(m_server->maxConcurrentRequests())));
    QVERIFY(m_server->maxConcurrentRequests() >= 3); // and the pieces did run side by side
    QCOMPARE(readFile(m_dir->filePath(u"a.bin"_s)), TestHttpServer::patternBytes(108, 0, size));
    QCOMPARE(readFile(m_dir->filePath(u"b.bin"_s)), TestHttpServer::patternBytes(109, 0, size));
}

void TestDownloadManager::piecesCountAgainstTheOverallCap()
{
    constexpr qint64 size = 8 * 1024 * 1024;
    m_server->setResponse("/c.bin", TestHttpServer::generated(size, 110, 4 * 1024 * 1024));
    m_options.connectionsPerFile = 8;
    m_options.maxConnections = 3;
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/c.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(m_server->maxConcurrentRequests(), 3);
    QCOMPARE(readFile(m_dir->filePath(u"c.bin"_s)), TestHttpServer::patternBytes(110, 0, size));
}

void TestDownloadManager::resumedPiecesTakeOnlyThePlacesTheyCanUse()
{
    // A .part fetched in pieces, with one piece of 1 MiB left: one connection can finish it, so the download
    // does not hold the server's other places while another download from it waits.
    constexpr qint64 size = 8 * 1024 * 1024;
    constexpr qint64 left = 1024 * 1024;
    m_server->setResponse("/big.bin", TestHttpServer::generated(size, 124, 512 * 1024));
    m_server->setResponse("/small.bin", TestHttpServer::generated(1000, 125));
    QByteArray part = TestHttpServer::patternBytes(124, 0, size - left);
    part.append(QByteArray(left, '\0'));
    QVERIFY(writeFile(m_dir->filePath(u"big.bin.part"_s), part));
    heiko::SavedDownload saved;
    saved.url = m_server->url("/big.bin");
    saved.directory = m_dir->path();
    saved.state = DownloadState::Paused;
    saved.files.fileName = u"big.bin"_s;
    saved.files.partPath = m_dir->filePath(u"big.bin.part"_s);
    saved.files.etag = "\"v124\"";
    saved.files.rangesSupported = true;
    saved.files.segments = { { size - left, size - left, size } };
    saved.bytesTotal = size;
    saved.durableBytes = size - left;
    m_options.connectionsPerFile = 4;
    m_options.maxConnectionsPerHost = 4;
    auto manager = makeManager(2);
    const int big = manager->restore(saved);
    manager->resume(big);
    // Its piece's bytes flow: the places it asks for are taken by now.
    QTRY_VERIFY_WITH_TIMEOUT(manager->info(big).bytesReceived > size - left, kWaitMs);
    const int small = manager->add({ m_server->url("/small.bin"), m_dir->path(), {}, false });
    QTRY_COMPARE_WITH_TIMEOUT(manager->info(small).state, DownloadState::Finished, kWaitMs);
    QCOMPARE(manager->info(big).state, DownloadState::Running); // the small one did not wait for it
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(big).state, DownloadState::Finished);
    QVERIFY2(readFile(m_dir->filePath(u"big.bin"_s)) == TestHttpServer::patternBytes(124, 0, size),
             "the file is not the server's");
    // It asked for one place, not for four it would give back at once: its log says what it uses.
    QStringList started;
    for (const heiko::LogRecord &record : m_log->recordsSince(0)) {
        if (record.message.startsWith(u"[segments] big.bin over"_s))
            started.append(record.message);
    }
    QCOMPARE(started, QStringList { u"[segments] big.bin over 1 connection in 1 piece"_s });
}

void TestDownloadManager::segmentedDownloadTakesPlacesGivenBackLater_data()
{
    QTest::addColumn<bool>("validator");
    QTest::newRow("with an ETag") << true;
    // Without a validator for If-Range, a piece asked for later could be of a changed file: no growing.
    QTest::newRow("without a validator") << false;
}

void TestDownloadManager::segmentedDownloadTakesPlacesGivenBackLater()
{
    QFETCH(bool, validator);
    // The server allows 5 connections. A small file takes 3 of them; a big one that asks a moment later
    // gets the last 2. When the small one ends, the big one takes the places it gives back, up to the 4
    // connections it was asked to use, instead of finishing on 2.
    constexpr qint64 size = 16 * 1024 * 1024;
    Response big = TestHttpServer::generated(size, 126, 4 * 1024 * 1024);
    big.headerDelayMs = 300;
    if (!validator)
        big.etag.clear();
    m_server->setResponse("/big.bin", big);
    m_server->setResponse("/small.bin", TestHttpServer::generated(3 * 1024 * 1024, 127, 1024 * 1024));
    m_options.connectionsPerFile = 4;
    m_options.maxConnectionsPerHost = 5;
    m_options.timeout = std::chrono::seconds(2); // the attempt's tick, which looks for places, every 0.5 s
    auto manager = makeManager(2);
    const int small = manager->add({ m_server->url("/small.bin"), m_dir->path(), {}, false });
    const int id = manager->add({ m_server->url("/big.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(small).state, DownloadState::Finished);
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QVERIFY2(readFile(m_dir->filePath(u"big.bin"_s)) == TestHttpServer::patternBytes(126, 0, size),
             "the file is not the server's");
    // Its first request and its first piece, then at least two more pieces on the places given back; without
    // a validator at most one more, when a connection that finished its piece takes half of the other's.
    const int requests = m_server->requestCount("/big.bin");
    QVERIFY2(validator ? requests >= 4 : requests <= 3, qPrintable(QString::number(requests)));
}

void TestDownloadManager::pieceRefusedBeforeAnswerIsTakenOverAtOnce()
{
    // Two piece requests meet a connection closed before any answer: their pieces go to the others at once,
    // not after the stall timeout (20 s here).
    constexpr qint64 size = 8 * 1024 * 1024;
    Response refused;
    refused.closeWithoutResponse = true;
    const Response ok = TestHttpServer::generated(size, 111, 8 * 1024 * 1024);
    m_server->setResponseSequence("/refused.bin", { ok, refused, refused, ok });
    m_options.connectionsPerFile = 4;
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/refused.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(manager->info(id).attempt, 1);
    QCOMPARE(readFile(m_dir->filePath(u"refused.bin"_s)), TestHttpServer::patternBytes(111, 0, size));
    int dropped = 0;
    for (const heiko::LogRecord &record : m_log->recordsSince(0)) {
        QVERIFY2(!record.message.contains(u"no data"_s), qPrintable(record.message));
        dropped += record.message.contains(u"[segments] a connection"_s);
    }
    QCOMPARE(dropped, 2);
}

void TestDownloadManager::closeUnderSpeedLimitIsNoticedAtOnce()
{
    // Held back by a speed limit, the worker reads nothing while bytes wait; the server's close must still be
    // seen when it happens, not after the stall timeout (20 s here).
    constexpr qint64 size = 600 * 1024;
    Response cut = TestHttpServer::generated(size, 112);
    cut.cutAfter = 200 * 1024;
    m_server->setResponseSequence("/cut.bin", { cut, TestHttpServer::generated(size, 112) });
    m_options.downloadRateLimit = 1024 * 1024;
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/cut.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(manager->info(id).attempt, 2);
    QCOMPARE(readFile(m_dir->filePath(u"cut.bin"_s)), TestHttpServer::patternBytes(112, 0, size));
    bool retried = false;
    for (const heiko::LogRecord &record : m_log->recordsSince(0)) {
        if (record.message.startsWith(u"[retry]"_s)) {
            retried = true;
            QVERIFY2(!record.message.contains(u"no data"_s), qPrintable(record.message));
        }
    }
    QVERIFY(retried);
}

void TestDownloadManager::piecesShareASpeedLimit()
{
    // Under a limit each wake-up brings a few milliseconds' worth of bytes (here about 2.5 KiB): every piece
    // must get its share, not the first one all of it, and the window must see the pieces move.
    constexpr qint64 size = 4 * 1024 * 1024;
    constexpr qint64 piece = size / 4;
    m_server->setResponse("/shared.bin", TestHttpServer::generated(size, 113));
    m_options.connectionsPerFile = 4;
    m_options.overallRateLimit = 256 * 1024; // the first piece alone would take 4 s
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/shared.bin"), m_dir->path(), {}, false });
    QSet<qint64> moved;
    bool firstPieceDone = false;
    const auto allMoved = [&] {
        for (const heiko::Segment &segment : manager->info(id).segments) {
            if (segment.start % piece == 0 && segment.position > segment.start)
                moved.insert(segment.start);
            if (segment.start == 0 && segment.position >= piece)
                firstPieceDone = true;
        }
        return moved.size() == 4;
    };
    QTRY_VERIFY_WITH_TIMEOUT(allMoved(), kWaitMs);
    QVERIFY2(!firstPieceDone, "the other pieces moved only once the first had all of its bytes");
    // The pieces shown keep up with the bytes received (they are published a few times a second, also while
    // the limit holds every connection back): over the next 256 KiB, never more than half a second behind.
    qint64 worstLag = 0;
    const qint64 from = manager->info(id).bytesReceived;
    const auto watched = [&] {
        const heiko::DownloadInfo info = manager->info(id);
        qint64 shown = 0;
        for (const heiko::Segment &segment : info.segments)
            shown += segment.position - segment.start;
        worstLag = qMax(worstLag, info.bytesReceived - shown);
        return info.bytesReceived - from >= 256 * 1024;
    };
    QTRY_VERIFY_WITH_TIMEOUT(watched(), kWaitMs);
    QVERIFY2(worstLag <= 128 * 1024, qPrintable(u"the pieces shown were %1 bytes behind"_s.arg(worstLag)));
    QVERIFY(manager->info(id).state == DownloadState::Running); // seen while the limit held
    manager->setOverallRateLimit(0); // the rest at full speed
    QVERIFY(waitIdle(*manager));
    QCOMPARE(readFile(m_dir->filePath(u"shared.bin"_s)), TestHttpServer::patternBytes(113, 0, size));
}

void TestDownloadManager::limitLiftedAfterTheBodyCameWhole_data()
{
    QTest::addColumn<bool>("chunked");
    QTest::newRow("with its head") << false;
    QTest::newRow("chunked") << true;
}

void TestDownloadManager::limitLiftedAfterTheBodyCameWhole()
{
    // The whole body is in the reply (the response is complete) while the limit lets it out slowly; lifting
    // the limit then must finish the download at once, not leave it running at 100% for ever.
    QFETCH(bool, chunked);
    constexpr qint64 size = 60 * 1024;
    Response r = TestHttpServer::generated(size, 120);
    r.headWithBody = !chunked;
    r.chunked = chunked;
    m_server->setResponse("/whole.bin", r);
    m_options.downloadRateLimit = 4 * 1024; // 15 s for all of it
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/whole.bin"), m_dir->path(), {}, false });
    QTRY_COMPARE_WITH_TIMEOUT(m_server->requestCount("/whole.bin"), 1, kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_server->currentRequests(), 0, kWaitMs); // all of it sent
    // Two seconds' worth read: the reply has long had the rest (it reads up to 128 KiB ahead).
    QTRY_VERIFY_WITH_TIMEOUT(manager->info(id).bytesReceived >= 8 * 1024, kWaitMs);
    QCOMPARE(manager->info(id).state, DownloadState::Running);
    manager->setRateLimit(id, 0);
    QVERIFY2(waitIdle(*manager, 10'000),
             qPrintable(u"still running with %1 bytes"_s.arg(manager->info(id).bytesReceived)));
    QCOMPARE(readFile(m_dir->filePath(u"whole.bin"_s)), TestHttpServer::patternBytes(120, 0, size));
}

void TestDownloadManager::tinyRateStillMoves()
{
    // --limit-rate 5 (bytes a second) is accepted: 10 bytes take about 2 s, not for ever (the limiter's
    // bucket held a tenth of a second's worth, half a byte, and never let one through).
    m_server->setResponse("/tiny.bin", TestHttpServer::generated(10, 121));
    m_options.downloadRateLimit = 5;
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/tiny.bin"), m_dir->path(), {}, false });
    QVERIFY2(waitIdle(*manager, kWaitMs),
             qPrintable(u"still running with %1 bytes"_s.arg(manager->info(id).bytesReceived)));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(readFile(m_dir->filePath(u"tiny.bin"_s)), TestHttpServer::patternBytes(121, 0, 10));
}

void TestDownloadManager::ownSpeedLimitSurvivesARestart()
{
    // A limit set on one download comes back with it from the saved queue; one saved without a limit (a
    // file from before) gets the limit for new downloads, as an added one does.
    m_server->setResponse("/limited.bin", TestHttpServer::generated(1024 * 1024, 122));
    QList<heiko::SavedDownload> saved;
    {
        auto first = makeManager(1);
        const int id = first->add({ m_server->url("/limited.bin"), m_dir->path(), {}, true });
        first->setRateLimit(id, 300 * 1024);
        saved = first->savedState();
    }
    QCOMPARE(saved.size(), 1);
    QCOMPARE(saved.first().rateLimit, 300 * 1024);
    m_options.downloadRateLimit = 100 * 1024;
    auto second = makeManager(1);
    const int restored = second->restore(saved.first());
    QCOMPARE(second->rateLimit(restored), 300 * 1024);
    saved.first().rateLimit = -1;
    QCOMPARE(second->rateLimit(second->restore(saved.first())), 100 * 1024);
}

void TestDownloadManager::restoredCancelledDownloadHasNoError()
{
    // A cancelled download comes back cancelled, not with an error without a message; a failed one with its
    // message.
    heiko::SavedDownload cancelled;
    cancelled.url = m_server->url("/gone.bin");
    cancelled.directory = m_dir->path();
    cancelled.state = DownloadState::Cancelled;
    heiko::SavedDownload failed = cancelled;
    failed.state = DownloadState::Failed;
    failed.errorMessage = u"HTTP 404 Not Found"_s;
    auto manager = makeManager(1);
    const heiko::DownloadInfo c = manager->info(manager->restore(cancelled));
    QCOMPARE(c.state, DownloadState::Cancelled);
    QVERIFY2(!c.error.isError(), qPrintable(c.error.message()));
    const heiko::DownloadInfo f = manager->info(manager->restore(failed));
    QCOMPARE(f.state, DownloadState::Failed);
    QVERIFY(f.error.isError());
    QCOMPARE(f.error.message(), u"HTTP 404 Not Found"_s);
}

void TestDownloadManager::speedLimitedDownloadIsSyncedAsItGoes_data()
{
    QTest::addColumn<int>("connections");
    QTest::newRow("one connection") << 1;
    QTest::newRow("four pieces") << 4;
}

void TestDownloadManager::speedLimitedDownloadIsSyncedAsItGoes()
{
    // Under a speed limit the server always has more waiting than may be read: the .part must still go to
    // the disk every few seconds and the saved state follow it, so that a crash costs seconds, not the whole
    // download so far (a resume cuts the .part back to what was synced).
    QFETCH(int, connections);
    constexpr qint64 size = 8 * 1024 * 1024;
    m_server->setResponse("/limited.bin", TestHttpServer::generated(size, 118));
    m_options.connectionsPerFile = connections;
    m_options.downloadRateLimit = 512 * 1024; // 16 s for the whole file; the first sync is due after 2 s
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/limited.bin"), m_dir->path(), {}, false });
    const auto synced = [&] {
        const QList<heiko::SavedDownload> saved = manager->savedState();
        return !saved.isEmpty() && saved.first().durableBytes > 0;
    };
    QTRY_VERIFY_WITH_TIMEOUT(synced(), kWaitMs);
    const heiko::SavedDownload saved = manager->savedState().first();
    QCOMPARE(manager->info(id).state, DownloadState::Running); // while the limit holds
    QVERIFY(saved.durableBytes < size);
    QVERIFY(saved.durableBytes <= manager->info(id).bytesReceived);
    if (connections > 1) // the synced length counts what the recorded pieces say is written
        QCOMPARE(saved.durableBytes, size - heiko::segments::remainingBytes(saved.files.segments));
    manager->setRateLimit(id, 0);
    QVERIFY(waitIdle(*manager));
    QCOMPARE(readFile(m_dir->filePath(u"limited.bin"_s)), TestHttpServer::patternBytes(118, 0, size));
}

void TestDownloadManager::droppedPiecesGiveTheirConnectionsBack()
{
    // A server that allows 4 connections; /a.bin asks for 4, three are refused. The connections they held
    // are given back at once, so /b.bin starts while /a.bin is still running.
    constexpr qint64 size = 8 * 1024 * 1024;
    const Response slow = TestHttpServer::generated(size, 114, 2 * 1024 * 1024);
    m_server->setResponseSequence("/a.bin", { slow, status(503), status(503), status(503), slow });
    m_server->setResponse("/b.bin", TestHttpServer::generated(100 * 1024, 115));
    m_options.connectionsPerFile = 4;
    m_options.maxConnectionsPerHost = 4;
    auto manager = makeManager(2);
    const int a = manager->add({ m_server->url("/a.bin"), m_dir->path(), {}, false });
    QTRY_COMPARE_WITH_TIMEOUT(m_server->requestCount("/a.bin"), 4, kWaitMs);
    const int b = manager->add({ m_server->url("/b.bin"), m_dir->path(), {}, false });
    QTRY_COMPARE_WITH_TIMEOUT(manager->info(b).state, DownloadState::Finished, kWaitMs);
    QCOMPARE(manager->info(a).state, DownloadState::Running); // b did not wait for all of a
    QVERIFY(waitIdle(*manager));
    QCOMPARE(readFile(m_dir->filePath(u"a.bin"_s)), TestHttpServer::patternBytes(114, 0, size));
}

void TestDownloadManager::restartFromZeroNeverPairsOldSyncedBytesWithNewPieces()
{
    // A paused segmented download resumes against a changed file: the .part is truncated and cut into new
    // pieces. Whatever is saved from then on must describe the new .part: its pieces, and a synced length
    // that counts only their bytes (a crash must not make Heiko trust the old file's bytes, now gone).
    constexpr qint64 size = 16 * 1024 * 1024;
    m_server->setResponse("/changing.bin", TestHttpServer::generated(size, 116, 2 * 1024 * 1024));
    m_options.connectionsPerFile = 4;
    QList<heiko::SavedDownload> saved;
    {
        auto first = makeManager(1);
        const int id = first->add({ m_server->url("/changing.bin"), m_dir->path(), {}, false });
        QTRY_VERIFY_WITH_TIMEOUT(first->info(id).bytesReceived > 3 * 1024 * 1024, kWaitMs);
        first->pause(id);
        QVERIFY(waitIdle(*first));
        saved = first->savedState();
    }
    QVERIFY(saved.first().durableBytes > 3 * 1024 * 1024);
    Response changed = TestHttpServer::generated(size, 117);
    changed.stallAfter = 600 * 1024; // every new piece stops after 600 KiB: the download stays in the middle
    m_server->setResponse("/changing.bin", changed);
    auto second = makeManager(1);
    const int id = second->restore(saved.first());
    second->resume(id);
    // Wait for the new pieces: "[segments]" logged after the restart (they are recorded before their first
    // byte), then for some of their bytes.
    const auto newPieces = [&] {
        bool restarted = false;
        for (const heiko::LogRecord &record : m_log->recordsSince(0)) {
            restarted = restarted || record.message.startsWith(u"[download restart]"_s);
            if (restarted && record.message.startsWith(u"[segments]"_s))
                return true;
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(newPieces(), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(second->info(id).bytesReceived > 1024 * 1024, kWaitMs);
    const heiko::SavedDownload now = second->savedState().first();
    QCOMPARE(now.files.etag, QByteArray("\"v117\""));
    QVERIFY(!now.files.segments.isEmpty());
    QVERIFY(heiko::segments::isConsistent(now.files.segments, size));
    QCOMPARE(now.durableBytes, size - heiko::segments::remainingBytes(now.files.segments));
    QVERIFY(now.durableBytes < 4 * 600 * 1024);
}

QTEST_GUILESS_MAIN(TestDownloadManager)
void TestDownloadManager::wholeSmallBodyFollowsTheNamingRules()
{
    // A body that arrives in the read that brought its head is written and named at once, without a .part
    // (where the system has unnamed files). It keeps every naming rule of the .part way: a file that is
    // there is never replaced, a name another download's .part has claimed is left to it, two downloads of
    // one name get two files, and each is recorded as ours, so that "delete files" deletes it.
    if (!unnamedFilesWork())
        QSKIP("no unnamed files here (not Linux, no O_TMPFILE on this file system, or no /proc)");
    m_log->setMinimumLevel(heiko::LogLevel::Debug);
    QVERIFY(writeFile(m_dir->filePath(u"tiny.bin"_s), "precious"_ba));
    QVERIFY(writeFile(m_dir->filePath(u"tiny (1).bin.part"_s), "someone else's part"_ba));
    Response small = TestHttpServer::generated(3000, 61);
    small.headWithBody = true;
    m_server->setResponse("/tiny.bin", small);
    auto manager = makeManager(2);
    const int first = manager->add({ m_server->url("/tiny.bin"), m_dir->path(), {}, false });
    const int second = manager->add({ m_server->url("/tiny.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager));
    QCOMPARE(filesInDir(),
             (QStringList { u"tiny (1).bin.part"_s, u"tiny (2).bin"_s, u"tiny (3).bin"_s, u"tiny.bin"_s }));
    QCOMPARE(readFile(m_dir->filePath(u"tiny.bin"_s)), "precious"_ba);
    QCOMPARE(readFile(m_dir->filePath(u"tiny (1).bin.part"_s)), "someone else's part"_ba);
    const QByteArray expected = TestHttpServer::patternBytes(61, 0, 3000);
    for (const int id : { first, second }) {
        QCOMPARE(manager->info(id).state, DownloadState::Finished);
        QCOMPARE(readFile(manager->info(id).filePath), expected);
    }
    int savedWhole = 0; // both went this way, not the .part way
    for (const heiko::LogRecord &record : m_log->recordsSince(0))
        savedWhole += record.message.startsWith(u"[saved whole]"_s) ? 1 : 0;
    QCOMPARE(savedWhole, 2);
    manager->remove(first, true);
    manager->remove(second, true);
    QCOMPARE(filesInDir(), (QStringList { u"tiny (1).bin.part"_s, u"tiny.bin"_s }));
}

void TestDownloadManager::wholeSmallBodyLeavesTheNameToARunningPart()
{
    // The folder's .part files are listed once and then known from memory (PartClaims), not looked for on the
    // disk for every small file. A .part this process makes after that listing must still claim its name.
    if (!unnamedFilesWork())
        QSKIP("no unnamed files here (not Linux, no O_TMPFILE on this file system, or no /proc)");
    Response small = TestHttpServer::generated(1000, 65);
    small.headWithBody = true;
    m_server->setResponse("/warm.bin", small);
    m_server->setResponse("/b/same.bin", small);
    m_server->setResponse("/a/same.bin", TestHttpServer::generated(1024 * 1024, 66, 64 * 1024));
    auto manager = makeManager(2);
    const int warm = manager->add({ m_server->url("/warm.bin"), m_dir->path(), {}, false });
    QVERIFY(waitIdle(*manager)); // written whole: the folder has been listed
    QElapsedTimer sinceListing;
    sinceListing.start();
    QCOMPARE(manager->info(warm).fileName, u"warm.bin"_s);
    const int slow = manager->add({ m_server->url("/a/same.bin"), m_dir->path(), {}, false });
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(m_dir->filePath(u"same.bin.part"_s)), kWaitMs);
    const int whole = manager->add({ m_server->url("/b/same.bin"), m_dir->path(), {}, false });
    QTRY_COMPARE_WITH_TIMEOUT(manager->info(whole).state, DownloadState::Finished, kWaitMs);
    // Only within the listing's age does the name come from the claim; later a new listing finds the .part.
    if (sinceListing.elapsed() >= heiko::PartClaims::kDefaultListingMaxAge.count())
        QSKIP("too slow here to tell the claim from a new listing");
    QCOMPARE(manager->info(whole).fileName, u"same (1).bin"_s);
    QCOMPARE(manager->info(slow).state, DownloadState::Running);
    manager->remove(slow, true);
    QVERIFY(waitIdle(*manager));
    QCOMPARE(filesInDir(), (QStringList { u"same (1).bin"_s, u"warm.bin"_s }));
    QCOMPARE(readFile(m_dir->filePath(u"same (1).bin"_s)), TestHttpServer::patternBytes(65, 0, 1000));
}

void TestDownloadManager::pausedAtOnceStillEnds()
{
    // Paused in the turn it was added, a download's attempt is cancelled either before a pool thread runs
    // it (QtConcurrent then never runs it at all) or while it runs; then() does not run for a cancelled
    // future either way. The manager must still learn that it ended (onCanceled()): the download is paused
    // (or finished, if the worker was quicker), no worker counts as busy, and it can be resumed.
    Response small = TestHttpServer::generated(1000, 62);
    small.headWithBody = true;
    m_server->setResponse("/early.bin", small);
    auto manager = makeManager(1);
    for (int i = 0; i < 25; ++i) {
        const int id = manager->add({ m_server->url("/early.bin"), m_dir->path(), {}, false });
        manager->pause(id);
        QVERIFY2(waitIdle(*manager, 10'000), "the end of a cancelled attempt was never handled");
        QCOMPARE(manager->busyWorkers(), 0);
        const DownloadState state = manager->info(id).state;
        QVERIFY2(state == DownloadState::Paused || state == DownloadState::Finished,
                 qPrintable(QString::number(int(state))));
        manager->resume(id);
        QVERIFY(waitIdle(*manager));
        QCOMPARE(manager->info(id).state, DownloadState::Finished);
        QCOMPARE(readFile(manager->info(id).filePath), TestHttpServer::patternBytes(62, 0, 1000));
    }
}

void TestDownloadManager::pauseOfAStalledDownloadIsNoticedAtOnce()
{
    // A stalled download's worker wakes once a second (its stall watchdog), not ten times; a pause must not
    // wait for that tick: the manager wakes the worker. Four stalled downloads paused one after another, each
    // at its own point between two ticks: without the wake-up each would take up to a second.
    Response stalling = TestHttpServer::generated(1024 * 1024, 63);
    stalling.stallAfter = 64 * 1024;
    m_options.timeout = std::chrono::seconds(60); // ticks a second apart
    auto manager = makeManager(4);
    QList<int> ids;
    for (int i = 0; i < 4; ++i) {
        const QByteArray path = "/stalled" + QByteArray::number(i) + ".bin";
        m_server->setResponse(path, stalling);
        ids.append(manager->add({ m_server->url(path), m_dir->path(), {}, false }));
    }
    for (const int id : std::as_const(ids))
        QTRY_COMPARE_WITH_TIMEOUT(manager->info(id).bytesReceived, 64 * 1024, kWaitMs);
    QCOMPARE(manager->busyWorkers(), 4);
    qint64 slowest = 0;
    for (int i = 0; i < ids.size(); ++i) {
        QElapsedTimer elapsed;
        elapsed.start();
        manager->pause(ids.at(i));
        // Paused at once in the list; the worker is free when its attempt has ended.
        QTRY_COMPARE_WITH_TIMEOUT(manager->busyWorkers(), 3 - i, kWaitMs);
        slowest = qMax(slowest, elapsed.elapsed());
        QCOMPARE(manager->info(ids.at(i)).state, DownloadState::Paused);
    }
    QVERIFY2(slowest < 400, qPrintable(u"a worker took %1 ms to notice its pause"_s.arg(slowest)));
}

void TestDownloadManager::nameTakenWhileDownloadingGetsTheNextNumber()
{
    // "a.zip" was there, so the download became "a (1).zip". Its connection broke and the retry continued;
    // meanwhile something else saved an "a (1).zip" and another download claimed "a (2).zip" with its .part.
    // The finished file takes the next free number of the same name: "a (3).zip", not "a (1) (1).zip".
    QVERIFY(writeFile(m_dir->filePath(u"a.zip"_s), "first"_ba));
    Response cut = TestHttpServer::generated(512 * 1024, 63);
    cut.cutAfter = 64 * 1024;
    m_server->setResponseSequence("/a.zip", { cut, TestHttpServer::generated(512 * 1024, 63, 1024 * 1024) });
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/a.zip"), m_dir->path(), {}, false });
    QTRY_COMPARE_WITH_TIMEOUT(m_server->requestCount("/a.zip"), 2, kWaitMs); // the retry runs
    QVERIFY(QFileInfo::exists(m_dir->filePath(u"a (1).zip.part"_s)));
    QVERIFY(writeFile(m_dir->filePath(u"a (1).zip"_s), "second"_ba));
    QVERIFY(writeFile(m_dir->filePath(u"a (2).zip.part"_s), "claimed"_ba));
    QVERIFY(waitIdle(*manager));
    QCOMPARE(manager->info(id).state, DownloadState::Finished);
    QCOMPARE(manager->info(id).fileName, u"a (3).zip"_s);
    QCOMPARE(filesInDir(), (QStringList { u"a (1).zip"_s, u"a (2).zip.part"_s, u"a (3).zip"_s, u"a.zip"_s }));
    QCOMPARE(readFile(m_dir->filePath(u"a (1).zip"_s)), "second"_ba);
    QCOMPARE(readFile(m_dir->filePath(u"a (3).zip"_s)), TestHttpServer::patternBytes(63, 0, 512 * 1024));
}

void TestDownloadManager::shutdownSavesFilesFinishedMeanwhileAsFinished()
{
    // At exit the window and the CLI stop the workers (stopAndWait()) and save the queue at once. A small
    // file a worker finished during that wait, whose end the manager's thread never got to, must be saved as
    // finished: saved as queued, the next start would download it again as "s (1).bin".
    Response small = TestHttpServer::generated(2000, 64);
    small.headWithBody = true;
    m_server->setResponse("/s.bin", small);
    auto manager = makeManager(4);
    QSignalSpy finished(manager.get(), &DownloadManager::downloadFinished);
    for (int i = 0; i < 40; ++i)
        manager->add({ m_server->url("/s.bin?n=" + QByteArray::number(i)), m_dir->path(), {}, false });
    // Until a worker has finished a file, without letting this thread handle any end (no event processing,
    // as when the user quits at that moment): then at least one file is finished and unhandled.
    const QDeadlineTimer deadline(kWaitMs);
    const auto anyFileFinished = [&] {
        const QStringList files = filesInDir();
        return std::any_of(files.cbegin(), files.cend(),
                           [](const QString &file) { return !file.endsWith(u".part"_s); });
    };
    while (!anyFileFinished() && !deadline.hasExpired())
        QThread::msleep(5); // polling the folder: the workers do not need this thread to finish
    manager->stopAndWait();
    QSet<QString> savedFinished;
    for (const heiko::SavedDownload &d : manager->savedState()) {
        if (d.state == DownloadState::Finished) {
            savedFinished.insert(QFileInfo(d.files.finalPath).fileName());
            QCOMPARE(d.finalSize, 2000);
        } else {
            QVERIFY2(d.files.finalPath.isEmpty(), qPrintable(d.files.finalPath));
        }
    }
    // Each finished one reported once (stopAndWait() handles the ends the event loop did not get to).
    QVERIFY(!savedFinished.isEmpty());
    QCOMPARE(finished.size(), savedFinished.size());
    for (const QString &file : filesInDir()) {
        if (!file.endsWith(u".part"_s))
            QVERIFY2(savedFinished.contains(file), qPrintable(file));
    }
}

void TestDownloadManager::cancelOrRemoveJustBeforeQuittingIsCarriedOut()
{
    // A cancel deletes the .part and a remove forgets the download when the attempt's end is handled, by a
    // queued call; quitting right after (stopAndWait(), no event loop any more) must still do it, or the
    // .part stays and comes back at the next start.
    m_server->setResponse("/c.bin", TestHttpServer::generated(8 * 1024 * 1024, 201, 256 * 1024));
    m_server->setResponse("/r.bin", TestHttpServer::generated(8 * 1024 * 1024, 202, 256 * 1024));
    m_server->setResponse("/k.bin", TestHttpServer::generated(8 * 1024 * 1024, 203, 256 * 1024));
    // Three stalled ones: a stalled attempt has no data to wake it, only its tick or the manager.
    Response stalled = TestHttpServer::generated(1024 * 1024, 204);
    stalled.stallAfter = 64 * 1024;
    m_server->setResponse("/s.bin", stalled);
    auto manager = makeManager(6);
    const int cancelled = manager->add({ m_server->url("/c.bin"), m_dir->path(), {}, false });
    const int removed = manager->add({ m_server->url("/r.bin"), m_dir->path(), {}, false });
    const int kept = manager->add({ m_server->url("/k.bin"), m_dir->path(), {}, false });
    QList<int> stalledIds;
    for (int i = 0; i < 3; ++i)
        stalledIds.append(
            manager->add({ m_server->url("/s.bin?" + QByteArray::number(i)), m_dir->path(), {}, false }));
    for (const int id : { cancelled, removed, kept })
        QTRY_VERIFY_WITH_TIMEOUT(manager->info(id).bytesReceived > 10 * 1024, kWaitMs);
    for (const int id : std::as_const(stalledIds))
        QTRY_COMPARE_WITH_TIMEOUT(manager->info(id).bytesReceived, 64 * 1024, kWaitMs);
    manager->cancel(cancelled);
    manager->remove(removed, true);
    QElapsedTimer elapsed;
    elapsed.start();
    manager->stopAndWait();
    // The workers are woken, not left to notice at their next tick (a second away with the default timeout).
    QVERIFY2(elapsed.elapsed() < 500, qPrintable(u"stopAndWait() took %1 ms"_s.arg(elapsed.elapsed())));
    QVERIFY(!QFile::exists(m_dir->filePath(u"c.bin.part"_s)));
    QVERIFY(!QFile::exists(m_dir->filePath(u"r.bin.part"_s)));
    QVERIFY(QFile::exists(m_dir->filePath(u"k.bin.part"_s)));
    const QList<heiko::SavedDownload> saved = manager->savedState();
    QCOMPARE(saved.size(), 5);
    QCOMPARE(saved.at(0).state, DownloadState::Cancelled);
    QVERIFY(saved.at(0).files.partPath.isEmpty());
    for (int i = 1; i < 5; ++i) {
        QCOMPARE(saved.at(i).state, DownloadState::Queued); // goes on at the next start
        QVERIFY(!saved.at(i).files.partPath.isEmpty());
    }
    QCOMPARE(manager->busyWorkers(), 0);
}

void TestDownloadManager::cancelClearsThePiecesShown()
{
    // A paused segmented download keeps its pieces for the window's bar; cancelling it deletes the .part, and
    // the bar must not go on showing pieces of bytes that are gone.
    m_server->setResponse("/seg.bin", TestHttpServer::generated(16 * 1024 * 1024, 205, 2 * 1024 * 1024));
    m_options.connectionsPerFile = 4;
    auto manager = makeManager(1);
    const int id = manager->add({ m_server->url("/seg.bin"), m_dir->path(), {}, false });
    QTRY_VERIFY_WITH_TIMEOUT(manager->info(id).bytesReceived > 3 * 1024 * 1024, kWaitMs);
    manager->pause(id);
    QVERIFY(waitIdle(*manager));
    QVERIFY(!manager->info(id).segments.isEmpty());
    manager->cancel(id);
    QCOMPARE(manager->info(id).bytesReceived, 0);
    QVERIFY(manager->info(id).segments.isEmpty());
}

void TestDownloadManager::destroyedWhileAttemptsEnd()
{
    // The manager destroyed while attempts are running and while ends of attempts wait to be handled in its
    // thread: the destructor waits for the workers, and nothing runs on the destroyed manager afterwards
    // (under the sanitizers a use after free fails this test).
    Response small = TestHttpServer::generated(2000, 65);
    small.headWithBody = true;
    m_server->setResponse("/d.bin", small);
    for (int round = 0; round < 10; ++round) {
        auto manager = makeManager(4);
        for (int i = 0; i < 12; ++i)
            manager->add({ m_server->url("/d.bin?n=" + QByteArray::number(i)), m_dir->path(), {}, false });
        QSignalSpy finished(manager.get(), &DownloadManager::downloadFinished);
        QVERIFY(finished.wait(kWaitMs));
        manager.reset();
        QCoreApplication::processEvents(); // a queued call to the destroyed manager would run here
    }
}

#include "tst_downloadmanager.moc"

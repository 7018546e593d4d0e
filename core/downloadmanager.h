#pragma once

#include "downloadinfo.h"
#include "downloadrequest.h"
#include "downloadworker.h"
#include "engineoptions.h"
#include "filenamehints.h"
#include "partclaims.h"
#include "speedmeter.h"

#include <QElapsedTimer>
#include <QFuture>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QThreadPool>
#include <QTimer>

#include <memory>

namespace heiko {

class LogHub;
class ConnectionBudget;
class RateLimiter;
struct SavedDownload;
class TransferState;

// Owns the download queue and runs it on a pool of worker threads whose size the user sets.
//
// The manager keeps the order (by id, i.e. the order downloads were added) and submits work to its own
// QThreadPool only when a worker is free, so the pool never holds a task that should not run now: changing
// the worker count takes effect at once, and pause, cancel and reordering never fight a queue Qt owns.
// Each running attempt is a QFuture held here; pausing or cancelling cancels that future, and the worker
// stops at its next event. A continuation on the future tells this thread that the attempt ended (see
// attemptEnded()).
//
// Lives in one thread (the GUI or main thread) and is used only there. Bytes travel from the workers
// through shared atomics that a 10 Hz timer reads; the window and the CLI get one progressUpdated() per
// tick for all downloads that moved, never a signal per network chunk.
class DownloadManager final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DownloadManager)

public:
    static constexpr int kProgressIntervalMs = 100;
    static constexpr int kQuietTicks = 10; // ticks without any progress before ticking more slowly
    static constexpr int kQuietProgressIntervalMs = 1000;

    explicit DownloadManager(LogHub &log, const EngineOptions &options = {}, QObject *parent = nullptr);
    // Stops every running download (their .part files stay) and waits for the workers.
    ~DownloadManager() override;

    // Queues a download and returns its id. A URL that is not http(s) is added as failed, with the reason,
    // so that nothing the user gave disappears without a word. With `resumeFrom` (the saved state of the
    // same download from an earlier run) it continues that run's .part.
    int add(const DownloadRequest &request, const SavedDownload *resumeFrom = nullptr);
    // Brings back a download from a saved queue in the state it was saved in (running ones queue again).
    int restore(const SavedDownload &saved);
    // Every download as it should be saved now, in order.
    QList<SavedDownload> savedState() const;
    // Stops every running attempt (their .part files are synced and kept) and waits for the workers, so that
    // savedState() afterwards holds the final byte counts, and finishes what a cancel or a remove asked of a
    // download still stopping. For shutdown: nothing starts afterwards.
    void stopAndWait();

    QList<int> ids() const; // in the order they were added
    bool contains(int id) const;
    DownloadInfo info(int id) const; // id -1 in the result when there is no such download

    void pause(int id); // stop, keep the .part; resume() continues from it
    void resume(int id); // queue a paused, failed or cancelled download again
    void cancel(int id); // stop and delete the .part
    void remove(int id, bool deleteFiles); // forget it; with deleteFiles also delete its file or .part
    void pauseAll();
    void resumeAll();

    // Speed limits in bytes per second (0: none), applied at once to running downloads too.
    void setOverallRateLimit(qint64 bytesPerSecond);
    qint64 overallRateLimit() const;
    void setRateLimit(int id, qint64 bytesPerSecond);
    qint64 rateLimit(int id) const;
    void setMaxConnectionsPerHost(int connections); // live, like the worker count

    int maxWorkers() const;
    void setMaxWorkers(int workers); // live: more start now, or none new until under the limit
    EngineOptions options() const { return m_options; }
    void setOptions(const EngineOptions &options); // worker count at once, the rest from the next attempt

    struct StateCounts
    {
        int queued = 0, running = 0, paused = 0, finished = 0, failed = 0, cancelled = 0;
    };
    StateCounts stateCounts() const; // over all downloads, cheap enough for every progress tick
    // What this process fetched over all downloads, removed ones included: without the bytes of .part files
    // an earlier run left (TransferState::bytesFetched()).
    qint64 bytesFetched() const;
    QList<int> runningIds() const { return m_running; }

    int busyWorkers() const; // attempts running, including ones being stopped
    int queuedCount() const; // waiting to run (including retries waiting for their time)
    bool isIdle() const; // nothing running and nothing queued

    LogHub &log() const { return m_log; }

Q_SIGNALS:
    void downloadAdded(int id);
    void downloadStarted(int id); // a worker thread picked it up (noticed within a progress tick)
    void downloadChanged(int id); // state, name or error changed
    void downloadFinished(int id);
    void downloadFailed(int id);
    void downloadRemoved(int id);
    void progressUpdated(const QList<int> &ids); // at most every kProgressIntervalMs
    void workersChanged(int busy, int max);
    void idle(); // the queue ran empty and no worker is busy

private:
    struct Entry;

    Entry *entry(int id) const;
    void enqueue(Entry &entry);
    void dequeue(Entry &entry);
    void schedule();
    void start(Entry &entry);
    void stop(Entry &entry);
    void signalStarted(Entry &entry);
    void attemptEnded(int id); // any thread
    void takeEndedAttempts();
    void handleAttemptFinished(int id);
    void handleProgressTick();
    void deleteFiles(const Entry &entry, bool includeFinished);
    void seed(Entry &entry, const SavedDownload &saved);
    std::chrono::milliseconds retryDelay(const Entry &entry, const DownloadError &error) const;
    void emitWorkersChanged();
    qint64 hostCoolDownUntil(const Entry &entry) const;

    LogHub &m_log;
    EngineOptions m_options;
    QThreadPool m_pool; // the workers; ~DownloadManager() waits for them before anything else goes
    QHash<int, std::shared_ptr<Entry>> m_entries;
    qint64 m_removedBytesFetched = 0; // what removed downloads had fetched, for bytesFetched()
    QHash<QString, qint64> m_hostCoolDownUntil; // "scheme://host:port" -> nowMs() it ends, after a 429/503
    std::shared_ptr<RateLimiter> m_overallLimit;
    std::shared_ptr<ConnectionBudget>
        m_connectionBudget; // shared with the workers (pieces of segmented files)
    QList<int> m_order; // every id not removed, in order
    QList<int> m_queue; // ids waiting to run, sorted by id
    QHash<QString, qsizetype> m_queuedPerHost; // how many of m_queue belong to each host
    QList<int> m_running; // ids with an attempt in flight
    FileNameHints m_nameHints;
    PartClaims m_partClaims;
    QTimer m_progressTimer;
    // The manager's own time: retries, cool-downs and speeds are measured on it, so that the wall clock
    // stepping (NTP at boot, the user changing it) neither holds a retry back nor ends a cool-down early.
    QElapsedTimer m_clock;
    qint64 nowMs() const { return m_clock.elapsed(); }
    int m_quietTicks = 0; // progress ticks in a row that found nothing changed
    QTimer m_retryTimer;
    int m_nextId = 1;
    bool m_wasBusy = false;
    bool m_stopped = false; // stopAndWait() was called: schedule() starts nothing
    // Attempts whose future has finished and this thread has not handled yet, filled in the workers' threads.
    QMutex m_endedMutex;
    QList<int> m_endedAttempts;
};

} // namespace heiko

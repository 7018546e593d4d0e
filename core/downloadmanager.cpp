#include "downloadmanager.h"

#include "connectionbudget.h"
#include "filenaming.h"
#include "loghub.h"
#include "platform.h"
#include "queuestore.h"
#include "ratelimiter.h"
#include "secretmasking.h"
#include "transferstate.h"
#include "units.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPointer>
#include <QRandomGenerator>
#include <QSet>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <optional>

using namespace Qt::StringLiterals;

namespace heiko {

struct DownloadManager::Entry
{
    int id = 0;
    DownloadRequest request;
    QString host; // "scheme://host:port", for the per-host cap and cool-downs
    std::shared_ptr<RateLimiter> limit = std::make_shared<RateLimiter>();
    DownloadState state = DownloadState::Queued;
    std::shared_ptr<TransferState> transfer = std::make_shared<TransferState>();
    // The attempt in flight, until this thread has handled its end. Optional, not a default QFuture: in Qt
    // 6.4 that allocates ~450 bytes, for each of thousands of queued and finished entries.
    std::optional<QFuture<AttemptResult>> attempt;

    // What to do when the attempt in flight has stopped (after pause, cancel or remove).
    bool stopping = false;
    bool requeueWhenStopped = false; // resumed while it was still stopping
    bool removeWhenStopped = false;
    bool deleteFilesWhenStopped = false; // remove(id, true): the finished file too
    bool deletePartWhenStopped = false; // cancel(): the .part goes, a later resume starts from zero

    int attempts = 0;
    int transientFailures = 0; // since the last attempt that made progress
    qint64 bytesAtAttemptStart = 0;
    qint64 retryAtMs = 0; // on nowMs()
    quint64 lastWorker = 0;
    bool startSignalled = false; // downloadStarted() was emitted for the attempt in flight
    DownloadError error;
    QString finalPath;
    bool skippedExisting
        = false; // CollisionPolicy::Skip kept a file that was there before: never ours to delete
    qint64 finalSize = -1; // what finalPath was when we finished it: we delete only our own file
    qint64 finalModifiedMs = 0; // ms since the epoch; 0: unknown
    // Only while an attempt runs: 30 samples for each of thousands of queued or finished downloads would be
    // most of their memory.
    std::unique_ptr<SpeedMeter> speed;
    qint64 lastReportedBytes = -1;
};

namespace {

// Hosts are told apart by scheme, name and port: two servers on one machine are two hosts.
QString hostKey(const QUrl &url)
{
    const QString scheme = url.scheme().toLower();
    return scheme + u"://"_s + url.host().toLower() + u':'
        + QString::number(url.port(scheme == u"https"_s ? 443 : 80));
}

bool isHttpUrl(const QUrl &url)
{
    const QString scheme = url.scheme().toLower();
    return url.isValid() && (scheme == u"http"_s || scheme == u"https"_s) && !url.host().isEmpty();
}

} // namespace

DownloadManager::DownloadManager(LogHub &log, const EngineOptions &options, QObject *parent)
    : QObject(parent)
    , m_log(log)
    , m_options(options)
{
    qRegisterMetaType<DownloadInfo>();
    qRegisterMetaType<DownloadError>();
    m_options.maxWorkers = qBound(1, m_options.maxWorkers, EngineOptions::kMaxWorkersLimit);
    m_pool.setMaxThreadCount(m_options.maxWorkers);
    m_pool.setObjectName(u"heiko-workers"_s);
    m_options.maxConnectionsPerHost = qMax(1, m_options.maxConnectionsPerHost);
    m_options.maxConnections = qMax(1, m_options.maxConnections);
    m_options.connectionsPerFile
        = qBound(1, m_options.connectionsPerFile, EngineOptions::kMaxConnectionsLimit);
    m_connectionBudget
        = std::make_shared<ConnectionBudget>(m_options.maxConnectionsPerHost, m_options.maxConnections);
    m_overallLimit = std::make_shared<RateLimiter>(m_options.overallRateLimit);
    m_clock.start();
    m_progressTimer.setInterval(kProgressIntervalMs);
    connect(&m_progressTimer, &QTimer::timeout, this, &DownloadManager::handleProgressTick);
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &DownloadManager::schedule);
}

DownloadManager::~DownloadManager()
{
    // Shutdown order: stop scheduling, cancel every attempt (workers notice at their next event and keep
    // their .part), then wait for the pool, so that no worker outlives the state it shares with us.
    m_retryTimer.stop();
    m_progressTimer.stop();
    for (const int id : std::as_const(m_running)) {
        if (Entry *e = entry(id); e && e->attempt) {
            e->attempt->cancel();
            e->transfer->wakeWorker();
        }
    }
    m_pool.waitForDone();
}

DownloadManager::Entry *DownloadManager::entry(int id) const
{
    const auto it = m_entries.constFind(id);
    return it == m_entries.cend() ? nullptr : it->get();
}

int DownloadManager::add(const DownloadRequest &request, const SavedDownload *resumeFrom)
{
    auto e = std::make_shared<Entry>();
    e->id = m_nextId++;
    e->request = request;
    if (e->request.directory.isEmpty())
        e->request.directory = u"."_s;
    e->host = hostKey(request.url);
    e->limit->setRate(m_options.downloadRateLimit);
    const int id = e->id;
    m_entries.insert(id, e);
    m_order.append(id);

    if (!isHttpUrl(request.url)) {
        e->state = DownloadState::Failed;
        e->error = DownloadError(
            DownloadError::Kind::InvalidUrl,
            u"'%1' is not an http or https URL; check the address"_s.arg(secrets::maskedUrl(request.url)));
        m_log.error(HEIKO_HERE, u"[download failed] "_s + e->error.message(), id);
        Q_EMIT downloadAdded(id);
        Q_EMIT downloadFailed(id);
        return id;
    }
    if (m_log.wants(LogLevel::Debug))
        m_log.debug(HEIKO_HERE, u"[queued] "_s + secrets::maskedUrl(request.url), id);
    if (resumeFrom)
        seed(*e, *resumeFrom);
    if (request.startPaused) {
        e->state = DownloadState::Paused;
        Q_EMIT downloadAdded(id);
        return id;
    }
    enqueue(*e);
    Q_EMIT downloadAdded(id);
    schedule();
    return id;
}

void DownloadManager::seed(Entry &e, const SavedDownload &saved)
{
    e.attempts = saved.attempts;
    TransferState::Files files = saved.files;
    const QFileInfo part(files.partPath);
    if (files.partPath.isEmpty() || part.isSymLink() || !part.isFile()) {
        files.partPath.clear(); // nothing to continue: it starts from zero, under whatever name is free then
        if (!saved.isUnfinished() && !files.finalPath.isEmpty())
            e.transfer->setFiles(files);
        return;
    }
    if (!m_partClaims.hold(part.absolutePath(), part.fileName(), e.id)) {
        // Two saved downloads name one .part (a list saved by two runs): the first one restored continues it.
        m_log.warning(HEIKO_HERE,
                      u"[resume] %1: %2 belongs to another download in the list; this one starts over"_s.arg(
                          files.fileName, files.partPath),
                      e.id);
        files.partPath.clear();
        return;
    }
    e.transfer->setBytesTotal(saved.bytesTotal);
    e.transfer->setFiles(files, saved.durableBytes);
    const qint64 trusted = saved.durableBytes >= 0 ? qMin(saved.durableBytes, part.size()) : part.size();
    e.transfer->setBytesOnDisk(trusted);
    m_log.info(HEIKO_HERE,
               u"[resume] %1: continuing the %2 already in %3"_s.arg(
                   files.fileName, units::formatBytes(trusted), files.partPath),
               e.id);
}

int DownloadManager::restore(const SavedDownload &saved)
{
    DownloadRequest request;
    request.url = saved.url;
    request.directory = saved.directory;
    request.fileName = saved.requestedName;
    const bool unfinished = saved.isUnfinished();
    request.startPaused = saved.state == DownloadState::Paused || !unfinished || saved.hadPassword;
    const int id = add(request, &saved);
    Entry *e = entry(id);
    if (e && saved.rateLimit >= 0)
        e->limit->setRate(saved.rateLimit); // the limit it was given, not today's for new downloads
    if (!e || e->state == DownloadState::Failed)
        return id;
    if (unfinished && saved.hadPassword) {
        e->state = DownloadState::Failed;
        e->error = DownloadError(
            DownloadError::Kind::InvalidUrl,
            u"the password for this URL was not saved; add the URL again with its password"_s);
    } else if (!unfinished) {
        e->state = saved.state;
        e->finalPath = saved.files.finalPath;
        e->skippedExisting = saved.files.skippedExisting;
        e->finalSize = saved.finalSize;
        e->finalModifiedMs = saved.finalModifiedMs;
        if (saved.state == DownloadState::Finished) {
            e->transfer->setBytesTotal(saved.bytesTotal);
            e->transfer->setBytesOnDisk(saved.finalSize >= 0 ? saved.finalSize : saved.bytesTotal);
        } else if (!saved.errorMessage.isEmpty()) { // a cancelled one was saved without an error
            e->error = DownloadError(DownloadError::Kind::Network, saved.errorMessage);
        }
    }
    Q_EMIT downloadChanged(id);
    return id;
}

QList<SavedDownload> DownloadManager::savedState() const
{
    QList<SavedDownload> saved;
    saved.reserve(m_order.size());
    for (const int id : m_order) {
        const Entry *e = entry(id);
        if (!e || e->removeWhenStopped)
            continue;
        SavedDownload d;
        d.url = e->request.url;
        d.hadPassword = !d.url.password().isEmpty();
        d.url.setPassword(QString());
        d.directory = e->request.directory;
        d.requestedName = e->request.fileName;
        d.files = e->transfer->files(&d.durableBytes);
        d.rateLimit = e->limit->rate();
        // A file a worker finished while we shut down (stopAndWait()), whose end this thread never handled:
        // saved as finished, or the next start would download it again under a new name.
        const bool finishedUnhandled = e->attempt && !d.files.finalPath.isEmpty();
        d.state = finishedUnhandled              ? DownloadState::Finished
            : e->state == DownloadState::Running ? DownloadState::Queued
                                                 : e->state;
        d.bytesTotal = e->transfer->bytesTotal();
        d.attempts = e->attempts;
        if (e->error.isError() && !finishedUnhandled)
            d.errorMessage = e->error.message();
        if (e->state == DownloadState::Finished) {
            d.files.finalPath = e->finalPath;
            d.files.skippedExisting = e->skippedExisting;
            d.finalSize = e->finalSize;
            d.finalModifiedMs = e->finalModifiedMs;
        } else if (finishedUnhandled && !d.files.skippedExisting) {
            d.finalSize = d.files.finalSize;
            d.finalModifiedMs = d.files.finalModifiedMs;
        }
        saved.append(d);
    }
    return saved;
}

void DownloadManager::stopAndWait()
{
    m_stopped = true;
    m_retryTimer.stop();
    for (const int id : std::as_const(m_running)) {
        if (Entry *e = entry(id); e && e->attempt) {
            if (!e->stopping) { // stopped to go on at the next start; a pause, cancel or remove keeps its
                                // wish
                e->stopping = true;
                e->requeueWhenStopped = true;
            }
            e->attempt->cancel();
            e->transfer->wakeWorker(); // or it notices at its next tick, up to a second away
        }
    }
    m_pool.waitForDone();
    // What a cancel (delete the .part) or a remove (forget it, perhaps delete its files) asked of a download
    // is done when its attempt's end is handled, by a queued call that the event loop, gone now, would have
    // run: without this the .part of a download cancelled just before quitting stayed, and came back.
    takeEndedAttempts();
}

QList<int> DownloadManager::ids() const
{
    return m_order;
}

bool DownloadManager::contains(int id) const
{
    const Entry *e = entry(id);
    return e && !e->removeWhenStopped;
}

DownloadInfo DownloadManager::info(int id) const
{
    DownloadInfo info;
    const Entry *e = entry(id);
    if (!e || e->removeWhenStopped)
        return info;
    const TransferState::Files files = e->transfer->files();
    info.id = id;
    info.url = e->request.url;
    info.displayUrl = secrets::maskedUrl(e->request.url);
    info.directory = e->request.directory;
    info.fileName = files.fileName;
    if (info.fileName.isEmpty()) {
        info.fileName = naming::sanitizeFileName(e->request.fileName);
        if (info.fileName.isEmpty())
            info.fileName = naming::chooseFileName({}, e->request.url);
    }
    info.filePath = e->state == DownloadState::Finished ? e->finalPath : files.partPath;
    info.state = e->state;
    info.bytesReceived = e->transfer->bytesOnDisk();
    info.bytesTotal = e->transfer->bytesTotal();
    if (e->state == DownloadState::Running && e->speed) {
        info.bytesPerSecond = e->speed->bytesPerSecond();
        info.etaSeconds
            = info.bytesTotal >= 0 ? e->speed->etaSeconds(info.bytesTotal - info.bytesReceived) : -1;
    }
    if (e->state == DownloadState::Running)
        info.connections = e->transfer->connections();
    if (e->state != DownloadState::Finished) {
        info.segments = e->transfer->segments();
        if (info.segments.isEmpty())
            info.segments = files.segments; // paused, or restored from the saved queue: as far as synced
    }
    info.workerThread = e->lastWorker;
    info.attempt = e->attempts;
    info.rateLimit = e->limit->rate();
    // Shown as a time of day: the wait left, from now on the wall clock.
    const qint64 retryAt = e->state == DownloadState::Queued ? qMax(e->retryAtMs, hostCoolDownUntil(*e)) : 0;
    const qint64 now = nowMs();
    info.retryAtMs = retryAt > now ? QDateTime::currentMSecsSinceEpoch() + (retryAt - now) : 0;
    info.error = e->error;
    return info;
}

void DownloadManager::enqueue(Entry &e)
{
    e.state = DownloadState::Queued;
    const auto at = std::lower_bound(m_queue.begin(), m_queue.end(), e.id);
    if (at == m_queue.end() || *at != e.id) {
        m_queue.insert(at, e.id);
        ++m_queuedPerHost[e.host];
    }
}

void DownloadManager::dequeue(Entry &e)
{
    const auto at = std::lower_bound(m_queue.begin(), m_queue.end(), e.id);
    if (at == m_queue.end() || *at != e.id)
        return;
    m_queue.erase(at);
    if (--m_queuedPerHost[e.host] <= 0)
        m_queuedPerHost.remove(e.host);
}

void DownloadManager::schedule()
{
    if (m_stopped)
        return;
    const qint64 now = nowMs();
    qint64 nextRetry = 0;
    // This runs after every finished download and every add: with 5,000 queued files of one host whose
    // connections are all in use, walking the whole queue each time made a list of small files quadratic.
    // So the walk stops as soon as every entry left belongs to a host that can take nothing now (all its
    // connections in use, or cooling down). Hosts are a handful, entries are many. In the common case (the
    // first queued entry can start, and then the workers are all busy) nothing here allocates: entries passed
    // over are counted per host only when there are some.
    qsizetype unseenTotal = m_queue.size(); // queued entries not yet looked at
    qsizetype unseenBlocked = 0; // of those, the ones whose host can take nothing now
    QSet<QString> blocked;
    QHash<QString, qsizetype>
        passedOver; // entries looked at and left in the queue, per host not blocked then
    const auto block = [&](const QString &host) {
        if (!blocked.contains(host)) {
            blocked.insert(host);
            unseenBlocked += m_queuedPerHost.value(host) - passedOver.value(host);
        }
    };
    for (auto it = m_hostCoolDownUntil.cbegin(); it != m_hostCoolDownUntil.cend(); ++it) {
        if (it.value() > now && m_queuedPerHost.contains(it.key())) {
            block(it.key());
            nextRetry = nextRetry == 0 ? it.value() : qMin(nextRetry, it.value());
        }
    }
    // Connections are counted by the budget the workers share: a segmented download's pieces count too.
    for (auto it = m_queuedPerHost.cbegin(); it != m_queuedPerHost.cend(); ++it) {
        if (m_connectionBudget->isFull(it.key()))
            block(it.key());
    }
    for (auto it = m_queue.begin(); it != m_queue.end() && m_running.size() < m_options.maxWorkers
         && unseenBlocked < unseenTotal && !m_connectionBudget->isFullOverall();) {
        Entry *e = entry(*it);
        --unseenTotal;
        if (!e) { // cannot happen (remove() dequeues first); never worth a crash
            it = m_queue.erase(it);
            continue;
        }
        if (blocked.contains(e->host)) {
            --unseenBlocked;
            ++it; // this host has all it may have; someone else's download may go first
            continue;
        }
        if (e->retryAtMs > now) {
            nextRetry = nextRetry == 0 ? e->retryAtMs : qMin(nextRetry, e->retryAtMs);
            ++passedOver[e->host];
            ++it;
            continue;
        }
        if (m_connectionBudget->acquire(e->host, 1) == 0) {
            // A worker took the last one for a piece since we looked: this host waits.
            ++passedOver[e->host];
            block(e->host);
            ++it;
            continue;
        }
        it = m_queue.erase(it);
        if (--m_queuedPerHost[e->host] <= 0)
            m_queuedPerHost.remove(e->host);
        start(*e);
        // Only worth knowing if the walk goes on.
        if (m_running.size() < m_options.maxWorkers && m_connectionBudget->isFull(e->host))
            block(e->host);
    }
    if (nextRetry > 0)
        m_retryTimer.start(int(qMax<qint64>(0, nextRetry - now)));
    else if (m_queue.isEmpty())
        m_retryTimer.stop();

    if (isIdle() && m_wasBusy) {
        m_wasBusy = false;
        Q_EMIT idle();
    }
}

void DownloadManager::start(Entry &e)
{
    ++e.attempts;
    e.state = DownloadState::Running;
    e.retryAtMs = 0;
    e.bytesAtAttemptStart = e.transfer->bytesOnDisk();
    e.speed = std::make_unique<SpeedMeter>();
    e.lastReportedBytes = -1;
    m_wasBusy = true;

    AttemptJob job;
    job.downloadId = e.id;
    job.url = e.request.url;
    job.directory = e.request.directory;
    job.requestedName = e.request.fileName;
    job.attempt = e.attempts;
    job.options = m_options;
    job.state = e.transfer;
    job.log = &m_log;
    job.nameHints = &m_nameHints;
    job.partClaims = &m_partClaims;
    job.overallLimit = m_overallLimit;
    job.downloadLimit = e.limit;
    job.connections = m_options.connectionsPerFile;
    job.host = e.host;
    job.connectionBudget = m_connectionBudget;

    const int id = e.id;
    e.startSignalled = false;
    e.transfer->setWorkerThread(0); // the worker sets it when it begins: that is when the download started
    e.attempt.emplace(QtConcurrent::run(&m_pool, &runDownloadAttempt, job));
    // Continuations without a context, run by whichever thread finishes the future (the worker, or this one
    // when it has already finished), rather than a QFutureWatcher: a watcher posts six events to this thread
    // per attempt (started, progress range, progress twice, finished, its own deletion), each a wake-up of
    // it. attemptEnded() queues one call for all the attempts that end before this thread gets to them. Not
    // then() with this object as context: when the manager is destroyed with such a call queued, Qt 6.4 runs
    // the chain's cancel handler with a context that is gone.
    // Exactly one of the two runs: then() for an attempt that ran to its end (with a result or an exception:
    // it takes the QFuture, so an exception does not skip it; taking the result would), onCanceled() for
    // every cancelled one (pause, cancel, remove, and one cancelled before a worker took it up, which
    // QtConcurrent then never runs).
    e.attempt->then([this, id](const QFuture<AttemptResult> &) { attemptEnded(id); }).onCanceled([this, id] {
        attemptEnded(id);
    });
    m_running.append(id);
    m_quietTicks = 0;
    if (m_progressTimer.interval() != kProgressIntervalMs)
        m_progressTimer.setInterval(kProgressIntervalMs); // restarts it
    if (!m_progressTimer.isActive())
        m_progressTimer.start();
    Q_EMIT downloadChanged(id);
    emitWorkersChanged();
}

void DownloadManager::signalStarted(Entry &e)
{
    // A worker began the attempt when it set its thread id. That is noticed by the progress tick (or at the
    // end of an attempt shorter than a tick) rather than by an event from the worker: one event less per
    // download, and for thousands of small files every event across threads is a wake-up of this thread.
    const quint64 worker = e.transfer->workerThread();
    if (e.startSignalled || e.stopping || worker == 0)
        return;
    e.startSignalled = true;
    e.lastWorker = worker;
    Q_EMIT downloadStarted(e.id);
}

void DownloadManager::attemptEnded(int id)
{
    // Any thread; this object is alive: the destructor waits for the workers, and the continuations run in
    // them. Only the first id since the last takeEndedAttempts() queues a call.
    bool first = false;
    {
        const QMutexLocker lock(&m_endedMutex);
        first = m_endedAttempts.isEmpty();
        m_endedAttempts.append(id);
    }
    if (first)
        QMetaObject::invokeMethod(this, &DownloadManager::takeEndedAttempts, Qt::QueuedConnection);
}

void DownloadManager::takeEndedAttempts()
{
    QList<int> ended;
    {
        const QMutexLocker lock(&m_endedMutex);
        ended.swap(m_endedAttempts);
    }
    const QPointer<DownloadManager> alive(this); // a receiver of a signal below may delete us
    for (const int id : std::as_const(ended)) {
        if (!alive)
            return;
        handleAttemptFinished(id);
    }
    if (alive && m_running.isEmpty())
        m_progressTimer.stop(); // also after a remove, whose handling returns early
}

void DownloadManager::handleAttemptFinished(int id)
{
    Entry *e = entry(id);
    if (!e || !e->attempt)
        return;
    signalStarted(*e);
    const QFuture<AttemptResult> future = *e->attempt;
    e->attempt.reset();
    e->speed.reset();
    m_running.removeOne(id);
    m_connectionBudget->release(e->host, 1); // the one start() took; the worker gave back its pieces' own
    e->lastWorker = e->transfer->workerThread() ? e->transfer->workerThread() : e->lastWorker;
    const bool haveResult = !future.isCanceled() && future.resultCount() > 0;
    const AttemptResult result = haveResult ? future.result() : AttemptResult {};
    // The worker records a finished file in TransferState: a cancel that raced with the end of the
    // transfer drops the future's result, but must not make us forget (or download twice) a whole file.
    const TransferState::Files files = e->transfer->files();
    const QString finishedPath = files.finalPath;
    const bool completed = !finishedPath.isEmpty();
    e->skippedExisting = files.skippedExisting;
    if (completed)
        m_partClaims.release(id); // its .part is its file now
    if (completed && !files.skippedExisting) {
        e->finalPath = finishedPath;
        e->finalSize = files.finalSize;
        e->finalModifiedMs = files.finalModifiedMs;
    }

    if (e->removeWhenStopped) {
        deleteFiles(*e, e->deleteFilesWhenStopped);
        m_removedBytesFetched += e->transfer->bytesFetched();
        m_entries.remove(id);
        emitWorkersChanged();
        schedule();
        return;
    }

    if (completed) {
        if (e->skippedExisting)
            e->finalPath = finishedPath;
        if (e->stopping && (e->state == DownloadState::Paused || e->state == DownloadState::Cancelled)) {
            // The log already says "[paused]" or "[cancelled]": without this line it would be the last word
            // on a download that is in fact finished, and whose file is kept.
            m_log.info(HEIKO_HERE,
                       u"[finished] %1 was complete before the %2 reached it; the file is kept: %3"_s.arg(
                           info(id).fileName, e->state == DownloadState::Paused ? u"pause"_s : u"cancel"_s,
                           QDir::toNativeSeparators(finishedPath)),
                       id);
        }
        e->stopping = false;
        e->requeueWhenStopped = false;
        e->deletePartWhenStopped = false;
        e->state = DownloadState::Finished;
        e->error = {};
        Q_EMIT downloadFinished(id);
    } else if (e->stopping) {
        e->stopping = false;
        if (e->deletePartWhenStopped) {
            e->deletePartWhenStopped = false;
            deleteFiles(*e, false);
        }
        if (e->requeueWhenStopped) {
            e->requeueWhenStopped = false;
            enqueue(*e);
        }
    } else {
        DownloadError error = haveResult
            ? result.error
            : DownloadError(DownloadError::Kind::Cancelled, u"the worker stopped without a result"_s, true);
        if (e->transfer->bytesOnDisk() > e->bytesAtAttemptStart)
            e->transientFailures = 0; // it made progress: a flaky connection, not a dead end
        e->error = error;
        if (error.isTransient() && e->transientFailures < m_options.retries) {
            ++e->transientFailures;
            const auto delay = retryDelay(*e, error);
            e->retryAtMs = nowMs() + delay.count();
            if (error.httpStatus() == 429 || error.httpStatus() == 503) {
                // The server said it is overloaded: every download from it waits, not just this one.
                qint64 &until = m_hostCoolDownUntil[e->host];
                if (e->retryAtMs > until) {
                    until = e->retryAtMs;
                    m_log.warning(
                        HEIKO_HERE,
                        u"[cool-down] %1 answered HTTP %2: no download from it starts for %3 s"_s.arg(
                            e->request.url.host(), QString::number(error.httpStatus()),
                            QString::number(double(delay.count()) / 1000.0, 'f', 1)),
                        id);
                    // The others waiting for that server show the wait too (info() counts it), not "Queued".
                    if (m_queuedPerHost.value(e->host) > 0) {
                        for (const int waiting : std::as_const(m_queue)) {
                            if (const Entry *other = entry(waiting); other && other->host == e->host)
                                Q_EMIT downloadChanged(waiting);
                        }
                    }
                }
            }
            m_log.warning(HEIKO_HERE,
                          u"[retry] %1 in %2 s (retry %3 of %4; continues from what is on disk): %5"_s.arg(
                              info(id).fileName, QString::number(double(delay.count()) / 1000.0, 'f', 1),
                              QString::number(e->transientFailures), QString::number(m_options.retries),
                              error.message()),
                          id);
            enqueue(*e);
        } else {
            e->state = DownloadState::Failed;
            if (error.isTransient()) {
                // Say what the user can do: a retry continues from what is already on disk.
                const qint64 kept = e->transfer->files().partPath.isEmpty() ? 0 : e->transfer->bytesOnDisk();
                e->error = DownloadError(
                    error.kind(),
                    error.message()
                        + (kept > 0
                               ? u"; gave up after %1 attempt(s): Retry continues from the %2 downloaded"_s
                                     .arg(QString::number(e->attempts), units::formatBytes(kept))
                               : u"; gave up after %1 attempt(s): check the URL and your connection, then Retry"_s
                                     .arg(e->attempts)),
                    true, error.httpStatus());
            }
            m_log.error(HEIKO_HERE, u"[download failed] %1: %2"_s.arg(info(id).fileName, e->error.message()),
                        id);
            Q_EMIT downloadFailed(id);
        }
    }
    if (m_running.isEmpty())
        m_progressTimer.stop();
    Q_EMIT progressUpdated({ id });
    Q_EMIT downloadChanged(id);
    emitWorkersChanged();
    schedule();
}

std::chrono::milliseconds DownloadManager::retryDelay(const Entry &e, const DownloadError &error) const
{
    using namespace std::chrono;
    const int exponent = qMin(e.transientFailures - 1, 20);
    const qint64 base
        = qMin<qint64>(m_options.retryBaseDelay.count() << exponent, m_options.retryMaxDelay.count());
    // +-25% jitter, so that many downloads failing together do not come back together.
    const double jitter = 0.75 + 0.5 * QRandomGenerator::global()->generateDouble();
    const qint64 backoff = qint64(double(base) * jitter);
    const qint64 asked = qMin<qint64>(error.retryAfter().count(), m_options.retryMaxDelay.count());
    return milliseconds(qMax(backoff, asked));
}

void DownloadManager::handleProgressTick()
{
    const qint64 now = nowMs();
    QList<int> changed;
    for (const int id : std::as_const(m_running)) {
        Entry *e = entry(id);
        if (!e || e->stopping || !e->speed)
            continue;
        signalStarted(*e);
        const qint64 bytes = e->transfer->bytesOnDisk();
        e->speed->addSample(now, bytes);
        if (bytes != e->lastReportedBytes || e->speed->bytesPerSecond() > 0.0) {
            e->lastReportedBytes = bytes;
            changed.append(id);
        }
    }
    if (!changed.isEmpty())
        Q_EMIT progressUpdated(changed);
    // Nothing has moved for a second (every running download stalled, or waiting for a slow server): tick
    // once a second until something does, rather than wake this thread ten times a second for nothing.
    if (changed.isEmpty()) {
        if (++m_quietTicks == kQuietTicks)
            m_progressTimer.setInterval(kQuietProgressIntervalMs);
    } else if (std::exchange(m_quietTicks, 0) >= kQuietTicks) {
        m_progressTimer.setInterval(kProgressIntervalMs);
    }
    // A segmented download gives connections back when one of them is dropped: a download that waits for
    // its server's cap may start now, not only when a whole download ends.
    if (!m_queue.isEmpty() && m_running.size() < m_options.maxWorkers)
        schedule();
}

void DownloadManager::stop(Entry &e)
{
    e.stopping = true;
    e.attempt->cancel();
    e.transfer->wakeWorker(); // or the attempt notices at its next tick
}

void DownloadManager::pause(int id)
{
    Entry *e = entry(id);
    if (!e || e->removeWhenStopped)
        return;
    if (e->state == DownloadState::Queued) {
        dequeue(*e);
        e->state = DownloadState::Paused;
        e->requeueWhenStopped = false; // resumed while stopping, now paused again: stays paused
    } else if (e->state == DownloadState::Running) {
        e->state = DownloadState::Paused;
        e->requeueWhenStopped = false;
        stop(*e);
    } else {
        return;
    }
    m_log.info(HEIKO_HERE, u"[paused] "_s + info(id).fileName, id);
    Q_EMIT downloadChanged(id);
    schedule();
}

void DownloadManager::resume(int id)
{
    Entry *e = entry(id);
    if (!e || e->removeWhenStopped)
        return;
    if (e->state != DownloadState::Paused && e->state != DownloadState::Failed
        && e->state != DownloadState::Cancelled)
        return;
    if (e->state == DownloadState::Failed && e->error.kind() == DownloadError::Kind::InvalidUrl)
        return; // nothing will change by trying again
    e->transientFailures = 0;
    e->error = {};
    e->retryAtMs = 0;
    m_log.info(HEIKO_HERE, u"[resumed] "_s + info(id).fileName, id);
    if (e->attempt) {
        // Still stopping: queue it as soon as the worker lets go.
        e->state = DownloadState::Queued;
        e->requeueWhenStopped = true;
    } else {
        enqueue(*e);
    }
    Q_EMIT downloadChanged(id);
    schedule();
}

void DownloadManager::cancel(int id)
{
    Entry *e = entry(id);
    if (!e || e->removeWhenStopped || e->state == DownloadState::Finished
        || e->state == DownloadState::Cancelled)
        return;
    dequeue(*e);
    const bool running = e->attempt.has_value();
    e->state = DownloadState::Cancelled;
    e->requeueWhenStopped = false;
    if (running) {
        e->deletePartWhenStopped = true;
        stop(*e);
    } else {
        deleteFiles(*e, false);
    }
    m_log.info(HEIKO_HERE, u"[cancelled] "_s + info(id).fileName, id);
    Q_EMIT downloadChanged(id);
    schedule();
}

void DownloadManager::remove(int id, bool deleteFilesToo)
{
    Entry *e = entry(id);
    if (!e || e->removeWhenStopped)
        return;
    dequeue(*e);
    m_order.removeOne(id);
    if (e->attempt) {
        e->removeWhenStopped = true;
        e->deleteFilesWhenStopped = deleteFilesToo;
        stop(*e);
    } else {
        // An unfinished download's .part is useless without its entry: it goes too.
        deleteFiles(*e, deleteFilesToo);
        m_removedBytesFetched += e->transfer->bytesFetched();
        m_entries.remove(id);
    }
    Q_EMIT downloadRemoved(id);
    schedule();
}

void DownloadManager::deleteFiles(const Entry &e, bool includeFinished)
{
    const TransferState::Files files = e.transfer->files();
    if (!files.partPath.isEmpty() && !QFile::remove(files.partPath) && QFile::exists(files.partPath))
        m_log.warning(HEIKO_HERE, u"[files] cannot delete %1; delete it by hand"_s.arg(files.partPath), e.id);
    if (includeFinished && !e.finalPath.isEmpty() && !e.skippedExisting) {
        // Only the file we finished: if it was replaced or changed since, it is somebody else's now.
        const platform::FileStamp stamp = platform::fileStamp(e.finalPath);
        if (stamp.size >= 0 && stamp.size == e.finalSize && stamp.modifiedMs == e.finalModifiedMs) {
            if (!QFile::remove(e.finalPath))
                m_log.warning(HEIKO_HERE, u"[files] cannot delete %1; delete it by hand"_s.arg(e.finalPath),
                              e.id);
        }
    }
    // Whatever comes next (resume after a cancel) starts from nothing, under whatever name is free then.
    m_partClaims.release(e.id);
    TransferState::Files cleared;
    cleared.finalPath = files.finalPath;
    e.transfer->setFiles(cleared);
    e.transfer->setBytesOnDisk(0);
    e.transfer->setSegments({}); // the pieces the window shows: a paused or failed attempt left them
}

void DownloadManager::pauseAll()
{
    const QList<int> all = m_order;
    for (const int id : all)
        pause(id);
}

void DownloadManager::resumeAll()
{
    const QList<int> all = m_order;
    for (const int id : all) {
        if (const Entry *e = entry(id); e && e->state == DownloadState::Paused)
            resume(id);
    }
}

int DownloadManager::maxWorkers() const
{
    return m_options.maxWorkers;
}

void DownloadManager::setMaxWorkers(int workers)
{
    workers = qBound(1, workers, EngineOptions::kMaxWorkersLimit);
    if (workers == m_options.maxWorkers)
        return;
    m_options.maxWorkers = workers;
    m_pool.setMaxThreadCount(workers);
    m_log.info(HEIKO_HERE, u"[workers] at most %1 at once"_s.arg(workers));
    emitWorkersChanged();
    schedule();
}

void DownloadManager::setOptions(const EngineOptions &options)
{
    const int current = m_options.maxWorkers;
    const qint64 overall = m_options.overallRateLimit;
    m_options = options;
    m_options.maxWorkers = current; // setMaxWorkers() applies the new count to the pool and the queue
    m_options.maxConnectionsPerHost = qMax(1, m_options.maxConnectionsPerHost);
    m_options.maxConnections = qMax(1, m_options.maxConnections);
    m_options.connectionsPerFile
        = qBound(1, m_options.connectionsPerFile, EngineOptions::kMaxConnectionsLimit);
    m_connectionBudget->setCaps(m_options.maxConnectionsPerHost, m_options.maxConnections);
    if (options.overallRateLimit != overall)
        setOverallRateLimit(options.overallRateLimit);
    setMaxWorkers(options.maxWorkers);
    schedule();
}

DownloadManager::StateCounts DownloadManager::stateCounts() const
{
    StateCounts counts;
    for (const auto &e : m_entries) {
        if (e->removeWhenStopped)
            continue;
        switch (e->state) {
        case DownloadState::Queued:
            ++counts.queued;
            break;
        case DownloadState::Running:
            ++counts.running;
            break;
        case DownloadState::Paused:
            ++counts.paused;
            break;
        case DownloadState::Finished:
            ++counts.finished;
            break;
        case DownloadState::Failed:
            ++counts.failed;
            break;
        case DownloadState::Cancelled:
            ++counts.cancelled;
            break;
        }
    }
    return counts;
}

qint64 DownloadManager::bytesFetched() const
{
    qint64 bytes = m_removedBytesFetched;
    for (const auto &e : m_entries)
        bytes += e->transfer->bytesFetched();
    return bytes;
}

qint64 DownloadManager::hostCoolDownUntil(const Entry &e) const
{
    if (m_hostCoolDownUntil.isEmpty())
        return 0;
    return m_hostCoolDownUntil.value(e.host, 0);
}

void DownloadManager::setOverallRateLimit(qint64 bytesPerSecond)
{
    m_options.overallRateLimit = qMax<qint64>(0, bytesPerSecond);
    m_overallLimit->setRate(m_options.overallRateLimit);
    m_log.info(HEIKO_HERE,
               m_options.overallRateLimit > 0 ? u"[limit] all downloads together at most %1"_s.arg(
                   units::formatSpeed(double(m_options.overallRateLimit)))
                                              : u"[limit] no overall speed limit"_s);
}

qint64 DownloadManager::overallRateLimit() const
{
    return m_options.overallRateLimit;
}

void DownloadManager::setRateLimit(int id, qint64 bytesPerSecond)
{
    Entry *e = entry(id);
    if (!e)
        return;
    e->limit->setRate(qMax<qint64>(0, bytesPerSecond));
    Q_EMIT downloadChanged(id);
}

qint64 DownloadManager::rateLimit(int id) const
{
    const Entry *e = entry(id);
    return e ? e->limit->rate() : 0;
}

void DownloadManager::setMaxConnectionsPerHost(int connections)
{
    m_options.maxConnectionsPerHost = qMax(1, connections);
    m_connectionBudget->setCaps(m_options.maxConnectionsPerHost, m_options.maxConnections);
    schedule();
}

int DownloadManager::busyWorkers() const
{
    return int(m_running.size());
}

int DownloadManager::queuedCount() const
{
    return int(m_queue.size());
}

bool DownloadManager::isIdle() const
{
    return m_running.isEmpty() && m_queue.isEmpty();
}

void DownloadManager::emitWorkersChanged()
{
    Q_EMIT workersChanged(busyWorkers(), m_options.maxWorkers);
}

} // namespace heiko

#include "downloadattempt.h"

#include "connectionbudget.h"
#include "filenamehints.h"
#include "filenaming.h"
#include "httpclient.h"
#include "httpheaders.h"
#include "httpreply.h"
#include "loghub.h"
#include "partclaims.h"
#include "platform.h"
#include "ratelimiter.h"
#include "secretmasking.h"
#include "units.h"

#include <QAbstractEventDispatcher>
#include <QDir>
#include <QFileInfo>
#include <QScopeGuard>
#include <QStorageInfo>
#include <QTimerEvent>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <utility>

using namespace Qt::StringLiterals;

namespace heiko {

namespace {

// One read buffer per attempt, reused for every chunk: the body streams through it to disk.
constexpr qsizetype kReadChunk = 1024 * 1024;
// What Qt may buffer for us when the disk is slower than the network: with 0 it would buffer without
// limit, and peak memory would grow with the file.
constexpr qint64 kReplyBufferLimit = 128 * 1024;
constexpr int kMaxNumberedNames = 9999;
constexpr qint64 kSyncIntervalMs = 2000;
// Below this, asking the file system for its free space (a statfs per file) costs more than it saves.
constexpr qint64 kCheckFreeSpaceFrom = 1024 * 1024;

bool isRedirectStatus(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool isTransientStatus(int status)
{
    return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

QString advice(int status)
{
    switch (status) {
    case 401:
    case 407:
        return u"the server wants a login; put user:password@ in the URL if you have one"_s;
    case 403:
        return u"the server refuses access; check that the link is still valid"_s;
    case 404:
    case 410:
        return u"the file is not on the server; check the URL"_s;
    case 408:
    case 429:
    case 503:
        return u"the server is busy; Heiko retries after a pause"_s;
    case 416:
        return u"the server can't send the part that is missing; delete the .part file to start over"_s;
    default:
        if (status >= 500)
            return u"the server failed; Heiko retries after a pause"_s;
        return u"check the URL"_s;
    }
}

// One read buffer per worker thread, kept for the thread's life. A megabyte per read halves the CPU time of
// large files against 256 KiB (fewer reads and writes), but allocating it per download made every small file
// pay for an mmap and munmap (glibc serves blocks that large with their own mapping); only the pages a
// download touches become resident.
QByteArray &threadReadBuffer()
{
    thread_local QByteArray buffer;
    if (buffer.size() != kReadChunk)
        buffer.resize(kReadChunk);
    return buffer;
}

} // namespace

DownloadAttempt::DownloadAttempt(const AttemptJob &job, QPromise<AttemptResult> &promise, HttpClient &network)
    : m_job(job)
    , m_promise(promise)
    , m_network(network)
    , m_url(job.url)
    , m_buffer(threadReadBuffer())
{
    // One tick serves the stall watchdog (a quarter of the timeout, at most a second) and, as a fallback,
    // the cancel check: a pause or a cancel wakes this thread's dispatcher, and the loop in run() looks at
    // once. A timer registered with the dispatcher costs, for every one of thousands of small downloads, more
    // than looking at an elapsed time; and a stalled download should not wake its worker ten times a second.
    m_tickMs = int(qBound(qint64(50), qint64(m_job.options.timeout.count() / 4), qint64(1000)));
}

DownloadAttempt::~DownloadAttempt()
{
    if (m_reply) {
        // Nothing it emits while it aborts may reach this half-destroyed attempt. Blocked rather than
        // disconnected: disconnect(this) looks through every signal of the reply, for every download.
        m_reply->blockSignals(true);
        m_reply->abort();
        delete m_reply;
    }
}

QString DownloadAttempt::describeUrl() const
{
    return secrets::maskedUrl(m_url);
}

AttemptResult DownloadAttempt::run()
{
    m_elapsed.start();
    TransferState &state = *m_job.state;
    state.setWorkerThread(platform::currentThreadId());
    state.setConnections(1);

    // Cancellation is noticed when the manager wakes this thread's dispatcher after cancelling (and by the
    // tick, see timerEvent()) rather than by a QFutureWatcher here: a watcher receives an event for every
    // progress report and result of this attempt, a cost paid by every one of thousands of small downloads.
    m_tick.start(m_tickMs, this);
    state.setWorkerDispatcher(QAbstractEventDispatcher::instance());
    const auto forgetDispatcher = qScopeGuard([&state] { state.setWorkerDispatcher(nullptr); });

    m_files = state.files();
    if (!m_files.partPath.isEmpty()) {
        const QFileInfo part(m_files.partPath);
        if (part.isSymLink() || !part.isFile()) {
            // The .part is gone (or was replaced by something that is not ours): start over.
            m_files = {};
        } else if (partIsBusy(m_files.partPath)) {
            // Another process writes it: a second run of the same command (a cron job overlapping the one
            // before), or another Heiko. Not a byte of it is touched (the cut to the synced length below
            // would truncate the other's live file), and this download lets go of it.
            m_error = busyError();
            m_files = {};
        } else if (!m_files.segments.isEmpty() && m_files.rangesSupported && state.bytesTotal() > 0) {
            // A segmented .part has holes: each piece continues from what was synced of it.
            m_segments = m_files.segments;
            std::sort(m_segments.begin(), m_segments.end(),
                      [](const Segment &a, const Segment &b) { return a.start < b.start; });
            const auto firstOpen = std::find_if(m_segments.cbegin(), m_segments.cend(),
                                                [](const Segment &segment) { return !segment.isDone(); });
            // Shorter than the bytes the pieces call written (the last piece done first, then the file cut
            // short): not ours as we left it; start over rather than call a file with a missing tail
            // finished.
            if (part.size() < segments::writtenLength(m_segments, state.bytesTotal())
                || firstOpen == m_segments.cend()) {
                m_segments.clear();
                m_files.segments.clear();
                m_files.rangesSupported = false;
                m_offset = 0;
            } else {
                m_offset = firstOpen->position;
                m_expectedTotal = state.bytesTotal();
            }
        } else {
            m_files.segments.clear();
            // Only what was synced before a crash is trusted: bytes past it may be zeros after power loss.
            const qint64 durable = state.durableBytes();
            if (durable >= 0 && part.size() > durable && QFile::resize(m_files.partPath, durable))
                m_job.log->info(HEIKO_HERE,
                                u"[download resume] %1: keeping the %2 that were safely on disk"_s.arg(
                                    m_files.fileName, units::formatBytes(durable)),
                                m_job.downloadId);
            m_offset = m_files.rangesSupported ? QFileInfo(m_files.partPath).size() : 0;
            const qint64 total = state.bytesTotal();
            if (total >= 0 && m_offset > total)
                m_offset = 0; // longer than the file: not trustworthy, start over
        }
    }
    m_onDisk = m_segments.isEmpty() ? m_offset : state.bytesTotal() - segments::remainingBytes(m_segments);
    state.setBytesOnDisk(m_onDisk);
    state.setDurableBytes(m_onDisk);
    m_sinceSync.start();

    if (m_job.attempt == 1 && !resuming())
        m_job.log->info(HEIKO_HERE, u"[download start] "_s + describeUrl(), m_job.downloadId);
    else if (resuming())
        m_job.log->info(
            HEIKO_HERE,
            u"[download resume] %1 from %2 (attempt %3)"_s.arg(m_files.fileName, units::formatBytes(m_onDisk))
                .arg(m_job.attempt),
            m_job.downloadId);
    else
        m_job.log->info(HEIKO_HERE,
                        u"[download start] %1 (attempt %2)"_s.arg(describeUrl()).arg(m_job.attempt),
                        m_job.downloadId);

    AttemptResult result;
    // Everything is already on disk (the last attempt was stopped between the last byte and the rename):
    // asking for "bytes=N-" would only earn a 416.
    const bool alreadyComplete = m_offset > 0 && m_offset == state.bytesTotal();
    if (alreadyComplete)
        m_expectedTotal = m_offset;
    while (!alreadyComplete && !m_error && !m_promise.isCanceled()) {
        m_redirectTarget.reset();
        m_accepted = false;
        m_timedOut = false;
        m_quitRequested = false;
        sendRequest();
        // The request starts at once (not from the loop: one wake-up of this thread less per download), so
        // a failure the socket reports while starting may already have asked to end. The loop is run by hand
        // rather than with exec(): leaving exec() takes quit(), which wakes this thread's event dispatcher
        // (a write, and a poll and a read at the next download), while each processEvents() here returns
        // after the events it handled, so that a flag is enough.
        m_inLoop = true;
        while (!m_quitRequested) {
            m_loop.processEvents(QEventLoop::WaitForMoreEvents);
            if (!m_quitRequested && m_promise.isCanceled()) { // woken by a pause or a cancel
                m_cancelled = true;
                quitLoop();
            }
        }
        m_inLoop = false;
        if (m_reply && m_accepted && !m_cancelled && !m_segmented)
            handleReadyRead(); // what arrived together with the end of the body
        abortReply();
        for (int i = 0; i < int(m_connections.size()); ++i)
            retireReply(i);
        if (m_cancelled || m_error || !m_redirectTarget)
            break;
        m_url = *m_redirectTarget;
        m_job.log->debug(HEIKO_HERE, u"[redirect] to "_s + describeUrl(), m_job.downloadId);
    }
    m_tick.stop();
    m_throttle.stop();
    if (m_job.connectionBudget)
        m_job.connectionBudget->release(m_job.host, m_extraConnections);
    m_extraConnections = 0;
    state.setConnections(0);

    // A body that arrived whole is kept even if a pause or cancel raced with its last bytes: the user
    // would otherwise get the same file twice, or lose it.
    const bool segmentsComplete = m_segmented && !m_error && m_file.isOpen()
        && segments::remainingBytes(m_segments) == 0 && m_onDisk == m_expectedTotal;
    const bool bodyComplete = m_published || alreadyComplete || m_rangeAlreadyComplete || segmentsComplete
        || (!m_segmented && !m_error && m_reply && m_reply->isFinished()
            && m_reply->error() == HttpReply::Error::None && !m_redirectTarget
            && (m_file.isOpen() || !m_files.partPath.isEmpty())
            && (m_expectedTotal < 0 || m_onDisk == m_expectedTotal));
    if (m_skipped) {
        result.error = {};
        m_job.log->info(HEIKO_HERE,
                        u"[download skip] %1 already exists; kept as it is"_s.arg(m_files.fileName),
                        m_job.downloadId);
    } else if (bodyComplete) {
        result.error = completeFile();
    } else if (m_cancelled || m_promise.isCanceled()) {
        result.error = DownloadError(DownloadError::Kind::Cancelled, u"stopped"_s);
    } else if (m_error) {
        result.error = m_error;
    } else if (m_segmented) {
        result.error = DownloadError(
            DownloadError::Kind::Network,
            u"every connection to %1 failed, the last with: %2"_s.arg(m_url.host(), m_lastDropReason), true);
    } else if (m_reply && m_reply->error() != HttpReply::Error::None) {
        result.error = networkError();
        if (result.error.isTransient() && m_expectedTotal > 0 && m_onDisk > m_offset)
            result.error = DownloadError(result.error.kind(),
                                         u"the connection to %1 broke after %2 of %3 (%4)"_s.arg(
                                             m_url.host(), units::formatBytes(m_onDisk),
                                             units::formatBytes(m_expectedTotal), m_reply->errorString()),
                                         true);
    } else if (m_expectedTotal >= 0 && m_onDisk != m_expectedTotal) {
        result.error = DownloadError(DownloadError::Kind::Protocol,
                                     u"the connection closed after %1 of %2"_s.arg(
                                         units::formatBytes(m_onDisk), units::formatBytes(m_expectedTotal)),
                                     true);
    } else {
        result.error = DownloadError(DownloadError::Kind::Protocol,
                                     u"%1 ended without a response body"_s.arg(describeUrl()), true);
    }
    if (m_file.isOpen()) {
        // Stopped before the end (pause, error, cancel): make what we have durable, so that the next attempt,
        // in this process or after a restart, continues from all of it.
        if (platform::syncFile(m_file)) {
            if (m_segmented)
                m_files.segments = sortedSegments(false);
            state.setFiles(m_files, m_onDisk);
        }
        m_file.close();
    }
    if (m_segmented)
        state.setSegments(result.error ? sortedSegments(true) : QList<Segment>());

    result.bytes = m_onDisk;
    result.elapsedMs = m_elapsed.elapsed();
    result.finalPath = m_files.finalPath;
    state.setFiles(m_files);
    if (!result.error && !m_skipped) {
        const double seconds = qMax<double>(0.001, double(result.elapsedMs) / 1000.0);
        m_job.log->info(HEIKO_HERE,
                        u"[download finish] %1 (%2 in %3 s, %4)"_s.arg(
                            m_files.fileName, units::formatBytes(m_onDisk), QString::number(seconds, 'f', 2),
                            units::formatSpeed(double(m_onDisk - m_offset) / seconds)),
                        m_job.downloadId);
    }
    return result;
}

HttpRequest DownloadAttempt::makeRequest() const
{
    HttpRequest request;
    request.url = m_url;
    // Identity keeps byte offsets meaningful for resume (and nothing is decompressed on the fly).
    request.headers.append({ "Accept-Encoding"_ba, "identity"_ba });
    request.userAgent = m_job.options.userAgent.isEmpty() ? QByteArrayLiteral("Heiko/" HEIKO_VERSION)
                                                          : m_job.options.userAgent.toUtf8();
    return request;
}

bool DownloadAttempt::describesOurFile(const HttpReply &reply) const
{
    // A 206 continues our bytes only if it is the same file: validators that do not contradict the ones kept,
    // and the identity encoding (offsets into an encoded body do not map to the file).
    const QByteArray lastModified = reply.rawHeader("Last-Modified"_ba);
    const QByteArray encoding = reply.rawHeader("Content-Encoding"_ba).trimmed().toLower();
    return http::etagsMatchWeakly(m_files.etag, reply.rawHeader("ETag"_ba))
        && (m_files.lastModified.isEmpty() || lastModified.isEmpty() || lastModified == m_files.lastModified)
        && (encoding.isEmpty() || encoding == "identity");
}

QByteArray DownloadAttempt::ifRangeValidator() const
{
    // RFC 9110 §13.1.5: If-Range takes only a strong validator; a server compares a weak one as "changed" and
    // sends the whole file every time.
    return http::isStrongEtag(m_files.etag) ? m_files.etag : m_files.lastModified;
}

bool DownloadAttempt::partIsBusy(const QString &path) const
{
    // Only a look: the lock is taken on the descriptor the .part is written through (openPartForResume()), as
    // file systems that turn flock into byte-range locks (NFS, SMB) tie it to that descriptor.
    bool busy = false;
    platform::unlockFile(platform::lockFile(path, &busy));
    return busy;
}

DownloadError DownloadAttempt::busyError() const
{
    return DownloadError(
        DownloadError::Kind::Disk,
        u"%1 is being downloaded by another Heiko (another window, or a run of the same list); "
        u"this one leaves it alone: retry it once that one is done"_s.arg(m_files.partPath));
}

bool DownloadAttempt::isHeldByAnother(const QString &name) const
{
    return m_job.partClaims && m_job.partClaims->isHeldByAnother(m_job.directory, name, m_job.downloadId);
}

void DownloadAttempt::sendRequest()
{
    HttpRequest request = makeRequest();
    // Also from byte 0 when a segmented .part has pieces: a plain GET would not say that its bytes must be
    // the same file's (If-Range), and its 200 would not be told from a 206 that continues them.
    if (resuming()) {
        request.headers.append({ "Range"_ba, "bytes=" + QByteArray::number(m_offset) + '-' });
        if (const QByteArray validator = ifRangeValidator(); !validator.isEmpty())
            request.headers.append({ "If-Range"_ba, validator });
    }

    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->deleteLater();
    }
    m_reply = m_network.get(request);
    m_reply->setReadBufferSize(kReplyBufferLimit);
    connect(m_reply, &HttpReply::metaDataChanged, this, &DownloadAttempt::handleMetaData);
    connect(m_reply, &HttpReply::readyRead, this, &DownloadAttempt::handleReadyRead);
    connect(m_reply, &HttpReply::finished, this, &DownloadAttempt::handleFinished);
    m_sinceData.start();
    m_reply->start();
}

void DownloadAttempt::quitLoop()
{
    // Only in this thread, from the attempt's own handlers: the loop in run() looks at the flag after every
    // round of events (and before the first, for a request that failed while starting).
    m_quitRequested = true;
}

void DownloadAttempt::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_throttle.timerId()) {
        m_throttle.stop(); // once: the read it wakes arms it again if the limit still holds it back
        handleReadyRead();
    } else if (event->timerId() == m_tick.timerId()) {
        if (m_promise.isCanceled()) {
            m_cancelled = true;
            quitLoop();
            return;
        }
        handleWatchdog();
    } else {
        QObject::timerEvent(event);
    }
}

void DownloadAttempt::handleWatchdog()
{
    if (m_segmented) {
        // Each connection on its own: one that stalls is dropped and its piece goes to another.
        for (int i = 0; i < int(m_connections.size()); ++i) {
            Connection &c = m_connections[size_t(i)];
            if (!c.reply || c.dropped)
                continue;
            if (c.throttled)
                c.sinceData.restart(); // quiet because we hold it back, not because the server stalls
            else if (c.sinceData.elapsed() >= m_job.options.timeout.count())
                dropConnection(i, u"no data for %1 s"_s.arg(double(m_job.options.timeout.count()) / 1000.0));
        }
        growConnections();
        return;
    }
    if (!m_reply || m_reply->isFinished())
        return;
    if (m_throttled) {
        m_sinceData.restart(); // quiet because we hold it back, not because the server stalls
        return;
    }
    if (m_sinceData.elapsed() >= m_job.options.timeout.count()) {
        m_timedOut = true;
        stopReply(
            DownloadError(DownloadError::Kind::Timeout,
                          u"no data from %1 for %2 s"_s.arg(
                              m_url.host(), QString::number(double(m_job.options.timeout.count()) / 1000.0)),
                          true));
    }
}

void DownloadAttempt::stopReply(DownloadError error)
{
    if (!m_error)
        m_error = std::move(error);
    m_accepted = false;
    // Not abort() here: this runs inside the reply's own signals, and aborting a reply while Qt is still
    // emitting for it confuses its bookkeeping. run() aborts it as soon as the loop has returned.
    quitLoop();
}

void DownloadAttempt::abortReply()
{
    if (m_reply && !m_reply->isFinished()) {
        m_reply->disconnect(this);
        m_reply->abort();
    }
}

void DownloadAttempt::handleMetaData()
{
    if (!m_reply || m_error)
        return;
    m_sinceData.restart();
    const int status = m_reply->statusCode();
    if (status == 0)
        return; // not an HTTP response yet (metaDataChanged can come early)
    if (isRedirectStatus(status)) {
        acceptRedirect(status);
        return;
    }
    if (status == 416 && resuming()) {
        acceptRangeNotSatisfiable();
        return;
    }
    if (status != 200 && status != 206) {
        QByteArray reason = m_reply->reasonPhrase();
        if (reason.isEmpty())
            reason = http::reasonPhrase(status);
        DownloadError error(DownloadError::Kind::Http,
                            u"HTTP %1 %2 from %3: %4"_s.arg(QString::number(status),
                                                            QString::fromLatin1(reason), describeUrl(),
                                                            advice(status)),
                            isTransientStatus(status), status);
        if (const auto delay
            = http::parseRetryAfter(m_reply->rawHeader("Retry-After"_ba), QDateTime::currentDateTimeUtc()))
            error.setRetryAfter(*delay);
        stopReply(std::move(error));
        return;
    }
    if (!acceptBody(status))
        return;
    m_accepted = true;
    if (shouldSegment())
        startSegments();
}

void DownloadAttempt::acceptRangeNotSatisfiable()
{
    // "bytes */L": the file is L bytes long. If that is exactly what we have, and it is still the same file,
    // the last attempt got everything and only missed the rename.
    const auto range = http::parseContentRange(m_reply->rawHeader("Content-Range"_ba));
    const QByteArray etag = m_reply->rawHeader("ETag"_ba);
    const qint64 knownTotal = m_job.state->bytesTotal();
    // Same validator, and the same length as announced before: a server that now says "1 byte" about a file
    // it announced as 72 PB has changed it, and the .part is not that file.
    const bool sameFile = http::etagsMatchWeakly(etag, m_files.etag)
        && (knownTotal < 0 || (range && range->total == knownTotal));
    if (range && range->total == m_offset && sameFile) {
        m_rangeAlreadyComplete = true;
        m_expectedTotal = m_offset;
        quitLoop();
        return;
    }
    const qint64 askedFrom = m_offset;
    const QString now = range && range->total >= 0
        ? u"the file is now %1"_s.arg(units::formatBytes(range->total))
        : u"it does not say how long the file is now"_s;
    m_files.rangesSupported = false;
    m_segments.clear();
    m_files.segments.clear();
    QFile::resize(m_files.partPath, 0);
    m_job.state->setFiles(m_files, 0); // a save from now on must not trust any byte of the old .part
    m_offset = 0;
    m_onDisk = 0;
    m_job.state->setBytesOnDisk(0);
    stopReply(DownloadError(DownloadError::Kind::Protocol,
                            u"%1 has no bytes from %2 on any more (HTTP 416; %3); downloading it again from "
                            u"the start"_s.arg(describeUrl(), units::formatBytes(askedFrom), now),
                            true));
}

bool DownloadAttempt::acceptRedirect(int status)
{
    const QByteArray location = m_reply->rawHeader("Location"_ba);
    const auto refuse = [this](const QString &why) {
        stopReply(DownloadError(DownloadError::Kind::Redirect, why));
        return false;
    };
    if (location.isEmpty())
        return refuse(u"HTTP %1 from %2 without a Location to go to"_s.arg(status).arg(describeUrl()));
    const QUrl target = m_url.resolved(QUrl(QString::fromUtf8(location), QUrl::TolerantMode));
    const QString scheme = target.scheme().toLower();
    if (scheme != u"http"_s && scheme != u"https"_s)
        return refuse(u"%1 redirects to a %2: URL; Heiko follows only http and https"_s.arg(
            describeUrl(), scheme.isEmpty() ? u"schemeless"_s : scheme.left(32)));
    if (!target.isValid() || target.host().isEmpty())
        return refuse(u"%1 redirects to an invalid address"_s.arg(describeUrl()));
    if (m_url.scheme().compare(u"https"_s, Qt::CaseInsensitive) == 0 && scheme == u"http"_s)
        return refuse(
            u"%1 redirects from https to unencrypted http (%2); refused to keep the download safe"_s.arg(
                describeUrl(), secrets::maskedUrl(target)));
    if (++m_redirects > m_job.options.maxRedirects)
        return refuse(u"more than %1 redirects starting at %2; the server is probably in a loop"_s.arg(
            QString::number(m_job.options.maxRedirects), secrets::maskedUrl(m_job.url)));
    QUrl next = target;
    // Credentials belong to one origin: never carry them to another scheme, host or port.
    if (target.scheme().compare(m_url.scheme(), Qt::CaseInsensitive) != 0
        || target.host().compare(m_url.host(), Qt::CaseInsensitive) != 0
        || target.port(scheme == u"https"_s ? 443 : 80) != m_url.port(scheme == u"https"_s ? 443 : 80)) {
        if (QUrl(QString::fromUtf8(location), QUrl::TolerantMode).userInfo().isEmpty())
            next.setUserInfo(QString());
    }
    m_redirectTarget = next;
    m_accepted = false;
    quitLoop(); // run() aborts the reply once Qt has finished emitting this signal
    return true;
}

bool DownloadAttempt::acceptBody(int status)
{
    const auto protocolError = [this](const QString &why, bool transient) {
        stopReply(DownloadError(DownloadError::Kind::Protocol, why, transient));
        return false;
    };
    TransferState &state = *m_job.state;
    const bool chunked = m_reply->rawHeader("Transfer-Encoding"_ba).toLower().contains("chunked");
    std::optional<qint64> length;
    if (!chunked && m_reply->hasRawHeader("Content-Length"_ba)) {
        length = http::parseContentLength(m_reply->rawHeader("Content-Length"_ba));
        if (!length)
            return protocolError(
                u"%1 sent an invalid or conflicting Content-Length (%2); the response can't be "
                u"trusted"_s.arg(describeUrl(),
                                 QString::fromLatin1(m_reply->rawHeader("Content-Length"_ba).left(64))),
                false);
    }

    // A 200 with a Content-Range is a part of the file presented as the whole (a broken cache or proxy):
    // saved, it would be a short file called finished. Only a range that is the whole body is believed.
    if (status == 200 && m_reply->hasRawHeader("Content-Range"_ba)) {
        const auto range = http::parseContentRange(m_reply->rawHeader("Content-Range"_ba));
        const bool whole = range && range->first == 0 && range->total >= 0 && range->last + 1 == range->total
            && (!length || *length == range->total);
        if (!whole)
            return protocolError(
                u"%1 sent part of the file (%2) as if it were all of it (HTTP 200); trying "
                u"again"_s.arg(describeUrl(),
                               QString::fromLatin1(m_reply->rawHeader("Content-Range"_ba).left(64))),
                true);
    }

    bool restartFromZero = false;
    if (status == 206) {
        const auto range = http::parseContentRange(m_reply->rawHeader("Content-Range"_ba));
        const bool sameFile = describesOurFile(*m_reply);
        const bool valid = sameFile && resuming() && range && range->first == m_offset
            && (range->total < 0 || m_expectedTotal < 0 || range->total == m_expectedTotal)
            && (!length || *length == range->last - range->first + 1)
            && (range->total < 0 || state.bytesTotal() < 0 || range->total == state.bytesTotal())
            // "/*": the length it does not say is the one announced before, which the range stays inside.
            && (range->total >= 0 || state.bytesTotal() < 0 || range->last < state.bytesTotal());
        if (!valid) {
            // Appending bytes from the wrong offset would corrupt the file silently.
            m_files.rangesSupported = false;
            m_segments.clear();
            m_files.segments.clear();
            if (!m_files.partPath.isEmpty())
                QFile::resize(m_files.partPath, 0);
            state.setFiles(m_files, 0); // a save from now on must not trust any byte of the old .part
            m_offset = 0;
            m_onDisk = 0;
            state.setBytesOnDisk(0);
            return protocolError(
                sameFile ? u"%1 answered a different byte range than asked (%2); starting over"_s.arg(
                    describeUrl(), QString::fromLatin1(m_reply->rawHeader("Content-Range"_ba).left(64)))
                         : u"%1 changed since the download began; starting over"_s.arg(describeUrl()),
                true);
        }
        // Never lowered by a 206 that does not say the total: the file is as long as announced before, and a
        // range that ends short of it leaves the rest for a retry instead of finishing a short file.
        m_expectedTotal = range->total >= 0 ? range->total
            : state.bytesTotal() >= 0       ? state.bytesTotal()
                                            : (length ? m_offset + *length : -1);
        m_files.rangesSupported = true;
    } else {
        if (resuming()) {
            // The server ignored the range, or the file changed (If-Range): never append a 200, nor keep the
            // pieces of a segmented .part around it.
            m_job.log->info(
                HEIKO_HERE,
                u"[download restart] %1 sent the whole file instead of the rest; starting over"_s.arg(
                    describeUrl()),
                m_job.downloadId);
            restartFromZero = true;
            m_offset = 0;
            m_segments.clear();
            m_files.segments.clear();
        }
        m_expectedTotal = length ? *length : -1;
        m_files.rangesSupported = m_reply->rawHeader("Accept-Ranges"_ba).toLower().contains("bytes");
    }
    // The validators describe the file: a 200 brings a new one; a 206 (checked above to match) only fills in
    // what was not known, so that a proxy's 206 without an ETag does not erase the one every later resume
    // is checked against. A weak ETag is kept too: never sent in If-Range (ifRangeValidator()), but a 206
    // with another one is another file.
    const QByteArray etag = m_reply->rawHeader("ETag"_ba).trimmed();
    if (status == 200 || m_files.etag.isEmpty())
        m_files.etag = etag;
    // A Last-Modified is a strong validator only if the response was sent at least a second after it
    // (RFC 9110 §8.8.2.2): otherwise the file may have changed again within the same second.
    const QByteArray lastModified = m_reply->rawHeader("Last-Modified"_ba);
    const QDateTime modified = http::parseHttpDate(lastModified);
    const QDateTime sent = http::parseHttpDate(m_reply->rawHeader("Date"_ba));
    if (status == 200 || m_files.lastModified.isEmpty())
        m_files.lastModified = modified.isValid() && sent.isValid() && modified.secsTo(sent) >= 1
            ? lastModified
            : QByteArray();
    const QByteArray encoding = m_reply->rawHeader("Content-Encoding"_ba).trimmed().toLower();
    if (!encoding.isEmpty() && encoding != "identity")
        m_files.rangesSupported = false; // offsets into an encoded body don't map to the file

    QString name = m_files.fileName; // a resumed download keeps its name
    if (m_files.partPath.isEmpty()) {
        // A name the user chose is still sanitised: it may come from a list file someone else wrote.
        name = naming::sanitizeFileName(m_job.requestedName);
        if (name.isEmpty())
            name = naming::chooseFileName(m_reply->rawHeader("Content-Disposition"_ba), m_url);
    }
    if (!enoughDiskSpace(name))
        return false;
    if (m_files.partPath.isEmpty()) {
        if (!publishWholeBody(name) && !reserveFiles(name))
            return false;
    } else if (!openPartForResume(restartFromZero || !resuming())) {
        return false;
    }
    m_onDisk = m_published ? m_expectedTotal : m_offset;
    if (m_published)
        state.addBytesFetched(m_expectedTotal);
    state.setBytesOnDisk(m_onDisk);
    state.setBytesTotal(m_expectedTotal);
    // Files and synced length together: after a restart from zero the .part was just truncated, and a save
    // that paired the new record with the old synced length would trust bytes that are gone.
    state.setFiles(m_files, (restartFromZero || !resuming()) ? 0 : state.durableBytes());
    if (m_job.log->wants(LogLevel::Debug))
        m_job.log->debug(HEIKO_HERE,
                         u"[response] HTTP %1, %2, saving as %3"_s.arg(
                             QString::number(status), units::formatBytes(m_expectedTotal), m_files.fileName),
                         m_job.downloadId);
    return true;
}

bool DownloadAttempt::enoughDiskSpace(const QString &name)
{
    if (m_expectedTotal < 0)
        return true; // nothing announced: a full disk shows up as a write error instead
    const qint64 needed = m_expectedTotal - m_offset;
    if (needed < kCheckFreeSpaceFrom)
        return true; // a small file that does not fit fails at its first write, with the same reason
    QString existing = m_job.directory; // the folder may not exist yet: measure where it will be created
    while (!existing.isEmpty() && !QFileInfo(existing).isDir()) {
        const QString parent = QFileInfo(existing).absolutePath();
        if (parent == existing)
            break;
        existing = parent;
    }
    const QStorageInfo storage(existing);
    if (!storage.isValid() || storage.bytesAvailable() < 0 || needed <= storage.bytesAvailable())
        return true;
    stopReply(DownloadError(
        DownloadError::Kind::Disk,
        u"not enough disk space for %1 in %2: needs %3, %4 free; free some space or choose "
        u"another folder"_s.arg(name, QDir::toNativeSeparators(m_job.directory), units::formatBytes(needed),
                                units::formatBytes(storage.bytesAvailable()))));
    return false;
}

DownloadAttempt::NameChoice DownloadAttempt::tryNames(
    const QString &name, const QString &first,
    const std::function<NameChoice(const QString &candidate, const QString &path)> &tryName) const
{
    // `first` (the name itself, or the one already chosen), then the numbered names from the last number
    // taken for this name on: a thousand "download.php?id=N" must not each probe every name taken before.
    const QDir dir(m_job.directory);
    const QString key = dir.absoluteFilePath(name);
    const int hint = m_job.nameHints ? qMax(1, m_job.nameHints->firstCandidate(key)) : 1;
    for (int n = 0; n <= kMaxNumberedNames; n = (n == 0 ? hint : n + 1)) {
        const QString candidate = n == 0 ? first : naming::numberedFileName(name, n);
        if (n > 0 && candidate == first)
            continue;
        const NameChoice choice = tryName(candidate, dir.filePath(candidate));
        if (choice == NameChoice::Taken && m_job.nameHints)
            m_job.nameHints->taken(key, n);
        if (choice != NameChoice::Next)
            return choice;
    }
    return NameChoice::Next;
}

bool DownloadAttempt::publishWholeBody(const QString &name)
{
    // A small file often arrives whole in the read that brought the head. It is then written and named at
    // once, never as a .part: there is nothing a crash could lose and nothing to resume. Only for a fresh
    // 200 under the Rename policy, and where the system has unnamed files (platform::writeUnnamedFile());
    // everything else, and any failure here, goes the .part way, which also reports errors.
    if (m_job.options.collisionPolicy != CollisionPolicy::Rename || m_reply->statusCode() != 200
        || m_expectedTotal <= 0 || m_reply->bufferedBody().size() != m_expectedTotal || isRateLimited())
        return false;
    const QByteArrayView body = m_reply->bufferedBody();
    platform::FileStamp stamp;
    const int file = platform::writeUnnamedFile(m_job.directory, body.data(), body.size(), &stamp);
    if (file < 0)
        return false;
    const auto closeFile = qScopeGuard([file] { platform::closeUnnamedFile(file); });
    const NameChoice choice = tryNames(name, name, [&](const QString &candidate, const QString &path) {
        // A download still writing NAME.part has claimed NAME (reserveFiles() checks the other way round).
        // Looked up in memory first: a look on the disk for every file waited for the folder's lock.
        const QString partName = candidate + u".part"_s;
        if (isHeldByAnother(partName) || isHeldByAnother(candidate)
            || ((!m_job.partClaims || m_job.partClaims->mayExist(m_job.directory, partName))
                && platform::pathExists(path + u".part"_s)))
            return NameChoice::Next;
        switch (platform::linkUnnamedFile(file, path)) {
        case platform::RenameResult::Renamed:
            m_files.fileName = candidate;
            m_files.finalPath = path;
            m_files.finalSize = stamp.size;
            m_files.finalModifiedMs = stamp.modifiedMs;
            return NameChoice::Taken;
        case platform::RenameResult::TargetExists:
            return NameChoice::Next;
        case platform::RenameResult::Failed:
            break;
        }
        return NameChoice::Stop;
    });
    m_published = choice == NameChoice::Taken;
    if (m_published && m_job.log->wants(LogLevel::Debug))
        m_job.log->debug(
            HEIKO_HERE,
            u"[saved whole] %1 came with its head; written and named at once"_s.arg(m_files.fileName),
            m_job.downloadId);
    return m_published;
}

bool DownloadAttempt::reserveFiles(const QString &name)
{
    // Every system call here is paid once per file: for 5,000 small files they were a large part of the time.
    // So: no look before the exclusive create (it is the check), one lstat after it, and the folder is made
    // only when the create says it is missing.
    const QDir dir(m_job.directory);
    const CollisionPolicy policy = m_job.options.collisionPolicy;
    if (policy == CollisionPolicy::Skip) {
        const QString existing = dir.filePath(naming::numberedFileName(name, 0));
        if (QFileInfo(existing).isFile()) {
            // Not an error: the user asked to keep what is there. The reply stops here, nothing is written.
            m_files.fileName = QFileInfo(existing).fileName();
            m_files.finalPath = existing;
            m_files.skippedExisting = true;
            m_skipped = true;
            m_accepted = false;
            quitLoop();
            return false;
        }
    }
    bool madeFolder = false;
    const auto create = [&] {
        if (m_file.open(QIODevice::WriteOnly | QIODevice::NewOnly))
            return true;
        if (madeFolder || QFileInfo(m_job.directory).isDir())
            return false;
        madeFolder = true; // the folder is missing: make it once, then try again
        return QDir().mkpath(m_job.directory) && m_file.open(QIODevice::WriteOnly | QIODevice::NewOnly);
    };
    // The plain name first, so that a name that became free again is used again.
    const NameChoice choice = tryNames(name, name, [&](const QString &candidate, const QString &finalPath) {
        const QString partPath = finalPath + u".part"_s;
        // Held before the create (see PartClaims); a name another download holds is passed over even when its
        // file is gone: that download, resumed or cancelled, would take this one's file for its own.
        if (m_job.partClaims
            && !m_job.partClaims->hold(m_job.directory, candidate + u".part"_s, m_job.downloadId))
            return NameChoice::Next;
        m_file.setFileName(partPath);
        // NewOnly is an exclusive create (O_EXCL): two workers (or two listings of one URL) never share a
        // file, and an existing file or symlink is never opened.
        if (create()) {
            // The final name must be free too (Overwrite: it may hold a regular file, which is replaced at
            // the end, but never an unfinished download's .part, whoever's). Checked after the create, so
            // that another worker finishing this very name meanwhile is seen.
            const bool finalTaken = isHeldByAnother(candidate)
                || (platform::pathExists(finalPath)
                    && (policy != CollisionPolicy::Overwrite || !QFileInfo(finalPath).isFile()
                        || candidate.endsWith(u".part"_s, Qt::CaseInsensitive)));
            if (finalTaken) {
                m_file.remove();
                return NameChoice::Next;
            }
            m_files.fileName = candidate;
            m_files.partPath = partPath;
            m_files.baseName = name;
            // Locked while it is written, so that another process resuming it sees it taken: one system call
            // on the descriptor just opened (the lock goes with it when it is closed).
            platform::lockOpenFile(m_file);
            return NameChoice::Taken;
        }
        // Another download's .part (or something planted there). That download may have finished between our
        // create and this look: its .part is then already its final file.
        if (platform::pathExists(partPath) || platform::pathExists(finalPath))
            return NameChoice::Next;
        stopReply(DownloadError(
            DownloadError::Kind::Disk,
            QFileInfo(m_job.directory).isDir()
                ? u"cannot create %1: %2; check that the folder is writable"_s.arg(partPath,
                                                                                   m_file.errorString())
                : u"cannot create the folder %1; choose another target folder"_s.arg(m_job.directory)));
        return NameChoice::Stop;
    });
    if (choice == NameChoice::Next)
        stopReply(
            DownloadError(DownloadError::Kind::Disk,
                          u"no free name for %1 in %2 (tried %3 numbered names); clean up the folder"_s.arg(
                              name, m_job.directory, QString::number(kMaxNumberedNames))));
    return choice == NameChoice::Taken;
}

bool DownloadAttempt::openPartForResume(bool truncate)
{
    // Only the regular file this download created: a symlink planted in its place is not followed.
    // Not Append: the pieces of a segmented download are written at their own offsets.
    const QIODevice::OpenMode mode
        = QIODevice::ReadWrite | (truncate ? QIODevice::Truncate : QIODevice::OpenMode());
    if (!platform::openExistingNoFollow(m_file, m_files.partPath, mode)) {
        const bool isLink = QFileInfo(m_files.partPath).isSymLink();
        // Our .part is gone or was replaced: forget it, so that the retry picks a fresh name.
        m_files.partPath.clear();
        m_files.rangesSupported = false;
        stopReply(DownloadError(
            DownloadError::Kind::Disk,
            isLink ? u"the unfinished file was replaced by a symbolic link; Heiko does not write "
                     u"through links and starts over under a new name"_s
                   : u"cannot reopen the unfinished file: %1; starting over"_s.arg(m_file.errorString()),
            true));
        return false;
    }
    // Locked while it is written (run() only looked): another process that took it since is left alone.
    if (!platform::lockOpenFile(m_file)) {
        m_file.close();
        stopReply(busyError());
        m_files = {};
        m_segments.clear();
        return false;
    }
    if (!truncate && !m_segments.isEmpty())
        return true; // a segmented .part is as long as its furthest piece; run() checked that
    if (!truncate && (m_file.size() != m_offset || !m_file.seek(m_offset))) {
        stopReply(DownloadError(DownloadError::Kind::Disk,
                                u"%1 changed on disk while resuming; starting over"_s.arg(m_files.partPath),
                                true));
        m_files.rangesSupported = false;
        return false;
    }
    return true;
}

bool DownloadAttempt::isRateLimited() const
{
    return (m_job.downloadLimit && m_job.downloadLimit->rate() > 0)
        || (m_job.overallLimit && m_job.overallLimit->rate() > 0);
}

void DownloadAttempt::handleFinished()
{
    if (m_segmented) {
        handleSegmentFinished(0);
        return;
    }
    // Under a speed limit the end of the transfer may come while much of the body still waits in the reply's
    // buffer: it is read at the limit's pace (handleReadyRead quits the loop once it is empty).
    if (m_accepted && !m_error && isRateLimited() && m_reply && m_reply->bytesAvailable() > 0) {
        handleReadyRead();
        return;
    }
    quitLoop();
}

qint64 DownloadAttempt::allowedBytes(qint64 wanted, qint64 *waitMs)
{
    *waitMs = 0;
    qint64 granted = wanted;
    if (m_job.downloadLimit)
        granted = m_job.downloadLimit->acquire(granted, waitMs);
    if (granted > 0 && m_job.overallLimit) {
        qint64 overallWait = 0;
        const qint64 overall = m_job.overallLimit->acquire(granted, &overallWait);
        if (overall < granted && m_job.downloadLimit)
            m_job.downloadLimit->refund(granted - overall);
        granted = overall;
        *waitMs = qMax(*waitMs, overallWait);
    }
    return granted;
}

qint64 DownloadAttempt::limitedRead(HttpReply &reply, qint64 wanted)
{
    // Under a speed limit, read only what the limit allows; the rest waits in the reply's small buffer (or
    // the socket's), and the server is slowed down by TCP itself.
    wanted = qMin(wanted, reply.bytesAvailable());
    if (wanted <= 0)
        return 0;
    qint64 waitMs = 0;
    wanted = allowedBytes(wanted, &waitMs);
    if (wanted > 0)
        return wanted;
    m_throttled = true;
    if (!m_throttle.isActive()) // precise: a coarse timer woke the thread twice for one short wait
        m_throttle.start(int(qMin<qint64>(waitMs, 1000)), Qt::PreciseTimer, this);
    return -1;
}

void DownloadAttempt::handleReadyRead()
{
    if (m_segmented) {
        // Under a speed limit each wake-up brings only a few milliseconds' worth: the connection that reads
        // first changes every time, or the first one would take it all and the others starve.
        m_throttled = false;
        const int count = int(m_connections.size());
        const int first = m_nextReader;
        m_nextReader = (m_nextReader + 1) % qMax(1, count);
        for (int k = 0; k < count && m_inLoop; ++k)
            readSegment((first + k) % count);
        return;
    }
    if (!m_reply || !m_accepted)
        return;
    m_sinceData.restart();
    const bool limited = isRateLimited() && m_inLoop;
    m_throttled = false;
    if (!limited) {
        // What came with the head goes to the file from the reply's own buffer, without a copy here first.
        const QByteArrayView held = m_reply->bufferedBody();
        if (!held.isEmpty()) {
            if (!m_published && !writeBody(held.data(), held.size()))
                return;
            m_reply->skipBuffered(held.size());
        }
    }
    for (;;) {
        qint64 wanted = m_buffer.size();
        if (limited) {
            // Nothing waits, or the limit holds the rest back (the throttle timer reads it). Either way on to
            // the sync below: under a limit the server always has more waiting, and returning here skipped
            // it for the whole download (a crash then lost all of it).
            wanted = limitedRead(*m_reply, wanted);
            if (wanted <= 0)
                break;
        }
        const qint64 got = m_reply->read(m_buffer.data(), wanted);
        if (got <= 0)
            break;
        if (!writeBody(m_buffer.constData(), got))
            return;
    }
    // The held-back rest of a finished transfer is all read: also when the limit was lifted meanwhile (this
    // read was then unlimited, and no event would come to end the attempt).
    if (m_inLoop && m_reply && m_reply->isFinished() && m_reply->bytesAvailable() == 0)
        quitLoop();
    // Every few seconds the bytes so far go to the disk itself: a crash or power loss then costs at most
    // that much of the download.
    if (m_sinceSync.elapsed() >= kSyncIntervalMs && m_file.isOpen()) {
        if (!partStillThere())
            return;
        if (platform::syncFile(m_file))
            m_job.state->setDurableBytes(m_onDisk);
        m_sinceSync.restart();
    }
}

bool DownloadAttempt::partStillThere()
{
    // Writes go on into a .part that was deleted (or whose folder was removed), and only the rename at the
    // end would find out, with every byte lost: looked at with each sync instead.
    if (!platform::isDeleted(m_file))
        return true;
    stopReply(DownloadError(
        DownloadError::Kind::Disk,
        QFileInfo(m_job.directory).isDir()
            ? u"%1 was deleted while it downloaded; start the download again to fetch it anew"_s.arg(
                m_files.partPath)
            : u"the folder %1 was removed while %2 downloaded; choose a folder and start the download again"_s
                  .arg(QDir::toNativeSeparators(m_job.directory), m_files.fileName)));
    return false;
}

bool DownloadAttempt::writeBody(const char *data, qint64 size)
{
    if (m_expectedTotal >= 0 && m_onDisk + size > m_expectedTotal) {
        stopReply(
            DownloadError(DownloadError::Kind::Protocol,
                          u"%1 sent more bytes than the %2 it announced; the response can't be trusted"_s.arg(
                              describeUrl(), units::formatBytes(m_expectedTotal)),
                          true));
        return false;
    }
    if (m_file.write(data, size) != size) {
        stopReply(DownloadError(DownloadError::Kind::Disk,
                                u"cannot write %1: %2; free some space or choose another folder"_s.arg(
                                    m_files.partPath, m_file.errorString())));
        return false;
    }
    m_onDisk += size;
    m_job.state->setBytesOnDisk(m_onDisk);
    m_job.state->addBytesFetched(size);
    return true;
}

DownloadError DownloadAttempt::networkError() const
{
    const QString reason = m_reply->errorString();
    switch (m_reply->error()) {
    case HttpReply::Error::None:
        return {};
    case HttpReply::Error::HostNotFound:
        return DownloadError(DownloadError::Kind::Network,
                             u"host %1 not found; check the URL and your connection"_s.arg(m_url.host()),
                             true);
    case HttpReply::Error::Tls: {
        const QStringList errors = m_reply->sslErrors();
        return DownloadError(
            DownloadError::Kind::Network,
            u"secure connection to %1 failed: %2; Heiko does not download from a server whose "
            u"certificate it cannot verify"_s.arg(m_url.host(),
                                                  errors.isEmpty() ? reason : errors.join(u"; "_s)));
    }
    case HttpReply::Error::Protocol:
        // Not retried: a server that answers with a broken response will break it again.
        return DownloadError(
            DownloadError::Kind::Protocol,
            u"%1 (%2); the server does not speak HTTP correctly"_s.arg(reason, describeUrl()));
    case HttpReply::Error::ConnectionRefused:
    case HttpReply::Error::RemoteClosed:
    case HttpReply::Error::Aborted:
    case HttpReply::Error::Network:
        break;
    }
    return DownloadError(DownloadError::Kind::Network, u"%1 (%2)"_s.arg(reason, describeUrl()), true);
}

bool DownloadAttempt::writeAt(qint64 position, const char *data, qint64 size)
{
    if (m_file.pos() != position && !m_file.seek(position))
        return false;
    return m_file.write(data, size) == size;
}

// Segmented downloads. The first response says how long the file is and whether the server serves ranges.
// If it does, the file is big enough for two pieces of segments::kMinimumSize and more than one connection
// is allowed, what is left is cut into pieces, one per connection: the first response's own connection
// keeps going with the first piece, and every other piece is asked for with "Range: bytes=START-END" on a
// connection of its own (HttpClient never shares one between two exchanges, and it speaks HTTP/1.1 only,
// so no piece is multiplexed onto another's connection). All of it runs in this worker thread's event loop
// and goes into the one .part at each piece's offset.
//
// A connection that finishes its piece takes the next piece nobody fetches, or else the second half of the
// piece with the most left (work stealing): no connection idles while another lags. A connection that fails
// (an HTTP error such as a server's limit on connections, a reset, a stall) is dropped and its piece goes to
// the next connection that comes free; only when none is left does the attempt fail, and the retry
// continues every piece where it was. The pieces, as far as they are synced to the disk, are part of
// TransferState::Files and so of the saved queue: a crash costs seconds, not the file.
bool DownloadAttempt::shouldSegment() const
{
    if (!m_segments.isEmpty())
        return true; // a segmented .part: its pieces must be fetched as pieces, even over one connection
    return !m_published && m_job.connections > 1 && m_files.rangesSupported && !m_files.rangesIgnored
        && m_expectedTotal > 0 && m_expectedTotal - m_offset >= 2 * segments::kMinimumSize;
}

void DownloadAttempt::startSegments()
{
    // The extra connections count against the host's and the overall caps, like other downloads' do.
    // Not more than there will be pieces: a 3 MiB file in pieces of at least 1 MiB needs 3 connections.
    // A resumed .part asks for what its pieces left can use, not for the whole cap: 1 MiB left in one piece
    // needs one connection, and the places it would hold idle are other downloads' from the same server.
    const qint64 pieces = m_segments.isEmpty() ? (m_expectedTotal - m_offset) / segments::kMinimumSize
                                               : qint64(segments::usefulConnections(m_segments));
    const int wanted
        = int(qMin<qint64>(qBound(1, m_job.connections, EngineOptions::kMaxConnectionsLimit), pieces)) - 1;
    m_extraConnections
        = m_job.connectionBudget && wanted > 0 ? m_job.connectionBudget->acquire(m_job.host, wanted) : 0;
    m_placesShort = qMax(0, wanted - m_extraConnections);
    if (m_segments.isEmpty() && m_extraConnections == 0)
        return; // no connection to spare: one connection, as if segments were off
    m_segmented = true;
    if (m_segments.isEmpty())
        m_segments = segments::split(m_offset, m_expectedTotal, 1 + m_extraConnections);
    m_onDisk = m_expectedTotal - segments::remainingBytes(m_segments);
    m_job.state->setBytesOnDisk(m_onDisk);
    // The pieces are recorded before their first byte: a .part being fetched in pieces has holes, and a save
    // (then a crash) that saw no pieces would take everything up to the synced length as written.
    m_files.segments = sortedSegments(false);
    m_job.state->setFiles(m_files, m_onDisk);
    m_connections.clear();
    m_connections.resize(size_t(1 + m_extraConnections));

    // The first response's connection carries on with the piece that starts where it was asked to start.
    Connection &first = m_connections[0];
    first.reply = m_reply;
    first.accepted = true;
    first.requestEnd = m_expectedTotal;
    first.sinceData.start();
    for (int k = 0; k < m_segments.size(); ++k) {
        if (m_segments[k].position == m_offset && !m_segments[k].isDone()) {
            first.segment = k;
            break;
        }
    }
    m_reply->disconnect(this);
    connect(m_reply, &HttpReply::readyRead, this, [this] { readSegment(0); });
    connect(m_reply, &HttpReply::finished, this, &DownloadAttempt::handleFinished);
    const auto counted = [](qsizetype n, const QString &one, const QString &many) -> QString {
        return QString::number(n) + u' ' + (n == 1 ? one : many);
    };
    m_job.log->info(HEIKO_HERE,
                    u"[segments] %1 over %2 in %3"_s.arg(
                        m_files.fileName,
                        counted(qsizetype(m_connections.size()), u"connection"_s, u"connections"_s),
                        counted(m_segments.size(), u"piece"_s, u"pieces"_s)),
                    m_job.downloadId);
    m_sincePublish.start();
    publishSegments(true);
    for (int i = 1; i < int(m_connections.size()); ++i)
        assignWork(i);
}

void DownloadAttempt::growConnections()
{
    // The caps may have had no room when the pieces were handed out (other downloads from the server held
    // the places); when they give them back, this download takes up to as many as it was asked to use.
    // Only the places it was short of at the start, and not once the server refused or lost a connection:
    // a server that allows fewer connections than asked answers each new one with a 503, and replacing
    // them every tick would knock on its door for the whole download.
    const int wanted = qMin(qBound(1, m_job.connections, EngineOptions::kMaxConnectionsLimit),
                            segments::usefulConnections(m_segments));
    // Nor without a validator for If-Range: a piece asked for minutes after the first answer could be of a
    // file that changed since, and nothing would tell.
    if (ifRangeValidator().isEmpty())
        return;
    while (!m_error && !m_cancelled && m_job.connectionBudget && m_placesShort > 0 && !m_connectionDropped
           && activeConnections() < wanted) {
        int resting = -1;
        for (int i = 0; i < int(m_connections.size()) && resting < 0; ++i) {
            if (!m_connections[size_t(i)].dropped && m_connections[size_t(i)].segment < 0)
                resting = i;
        }
        if (resting < 0) {
            resting = int(m_connections.size());
            m_connections.emplace_back().parked = true; // a new connection: no place yet
        }
        const int before = activeConnections();
        assignWork(resting);
        if (activeConnections() == before)
            break; // no room in the caps, or nothing to split
        --m_placesShort;
        publishSegments(true);
    }
}

bool DownloadAttempt::isAssigned(int segment) const
{
    return std::any_of(m_connections.cbegin(), m_connections.cend(),
                       [segment](const Connection &c) { return c.segment == segment && !c.dropped; });
}

int DownloadAttempt::activeConnections() const
{
    return int(std::count_if(m_connections.cbegin(), m_connections.cend(),
                             [](const Connection &c) { return c.segment >= 0 && !c.dropped; }));
}

void DownloadAttempt::assignWork(int connection)
{
    Connection &c = m_connections[size_t(connection)];
    if (c.dropped || m_error || m_cancelled)
        return;
    const auto park = [&] {
        // Nothing to take: its place goes back to the caps (other downloads from this server may use it) as
        // long as an extra place is held; the attempt's own first place stays until run() ends.
        if (!c.parked && m_extraConnections > 0 && m_job.connectionBudget) {
            m_job.connectionBudget->release(m_job.host, 1);
            --m_extraConnections;
            c.parked = true;
        }
    };
    // The work it could take, before a place is asked for it.
    int piece = -1;
    for (int k = 0; k < m_segments.size() && piece < 0; ++k) {
        // First a piece nobody is fetching (left by a dropped connection, or from a resumed .part).
        if (!m_segments[k].isDone() && !isAssigned(k))
            piece = k;
    }
    int victim = -1;
    if (piece < 0) {
        // Else the second half of the piece with the most left; not without a validator for If-Range: it is
        // asked for long after the first answer, and a file changed since would be taken in half from each
        // version with nothing to tell.
        if (ifRangeValidator().isEmpty()) {
            park();
            return;
        }
        for (int k = 0; k < m_segments.size(); ++k) {
            if (isAssigned(k) && (victim < 0 || m_segments[k].remaining() > m_segments[victim].remaining()))
                victim = k;
        }
        if (victim < 0 || m_segments[victim].remaining() < 2 * segments::kMinimumSize) {
            park();
            return;
        }
    }
    if (c.parked) {
        // A place this attempt holds but no connection uses (the first one, after the connection that had it
        // was dropped) is taken before a new one is asked for.
        if (activeConnections() < 1 + m_extraConnections) {
            c.parked = false;
        } else {
            if (!m_job.connectionBudget || m_job.connectionBudget->acquire(m_job.host, 1) == 0)
                return; // the caps are full: it stays parked
            ++m_extraConnections;
            c.parked = false;
        }
    }
    if (piece >= 0) {
        requestSegment(connection, piece);
        return;
    }
    if (const auto stolen = segments::splitOff(m_segments[victim])) {
        m_segments.append(*stolen);
        m_job.log->debug(
            HEIKO_HERE,
            u"[segments] a free connection takes %1 from the piece at %2"_s.arg(
                units::formatBytes(stolen->remaining()), units::formatBytes(m_segments[victim].start)),
            m_job.downloadId);
        requestSegment(connection, int(m_segments.size()) - 1);
    } else {
        park();
    }
}

void DownloadAttempt::requestSegment(int connection, int segment)
{
    Connection &c = m_connections[size_t(connection)];
    const Segment &piece = m_segments[segment];
    HttpRequest request = makeRequest();
    request.headers.append(
        { "Range"_ba,
          "bytes=" + QByteArray::number(piece.position) + '-' + QByteArray::number(piece.end - 1) });
    if (const QByteArray validator = ifRangeValidator(); !validator.isEmpty())
        request.headers.append({ "If-Range"_ba, validator });
    c.reply = m_network.get(request);
    c.reply->setReadBufferSize(kReplyBufferLimit);
    c.segment = segment;
    c.requestEnd = piece.end;
    c.accepted = false;
    c.sinceData.start();
    connect(c.reply, &HttpReply::metaDataChanged, this,
            [this, connection] { handleSegmentMetaData(connection); });
    connect(c.reply, &HttpReply::readyRead, this, [this, connection] { readSegment(connection); });
    connect(c.reply, &HttpReply::finished, this, [this, connection] { handleSegmentFinished(connection); });
    // From the loop, not from here: a failure while starting would drop this connection and hand its piece on
    // while the caller is still assigning work.
    QMetaObject::invokeMethod(c.reply, &HttpReply::start, Qt::QueuedConnection);
}

void DownloadAttempt::handleSegmentMetaData(int connection)
{
    Connection &c = m_connections[size_t(connection)];
    if (!c.reply || c.segment < 0 || m_error)
        return;
    c.sinceData.restart();
    const int status = c.reply->statusCode();
    if (status == 0)
        return;
    const Segment &piece = m_segments[c.segment];
    if (status == 206) {
        const auto range = http::parseContentRange(c.reply->rawHeader("Content-Range"_ba));
        const bool sameFile = describesOurFile(*c.reply);
        if (sameFile && range && range->first == piece.position && range->last == c.requestEnd - 1
            && range->total == m_expectedTotal) {
            c.accepted = true;
            return;
        }
        if (sameFile) {
            dropConnection(connection,
                           u"answered a different byte range than asked (%1)"_s.arg(
                               QString::fromLatin1(c.reply->rawHeader("Content-Range"_ba).left(64))));
            return;
        }
    }
    if (status == 200 || status == 206) {
        // A whole file instead of a piece. Of the same file (its validators agree, or there are none): the
        // server announced ranges but ignores them, and every split would end here again; the file is
        // fetched over one connection from now on. Else If-Range saw another version, and the pieces so far
        // are of the old one. Either way the download starts over.
        const bool ignored = status == 200 && describesOurFile(*c.reply);
        m_segments.clear();
        m_files.segments.clear();
        m_files.rangesSupported = false;
        m_files.rangesIgnored = m_files.rangesIgnored || ignored;
        stopReply(DownloadError(
            DownloadError::Kind::Protocol,
            ignored
                ? u"%1 sends the whole file when asked for a piece; starting over on one connection"_s.arg(
                    describeUrl())
                : u"%1 changed since the download began; starting over"_s.arg(describeUrl()),
            true));
        return;
    }
    QByteArray reason = c.reply->reasonPhrase();
    if (reason.isEmpty())
        reason = http::reasonPhrase(status);
    dropConnection(connection, u"HTTP %1 %2"_s.arg(QString::number(status), QString::fromLatin1(reason)));
}

void DownloadAttempt::handleSegmentFinished(int connection)
{
    if (m_readingConnection == connection)
        return; // readSegment() settles it when its loop is done
    const Connection &c = m_connections[size_t(connection)];
    if (c.reply && !c.accepted && c.segment >= 0) {
        // Refused, reset or closed before it answered: its piece goes to another connection now, not after
        // the stall timeout.
        dropConnection(connection,
                       c.reply->error() != HttpReply::Error::None
                           ? c.reply->errorString()
                           : u"the connection closed before the server answered"_s);
        return;
    }
    readSegment(connection);
}

void DownloadAttempt::readSegment(int connection)
{
    Connection &c = m_connections[size_t(connection)];
    if (!c.reply || !c.accepted || c.segment < 0 || m_error || !m_inLoop)
        return;
    const bool limited = isRateLimited();
    m_readingConnection = connection;
    for (;;) {
        Segment &piece = m_segments[c.segment];
        qint64 wanted = qMin<qint64>(m_buffer.size(), piece.remaining());
        if (wanted <= 0)
            break;
        if (limited) {
            wanted = limitedRead(*c.reply, wanted);
            if (wanted == 0)
                break;
            if (wanted < 0) {
                // Held back: still on to the sync and the pieces' progress below, or under a limit neither
                // would ever happen (the server always has more waiting).
                c.throttled = true;
                break;
            }
        }
        const qint64 got = c.reply->read(m_buffer.data(), wanted);
        if (got <= 0)
            break;
        c.throttled = false;
        c.sinceData.restart();
        if (!writeAt(piece.position, m_buffer.constData(), got)) {
            m_readingConnection = -1;
            stopReply(DownloadError(DownloadError::Kind::Disk,
                                    u"cannot write %1: %2; free some space or choose another folder"_s.arg(
                                        m_files.partPath, m_file.errorString())));
            return;
        }
        piece.position += got;
        m_onDisk += got;
        m_job.state->setBytesOnDisk(m_onDisk);
        m_job.state->addBytesFetched(got);
    }
    m_readingConnection = -1;
    if (m_sinceSync.elapsed() >= kSyncIntervalMs && m_file.isOpen()) {
        if (!partStillThere())
            return;
        if (platform::syncFile(m_file)) {
            m_files.segments = sortedSegments(false);
            m_job.state->setFiles(m_files, m_onDisk);
        }
        m_sinceSync.restart();
    }
    publishSegments(false);
    settleConnection(connection);
}

void DownloadAttempt::settleConnection(int connection)
{
    Connection &c = m_connections[size_t(connection)];
    if (!c.reply || c.segment < 0)
        return;
    if (m_segments[c.segment].isDone()) {
        retireReply(connection);
        c.segment = -1;
        if (segments::remainingBytes(m_segments) == 0) {
            quitLoop();
            return;
        }
        assignWork(connection);
        return;
    }
    if (c.reply->isFinished()
        && (c.reply->bytesAvailable() == 0 || c.reply->error() != HttpReply::Error::None)) {
        const QString why = c.reply->error() != HttpReply::Error::None
            ? c.reply->errorString()
            : u"the connection closed %1 before the end of its piece"_s.arg(
                units::formatBytes(m_segments[c.segment].remaining()));
        dropConnection(connection, why);
    }
}

void DownloadAttempt::retireReply(int connection)
{
    Connection &c = m_connections[size_t(connection)];
    if (!c.reply)
        return;
    HttpReply *reply = c.reply;
    c.reply = nullptr;
    c.accepted = false;
    reply->disconnect(this);
    // A request that went further than its piece now ends (the first one, or one whose second half was
    // stolen) still has bytes on the way: its connection can't be reused.
    if (!reply->isFinished())
        reply->abort();
    if (reply == m_reply)
        m_reply = nullptr;
    reply->deleteLater();
}

void DownloadAttempt::dropConnection(int connection, const QString &why)
{
    Connection &c = m_connections[size_t(connection)];
    retireReply(connection);
    c.segment = -1;
    c.dropped = true;
    m_connectionDropped = true;
    m_lastDropReason = why;
    // Its place in the host's and the overall cap is free again for other downloads.
    if (m_extraConnections > 0 && m_job.connectionBudget) {
        m_job.connectionBudget->release(m_job.host, 1);
        --m_extraConnections;
    }
    // A resting connection (nothing was left to steal when it finished) takes the dropped piece.
    for (int i = 0; i < int(m_connections.size()); ++i) {
        if (!m_connections[size_t(i)].dropped && m_connections[size_t(i)].segment < 0 && !m_error)
            assignWork(i);
    }
    const int left = activeConnections();
    m_job.state->setConnections(left);
    m_job.log->warning(HEIKO_HERE,
                       u"[segments] a connection to %1 failed: %2; going on with %3"_s.arg(
                           m_url.host(), why, QString::number(left)),
                       m_job.downloadId);
    if (left == 0)
        quitLoop(); // run() reports it; the retry continues every piece where it is
}

QList<Segment> DownloadAttempt::sortedSegments(bool withFinished) const
{
    QList<Segment> sorted = m_segments;
    // A finished piece needs no record: bytes no piece covers are complete. Leaving them out keeps the saved
    // queue small however often work was stolen.
    if (!withFinished)
        sorted.removeIf([](const Segment &segment) { return segment.isDone(); });
    std::sort(sorted.begin(), sorted.end(),
              [](const Segment &a, const Segment &b) { return a.start < b.start; });
    return sorted;
}

void DownloadAttempt::publishSegments(bool force)
{
    // For the window's segmented progress bar: a few times a second is all it can show.
    if (!force && m_sincePublish.elapsed() < 100)
        return;
    m_sincePublish.restart();
    m_job.state->setSegments(sortedSegments(true));
    m_job.state->setConnections(activeConnections());
}

DownloadError DownloadAttempt::completeFile()
{
    if (m_published)
        return {}; // named when it arrived
    platform::FileStamp stamp;
    if (m_file.isOpen()) {
        // No disk sync here: a finished file goes to the disk with the system's own writeback, as with every
        // other downloader and browser. Syncing each one made a 200 MB download take twice as long; what must
        // survive a power loss is an unfinished download's progress, and that is synced every 2 s.
        if (!m_file.flush()) {
            return DownloadError(DownloadError::Kind::Disk,
                                 u"cannot write %1: %2; free some space or choose another folder"_s.arg(
                                     m_files.partPath, m_file.errorString()));
        }
        // What the file is as Heiko left it (a later "delete files" deletes it only if unchanged): looked at
        // here, after the last write (a rename changes neither), so that the manager's thread (the GUI
        // thread) makes no file-system call per finished file.
        stamp = platform::fileStamp(m_file);
        m_file.close();
    } else if (!m_files.partPath.isEmpty()) {
        stamp = platform::fileStamp(m_files.partPath);
    }
    m_files.segments.clear();
    const auto finished = [this, stamp](const QString &finalPath) {
        m_files.finalPath = finalPath;
        m_files.partPath.clear();
        m_files.finalSize = stamp.size;
        m_files.finalModifiedMs = stamp.modifiedMs;
    };
    if (m_files.partPath.isEmpty())
        return DownloadError(DownloadError::Kind::Protocol,
                             u"%1 ended without a response body"_s.arg(describeUrl()), true);
    const QDir dir(m_job.directory);
    // Not over a name another download's .part took since this one was named (a server may call its file
    // "NAME.part"): that one goes the numbered way below.
    if (m_job.options.collisionPolicy == CollisionPolicy::Overwrite && !isHeldByAnother(m_files.fileName)) {
        // rename(2) / MoveFileEx replace the target in one step: readers see the old file or the new one,
        // never a mix, and a symlink in the target's place is replaced, not followed.
        const QString finalPath = dir.filePath(m_files.fileName);
        std::error_code error;
#if defined(Q_OS_WIN)
        // Wide paths: the narrow ones would go through the ANSI code page and lose names outside it.
        const std::filesystem::path from(m_files.partPath.toStdU16String());
        const std::filesystem::path to(finalPath.toStdU16String());
#else
        const std::filesystem::path from(QFile::encodeName(m_files.partPath).toStdString());
        const std::filesystem::path to(QFile::encodeName(finalPath).toStdString());
#endif
        std::filesystem::rename(from, to, error);
        if (error)
            return DownloadError(DownloadError::Kind::Disk,
                                 u"cannot replace %1: %2; check that the folder is writable"_s.arg(
                                     finalPath, QString::fromLocal8Bit(error.message())));
        finished(finalPath);
        return {};
    }
    // Numbered from the name before numbering: "a (1).zip" taken meanwhile goes on to "a (2).zip", not to
    // "a (1) (1).zip" (a .part restored from a saved queue numbers from its own name), past names another
    // download's .part has claimed.
    DownloadError failure;
    const QString base = m_files.baseName.isEmpty() ? m_files.fileName : m_files.baseName;
    const NameChoice choice
        = tryNames(base, m_files.fileName, [&](const QString &candidate, const QString &finalPath) {
              if (isHeldByAnother(candidate)
                  || (candidate != m_files.fileName && platform::pathExists(finalPath + u".part"_s)))
                  return NameChoice::Next;
              QString reason;
              // Never replaces: a name taken while we downloaded moves on to the next number.
              switch (platform::renameNoReplace(m_files.partPath, finalPath, &reason)) {
              case platform::RenameResult::Renamed:
                  m_files.fileName = candidate;
                  finished(finalPath); // the .part is not ours any more: a later download may use that name
                  return NameChoice::Taken;
              case platform::RenameResult::TargetExists:
                  return NameChoice::Next;
              case platform::RenameResult::Failed:
                  break;
              }
              failure = DownloadError(DownloadError::Kind::Disk,
                                      u"cannot rename %1 to %2: %3; check that the folder is writable"_s.arg(
                                          m_files.partPath, finalPath, reason));
              return NameChoice::Stop;
          });
    if (choice == NameChoice::Taken)
        return {};
    if (choice == NameChoice::Stop)
        return failure;
    return DownloadError(
        DownloadError::Kind::Disk,
        u"no free name for %1 in %2; clean up the folder"_s.arg(m_files.fileName, m_job.directory));
}

} // namespace heiko

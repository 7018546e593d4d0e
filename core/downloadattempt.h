#pragma once

#include "downloadworker.h"
#include "httpclient.h"
#include "segment.h"
#include "transferstate.h"

#include <QBasicTimer>
#include <QByteArray>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QUrl>

#include <functional>
#include <optional>
#include <vector>

namespace heiko {

class HttpReply;

// One attempt at one download, driven by a local event loop on the worker thread that runs it. Created,
// run and destroyed by runDownloadAttempt(); never shared between threads.
//
// Response handlers only record what they saw and stop the reply; the decisions (redirect, retry, rename)
// are made after the event loop returns, in run(), where the order of events can no longer surprise us.
class DownloadAttempt final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DownloadAttempt)

public:
    DownloadAttempt(const AttemptJob &job, QPromise<AttemptResult> &promise, HttpClient &network);
    ~DownloadAttempt() override;

    AttemptResult run();

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void sendRequest();
    void handleMetaData();
    void handleReadyRead();
    // Appends body bytes to the .part file; false (and the reply stopped with the reason) when it cannot.
    bool writeBody(const char *data, qint64 size);
    void handleFinished();
    bool isRateLimited() const;
    qint64 allowedBytes(qint64 wanted, qint64 *waitMs);
    // How much of `wanted` may be read from `reply` now under a speed limit: 0 when nothing waits, -1 when
    // the limit holds it back (the throttle timer calls handleReadyRead() again).
    qint64 limitedRead(HttpReply &reply, qint64 wanted);
    void handleWatchdog();
    void stopReply(DownloadError error);
    void abortReply();
    void quitLoop();

    void acceptRangeNotSatisfiable();
    bool acceptRedirect(int status);
    bool acceptBody(int status);
    bool enoughDiskSpace(const QString &name); // `name`: the file's, for the message
    // A .part to continue: bytes from m_offset on, or the pieces of a segmented one (m_offset may be 0).
    bool resuming() const { return m_offset > 0 || !m_segments.isEmpty(); }
    // False, with the reply stopped by a Disk error, when the open .part no longer has a name.
    bool partStillThere();
    // What a ranged request sends in If-Range: a strong ETag, else a Last-Modified kept as strong; or
    // nothing.
    QByteArray ifRangeValidator() const;
    bool isHeldByAnother(const QString &name) const; // another download's .part has that name
    // Whether another process holds the lock on the .part (it writes it).
    bool partIsBusy(const QString &path) const;
    DownloadError busyError() const;
    // Whether a 206's validators and encoding allow its bytes into our .part (see the .cpp).
    bool describesOurFile(const HttpReply &reply) const;
    enum class NameChoice { Taken, Next, Stop };
    // Offers `first`, then the numbered forms of `name`, to `tryName` (with its path in the target folder)
    // until it takes one or stops; Next when every name was refused. Remembers the number taken.
    NameChoice
    tryNames(const QString &name, const QString &first,
             const std::function<NameChoice(const QString &candidate, const QString &path)> &tryName) const;
    bool reserveFiles(const QString &name);
    bool publishWholeBody(const QString &name);
    bool openPartForResume(bool truncate);
    DownloadError networkError() const;
    DownloadError completeFile();
    QString describeUrl() const;
    HttpRequest makeRequest() const;
    bool writeAt(qint64 position, const char *data, qint64 size);

    // A file fetched over several connections (see startSegments() in the .cpp for the whole story).
    bool shouldSegment() const;
    void startSegments();
    void assignWork(int connection);
    // More connections while the job wants more and the caps have room again (see handleWatchdog()).
    void growConnections();
    void requestSegment(int connection, int segment);
    void handleSegmentMetaData(int connection);
    void handleSegmentFinished(int connection);
    void readSegment(int connection);
    void settleConnection(int connection);
    void retireReply(int connection);
    void dropConnection(int connection, const QString &why);
    int activeConnections() const;
    bool isAssigned(int segment) const;
    void publishSegments(bool force);
    QList<Segment> sortedSegments(bool withFinished) const;

    const AttemptJob m_job;
    QPromise<AttemptResult> &m_promise;
    HttpClient &m_network;

    QEventLoop m_loop;
    bool m_inLoop = false; // run() is waiting for the exchange's events
    bool m_quitRequested = false; // quitLoop() was called since the request was sent
    QPointer<HttpReply> m_reply;
    QBasicTimer m_tick; // while run() runs: the cancel check and the stall watchdog
    int m_tickMs = 100;
    QBasicTimer m_throttle; // wakes a rate-limited read when the limit allows more
    bool m_throttled = false;
    QElapsedTimer m_sinceData; // restarted by every byte from the server
    QElapsedTimer m_elapsed;
    QElapsedTimer m_sinceSync;

    QUrl m_url; // the URL being asked now (after redirects)
    int m_redirects = 0;
    std::optional<QUrl> m_redirectTarget;
    DownloadError m_error;
    bool m_cancelled = false;
    bool m_timedOut = false;
    bool m_accepted = false; // the current response's body goes into the file
    bool m_skipped = false; // CollisionPolicy::Skip found the file already there
    bool m_published = false; // the body came whole with the head and is already the finished file
    bool m_rangeAlreadyComplete = false; // a 416 confirmed that the .part already holds the whole file

    TransferState::Files m_files;
    QFile m_file;
    QByteArray &m_buffer; // the worker thread's own, reused by every download on it

    struct Connection
    {
        QPointer<HttpReply> reply;
        int segment = -1; // index into m_segments; -1: resting, or dropped
        qint64 requestEnd = -1; // one past the last byte this request asked for
        bool accepted = false; // its response was checked: its bytes go into the file
        bool dropped = false; // failed; not used again in this attempt
        // Resting without a place in the connection caps: it gave its place back when nothing was left to
        // take, and takes one again before its next request.
        bool parked = false;
        bool throttled = false; // held back by a speed limit: quiet, but not stalled
        QElapsedTimer sinceData;
    };
    bool m_segmented = false;
    int m_extraConnections = 0; // taken from the job's ConnectionBudget, given back when run() ends
    int m_placesShort = 0; // extra places asked for at the start and not granted: growConnections() tries
    bool m_connectionDropped = false; // a connection failed in this attempt: no growing any more
    QList<Segment> m_segments; // in the order they were made (stolen halves are appended)
    std::vector<Connection> m_connections; // [0] carries m_reply
    int m_readingConnection = -1; // readSegment() is running for it: a finished() inside waits for it
    int m_nextReader = 0; // the connection read first at the next wake-up under a speed limit
    QElapsedTimer m_sincePublish;
    QString m_lastDropReason;
    qint64 m_offset = 0; // bytes already on disk when this attempt asked for the rest
    qint64 m_onDisk = 0;
    qint64 m_expectedTotal = -1; // the whole file's length, -1 when the server did not say
};

} // namespace heiko

#pragma once

#include "segment.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QUrl>

#include <atomic>
#include <mutex>

QT_BEGIN_NAMESPACE
class QAbstractEventDispatcher;
QT_END_NAMESPACE

namespace heiko {

// What a worker knows about a download that outlives one attempt: shared between the worker thread that
// writes it and the manager thread that reads it (progress ticks, and the next attempt after a retry or
// pause). Counters are atomics so that the hot path (every network read) takes no lock; the rest changes
// a few times per attempt and sits behind a mutex.
class TransferState final
{
public:
    struct Files
    {
        QString fileName; // the name decided for this download ("song.mp3")
        // The name before numbering ("a.zip" for "a (1).zip"), for numbering again if the name is taken by
        // the end. Kept for the retries in this process only, not in the saved queue.
        QString baseName;
        QString partPath; // where its bytes go until complete ("/dl/song.mp3.part")
        QString finalPath; // where it ends up ("/dl/song.mp3"); set when finished
        QByteArray etag; // strong validator of the bytes in partPath, or empty
        QByteArray lastModified; // Last-Modified of those bytes, or empty
        bool rangesSupported = false; // the server answered ranges (Accept-Ranges: bytes or a 206)
        // It says it serves ranges but answered a piece's request with the whole, same file: never split.
        bool rangesIgnored = false;
        bool skippedExisting = false; // CollisionPolicy::Skip: finalPath is a file that was already there
        // The finished file as the worker left it (measured in the worker, not in the manager's thread);
        // the saved queue keeps them as SavedDownload::finalSize and finalModifiedMs.
        qint64 finalSize = -1;
        qint64 finalModifiedMs = 0;
        // A file fetched over several connections: its pieces as far as they are synced to the disk, sorted
        // by start. Empty for a download over one connection.
        QList<Segment> segments;
    };

    qint64 bytesOnDisk() const { return m_bytesOnDisk.load(std::memory_order_relaxed); }
    void setBytesOnDisk(qint64 bytes) { m_bytesOnDisk.store(bytes, std::memory_order_relaxed); }
    void addBytesOnDisk(qint64 bytes) { m_bytesOnDisk.fetch_add(bytes, std::memory_order_relaxed); }
    // Bytes this process fetched and wrote for the download, over all its attempts: unlike bytesOnDisk(),
    // never counts a .part an earlier run left, and keeps counting across a start over.
    qint64 bytesFetched() const { return m_bytesFetched.load(std::memory_order_relaxed); }
    void addBytesFetched(qint64 bytes) { m_bytesFetched.fetch_add(bytes, std::memory_order_relaxed); }

    qint64 bytesTotal() const { return m_bytesTotal.load(std::memory_order_relaxed); }
    void setBytesTotal(qint64 bytes) { m_bytesTotal.store(bytes, std::memory_order_relaxed); }

    // Bytes of the .part known to be on the disk itself (synced), -1 before the first sync. After a crash
    // or power loss only these are trusted: the rest of the .part is cut off before resuming.
    qint64 durableBytes() const { return m_durableBytes.load(std::memory_order_relaxed); }
    void setDurableBytes(qint64 bytes);

    // Connections the running attempt has open or is opening (the pieces of a segmented download), 0 when
    // none.
    int connections() const { return m_connections.load(std::memory_order_relaxed); }
    void setConnections(int count) { m_connections.store(count, std::memory_order_relaxed); }

    quint64 workerThread() const { return m_workerThread.load(std::memory_order_relaxed); }
    void setWorkerThread(quint64 thread) { m_workerThread.store(thread, std::memory_order_relaxed); }

    Files files() const;
    void setFiles(const Files &files);
    // Both at once, for the saved queue: the synced length means something only together with the pieces (or
    // their absence) it was synced with, and a save must never pair one version's with the other's.
    Files files(qint64 *durableBytes) const;
    void setFiles(const Files &files, qint64 durableBytes);

    // The pieces of a segmented download as they are now (for the window's segmented progress bar), sorted
    // by start; updated a few times a second by the worker. Empty when fetched over one connection.
    QList<Segment> segments() const;
    void setSegments(const QList<Segment> &segments);

    // The running attempt's event dispatcher (set by the worker while it runs one): a pause or a cancel wakes
    // it, so that the attempt notices at once rather than at its next tick, up to a second away.
    void setWorkerDispatcher(QAbstractEventDispatcher *dispatcher);
    void wakeWorker();

private:
    std::atomic<qint64> m_bytesOnDisk { 0 };
    std::atomic<qint64> m_bytesFetched { 0 };
    std::atomic<qint64> m_bytesTotal { -1 };
    std::atomic<qint64> m_durableBytes { -1 };
    std::atomic<quint64> m_workerThread { 0 };
    std::atomic<int> m_connections { 0 };
    // std::mutex rather than QMutex: both are cheap here, but ThreadSanitizer can see a pthread mutex and
    // cannot see the futex inside Debian's (uninstrumented) QMutex.
    mutable std::mutex m_mutex;
    Files m_files;
    QList<Segment> m_segments;
    QAbstractEventDispatcher *m_workerDispatcher = nullptr;
};

} // namespace heiko

#include "transferstate.h"

#include <QAbstractEventDispatcher>

#include <mutex>

namespace heiko {

TransferState::Files TransferState::files() const
{
    const std::lock_guard locker(m_mutex);
    return m_files;
}

void TransferState::setFiles(const Files &files)
{
    const std::lock_guard locker(m_mutex);
    m_files = files;
}

void TransferState::setDurableBytes(qint64 bytes)
{
    const std::lock_guard locker(m_mutex); // ordered with files(qint64 *)
    m_durableBytes.store(bytes, std::memory_order_relaxed);
}

TransferState::Files TransferState::files(qint64 *durableBytes) const
{
    const std::lock_guard locker(m_mutex);
    *durableBytes = m_durableBytes.load(std::memory_order_relaxed);
    return m_files;
}

void TransferState::setFiles(const Files &files, qint64 durableBytes)
{
    const std::lock_guard locker(m_mutex);
    m_files = files;
    m_durableBytes.store(durableBytes, std::memory_order_relaxed);
}

QList<Segment> TransferState::segments() const
{
    const std::lock_guard locker(m_mutex);
    return m_segments;
}

void TransferState::setSegments(const QList<Segment> &segments)
{
    const std::lock_guard locker(m_mutex);
    m_segments = segments;
}

void TransferState::setWorkerDispatcher(QAbstractEventDispatcher *dispatcher)
{
    const std::lock_guard locker(m_mutex);
    m_workerDispatcher = dispatcher;
}

void TransferState::wakeWorker()
{
    // Under the lock: the worker clears it before its attempt ends, and a pool thread's dispatcher goes with
    // the thread.
    const std::lock_guard locker(m_mutex);
    if (m_workerDispatcher)
        m_workerDispatcher->wakeUp();
}

} // namespace heiko

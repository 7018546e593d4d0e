#include "queuepersistence.h"

#include "downloadmanager.h"
#include "loghub.h"

#include <QtConcurrent/QtConcurrentRun>

using namespace Qt::StringLiterals;

namespace heiko {

QueuePersistence::QueuePersistence(DownloadManager &manager, QueueStore store, Mode mode, LogHub &log,
                                   QObject *parent)
    : QObject(parent)
    , m_manager(manager)
    , m_store(std::move(store))
    , m_mode(mode)
    , m_log(log)
{
    m_timer.setSingleShot(true);
    m_timer.setInterval(kSaveIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &QueuePersistence::saveInBackground);
    connect(&m_writer, &QFutureWatcherBase::finished, this, [this] {
        const QString error = m_writer.result();
        if (!error.isEmpty() && error != m_lastError)
            m_log.warning(HEIKO_HERE, u"[queue] "_s + error);
        m_lastError = error;
        if (m_dirty && !m_timer.isActive())
            m_timer.start(m_delayAfterWriteMs);
    });
    // State changes are saved soon; byte progress at most every progressSaveIntervalMs().
    for (const auto signal : { &DownloadManager::downloadAdded, &DownloadManager::downloadChanged,
                               &DownloadManager::downloadFinished, &DownloadManager::downloadFailed,
                               &DownloadManager::downloadRemoved })
        connect(&manager, signal, this, &QueuePersistence::markDirty);
    connect(&manager, &DownloadManager::progressUpdated, this, &QueuePersistence::markProgress);
}

int QueuePersistence::progressSaveIntervalMs(qsizetype downloads)
{
    return int(qBound(qint64(kSaveIntervalMs), qint64(kSaveIntervalMs) * downloads / 500,
                      qint64(kMaxProgressSaveIntervalMs)));
}

QueuePersistence::~QueuePersistence()
{
    saveNow();
}

void QueuePersistence::markDirty()
{
    scheduleSave(kSaveIntervalMs);
}

void QueuePersistence::markProgress()
{
    scheduleSave(progressSaveIntervalMs(m_lastSavedCount));
}

void QueuePersistence::scheduleSave(int delayMs)
{
    if (!m_dirty)
        m_delayAfterWriteMs = delayMs;
    m_dirty = true;
    m_delayAfterWriteMs = qMin(m_delayAfterWriteMs, delayMs);
    if (m_writer.isRunning())
        return; // its end starts the timer
    // A state change brings a save of slower progress forward; progress never puts one off.
    if (!m_timer.isActive() || m_timer.remainingTime() > delayMs)
        m_timer.start(delayMs);
}

QList<SavedDownload> QueuePersistence::collect() const
{
    QList<SavedDownload> all = m_manager.savedState();
    if (m_mode == Mode::UnfinishedOnly)
        all.removeIf([](const SavedDownload &d) { return !d.isUnfinished() || d.files.partPath.isEmpty(); });
    return m_kept + all;
}

void QueuePersistence::saveInBackground()
{
    if (m_writer.isRunning())
        return; // finished() starts the timer again
    m_dirty = false;
    QList<SavedDownload> downloads = collect();
    m_lastSavedCount = downloads.size();
    // The copy is cheap (implicitly shared strings); the JSON and the disk sync happen off this thread.
    QFuture<QString> future = QtConcurrent::run([store = m_store, downloads = std::move(downloads)] {
        QString error;
        store.save(downloads, &error);
        return error;
    });
    m_writer.setFuture(future);
}

bool QueuePersistence::saveNow()
{
    m_timer.stop();
    m_writer.waitForFinished();
    m_dirty = false;
    QString error;
    if (!m_store.save(collect(), &error)) {
        m_log.warning(HEIKO_HERE, u"[queue] "_s + error);
        return false;
    }
    return true;
}

} // namespace heiko

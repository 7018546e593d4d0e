#include "queuepersistence.h"

#include "downloadmanager.h"
#include "loghub.h"

#include <QDir>
#include <QFileInfo>
#include <QLockFile>
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
        settleBackgroundSave();
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

void QueuePersistence::shareFileWithOtherRuns(const QList<SavedDownload> &taken)
{
    m_ownParts.emplace();
    for (const SavedDownload &download : taken) {
        if (!download.files.partPath.isEmpty())
            m_ownParts->insert(download.files.partPath);
    }
}

QList<SavedDownload> QueuePersistence::collect()
{
    QList<SavedDownload> all = m_manager.savedState();
    if (m_mode == Mode::UnfinishedOnly)
        all.removeIf([](const SavedDownload &d) { return !d.isUnfinished() || d.files.partPath.isEmpty(); });
    if (m_ownParts) {
        m_writingParts.clear();
        for (const SavedDownload &download : std::as_const(all))
            m_writingParts.insert(download.files.partPath);
    }
    return all;
}

std::optional<QSet<QString>> QueuePersistence::partsToReplace() const
{
    // This run's entries in the file: those it wrote last (or took over at its start), and those it writes
    // now.
    if (!m_ownParts)
        return std::nullopt;
    return *m_ownParts + m_writingParts;
}

void QueuePersistence::saved(bool succeeded, const QSet<QString> &written)
{
    // Once written, the file holds exactly this run's entries of then: one it finished is gone from it, and
    // its .part name is no longer this run's to remove (another run may have taken it since).
    if (!m_ownParts)
        return;
    if (succeeded)
        *m_ownParts = written;
    else
        *m_ownParts += written;
}

void QueuePersistence::settleBackgroundSave()
{
    // Once per background save: from its finished() or, if saveNow() comes first, from there (the signal is
    // delivered later, and a save with the old list of this run's entries would remove another run's).
    if (!m_inFlight)
        return;
    m_inFlight = false;
    saved(m_writer.result().isEmpty(), m_inFlightParts);
}

QString QueuePersistence::write(const QueueStore &store, const QList<SavedDownload> &own,
                                const std::optional<QSet<QString>> &ownParts)
{
    QString error;
    if (!ownParts) {
        store.save(own, &error);
        return error;
    }
    // The lock file goes beside the state file: its folder first (the first save ever makes it).
    const QString folder = QFileInfo(store.path()).absolutePath();
    if (!QDir().mkpath(folder))
        return u"cannot create the folder %1 to save the downloads in; check that it is writable"_s.arg(
            folder);
    QLockFile lock(store.path() + u".lock"_s);
    if (!lock.tryLock(kLockWaitMs)) {
        return lock.error() == QLockFile::LockFailedError
            ? u"cannot save the downloads to %1: another Heiko run has held %2 for %3 s; this run's progress "
              u"is saved at its next save"_s.arg(store.path(), lock.fileName(),
                                                 QString::number(kLockWaitMs / 1000))
            : u"cannot save the downloads to %1: cannot create the lock file %2; check that the folder is "
              u"writable"_s.arg(store.path(), lock.fileName());
    }
    QList<SavedDownload> inFile;
    QString loadError;
    // A file that cannot be read now (another program's, damaged since the start) keeps nothing of it: the
    // runs' own entries are what matters, and each run writes its own.
    if (!store.load(&inFile, &loadError))
        inFile.clear();
    inFile.removeIf([&ownParts](const SavedDownload &d) { return ownParts->contains(d.files.partPath); });
    store.save(inFile + own, &error);
    return error;
}

void QueuePersistence::saveInBackground()
{
    if (m_writer.isRunning())
        return; // finished() starts the timer again
    m_dirty = false;
    QList<SavedDownload> downloads = collect();
    m_lastSavedCount = downloads.size();
    // The copy is cheap (implicitly shared strings); the JSON and the disk sync happen off this thread.
    QFuture<QString> future
        = QtConcurrent::run([store = m_store, downloads = std::move(downloads), ownParts = partsToReplace()] {
              return write(store, downloads, ownParts);
          });
    m_inFlightParts = m_writingParts;
    m_inFlight = true;
    m_writer.setFuture(future);
}

bool QueuePersistence::saveNow()
{
    m_timer.stop();
    m_writer.waitForFinished();
    settleBackgroundSave();
    m_dirty = false;
    const QList<SavedDownload> downloads = collect();
    const QString error = write(m_store, downloads, partsToReplace());
    saved(error.isEmpty(), m_writingParts);
    if (!error.isEmpty()) {
        m_log.warning(HEIKO_HERE, u"[queue] "_s + error);
        return false;
    }
    return true;
}

} // namespace heiko

#pragma once

#include "queuestore.h"

#include <QFutureWatcher>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <optional>

namespace heiko {

class DownloadManager;
class LogHub;

// Keeps a QueueStore in step with a DownloadManager: after every change (a download added, started,
// finished, paused, removed) and every few seconds while bytes arrive, the manager's savedState() is written
// — serialised and synced on a pool thread, so the window never waits for the disk. A crash therefore loses
// at most kSaveIntervalMs of changes, and of byte progress at most progressSaveIntervalMs(): the whole list
// is written each time, so a long one saves its progress less often.
class QueuePersistence final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(QueuePersistence)

public:
    static constexpr int kSaveIntervalMs = 2000;
    static constexpr int kMaxProgressSaveIntervalMs = 30'000;
    static constexpr int kLockWaitMs = 5000; // for a shared file's lock, held by another run for one save

    // How long byte progress may wait to be saved, for a list of this many downloads: kSaveIntervalMs up to
    // 500, then longer in proportion (5,000 downloads: 20 s), at most kMaxProgressSaveIntervalMs. Every save
    // writes and syncs the whole list: with 5,000 downloads every 2 s, one slow download cost 5% of a core
    // and 1.75 MB/s of disk writes.
    static int progressSaveIntervalMs(qsizetype downloads);

    enum class Mode {
        WholeQueue, // the window: every download, finished ones included, comes back at the next start
        UnfinishedOnly, // the headless command: only what a second run of the same command can continue
    };

    QueuePersistence(DownloadManager &manager, QueueStore store, Mode mode, LogHub &log,
                     QObject *parent = nullptr);
    // Saves one last time (call DownloadManager::stopAndWait() first for final byte counts).
    ~QueuePersistence() override;

    // The headless command: other runs into the same folder save into the same file, maybe at the same time.
    // Every save then re-reads the file under a lock (QLockFile, beside it) and replaces only this run's
    // entries, told apart by their .part: those it took over at its start (`taken`) and those it saved
    // since. (Writing its own list over the file erased another run's entries, and that run's .part files
    // then started over under new names.)
    void shareFileWithOtherRuns(const QList<SavedDownload> &taken);
    // Writes now and waits for it; false with the reason logged if it failed.
    bool saveNow();

private:
    void markDirty(); // a download's state changed
    void markProgress(); // bytes arrived
    void scheduleSave(int delayMs);
    void saveInBackground();
    QList<SavedDownload> collect();
    std::optional<QSet<QString>> partsToReplace() const;
    void saved(bool succeeded, const QSet<QString> &written);
    void settleBackgroundSave();
    // Writes `own` into the store: with the other runs' entries when `ownParts` is set (shared).
    static QString write(const QueueStore &store, const QList<SavedDownload> &own,
                         const std::optional<QSet<QString>> &ownParts);

    DownloadManager &m_manager;
    QueueStore m_store;
    Mode m_mode;
    LogHub &m_log;
    // When the file is shared: the .part files of this run's entries in it (written last, or taken over at
    // the start), and of those being written now.
    std::optional<QSet<QString>> m_ownParts;
    QSet<QString> m_writingParts;
    QSet<QString> m_inFlightParts; // of the background save being written
    bool m_inFlight = false; // a background save whose end saved() has not seen yet
    QTimer m_timer;
    QFutureWatcher<QString> m_writer; // the error of the last background save, empty when it worked
    bool m_dirty = false;
    int m_delayAfterWriteMs = kSaveIntervalMs; // for a change that came while the last save was written
    qsizetype m_lastSavedCount = 0;
    QString m_lastError;
};

} // namespace heiko

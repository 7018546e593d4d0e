#pragma once

#include "queuestore.h"

#include <QFutureWatcher>
#include <QObject>
#include <QTimer>

namespace heiko {

class DownloadManager;
class LogHub;

// Keeps a QueueStore in step with a DownloadManager: after every change (a download added, started,
// finished, paused, removed) and every few seconds while bytes arrive, the manager's savedState() is written
// — serialised and synced on a pool thread, so the window never waits for the disk. A crash therefore loses
// at most kSaveIntervalMs of state, and the .part files (synced by their workers as often) match it.
class QueuePersistence final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(QueuePersistence)

public:
    static constexpr int kSaveIntervalMs = 2000;

    enum class Mode {
        WholeQueue, // the window: every download, finished ones included, comes back at the next start
        UnfinishedOnly, // the headless command: only what a second run of the same command can continue
    };

    QueuePersistence(DownloadManager &manager, QueueStore store, Mode mode, LogHub &log,
                     QObject *parent = nullptr);
    // Saves one last time (call DownloadManager::stopAndWait() first for final byte counts).
    ~QueuePersistence() override;

    // Saved downloads that are not in the manager but must stay in the file (another command's, for the
    // same folder).
    void setKeptEntries(const QList<SavedDownload> &entries) { m_kept = entries; }
    // Writes now and waits for it; false with the reason logged if it failed.
    bool saveNow();

private:
    void markDirty();
    void saveInBackground();
    QList<SavedDownload> collect() const;

    DownloadManager &m_manager;
    QueueStore m_store;
    Mode m_mode;
    LogHub &m_log;
    QList<SavedDownload> m_kept;
    QTimer m_timer;
    QFutureWatcher<QString> m_writer; // the error of the last background save, empty when it worked
    bool m_dirty = false;
    QString m_lastError;
};

} // namespace heiko

#pragma once

#include "downloadinfo.h"
#include "transferstate.h"

#include <QList>
#include <QString>
#include <QUrl>

namespace heiko {

// What survives a restart of one download: enough to show it again and to resume its .part.
struct SavedDownload
{
    QUrl url; // without its password: saved files never hold credentials
    bool hadPassword = false; // the URL had one, which the user must give again
    QString directory;
    QString requestedName;
    DownloadState state = DownloadState::Queued;
    TransferState::Files files;
    qint64 bytesTotal = -1;
    qint64 durableBytes = -1; // synced bytes of files.partPath; a resume cuts the .part back to these
    int attempts = 0;
    // Its own speed limit in bytes a second, 0 for none; -1 when not saved (a file from before), and then a
    // restored download gets the limit for new downloads.
    qint64 rateLimit = -1;
    QString errorMessage; // why it failed, for failed and cancelled ones
    qint64 finalSize
        = -1; // the finished file as Heiko left it: a later "delete files" only deletes it if unchanged
    qint64 finalModifiedMs = 0;

    bool isUnfinished() const
    {
        return state == DownloadState::Queued || state == DownloadState::Running
            || state == DownloadState::Paused;
    }
};

// The saved queue: one JSON file written atomically (QSaveFile: a crash mid-write leaves the previous file),
// read back at start. A damaged or foreign file is reported, never half-used.
class QueueStore final
{
public:
    explicit QueueStore(QString path);

    const QString &path() const { return m_path; }
    // A missing file is an empty queue, not an error. `writtenByNewer` (may be null): the file is a newer
    // Heiko's, whose format this one does not read.
    bool load(QList<SavedDownload> *downloads, QString *error, bool *writtenByNewer = nullptr) const;
    // load() for a program that is starting: a file it cannot use is moved aside (".damaged", or ".newer"
    // for a newer Heiko's; numbered when one is already there) so that the next save does not overwrite it,
    // and the queue starts empty. `notice` says what happened and what to do.
    QList<SavedDownload> loadAtStart(QString *notice) const;
    // An empty list removes the file.
    bool save(const QList<SavedDownload> &downloads, QString *error) const;

    // Where the headless command keeps the state of unfinished downloads into `targetFolder`, so that running
    // the same command again continues them: one file per folder under `dataFolder`.
    static QString headlessStatePath(const QString &dataFolder, const QString &targetFolder);

private:
    QString m_path;
};

} // namespace heiko

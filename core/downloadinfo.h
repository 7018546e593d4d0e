#pragma once

#include "downloaderror.h"
#include "segment.h"

#include <QMetaType>
#include <QString>
#include <QUrl>

namespace heiko {

enum class DownloadState { Queued, Running, Paused, Finished, Failed, Cancelled };

QString stateName(DownloadState state); // "queued", "running", ... (stable: used in JSON and tests)

// A snapshot of one download, as the window and the CLI show it. A value: taking one copies.
struct DownloadInfo
{
    int id = -1;
    QUrl url;
    QString displayUrl; // credentials masked
    QString directory;
    QString fileName; // final name once known, else the name the URL suggests
    QString filePath; // the finished file, or the .part while unfinished; empty before the first byte
    DownloadState state = DownloadState::Queued;
    qint64 bytesReceived = 0; // bytes on disk, resumed ones included
    qint64 bytesTotal = -1; // -1: the server did not say
    double bytesPerSecond = 0.0;
    qint64 etaSeconds = -1; // -1: unknown
    quint64 workerThread = 0; // OS id of the worker thread running it; 0 when none
    int attempt = 0; // attempts started so far
    qint64 rateLimit = 0; // this download's own speed limit in bytes per second, 0: none
    qint64 retryAtMs = 0; // when a waiting retry starts (ms since epoch), 0 when none
    DownloadError error; // why it failed (or why the last attempt failed, while retrying)
    // The pieces of a file fetched over several connections, sorted by start; empty for one connection and
    // once finished.
    QList<Segment> segments;
    int connections = 0; // open (or opening) while running, pieces included; 0 otherwise

    bool isActive() const { return state == DownloadState::Queued || state == DownloadState::Running; }
};

} // namespace heiko

Q_DECLARE_METATYPE(heiko::DownloadInfo)

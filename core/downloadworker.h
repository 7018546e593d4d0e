#pragma once

#include "downloaderror.h"
#include "engineoptions.h"

#include <QPromise>
#include <QString>
#include <QUrl>

#include <memory>

namespace heiko {

class ConnectionBudget;
class FileNameHints;
class PartClaims;
class LogHub;
class RateLimiter;
class TransferState;

// Everything one attempt needs, copied into the worker: the worker never touches the manager.
struct AttemptJob
{
    int downloadId = -1;
    QUrl url;
    QString directory;
    QString requestedName; // a name the user chose; empty: decided from the response
    int attempt = 1; // 1 for the first try
    EngineOptions options;
    std::shared_ptr<TransferState> state; // shared with the manager
    LogHub *log = nullptr; // thread-safe; outlives every worker
    FileNameHints *nameHints = nullptr; // thread-safe, shared by the workers; may be null
    PartClaims *partClaims = nullptr; // thread-safe, shared by the workers; may be null
    std::shared_ptr<RateLimiter> overallLimit; // shared by every download; may be null
    std::shared_ptr<RateLimiter> downloadLimit; // this download's own; may be null
    // Connections this download may open to its server (options.connectionsPerFile within the host's and the
    // overall caps); more than one fetches a large file in pieces.
    int connections = 1;
    QString host; // "scheme://host:port" of the URL asked for: the key in connectionBudget
    std::shared_ptr<ConnectionBudget> connectionBudget; // shared by every download; may be null
};

// How an attempt ended. An error of kind None means the file is complete under finalPath.
struct AttemptResult
{
    DownloadError error;
    QString finalPath;
    qint64 bytes = 0;
    qint64 elapsedMs = 0;
};

// The worker: one attempt at one download, run on a pool thread by QtConcurrent::run. It uses the calling
// thread's own HttpClient (kept for the thread's life, so connections are reused by the next
// download on this worker), streams the body into NAME.part and renames it when complete. Cancelling the
// future stops it promptly and keeps the .part.
void runDownloadAttempt(QPromise<AttemptResult> &promise, const AttemptJob &job);

} // namespace heiko

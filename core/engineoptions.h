#pragma once

#include <QString>

#include <chrono>

namespace heiko {

// What to do when the file name a download wants is already taken in the target folder.
enum class CollisionPolicy {
    Rename, // save as "name (1).ext", "name (2).ext", ... (default: nothing is ever overwritten)
    Overwrite, // replace the existing file, atomically, once the new one is complete
    Skip, // leave the existing file alone and finish without downloading
};

// How the engine downloads; one value shared by the CLI, the window's settings and the tests.
struct EngineOptions
{
    static constexpr int kMaxWorkersLimit = 64;
    static constexpr int kMaxConnectionsLimit = 16;

    int maxWorkers = 2; // concurrent downloads = worker threads
    int connectionsPerFile = 1; // more than one: a large file is fetched in pieces over that many connections
    std::chrono::milliseconds timeout { std::chrono::seconds(180) }; // connect and stall timeout
    int retries = 5; // further attempts after a transient failure
    std::chrono::milliseconds retryBaseDelay { std::chrono::seconds(1) }; // first backoff; doubles
    std::chrono::milliseconds retryMaxDelay { std::chrono::seconds(60) }; // backoff and Retry-After cap
    int maxRedirects = 10;
    int maxConnectionsPerHost = 8; // across all downloads: a server is not hammered by -j 64
    int maxConnections = 64; // across all downloads and hosts, pieces of segmented downloads included
    qint64 overallRateLimit = 0; // bytes per second for everything together, 0: unlimited
    qint64 downloadRateLimit = 0; // bytes per second for each new download, 0: unlimited
    CollisionPolicy collisionPolicy = CollisionPolicy::Rename;
    QString userAgent; // empty: "Heiko/<version>"
};

} // namespace heiko

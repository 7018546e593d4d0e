#pragma once

#include <QHash>
#include <QString>

#include <mutex>

namespace heiko {

// How many connections are open to each host and in all, against the per-host and the overall caps. Shared
// by the manager (one connection for every download it starts) and the workers (the extra connections of a
// segmented download), so that no mix of downloads and pieces exceeds a cap. Thread-safe.
class ConnectionBudget final
{
public:
    ConnectionBudget(int perHostCap, int overallCap);

    void setCaps(int perHostCap, int overallCap); // live; connections already open stay open

    // Takes up to `wanted` connections to `host` (fewer, or none, when a cap is reached) and says how many.
    int acquire(const QString &host, int wanted);
    void release(const QString &host, int count);

    int inUse(const QString &host) const;
    int inUseOverall() const;
    // No further connection may open to `host` now.
    bool isFull(const QString &host) const;
    bool isFullOverall() const;

private:
    mutable std::mutex m_mutex; // std::mutex: visible to ThreadSanitizer, unlike Debian's QMutex
    QHash<QString, int> m_perHost;
    int m_overall = 0;
    int m_perHostCap;
    int m_overallCap;
};

} // namespace heiko

#pragma once

#include <QtGlobal>

#include <chrono>
#include <mutex>

namespace heiko {

// A token bucket: at most `rate` bytes per second pass, in bursts of at most a tenth of a second's worth, so
// that a limit holds over short spans too. Thread-safe: one instance caps all workers (the overall limit),
// another one download (its own limit); the rate can change while they read.
class RateLimiter final
{
public:
    explicit RateLimiter(qint64 bytesPerSecond = 0);

    void setRate(qint64 bytesPerSecond); // 0: unlimited
    qint64 rate() const;

    // Grants up to `wanted` bytes now, and never less than a slice (a hundredth of a second's worth, and at
    // least 16 KiB or the whole burst) unless that is more than `wanted`. Otherwise returns 0 and sets
    // *waitMs to how long until a slice can be granted.
    qint64 acquire(qint64 wanted, qint64 *waitMs);
    // Gives back bytes granted but not used (the other limit granted fewer).
    void refund(qint64 bytes);

private:
    void refillLocked(std::chrono::steady_clock::time_point now);

    mutable std::mutex m_mutex;
    qint64 m_rate = 0;
    double m_tokens = 0;
    std::chrono::steady_clock::time_point m_last;
};

} // namespace heiko

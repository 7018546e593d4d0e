#include "ratelimiter.h"

#include <cmath>

namespace heiko {

namespace {
constexpr double kBurstSeconds = 0.1;
constexpr double kSliceSeconds = 0.01;

// The bucket holds a tenth of a second's worth, and at least a byte: below 10 bytes a second it would never
// hold one, and nothing would ever pass.
double burst(qint64 rate)
{
    return qMax(1.0, double(rate) * kBurstSeconds);
}
} // namespace

RateLimiter::RateLimiter(qint64 bytesPerSecond)
    : m_rate(qMax<qint64>(0, bytesPerSecond))
    , m_tokens(m_rate > 0 ? burst(m_rate) : 0.0)
    , m_last(std::chrono::steady_clock::now())
{ }

void RateLimiter::setRate(qint64 bytesPerSecond)
{
    const std::lock_guard lock(m_mutex);
    refillLocked(std::chrono::steady_clock::now());
    m_rate = qMax<qint64>(0, bytesPerSecond);
    m_tokens = qMin(m_tokens, burst(m_rate));
}

qint64 RateLimiter::rate() const
{
    const std::lock_guard lock(m_mutex);
    return m_rate;
}

void RateLimiter::refillLocked(std::chrono::steady_clock::time_point now)
{
    const double elapsed = std::chrono::duration<double>(now - m_last).count();
    m_last = now;
    if (m_rate > 0)
        m_tokens = qMin(burst(m_rate), m_tokens + elapsed * double(m_rate));
}

qint64 RateLimiter::acquire(qint64 wanted, qint64 *waitMs)
{
    *waitMs = 0;
    const std::lock_guard lock(m_mutex);
    if (m_rate <= 0)
        return wanted;
    refillLocked(std::chrono::steady_clock::now());
    // Nothing below a slice (or all that is wanted if less): the caller waits for one instead. Granting
    // whatever had accrued let a reader spin: each read and write took long enough for a few more bytes to
    // accrue, so it never waited, and moved a few bytes per system call with a core busy for the whole
    // download. A slice is a hundredth of a second's worth, and at least 16 KiB (or the whole burst, for a
    // limit below 160 KiB/s), so that a slow limit is not read in crumbs a hundred times a second either:
    // 10 KiB/s is read ten times a second, 8 MiB/s a hundred.
    const double minimum = qMax(double(m_rate) * kSliceSeconds, qMin(burst(m_rate), 16384.0));
    const double slice = qMax(1.0, qMin(double(wanted), minimum));
    if (m_tokens < slice) {
        *waitMs = qMax<qint64>(1, qint64(std::ceil((slice - m_tokens) * 1000.0 / double(m_rate))));
        return 0;
    }
    const qint64 granted = qMin(wanted, qint64(m_tokens));
    m_tokens -= double(granted);
    return granted;
}

void RateLimiter::refund(qint64 bytes)
{
    const std::lock_guard lock(m_mutex);
    if (m_rate > 0 && bytes > 0)
        m_tokens = qMin(burst(m_rate), m_tokens + double(bytes));
}

} // namespace heiko

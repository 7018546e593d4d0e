#include "speedmeter.h"

#include <cmath>

namespace heiko {

void SpeedMeter::addSample(qint64 timeMs, qint64 bytes)
{
    m_samples[size_t(m_next)] = { timeMs, bytes };
    m_next = (m_next + 1) % kSamples;
    if (m_count < kSamples)
        ++m_count;
}

void SpeedMeter::reset()
{
    m_count = 0;
    m_next = 0;
}

double SpeedMeter::bytesPerSecond() const
{
    if (m_count < 2)
        return 0.0;
    const Sample &newest = m_samples[size_t((m_next + kSamples - 1) % kSamples)];
    const Sample &oldest = m_samples[size_t((m_next + kSamples - m_count) % kSamples)];
    const qint64 span = newest.timeMs - oldest.timeMs;
    if (span <= 0 || newest.bytes < oldest.bytes)
        return 0.0;
    return double(newest.bytes - oldest.bytes) * 1000.0 / double(span);
}

qint64 SpeedMeter::etaSeconds(qint64 remaining) const
{
    const double speed = bytesPerSecond();
    if (remaining < 0 || speed < 1.0)
        return -1;
    return qint64(std::ceil(double(remaining) / speed));
}

} // namespace heiko

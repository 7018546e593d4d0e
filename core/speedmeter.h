#pragma once

#include <QtGlobal>

#include <array>

namespace heiko {

// Transfer speed over a sliding window of recent samples, so that the number a user reads neither jumps
// with every network chunk nor lags for minutes. Fed by the manager's progress timer, not by the network.
class SpeedMeter final
{
public:
    void addSample(qint64 timeMs, qint64 bytes);
    void reset();
    // Bytes per second over the window; 0 until two samples span some time.
    double bytesPerSecond() const;
    // Seconds until `remaining` bytes arrive at the current speed; -1 when unknown.
    qint64 etaSeconds(qint64 remaining) const;

private:
    static constexpr int kSamples = 30; // ~3 s at the manager's 10 Hz
    struct Sample
    {
        qint64 timeMs = 0;
        qint64 bytes = 0;
    };
    std::array<Sample, kSamples> m_samples {};
    int m_count = 0;
    int m_next = 0;
};

} // namespace heiko
